/* SPDX-License-Identifier: MIT */
/* Files in DATA_DIR: directories made private, secrets written atomically. */
#ifndef PETE_CORE_FILES_H
#define PETE_CORE_FILES_H

/* mkdir -p with mode 0700 for every directory it creates. Returns 0 or -1 (errno set). */
int files_mkdir_p(const char *dir);
/* Writes text to path (mode 0600) atomically and without replacing an existing file, so two
 * processes starting together agree on one content. Returns 0 when written, 1 when the file
 * already existed (read it instead), -1 on error (errno set). */
int files_write_new(const char *path, const char *text);

#endif
