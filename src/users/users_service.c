/* SPDX-License-Identifier: MIT */
/* Users service: resolving a verified token to its tenant (the hot path of every
 * authenticated request), reading and saving settings inside the tenant's transaction,
 * erasing a tenant with its tombstone, and profile upserts from an identity provider. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/respcache.h"
#include "core/text.h"
#include "users/users.h"

#define EMAIL_MAX 254 /* RFC 5321 */

void users_now_rfc3339(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *or_null(const char *s)
{
    return (s && *s) ? s : NULL;
}

json_t *users_user_to_json(const struct users_user *u)
{
    return json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:s}", "user_id",
                     (json_int_t)u->id, "clerk_user_id", u->subject, "email", or_null(u->email),
                     "first_name", or_null(u->first_name), "last_name",
                     or_null(u->last_name), "full_name", or_null(u->full_name), "created_at",
                     u->created_at, "updated_at", u->updated_at);
}

app_err users_lookup(db_conn *c, const char *issuer, const char *subject, struct users_user *u,
                     int64_t *deleted_at)
{
    return users_store_lookup_row(c, issuer, subject, u, deleted_at);
}

/* The request's view of the tenant row u. */
static void to_tenant(const struct users_user *u, struct http_tenant *out)
{
    out->id = u->id;
    memcpy(out->email, u->email, sizeof out->email);
    memcpy(out->zone, u->zone, sizeof out->zone);
    out->version = u->version;
}

const char *users_tenant_zone(const struct http_tenant *t)
{
    return t->zone[0] ? t->zone : USERS_DEFAULT_ZONE;
}

app_err users_tenant_reload(struct app *a, struct http_tenant *t)
{
    struct users_user u = {.id = t->id};
    db_conn *c = NULL;
    app_err e = db_tx_begin(a->db, t->id, false, &c);
    if (e != APP_OK)
        return e;
    db_last_statement(c);
    e = db_tx_end(c, users_store_tenant_extras(c, &u));
    if (e == APP_OK)
        to_tenant(&u, t);
    return e;
}

/* A token issued at or before the tenant's erasure (or without iat) is stale. */
static bool erased_since(const struct auth_claims *c, int64_t deleted_at)
{
    return deleted_at != 0 && (c->iat == 0 || c->iat <= deleted_at);
}

/* Looks (issuer, subject) up, creating the tenant from the claims on first sight. */
static app_err lookup_or_create(db_conn *conn, const struct auth_claims *c,
                                struct users_user *u, int64_t *deleted_at)
{
    int64_t read_at = users_cache_clock();
    app_err e = users_lookup(conn, c->issuer, c->subject, u, deleted_at);
    if (e == APP_OK && u->id != 0)
        users_cache_put(c->issuer, c->subject, u, *deleted_at, read_at);
    if (e != APP_OK || u->id != 0 || erased_since(c, *deleted_at))
        return e;
    e = users_store_insert(conn, c->issuer, c->subject, c->email, c->first_name,
                           c->last_name);
    if (e == APP_OK)
        e = users_lookup(conn, c->issuer, c->subject, u, deleted_at);
    if (e == APP_OK && u->id == 0)
        e = APP_E_AUTH; /* erased between the two statements: the token is stale */
    return e;
}

app_err users_resolve(struct app *a, const struct auth_claims *c, struct http_tenant *out)
{
    struct users_user u;
    int64_t deleted_at = 0;
    bool refresh = false;
    if (c->issuer[0] == '\0' || c->subject[0] == '\0')
        return APP_E_AUTH;
    if (users_cache_get(c->issuer, c->subject, &u, &deleted_at, &refresh)) {
        if (refresh)
            users_refresh_request(c->issuer, c->subject);
    } else {
        db_conn *conn = NULL;
        db_err de = db_acquire(a->db, &conn);
        if (de != DB_OK)
            return db_app_err(de);
        app_err e = lookup_or_create(conn, c, &u, &deleted_at);
        db_release(conn);
        if (e != APP_OK)
            return e;
    }
    if (erased_since(c, deleted_at)) {
        LOG_D("token issued before the tenant was erased");
        return APP_E_AUTH;
    }
    to_tenant(&u, out);
    return APP_OK;
}

