/* SPDX-License-Identifier: MIT */
/* Files in DATA_DIR: private directories and atomic, exclusive creation of secret files
 * (temporary file, fsync, rename without replace, directory fsync). */
#include "core/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int files_mkdir_p(const char *dir)
{
    char *path = *dir ? strdup(dir) : NULL;
    int rc = 0;
    if (!path)
        return -1;
    for (char *p = path + 1; rc == 0; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            rc = -1;
        *p = c;
        if (c == '\0')
            break;
    }
    free(path);
    return rc;
}

/* Makes a rename into path's directory durable. */
static void sync_dir(const char *path)
{
    char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) {
        *slash = '\0';
        int fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    free(dir);
}

/* Writes text to path atomically and without replacing an existing file (another process
 * may have created it first). Returns 0, 1 when the file already existed, -1 on error. */
int files_write_new(const char *path, const char *text)
{
    char tmp[4096];
    size_t len = strlen(text);
    int fd, rc = -1;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
        return -1;
    fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0)
        return -1;
    if (fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0)
        rc = 0;
    close(fd);
    if (rc == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST) {
            rc = 1;
        } else if (errno == EINVAL || errno == ENOSYS) { /* no RENAME_NOREPLACE here */
            rc = link(tmp, path) == 0 ? 0 : (errno == EEXIST ? 1 : -1);
        } else {
            rc = -1;
        }
    }
    unlink(tmp); /* after a successful rename this fails harmlessly */
    if (rc == 0)
        sync_dir(path);
    return rc;
}
