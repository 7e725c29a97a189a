/* SPDX-License-Identifier: MIT */
/* All SQL of the voice assistant: agents, agent_variables, agent_functions and calls
 * (migration 0008). Statements that differ by dialect come in pairs picked with db_sql:
 * PostgreSQL keeps times as timestamptz and JSON as jsonb, SQLite as text. Every statement
 * binds its values and filters on the tenant. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "vapi/vapi_store.h"

#define AGENT_COLS_SQ                                                                      \
    "id, user_id, vapi_assistant_id, agent_name, is_active, config, created_at, updated_at"
#define AGENT_COLS_PG                                                                      \
    "id, user_id, vapi_assistant_id, agent_name, is_active, config::text, "                \
    DB_PG_TS("created_at") ", " DB_PG_TS("updated_at")

static const char sq_agent_insert[] =
    "INSERT INTO agents (user_id, vapi_assistant_id, agent_name, is_active, config,"
    " webhook_secret_sealed) VALUES ($1, $2, $3, $4, $5, $6) RETURNING " AGENT_COLS_SQ;
static const char pg_agent_insert[] =
    "INSERT INTO agents (user_id, vapi_assistant_id, agent_name, is_active, config,"
    " webhook_secret_sealed) VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING " AGENT_COLS_PG;

static const char sq_agent_get[] =
    "SELECT " AGENT_COLS_SQ " FROM agents WHERE user_id = $1 AND id = $2";
static const char pg_agent_get[] =
    "SELECT " AGENT_COLS_PG " FROM agents WHERE user_id = $1 AND id = $2";

static const char sq_agent_list[] =
    "SELECT " AGENT_COLS_SQ " FROM agents WHERE user_id = $1 ORDER BY id";
static const char pg_agent_list[] =
    "SELECT " AGENT_COLS_PG " FROM agents WHERE user_id = $1 ORDER BY id";

static const char sq_agent_update[] =
    "UPDATE agents SET vapi_assistant_id = $3, agent_name = $4, is_active = $5, config = $6,"
    " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
    " WHERE user_id = $1 AND id = $2 RETURNING " AGENT_COLS_SQ;
static const char pg_agent_update[] =
    "UPDATE agents SET vapi_assistant_id = $3, agent_name = $4, is_active = $5,"
    " config = $6::jsonb, updated_at = now()"
    " WHERE user_id = $1 AND id = $2 RETURNING " AGENT_COLS_PG;

static const char sql_agent_secret[] =
    "UPDATE agents SET webhook_secret_sealed = $3 WHERE user_id = $1 AND id = $2";
static const char sql_agent_secret_get[] =
    "SELECT webhook_secret_sealed FROM agents WHERE user_id = $1 AND id = $2";
static const char sql_agent_delete[] = "DELETE FROM agents WHERE user_id = $1 AND id = $2";

/* The webhook's lookup: plain on SQLite, through the SECURITY DEFINER function on
 * PostgreSQL (the tenant is not known yet; row-level security shows nothing without it). */
static const char sq_by_assistant[] =
    "SELECT id, user_id, is_active, config, webhook_secret_sealed FROM agents"
    " WHERE vapi_assistant_id = $1";
static const char pg_by_assistant[] =
    "SELECT id, user_id, is_active, config, webhook_secret_sealed FROM vapi_agent_lookup($1)";

#define VAR_COLS_SQ "id, agent_id, name, value, created_at, updated_at"
#define VAR_COLS_PG "id, agent_id, name, value, " DB_PG_TS("created_at") ", " DB_PG_TS("updated_at")
#define VAR_PUT(now, cols)                                                                 \
    "INSERT INTO agent_variables (user_id, agent_id, name, value)"                         \
    " SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM agents WHERE user_id = $1 AND id = $2)" \
    " ON CONFLICT (agent_id, name) DO UPDATE SET value = excluded.value, updated_at = " now  \
    " RETURNING " cols
static const char sq_var_put[] = VAR_PUT("strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", VAR_COLS_SQ);
static const char pg_var_put[] = VAR_PUT("now()", VAR_COLS_PG);
static const char sq_vars[] =
    "SELECT " VAR_COLS_SQ " FROM agent_variables WHERE user_id = $1 AND agent_id = $2 ORDER BY name";
static const char pg_vars[] =
    "SELECT " VAR_COLS_PG " FROM agent_variables WHERE user_id = $1 AND agent_id = $2 ORDER BY name";

#define FN_COLS_SQ "id, agent_id, name, description, parameters, is_enabled, created_at, updated_at"
#define FN_COLS_PG                                                                         \
    "id, agent_id, name, description, parameters::text, is_enabled, " DB_PG_TS("created_at") \
    ", " DB_PG_TS("updated_at")
