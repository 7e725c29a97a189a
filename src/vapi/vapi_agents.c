/* SPDX-License-Identifier: MIT */
/* The agents service: validation of agent, variable and function bodies, the webhook secret
 * (made here, sealed with the master key, shown once), the webhook's agent lookup and the
 * call log. One tenant transaction per operation (db_tx_begin/db_tx_end). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "calendar/calendar.h"
#include "core/app.h"
#include "core/jsonw.h"
#include "core/crypto.h"
#include "core/cursor.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/text.h"
#include "core/tz.h"
#include "core/valid.h"
#include "vapi/vapi_store.h"

#define SECRET_BYTES 32
#define VALUE_MAX 4000
#define CURSOR_TAG "c1" /* core/cursor.h */

void vapi_agent_cleanup(struct vapi_agent *a)
{
    free(a->vapi_assistant_id);
    free(a->name);
    json_decref(a->j_config);
    free(a->created_at);
    free(a->updated_at);
    memset(a, 0, sizeof *a);
}

void vapi_agent_list_cleanup(struct vapi_agent_list *l)
{
    for (int i = 0; i < l->n; i++)
        vapi_agent_cleanup(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void vapi_webhook_agent_cleanup(struct vapi_webhook_agent *a)
{
    json_decref(a->j_config);
    if (a->secret) {
        sodium_memzero(a->secret, strlen(a->secret));
        free(a->secret);
    }
    memset(a, 0, sizeof *a);
}

json_t *vapi_agent_to_json(const struct app *a, const struct vapi_agent *ag)
{
    char *url = vapi_webhook_url(a->cfg->public_url);
    json_t *j = json_pack("{s:I, s:I, s:s?, s:s, s:b, s:o, s:s?, s:s?, s:s?}", "agent_id",
                          (json_int_t)ag->id, "user_id", (json_int_t)ag->user_id,
                          "vapi_assistant_id", ag->vapi_assistant_id, "agent_name",
                          ag->name ? ag->name : "", "is_active", ag->is_active, "config",
                          ag->j_config ? json_incref(ag->j_config) : json_object(),
                          "webhook_url", url,
                          "created_at", ag->created_at, "updated_at", ag->updated_at);
    free(url);
    return j;
}

/* ---- validation -------------------------------------------------------------------------- */

static bool plain_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !text_utf8_valid(s))
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* Vapi assistant ids are UUIDs; anything of letters, digits, '-' and '_' is accepted. */
static bool assistant_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VAPI_ASSISTANT_ID_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return false;
    return true;
}

static bool known_keys(struct vcheck *v, const json_t *j_body, const char *const *keys)
{
    const char *key;
    const json_t *j_v;
    bool ok = true;
    json_object_foreach((json_t *)j_body, key, j_v) {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], key) != 0)
            i++;
        if (!keys[i]) {
            char field[96];
            snprintf(field, sizeof field, "%.80s", key);
            vcheck_fail(v, field, "is not a field of an agent");
            ok = false;
        }
    }
    return ok;
}

