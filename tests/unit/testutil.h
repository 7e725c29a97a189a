/* SPDX-License-Identifier: MIT */
/* Shared helpers for CMocka unit tests. */
#ifndef PETE_TESTUTIL_H
#define PETE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/db.h"

/* A fresh temporary directory (mkdtemp); caller free()s the string. */
char *tu_tempdir(void);
/* Removes a directory tree made by tu_tempdir. */
void tu_rmtree(const char *dir);
/* "sqlite" or "postgres" from PETE_BACKEND (default sqlite). */
const char *tu_backend(void);
/* Opens a pool on an empty database of the selected backend: SQLite in dir, or a new
 * database created on the cluster at PETE_TEST_PG_URL. *url_out (may be NULL) receives
 * the PostgreSQL URL (free()) or NULL. */
db *tu_open_db(const char *dir, char **url_out);

#endif