app_err users_me(struct app *a, const struct auth_claims *c, int64_t user_id,
                 struct users_user *out)
{
    struct users_user u;
    int64_t deleted_at = 0;
    bool refresh = false;
    if (users_cache_get(c->issuer, c->subject, &u, &deleted_at, &refresh) && u.id == user_id) {
        *out = u;
        return APP_OK;
    }
    return users_get(a, user_id, out);
}

app_err users_get(struct app *a, int64_t user_id, struct users_user *out)
{
    struct users_user u;
    db_conn *conn = NULL;
    app_err e = db_tx_begin(a->db, user_id, false, &conn);
    if (e == APP_OK) {
        db_last_statement(conn); /* one statement: PostgreSQL commits in its round trip */
        e = db_tx_end(conn, users_get_in(conn, user_id, &u));
    }
    if (e == APP_OK)
        *out = u; /* not before: the COMMIT may still fail */
    return e;
}

app_err users_create_in(db_conn *c, const char *issuer, const char *subject, const char *email,
                        const char *first_name, const char *last_name, struct users_user *out)
{
    int64_t id = 0;
    app_err e = users_store_upsert(c, issuer, subject, email, first_name, last_name, &id);
    return e == APP_OK ? users_store_get(c, id, out) : e;
}

app_err users_get_in(db_conn *c, int64_t user_id, struct users_user *out)
{
    return users_store_get(c, user_id, out);
}

/* Reads the settings inside an open tenant transaction; defaults when none are stored. */
static app_err load_settings(db_conn *conn, int64_t user_id, struct user_settings *out)
{
    app_err e = users_store_settings_get(conn, user_id, out);
    if (e == APP_E_NOTFOUND) {
        users_settings_defaults(out);
        e = APP_OK;
    }
    return e;
}

app_err users_settings_get(struct app *a, int64_t user_id, struct user_settings *out)
{
    db_conn *conn = NULL;
    struct user_settings s;
    app_err e = db_tx_begin(a->db, user_id, false, &conn);
    if (e != APP_OK)
        return e;
    db_last_statement(conn); /* one statement: PostgreSQL commits in its round trip */
    e = db_tx_end(conn, load_settings(conn, user_id, &s));
    if (e == APP_OK)
        *out = s;
    return e;
}

app_err users_vapi_key_get(struct app *a, int64_t user_id, char **out)
{
    struct user_settings s;
    app_err e = users_settings_get(a, user_id, &s);
    if (e != APP_OK)
        return e;
    char *key = NULL;
    if (s.vapi_key_set) {
        key = crypto_open(a->master_key, s.vapi_key_sealed);
        if (!key) {
            LOG_E("user %lld: stored Vapi key does not open", (long long)user_id);
            e = APP_E_INTERNAL;
        }
    }
    sodium_memzero(s.vapi_key_sealed, sizeof s.vapi_key_sealed);
    if (e == APP_OK)
        *out = key;
    return e;
}

/* Seals a new key into s ("" clears it). */
static app_err set_vapi_key(struct app *a, struct user_settings *s, const char *key)
{
    size_t n = strlen(key);
    s->vapi_key_set = n > 0;
    s->vapi_key_sealed[0] = s->vapi_key_last4[0] = '\0';
    if (n == 0)
        return APP_OK;
    char *sealed = crypto_seal(a->master_key, key);
    if (!sealed || strlen(sealed) >= sizeof s->vapi_key_sealed) {
        free(sealed);
        return APP_E_INTERNAL;
    }
    snprintf(s->vapi_key_sealed, sizeof s->vapi_key_sealed, "%s", sealed);
    snprintf(s->vapi_key_last4, sizeof s->vapi_key_last4, "%s", key + n - 4);
    free(sealed);
    return APP_OK;
}