/* Applies an agent body onto *ag (create: patch false and agent_name required). */
static void apply_agent(struct vcheck *v, const json_t *j_body, struct vapi_agent *ag,
                        bool patch)
{
    static const char *const keys[] = {"agent_name", "vapi_assistant_id", "is_active", "config",
                                       /* output-only, sent back by clients: ignored */
                                       "agent_id", "user_id", "webhook_url", "created_at",
                                       "updated_at", NULL};
    const char *s = NULL;
    bool b;
    known_keys(v, j_body, keys);
    if (vget_str(v, j_body, "agent_name", &s)) {
        if (!plain_text(s, VAPI_NAME_MAX))
            vcheck_fail(v, "agent_name", "must be 1 to 200 characters of text");
        else {
            free(ag->name);
            ag->name = mem_strdup(s);
        }
    } else if (!patch) {
        vcheck_fail(v, "agent_name", "is required");
    }
    if (vget_str(v, j_body, "vapi_assistant_id", &s)) {
        if (!assistant_id_ok(s))
            vcheck_fail(v, "vapi_assistant_id", "must be a Vapi assistant id (letters, digits, "
                                                "'-', up to 100)");
        else {
            free(ag->vapi_assistant_id);
            ag->vapi_assistant_id = mem_strdup(s);
        }
    } else if (vhas_null(j_body, "vapi_assistant_id")) {
        free(ag->vapi_assistant_id);
        ag->vapi_assistant_id = NULL;
    }
    if (vget_bool(v, j_body, "is_active", &b))
        ag->is_active = b;
    const json_t *j_cfg = json_object_get(j_body, "config");
    if (j_cfg && !json_is_null(j_cfg) && !json_is_object(j_cfg)) {
        vcheck_wrong_type(v, "config", "an object");
    } else if (j_cfg) {
        char *text = json_is_object(j_cfg) ? json_dumps(j_cfg, JSON_COMPACT) : NULL;
        if (text && strlen(text) > VAPI_CONFIG_MAX)
            vcheck_fail(v, "config", "must be at most 16 KiB of JSON");
        else {
            struct vapi_auth_names names;
            if (json_is_object(j_cfg) && !vapi_auth_names_from_config(j_cfg, &names))
                vcheck_fail(v, "config", "signature_header and timestamp_header must be header "
                                         "names");
            json_decref(ag->j_config);
            ag->j_config = json_is_object(j_cfg) ? json_deep_copy(j_cfg) : NULL;
        }
        free(text);
    }
}

/* ---- agents ------------------------------------------------------------------------------ */

/* A new secret and its sealed form; false when sealing failed. */
static bool new_secret(struct app *a, char **secret, char **sealed)
{
    char *tok = crypto_random_token(SECRET_BYTES);
    size_t n = strlen(tok) + 6;
    *secret = mem_alloc(n);
    snprintf(*secret, n, "vwhs_%s", tok);
    sodium_memzero(tok, strlen(tok));
    free(tok);
    *sealed = crypto_seal(a->master_key, *secret);
    if (*sealed)
        return true;
    sodium_memzero(*secret, strlen(*secret));
    free(*secret);
    *secret = NULL;
    return false;
}

static void wipe(char **secret)
{
    if (*secret) {
        sodium_memzero(*secret, strlen(*secret));
        free(*secret);
        *secret = NULL;
    }
}

app_err vapi_agent_create(struct app *a, int64_t tenant, const json_t *j_body, struct vcheck *v,
                          struct vapi_agent *out, char **secret)
{
    struct vapi_agent in = {.is_active = true};
    char *sealed = NULL;
    db_conn *c = NULL;
    apply_agent(v, j_body, &in, false);
    app_err rc = vcheck_ok(v) ? APP_OK : APP_E_VALIDATION;
    if (rc == APP_OK && !new_secret(a, secret, &sealed))
        rc = APP_E_INTERNAL;
    if (rc == APP_OK && (rc = db_tx_begin(a->db, tenant, true, &c)) == APP_OK)
        rc = db_tx_end(c, vapi_store_agent_insert(c, tenant, &in, sealed, out));
    vapi_agent_cleanup(&in);
    free(sealed);
    if (rc != APP_OK) {
        wipe(secret);
        vapi_agent_cleanup(out);
    }
    return rc;
}

app_err vapi_agent_get(struct app *a, int64_t tenant, int64_t id, struct vapi_agent *out)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, tenant, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, vapi_store_agent_get(c, tenant, id, out));
    if (rc != APP_OK)
        vapi_agent_cleanup(out);
    return rc;
}

app_err vapi_agent_list(struct app *a, int64_t tenant, struct vapi_agent_list *out)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, tenant, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, vapi_store_agent_list(c, tenant, out));
    if (rc != APP_OK)
        vapi_agent_list_cleanup(out);
    return rc;
}

