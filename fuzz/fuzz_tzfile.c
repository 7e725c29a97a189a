/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the TZif reader (src/core/tz.c), which only reads zones by name from
 * $TZDIR: a private temporary TZDIR holds one zone, a symbolic link to an in-memory file
 * (memfd; rewriting a disk file per input costs milliseconds), each input is written there,
 * loaded with tz_load and looked up at a few instants (before, inside and after the usual
 * transition tables, so both the transition search and the POSIX TZ footer rules run), the
 * same wall-clock readings are converted back with tz_to_utc, and tz_valid checks the file. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/tz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ZONE "Fuzz/Zone"

static char dir[64];
static char path[128];
static int mem_fd = -1;

static void cleanup(void)
{
    char sub[96];
    unlink(path);
    snprintf(sub, sizeof sub, "%s/Fuzz", dir);
    rmdir(sub);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char sub[96];
    snprintf(dir, sizeof dir, "/tmp/pete-fuzz-tz-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(sub, sizeof sub, "%s/Fuzz", dir);
    if (mkdir(sub, 0700) != 0)
        abort();
    snprintf(path, sizeof path, "%s/" ZONE, dir);
    char target[64];
    mem_fd = memfd_create("fuzz-tzif", MFD_CLOEXEC);
    snprintf(target, sizeof target, "/proc/self/fd/%d", mem_fd);
    if (mem_fd < 0 || symlink(target, path) != 0)
        abort();
    setenv("TZDIR", dir, 1);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the epoch (before most tables), 2026 and 2100 (past them: the POSIX footer) */
    static const int64_t when[] = {0, 1767225600, 4102444800};
    if (size > 300 * 1024)
        return 0;
    if (ftruncate(mem_fd, 0) != 0)
        abort();
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(mem_fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    struct tz_zone *z = tz_load(ZONE);
    for (size_t i = 0; z && i < sizeof when / sizeof when[0]; i++) {
        /* a hostile file may name any offset: only safety is checked */
        enum tz_local_kind kind;
        char buf[CIVIL_WHEN_SIZE];
        (void)tz_to_utc(z, tz_local(z, when[i]), &kind);
        tz_format_when(z, when[i], buf, sizeof buf);
    }
    tz_free(z);
    (void)tz_valid(ZONE);
    return 0;
}