app_err users_settings_save(struct app *a, int64_t user_id, const json_t *j_body, bool replace,
                            struct vcheck *v, struct user_settings *out)
{
    db_conn *conn = NULL;
    struct user_settings s, keep;
    const char *vapi_key = NULL;
    app_err e = db_tx_begin(a->db, user_id, true, &conn);
    if (e != APP_OK)
        return e;
    e = load_settings(conn, user_id, &s);
    if (e != APP_OK)
        goto out;
    if (replace) {
        /* The key is write-only, so a client cannot send it back: PUT keeps it unless the
         * body names vapi_api_key. */
        keep = s;
        users_settings_defaults(&s);
        s.vapi_key_set = keep.vapi_key_set;
        memcpy(s.vapi_key_last4, keep.vapi_key_last4, sizeof s.vapi_key_last4);
        memcpy(s.vapi_key_sealed, keep.vapi_key_sealed, sizeof s.vapi_key_sealed);
    }
    users_settings_apply(j_body, replace, &s, &vapi_key, v);
    if (!vcheck_ok(v)) {
        e = APP_E_VALIDATION;
        goto out;
    }
    if (vapi_key)
        e = set_vapi_key(a, &s, vapi_key);
    if (e == APP_OK)
        e = users_store_settings_put(conn, user_id, &s);
out:
    e = db_tx_end(conn, e);
    if (e == APP_OK) {
        users_cache_clear(); /* the zone on r->tenant comes from there */
        *out = s;
    }
    return e;
}

app_err users_erase(struct app *a, const char *issuer, const char *subject)
{
    db_conn *conn = NULL;
    int64_t id = 0, deleted_at = 0;
    app_err e = db_tx_begin(a->db, 0, false, &conn);
    if (e == APP_OK) {
        db_last_statement(conn);
        e = db_tx_end(conn, users_store_lookup(conn, issuer, subject, &id, &deleted_at));
    }
    /* the tenant's rows go under its own row-level security (id 0: only the tombstone) */
    if (e == APP_OK)
        e = db_tx_begin(a->db, id, true, &conn);
    if (e == APP_OK) {
        e = id ? users_store_delete(conn, id) : APP_OK;
        if (e == APP_OK)
            e = users_store_tombstone(conn, issuer, subject, (int64_t)time(NULL));
        e = db_tx_end(conn, e);
    }
    if (e == APP_OK) {
        users_cache_clear();
        auth_cache_clear(a->auth);
        respcache_forget_tenant(a->cache, id); /* its pages leave memory with its rows */
        LOG_I("tenant %lld erased", (long long)id);
    }
    return e;
}

app_err users_upsert_profile(struct app *a, const char *issuer, const char *subject,
                             const char *email, const char *first_name, const char *last_name)
{
    db_conn *conn = NULL;
    int64_t id = 0, deleted_at = 0;
    /* Names as long as struct users_user holds, cut at a character boundary; an email too
     * long to be an address (RFC 5321: 254) is dropped rather than cut into another one. */
    char first[sizeof ((struct users_user){0}).first_name];
    char last[sizeof ((struct users_user){0}).last_name];
    text_copy_utf8(first, sizeof first, first_name ? first_name : "");
    text_copy_utf8(last, sizeof last, last_name ? last_name : "");
    if (email && strlen(email) > EMAIL_MAX)
        email = NULL;
    first_name = first;
    last_name = last;
    app_err e = db_tx_begin(a->db, 0, true, &conn);
    if (e != APP_OK)
        return e;
    e = users_store_lookup(conn, issuer, subject, &id, &deleted_at);
    /* A late update for an erased identity must not bring the tenant back. */
    if (e == APP_OK && (id != 0 || deleted_at == 0))
        e = users_store_upsert(conn, issuer, subject, email, first_name, last_name, &id);
    e = db_tx_end(conn, e);
    users_cache_clear();
    return e;
}