app_err vapi_agent_patch(struct app *a, int64_t tenant, int64_t id, const json_t *j_body,
                         struct vcheck *v, struct vapi_agent *out)
{
    struct vapi_agent cur = {0};
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, tenant, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = vapi_store_agent_get(c, tenant, id, &cur);
    if (rc == APP_OK) {
        apply_agent(v, j_body, &cur, true);
        rc = vcheck_ok(v) ? vapi_store_agent_update(c, tenant, &cur, out) : APP_E_VALIDATION;
    }
    vapi_agent_cleanup(&cur);
    rc = db_tx_end(c, rc);
    if (rc != APP_OK)
        vapi_agent_cleanup(out);
    return rc;
}

app_err vapi_agent_delete(struct app *a, int64_t tenant, int64_t id)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, tenant, true, &c);
    if (rc != APP_OK)
        return rc;
    return db_tx_end(c, vapi_store_agent_delete(c, tenant, id));
}

app_err vapi_agent_rotate(struct app *a, int64_t tenant, int64_t id, struct vapi_agent *out,
                          char **secret)
{
    char *sealed = NULL;
    db_conn *c = NULL;
    if (!new_secret(a, secret, &sealed))
        return APP_E_INTERNAL;
    app_err rc = db_tx_begin(a->db, tenant, true, &c);
    if (rc == APP_OK) {
        rc = vapi_store_agent_secret(c, tenant, id, sealed);
        if (rc == APP_OK)
            rc = vapi_store_agent_get(c, tenant, id, out);
        rc = db_tx_end(c, rc);
    }
    free(sealed);
    if (rc != APP_OK) {
        wipe(secret);
        vapi_agent_cleanup(out);
    }
    return rc;
}

app_err vapi_agent_secret(struct app *a, int64_t tenant, int64_t id, char **secret)
{
    char *sealed = NULL;
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, tenant, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, vapi_store_agent_secret_get(c, tenant, id, &sealed));
    if (rc == APP_OK && !(*secret = crypto_open(a->master_key, sealed))) {
        LOG_E("agent %lld: the stored webhook secret does not open", (long long)id);
        rc = APP_E_INTERNAL;
    }
    free(sealed);
    return rc;
}

/* ---- variables and functions ------------------------------------------------------------- */

/* Runs fn in a tenant transaction (read or write) for agent_id. */
static app_err agent_tx(struct app *a, int64_t tenant, bool write,
                        app_err (*fn)(db_conn *, int64_t, void *), void *arg)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, tenant, write, &c);
    if (rc != APP_OK)
        return rc;
    return db_tx_end(c, fn(c, tenant, arg));
}

struct list_arg {
    int64_t agent_id;
    bool functions;
    json_t *j_items;
};

static app_err list_items(db_conn *c, int64_t tenant, void *arg)
{
    struct list_arg *l = arg;
    struct vapi_agent ag = {0};
    app_err rc = vapi_store_agent_get(c, tenant, l->agent_id, &ag); /* 404 for no agent */
    vapi_agent_cleanup(&ag);
    if (rc == APP_OK)
        rc = l->functions ? vapi_store_functions(c, tenant, l->agent_id, &l->j_items)
                          : vapi_store_variables(c, tenant, l->agent_id, &l->j_items);
    return rc;
}

static app_err list_wrapped(struct app *a, int64_t tenant, int64_t agent_id, bool functions,
                            json_t **j_out)
{
    struct list_arg l = {agent_id, functions, NULL};
    app_err rc = agent_tx(a, tenant, false, list_items, &l);
    if (rc == APP_OK)
        *j_out = json_pack("{s:o}", functions ? "functions" : "variables", l.j_items);
    else
        json_decref(l.j_items);
    return rc;
}

app_err vapi_variables(struct app *a, int64_t tenant, int64_t agent_id, json_t **j_out)
{
    return list_wrapped(a, tenant, agent_id, false, j_out);
}

app_err vapi_functions(struct app *a, int64_t tenant, int64_t agent_id, json_t **j_out)
{
    return list_wrapped(a, tenant, agent_id, true, j_out);
}

struct put_arg {
    int64_t agent_id;
    const char *name, *value, *description;
    const json_t *j_params;
    bool enabled, function;
    json_t *j_item;
};

