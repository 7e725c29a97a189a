/* SPDX-License-Identifier: MIT */
/* Change counters per tenant and family (versions.h). */
#include "core/versions.h"

#include <string.h>

static const char sql_read[] =
    "SELECT family, version FROM tenant_versions WHERE user_id = $1";

/* Moves the counter, creating it at 1; nothing when the tenant is gone. */
static const char sql_bump[] =
    "INSERT INTO tenant_versions (user_id, family, version)"
    " SELECT $1, $2, 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)"
    " ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1"
    " RETURNING version";

app_err versions_read(db_conn *c, int64_t tenant, const char *const families[], int n,
                      int64_t out[])
{
    db_param p[] = {DB_INT(tenant)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_read, p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "read change counters");
    for (int i = 0; i < n; i++) {
        out[i] = 0;
        for (int row = 0; row < db_res_rows(res); row++)
            if (strcmp(db_res_text(res, row, 0), families[i]) == 0)
                out[i] = db_res_int(res, row, 1);
    }
    db_res_free(res);
    return APP_OK;
}

app_err versions_bump(db_conn *c, int64_t tenant, const char *family)
{
    db_param p[] = {DB_INT(tenant), DB_TEXT(family)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_bump, p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "move a change counter");
    app_err rc = db_res_rows(res) == 1 ? APP_OK : APP_E_NOTFOUND;
    db_res_free(res);
    return rc;
}