#define FN_PUT(params, now, cols)                                                          \
    "INSERT INTO agent_functions (user_id, agent_id, name, description, parameters, is_enabled)" \
    " SELECT $1, $2, $3, $4, " params ", $6"                                                \
    " WHERE EXISTS (SELECT 1 FROM agents WHERE user_id = $1 AND id = $2)"                  \
    " ON CONFLICT (agent_id, name) DO UPDATE SET description = excluded.description,"       \
    " parameters = excluded.parameters, is_enabled = excluded.is_enabled, updated_at = " now \
    " RETURNING " cols
static const char sq_fn_put[] =
    FN_PUT("$5", "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", FN_COLS_SQ);
static const char pg_fn_put[] = FN_PUT("$5::jsonb", "now()", FN_COLS_PG);
static const char sq_fns[] =
    "SELECT " FN_COLS_SQ " FROM agent_functions WHERE user_id = $1 AND agent_id = $2 ORDER BY name";
static const char pg_fns[] =
    "SELECT " FN_COLS_PG " FROM agent_functions WHERE user_id = $1 AND agent_id = $2 ORDER BY name";

static const char sql_call_insert[] =
    "INSERT INTO calls (user_id, agent_id, vapi_call_id, customer_number, started_at, ended_at,"
    " ended_reason, summary, transcript, cost, recording_url)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    " ON CONFLICT (vapi_call_id) DO NOTHING RETURNING id";

#define CALL_COLS(created)                                                                 \
    "id, agent_id, vapi_call_id, customer_number, started_at, ended_at, ended_reason,"     \
    " summary, transcript, cost, recording_url, " created ", user_id"
static const char sq_calls[] =
    "SELECT " CALL_COLS("created_at") " FROM calls WHERE user_id = $1"
    " AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3";
static const char pg_calls[] =
    "SELECT " CALL_COLS(DB_PG_TS("created_at")) " FROM calls WHERE user_id = $1"
    " AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3";
static const char sq_call_get[] =
    "SELECT " CALL_COLS("created_at") " FROM calls WHERE user_id = $1 AND id = $2";
static const char pg_call_get[] =
    "SELECT " CALL_COLS(DB_PG_TS("created_at")) " FROM calls WHERE user_id = $1 AND id = $2";

/* ---- rows ------------------------------------------------------------------------------ */

static char *dup_or_null(const db_res *r, int row, int col)
{
    const char *s = db_res_text(r, row, col);
    return s ? mem_strdup(s) : NULL;
}

static void agent_from_row(const db_res *r, int row, struct vapi_agent *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_res_int(r, row, 0);
    out->user_id = db_res_int(r, row, 1);
    out->vapi_assistant_id = dup_or_null(r, row, 2);
    out->name = dup_or_null(r, row, 3);
    out->is_active = db_res_bool(r, row, 4);
    const char *cfg = db_res_text(r, row, 5);
    out->j_config = cfg ? json_loads(cfg, 0, NULL) : NULL;
    out->created_at = dup_or_null(r, row, 6);
    out->updated_at = dup_or_null(r, row, 7);
}

/* The one row of res into *out, or APP_E_NOTFOUND. res is freed. */
static app_err one_agent(db_res *res, struct vapi_agent *out)
{
    app_err rc = db_res_rows(res) == 1 ? APP_OK : APP_E_NOTFOUND;
    if (rc == APP_OK)
        agent_from_row(res, 0, out);
    db_res_free(res);
    return rc;
}

static json_t *text_or_null(const db_res *r, int row, int col)
{
    const char *s = db_res_text(r, row, col);
    return s ? json_string(s) : json_null();
}

static json_t *variable_json(const db_res *r, int row)
{
    return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)db_res_int(r, row, 0),
                     "agent_id", (json_int_t)db_res_int(r, row, 1), "name",
                     text_or_null(r, row, 2), "value", text_or_null(r, row, 3), "created_at",
                     text_or_null(r, row, 4), "updated_at", text_or_null(r, row, 5));
}

static json_t *function_json(const db_res *r, int row)
{
    const char *params = db_res_text(r, row, 4);
    json_t *j_params = params ? json_loads(params, 0, NULL) : NULL;
    return json_pack("{s:I, s:I, s:o, s:o, s:o, s:b, s:o, s:o}", "id",
                     (json_int_t)db_res_int(r, row, 0), "agent_id",
                     (json_int_t)db_res_int(r, row, 1), "name", text_or_null(r, row, 2),
                     "description", text_or_null(r, row, 3), "parameters",
                     j_params ? j_params : json_object(), "is_enabled", db_res_bool(r, row, 5),
                     "created_at", text_or_null(r, row, 6), "updated_at",
                     text_or_null(r, row, 7));
}