static app_err put_item(db_conn *c, int64_t tenant, void *arg)
{
    struct put_arg *p = arg;
    if (p->function)
        return vapi_store_function_put(c, tenant, p->agent_id, p->name, p->description,
                                       p->j_params, p->enabled, &p->j_item);
    return vapi_store_variable_put(c, tenant, p->agent_id, p->name, p->value, &p->j_item);
}

/* A variable or function name: letters, digits and '_', starting with a letter. */
static bool name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !isalpha((unsigned char)s[0]))
        return false;
    for (const char *q = s; *q; q++)
        if (!isalnum((unsigned char)*q) && *q != '_')
            return false;
    return true;
}

app_err vapi_variable_put(struct app *a, int64_t tenant, int64_t agent_id, const json_t *j_body,
                          struct vcheck *v, json_t **j_out)
{
    static const char *const keys[] = {"name", "value", "id", "agent_id", "created_at",
                                       "updated_at", NULL};
    struct put_arg p = {.agent_id = agent_id};
    known_keys(v, j_body, keys);
    if (!vget_str(v, j_body, "name", &p.name))
        vcheck_fail(v, "name", "is required");
    else if (!name_ok(p.name, 100))
        vcheck_fail(v, "name", "must be a letter then letters, digits or '_' (up to 100)");
    if (!vget_str(v, j_body, "value", &p.value))
        vcheck_fail(v, "value", "is required");
    else if (strlen(p.value) > VALUE_MAX || !text_utf8_valid(p.value))
        vcheck_fail(v, "value", "must be at most 4000 characters of text");
    if (!vcheck_ok(v))
        return APP_E_VALIDATION;
    app_err rc = agent_tx(a, tenant, true, put_item, &p);
    if (rc == APP_OK)
        *j_out = json_pack("{s:o}", "variable", p.j_item);
    return rc;
}

app_err vapi_function_put(struct app *a, int64_t tenant, int64_t agent_id, const json_t *j_body,
                          struct vcheck *v, json_t **j_out)
{
    static const char *const keys[] = {"name", "description", "parameters", "is_enabled", "id",
                                       "agent_id", "created_at", "updated_at", NULL};
    struct put_arg p = {.agent_id = agent_id, .enabled = true, .function = true};
    known_keys(v, j_body, keys);
    if (!vget_str(v, j_body, "name", &p.name))
        vcheck_fail(v, "name", "is required");
    else if (!name_ok(p.name, 64))
        vcheck_fail(v, "name", "must be a letter then letters, digits or '_' (up to 64)");
    if (vget_str(v, j_body, "description", &p.description) &&
        (strlen(p.description) > 1000 || !text_utf8_valid(p.description)))
        vcheck_fail(v, "description", "must be at most 1000 characters of text");
    p.j_params = json_object_get(j_body, "parameters");
    if (p.j_params && !json_is_object(p.j_params) && !json_is_null(p.j_params))
        vcheck_wrong_type(v, "parameters", "an object (a JSON Schema)");
    vget_bool(v, j_body, "is_enabled", &p.enabled);
    if (!vcheck_ok(v))
        return APP_E_VALIDATION;
    if (json_is_null(p.j_params))
        p.j_params = NULL;
    app_err rc = agent_tx(a, tenant, true, put_item, &p);
    if (rc == APP_OK)
        *j_out = json_pack("{s:o}", "function", p.j_item);
    return rc;
}

/* ---- the webhook's agent and the call log ------------------------------------------------ */

app_err vapi_agent_for_assistant(struct app *a, const char *assistant_id,
                                 struct vapi_webhook_agent *out)
{
    db_conn *c = NULL;
    char *sealed = NULL;
    if (!assistant_id || !assistant_id_ok(assistant_id))
        return APP_E_NOTFOUND;
    db_err de = db_acquire(a->db, &c);
    if (de != DB_OK)
        return db_app_err(de);
    app_err rc = vapi_store_agent_by_assistant(c, assistant_id, out);
    db_release(c);
    if (rc != APP_OK)
        return rc;
    sealed = out->secret;
    out->secret = sealed ? crypto_open(a->master_key, sealed) : NULL;
    free(sealed);
    if (!out->secret) {
        LOG_E("agent %lld: the stored webhook secret does not open", (long long)out->id);
        vapi_webhook_agent_cleanup(out);
        return APP_E_INTERNAL;
    }
    return APP_OK;
}

