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

/* The common fixture: a fresh directory and an empty database of the selected backend. */
struct tu_db {
    char *dir;
    char *url; /* PostgreSQL: the test database's URL (superuser); NULL on SQLite */
    db *d;
};
void tu_db_open(struct tu_db *t);
void tu_db_close(struct tu_db *t);
/* tu_db_open, then every migration applied and the connections switched to the unprivileged
 * serving role, as `peterental serve` runs them (row-level security applies). Asserted. */
void tu_db_open_serving(struct tu_db *t);
/* CMocka setup/teardown that allocate and free a struct tu_db as the test state. */
int tu_db_setup(void **state);
int tu_db_teardown(void **state);
/* Registers a user (issuer "https://issuer.test") through the store; returns its id. */
int64_t tu_make_user(db *d, const char *subject);
/* A pooled connection in a write transaction of user's tenant (asserted). */
db_conn *tu_tx(db *d, int64_t user);
/* Commits and gives c back (asserted). */
void tu_commit(db_conn *c);

#endif
