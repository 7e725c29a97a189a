/* SPDX-License-Identifier: MIT */
/* Schema migrations: numbered SQL files per dialect, embedded at build time,
 * each applied in its own transaction and recorded with a SHA-256 checksum in
 * schema_migrations. A second run applies nothing; an applied file whose text
 * changed is refused with a clear message. */
#ifndef PETE_CORE_MIGRATE_H
#define PETE_CORE_MIGRATE_H

#include "core/db.h"
#include "core/err.h"

struct migration {
    const char *name; /* "0001_init.sql"; NULL ends a table */
    const char *sql;
};

extern const struct migration migrations_sqlite[];
extern const struct migration migrations_postgres[];

/* Applies pending migrations from list (NULL: the embedded list of the pool's dialect).
 * *applied (may be NULL) receives how many were applied. */
app_err migrate_run(db *d, const struct migration *list, int *applied);

#endif