/* "2026-03-02T16:00:00.000Z" -> "2026-03-02T16:00:00Z" in buf; NULL when s is not an
 * RFC 3339 time with a zone. */
static const char *utc_text(const char *s, char *buf, size_t len)
{
    int64_t t = 0;
    bool zoned = false;
    if (!s || !civil_parse_rfc3339(s, &t, &zoned) || !zoned)
        return NULL;
    civil_format_rfc3339(t, buf, len);
    return buf;
}

app_err vapi_call_record(struct app *a, int64_t tenant, int64_t agent_id,
                         const struct vapi_eoc *e)
{
    db_conn *c = NULL;
    bool stored = false;
    char started[32], ended[32];
    if (!e->call_id || !*e->call_id || strlen(e->call_id) > 100)
        return APP_E_PARAM;
    struct vapi_eoc row = *e; /* times as RFC 3339 UTC seconds, or NULL when unreadable */
    row.started_at = utc_text(e->started_at, started, sizeof started);
    row.ended_at = utc_text(e->ended_at, ended, sizeof ended);
    app_err rc = db_tx_begin(a->db, tenant, true, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, vapi_store_call_insert(c, tenant, agent_id, &row, &stored));
    if (rc == APP_OK && !stored)
        LOG_I("end-of-call report for a call already stored; kept the first");
    return rc;
}

app_err vapi_calls(struct app *a, int64_t tenant, const char *cursor, int limit,
                   json_t **j_out)
{
    int64_t before = 0;
    json_t *j_items = NULL;
    db_conn *c = NULL;
    if ((cursor && *cursor && !cursor_decode(CURSOR_TAG, cursor, &before, 1)) || limit < 1 || limit > 100)
        return APP_E_PARAM;
    app_err rc = db_tx_begin(a->db, tenant, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, vapi_store_calls(c, tenant, before, limit, &j_items));
    if (rc != APP_OK) {
        json_decref(j_items);
        return rc;
    }
    char *next = NULL;
    if (json_array_size(j_items) > (size_t)limit) {
        json_array_remove(j_items, (size_t)limit);
        int64_t last = json_integer_value(
            json_object_get(json_array_get(j_items, (size_t)limit - 1), "id"));
        next = cursor_encode(CURSOR_TAG, &last, 1);
    }
    *j_out = json_pack("{s:o, s:s?}", "calls", j_items, "next_cursor", next);
    free(next);
    return APP_OK;
}

/* The appointments booked during call (Appointment JSON, in time order), set as its
 * "appointments". */
static app_err add_appointments(struct app *a, int64_t tenant, json_t *j_call)
{
    struct calendar_filter f = {.vapi_call_id = json_string_value(
                                    json_object_get(j_call, "vapi_call_id")),
                                .limit = CALENDAR_LIMIT_MAX};
    struct calendar_appt_list l = {0};
    if (!f.vapi_call_id)
        return APP_OK;
    app_err rc = calendar_appt_list(a, tenant, &f, &l);
    if (rc != APP_OK)
        return rc;
    struct jsonw w = {0};
    JSONW_LIT(&w, "[");
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            JSONW_LIT(&w, ",");
        calendar_write_appt(&w, &l.items[i]);
    }
    JSONW_LIT(&w, "]");
    json_t *j_appts = json_loadb(w.p, w.len, 0, NULL);
    jsonw_free(&w);
    calendar_appt_list_cleanup(&l);
    if (!j_appts)
        return APP_E_INTERNAL;
    json_object_set_new(j_call, "appointments", j_appts);
    return APP_OK;
}

app_err vapi_call_get(struct app *a, int64_t tenant, int64_t id, json_t **j_out)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, tenant, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, vapi_store_call_get(c, tenant, id, j_out));
    if (rc == APP_OK)
        rc = add_appointments(a, tenant, *j_out);
    if (rc != APP_OK) {
        json_decref(*j_out);
        *j_out = NULL;
    }
    return rc;
}
