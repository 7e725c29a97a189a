/* SPDX-License-Identifier: MIT */
/* Change counters per tenant and data family (tenant_versions, migration 0005). The
 * database moves a family's counter in the same transaction as every committed change to
 * the family's tables (triggers), whoever makes it: this server, another instance, or an
 * operator. A rendering cached with the counters it was read under is current exactly while
 * they are unchanged (core/respcache.h). Families name what a page shows: */
#ifndef PETE_CORE_VERSIONS_H
#define PETE_CORE_VERSIONS_H

#include <stdint.h>

#include "core/db.h"
#include "core/err.h"

#define VERSIONS_LISTINGS "listings" /* rentals, sources */
#define VERSIONS_PROFILE "profile"   /* settings (zone, hours...), email and names */
#define VERSIONS_CALENDAR "calendar" /* appointments, the connection, mirrored busy times */
#define VERSIONS_AGENTS "agents"     /* agents, their variables and functions */

/* The current counters of n families (0 for one never changed) into out[i], in one
 * statement, inside the caller's tenant transaction (row-level security shows only its
 * rows). */
app_err versions_read(db_conn *c, int64_t tenant, const char *const families[], int n,
                      int64_t out[]);
/* Moves family's counter now, inside the caller's write transaction: a writer that
 * changes several rows of a family calls it first, so writers of one tenant and family
 * queue on that row in one order. APP_E_NOTFOUND when the tenant is gone. */
app_err versions_bump(db_conn *c, int64_t tenant, const char *family);

#endif