static json_t *call_json(const db_res *r, int row)
{
    json_t *j = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                          (json_int_t)db_res_int(r, row, 0), "user_id",
                          (json_int_t)db_res_int(r, row, 12), "agent_id",
                          db_res_isnull(r, row, 1) ? json_null()
                                                   : json_integer(db_res_int(r, row, 1)),
                          "vapi_call_id", text_or_null(r, row, 2), "customer_number",
                          text_or_null(r, row, 3), "started_at", text_or_null(r, row, 4),
                          "ended_at", text_or_null(r, row, 5), "ended_reason",
                          text_or_null(r, row, 6), "summary", text_or_null(r, row, 7),
                          "transcript", text_or_null(r, row, 8), "cost",
                          db_res_isnull(r, row, 9) ? json_null()
                                                   : json_real(db_res_double(r, row, 9)),
                          "recording_url", text_or_null(r, row, 10), "created_at",
                          text_or_null(r, row, 11));
    return j;
}

/* Every row of res through fn into a new array; res is freed. */
static json_t *rows_json(db_res *res, json_t *(*fn)(const db_res *, int))
{
    json_t *j = json_array();
    for (int i = 0; i < db_res_rows(res); i++)
        json_array_append_new(j, fn(res, i));
    db_res_free(res);
    return j;
}

/* ---- agents ------------------------------------------------------------------------------ */

static char *config_text(const json_t *j_config)
{
    char *text = j_config ? json_dumps(j_config, JSON_COMPACT) : NULL;
    return text ? text : mem_strdup("{}");
}

app_err vapi_store_agent_insert(db_conn *c, int64_t user_id, const struct vapi_agent *in,
                                const char *secret_sealed, struct vapi_agent *out)
{
    char *cfg = config_text(in->j_config);
    db_param p[] = {DB_INT(user_id),      DB_TEXT(in->vapi_assistant_id), DB_TEXT(in->name),
                    DB_BOOL(in->is_active), DB_TEXT(cfg),                  DB_TEXT(secret_sealed)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_agent_insert, pg_agent_insert), p, 6, &res);
    free(cfg);
    if (e != DB_OK)
        return db_fail(c, e, "insert agent");
    return one_agent(res, out);
}

app_err vapi_store_agent_get(db_conn *c, int64_t user_id, int64_t id, struct vapi_agent *out)
{
    db_param p[] = {DB_INT(user_id), DB_INT(id)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_agent_get, pg_agent_get), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "read agent");
    return one_agent(res, out);
}

app_err vapi_store_agent_list(db_conn *c, int64_t user_id, struct vapi_agent_list *out)
{
    db_param p[] = {DB_INT(user_id)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_agent_list, pg_agent_list), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "list agents");
    out->n = db_res_rows(res);
    out->items = mem_zalloc((size_t)out->n + 1, sizeof *out->items);
    for (int i = 0; i < out->n; i++)
        agent_from_row(res, i, &out->items[i]);
    db_res_free(res);
    return APP_OK;
}

app_err vapi_store_agent_update(db_conn *c, int64_t user_id, const struct vapi_agent *in,
                                struct vapi_agent *out)
{
    char *cfg = config_text(in->j_config);
    db_param p[] = {DB_INT(user_id), DB_INT(in->id), DB_TEXT(in->vapi_assistant_id),
                    DB_TEXT(in->name), DB_BOOL(in->is_active), DB_TEXT(cfg)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_agent_update, pg_agent_update), p, 6, &res);
    free(cfg);
    if (e != DB_OK)
        return db_fail(c, e, "update agent");
    return one_agent(res, out);
}

app_err vapi_store_agent_secret(db_conn *c, int64_t user_id, int64_t id,
                                const char *secret_sealed)
{
    db_param p[] = {DB_INT(user_id), DB_INT(id), DB_TEXT(secret_sealed)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_agent_secret, p, 3, &res);
    if (e != DB_OK)
        return db_fail(c, e, "store agent secret");
    app_err rc = db_res_affected(res) == 1 ? APP_OK : APP_E_NOTFOUND;
    db_res_free(res);
    return rc;
}

app_err vapi_store_agent_secret_get(db_conn *c, int64_t user_id, int64_t id, char **out)
{
    db_param p[] = {DB_INT(user_id), DB_INT(id)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_agent_secret_get, p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "read agent secret");
    app_err rc = db_res_rows(res) == 1 && db_res_text(res, 0, 0) ? APP_OK : APP_E_NOTFOUND;
    if (rc == APP_OK)
        *out = mem_strdup(db_res_text(res, 0, 0));
    db_res_free(res);
    return rc;
}

app_err vapi_store_agent_delete(db_conn *c, int64_t user_id, int64_t id)
{
    db_param p[] = {DB_INT(user_id), DB_INT(id)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_agent_delete, p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "delete agent");
    app_err rc = db_res_affected(res) == 1 ? APP_OK : APP_E_NOTFOUND;
    db_res_free(res);
    return rc;
}

