/* SPDX-License-Identifier: MIT */
/* All SQL of the Clerk webhook: the Svix deliveries already applied (webhook_deliveries,
 * migration 0004), kept for the signature window so a replay is recognised. */
#include "webhooks/clerk.h"

static const char sql_prune[] = "DELETE FROM webhook_deliveries WHERE received_at < $1";

static const char sql_claim[] =
    "INSERT INTO webhook_deliveries (delivery_id, received_at) VALUES ($1, $2)"
    " ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id";

static const char sql_forget[] = "DELETE FROM webhook_deliveries WHERE delivery_id = $1";

app_err clerk_store_claim(db_conn *c, const char *id, int64_t now, bool *fresh)
{
    db_param prune[] = {DB_INT(now - 2 * SVIX_TOLERANCE_SECONDS)};
    db_param p[] = {DB_TEXT(id), DB_INT(now)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_prune, prune, 1, NULL);
    if (e == DB_OK)
        e = db_exec(c, sql_claim, p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "claim webhook delivery");
    *fresh = db_res_rows(res) == 1;
    db_res_free(res);
    return APP_OK;
}

app_err clerk_store_forget(db_conn *c, const char *id)
{
    db_param p[] = {DB_TEXT(id)};
    return db_run(c, sql_forget, p, 1, "forget webhook delivery");
}