app_err vapi_store_agent_by_assistant(db_conn *c, const char *assistant_id,
                                      struct vapi_webhook_agent *out)
{
    db_param p[] = {DB_TEXT(assistant_id)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_by_assistant, pg_by_assistant), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "find agent by assistant");
    app_err rc = db_res_rows(res) == 1 ? APP_OK : APP_E_NOTFOUND;
    if (rc == APP_OK) {
        const char *cfg = db_res_text(res, 0, 3);
        out->id = db_res_int(res, 0, 0);
        out->user_id = db_res_int(res, 0, 1);
        out->is_active = db_res_bool(res, 0, 2);
        out->j_config = cfg ? json_loads(cfg, 0, NULL) : NULL;
        out->secret = dup_or_null(res, 0, 4); /* sealed; the service opens it */
    }
    db_res_free(res);
    return rc;
}

/* ---- variables, functions ------------------------------------------------------------- */

/* The one row of res through fn into *j_out, or APP_E_NOTFOUND (the agent is not the
 * tenant's). res is freed. */
static app_err one_row(db_res *res, json_t *(*fn)(const db_res *, int), json_t **j_out)
{
    app_err rc = db_res_rows(res) == 1 ? APP_OK : APP_E_NOTFOUND;
    if (rc == APP_OK)
        *j_out = fn(res, 0);
    db_res_free(res);
    return rc;
}

app_err vapi_store_variable_put(db_conn *c, int64_t user_id, int64_t agent_id,
                                const char *name, const char *value, json_t **j_out)
{
    db_param p[] = {DB_INT(user_id), DB_INT(agent_id), DB_TEXT(name), DB_TEXT(value)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_var_put, pg_var_put), p, 4, &res);
    if (e != DB_OK)
        return db_fail(c, e, "store agent variable");
    return one_row(res, variable_json, j_out);
}

app_err vapi_store_variables(db_conn *c, int64_t user_id, int64_t agent_id, json_t **j_out)
{
    db_param p[] = {DB_INT(user_id), DB_INT(agent_id)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_vars, pg_vars), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "list agent variables");
    *j_out = rows_json(res, variable_json);
    return APP_OK;
}

app_err vapi_store_function_put(db_conn *c, int64_t user_id, int64_t agent_id,
                                const char *name, const char *description,
                                const json_t *j_parameters, bool enabled, json_t **j_out)
{
    char *params = config_text(j_parameters);
    db_param p[] = {DB_INT(user_id),      DB_INT(agent_id), DB_TEXT(name),
                    DB_TEXT(description), DB_TEXT(params),  DB_BOOL(enabled)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_fn_put, pg_fn_put), p, 6, &res);
    free(params);
    if (e != DB_OK)
        return db_fail(c, e, "store agent function");
    return one_row(res, function_json, j_out);
}

app_err vapi_store_functions(db_conn *c, int64_t user_id, int64_t agent_id, json_t **j_out)
{
    db_param p[] = {DB_INT(user_id), DB_INT(agent_id)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_fns, pg_fns), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "list agent functions");
    *j_out = rows_json(res, function_json);
    return APP_OK;
}

/* ---- calls ------------------------------------------------------------------------------- */

app_err vapi_store_call_insert(db_conn *c, int64_t user_id, int64_t agent_id,
                               const struct vapi_eoc *e, bool *stored)
{
    db_param p[] = {DB_INT(user_id),           DB_INT(agent_id),
                    DB_TEXT(e->call_id),       DB_TEXT(e->customer_number),
                    DB_TEXT(e->started_at),    DB_TEXT(e->ended_at),
                    DB_TEXT(e->ended_reason),  DB_TEXT(e->summary),
                    DB_TEXT(e->transcript),    e->has_cost ? DB_DOUBLE(e->cost) : DB_NULLP,
                    DB_TEXT(e->recording_url)};
    db_res *res = NULL;
    db_err de = db_exec(c, sql_call_insert, p, 11, &res);
    if (de != DB_OK)
        return db_fail(c, de, "store call");
    *stored = db_res_rows(res) == 1;
    db_res_free(res);
    return APP_OK;
}

app_err vapi_store_calls(db_conn *c, int64_t user_id, int64_t before_id, int limit,
                         json_t **j_out)
{
    db_param p[] = {DB_INT(user_id), DB_INT(before_id), DB_INT(limit + 1)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_calls, pg_calls), p, 3, &res);
    if (e != DB_OK)
        return db_fail(c, e, "list calls");
    *j_out = rows_json(res, call_json);
    return APP_OK;
}

app_err vapi_store_call_get(db_conn *c, int64_t user_id, int64_t id, json_t **j_out)
{
    db_param p[] = {DB_INT(user_id), DB_INT(id)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sq_call_get, pg_call_get), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "read call");
    return one_row(res, call_json, j_out);
}
