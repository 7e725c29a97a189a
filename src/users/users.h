/* SPDX-License-Identifier: MIT */
/* Users (tenants) and their settings (SPEC §3-5): the tenant registry found by
 * (issuer, subject), GET/DELETE /users/me, GET/PUT/PATCH /users/me/settings and the
 * settings read API other features use (time zone, business hours, Vapi key).
 *
 * Layers: users_http.c (handlers), users_service.c (rules, transactions),
 * users_settings.c (settings validation and JSON, no database), users_store.c (SQL). */
#ifndef PETE_USERS_USERS_H
#define PETE_USERS_USERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/db.h"
#include "core/err.h"
#include "core/http.h"
#include "core/valid.h"

/* ---- types ---- */

struct users_user {
    int64_t id;
    char issuer[256];
    char subject[256];
    char email[256];      /* "" when unknown */
    char first_name[128]; /* "" when unknown */
    char last_name[128];
    char full_name[260];
    char created_at[32]; /* RFC 3339 UTC */
    char updated_at[32];
    /* read with the row on the authentication path (r->tenant): */
    char zone[64];       /* the settings' time zone; "" when never saved */
    int64_t version;     /* the tenant's profile counter (core/versions.h) */
};

#define USERS_MAX_RANGES 12 /* per weekday */
#define USERS_DEFAULT_ZONE "America/Chicago" /* the settings' time zone until one is saved */
#define USERS_KEY_SEALED_MAX 512

/* Minutes since local midnight: start < end, end <= 1440. */
struct users_range {
    int start;
    int end;
};

/* One weekday's open ranges, sorted by start and not overlapping. */
struct users_day {
    int n;
    struct users_range r[USERS_MAX_RANGES];
};

/* A tenant's settings; a plain value (no heap), defaults when never saved. */
struct user_settings {
    char timezone[64]; /* IANA name present in tzdata */
    char theme[8];     /* "light" | "dark" | "system" */
    bool notify_email;
    bool notify_sms;
    char notification_email[256];  /* "" = none */
    struct users_day hours[7];     /* [0] = Monday ... [6] = Sunday */
    int slot_minutes;
    int buffer_minutes;
    int min_notice_minutes;
    int booking_horizon_days;
    bool vapi_key_set;
    char vapi_key_last4[8];                        /* "" when not set */
    char vapi_key_sealed[USERS_KEY_SEALED_MAX];    /* crypto_seal() output; "" when not set */
    char updated_at[32];                           /* "" when never saved */
};

/* Weekday names, Monday first (index as in user_settings.hours). */
extern const char *const users_day_names[7];

/* ---- service ---- */

/* Finds the tenant of verified claims c by (issuer, subject), creating it from the claims on
 * first sight (race-safe), into *out. APP_E_AUTH when a tombstone exists and the token was
 * issued at or before the deletion (or carries no iat). Answered from the tenant cache while
 * it holds the tenant (USERS_CACHE_MS); otherwise two round trips (the registry row, then
 * the email, zone and profile counter, one snapshot, inside the tenant's transaction). */
app_err users_resolve(struct app *a, const struct auth_claims *c, struct http_tenant *out);

/* The tenant's time zone: its settings' zone, or USERS_DEFAULT_ZONE while it never saved
 * one. Borrowed from t. */
const char *users_tenant_zone(const struct http_tenant *t);
/* Reads t->id's email, zone and profile counter afresh into t (one statement, in a tenant
 * transaction of its own), for another domain's read that found t's profile counter older
 * than the one it read with its rows (another instance or an operator changed the profile
 * since the authenticator resolved t). */
app_err users_tenant_reload(struct app *a, struct http_tenant *t);

/* The bearer authenticator (core/http.h, HTTP_AUTH_BEARER): the token or session cookie is
 * verified, the tenant resolved into r->tenant; refusals are answered and logged. */
bool users_http_authenticate(http_req *r);

/* The signed-in user's row (GET /users/me): from the tenant cache when it holds (issuer,
 * subject) as user_id, else read. APP_E_NOTFOUND when it does not exist. */
app_err users_me(struct app *a, const struct auth_claims *c, int64_t user_id,
                 struct users_user *out);
/* Reads user id into *out. APP_E_NOTFOUND when it does not exist. */
app_err users_get(struct app *a, int64_t user_id, struct users_user *out);
/* The registry row of (issuer, subject) with its zone and profile counter, as users_resolve
 * and the cache refresher read it (c: a borrowed connection outside any transaction).
 * u->id 0 when there is no such user. */
app_err users_lookup(db_conn *c, const char *issuer, const char *subject, struct users_user *u,
                     int64_t *deleted_at);
/* For another domain's service that creates a user together with its own rows (built-in
 * accounts): inside the caller's registry transaction c, creates the user (issuer, subject),
 * or updates the profile of an existing one, and reads the stored row into *out. Strings may
 * be NULL or "". */
app_err users_create_in(db_conn *c, const char *issuer, const char *subject, const char *email,
                        const char *first_name, const char *last_name, struct users_user *out);
/* Reads user id into *out inside the caller's transaction c. APP_E_NOTFOUND when it does
 * not exist. */
app_err users_get_in(db_conn *c, int64_t user_id, struct users_user *out);

/* Resolved-tenant cache (users_cache.c): entries live USERS_CACHE_MS at most, so other
 * instances see an erasure or profile change within that time; this instance clears the
 * cache when it makes one. */
#define USERS_CACHE_MS 1000
/* A hit fills row and deleted_at; *refresh becomes true for the one reader that should have
 * the entry refreshed ahead of its expiry (users_refresh_request). */
bool users_cache_get(const char *issuer, const char *subject, struct users_user *row,
                     int64_t *deleted_at, bool *refresh);
/* The cache's clock (monotonic milliseconds). Take it before reading the row to be stored:
 * the entry lives USERS_CACHE_MS from read_at, and is not stored when that is over. */
int64_t users_cache_clock(void);
void users_cache_put(const char *issuer, const char *subject, const struct users_user *row,
                     int64_t deleted_at, int64_t read_at);
/* As users_cache_put, unless the cache was cleared since users_cache_generation gave gen
 * (a refresh that read the row before an erasure must not bring it back). */
unsigned users_cache_generation(void);
void users_cache_refill(const char *issuer, const char *subject, const struct users_user *row,
                        int64_t deleted_at, unsigned gen, int64_t read_at);
void users_cache_drop(const char *issuer, const char *subject);
void users_cache_clear(void);
/* Lookups that found a live entry, and those that did not, since the process started. */
void users_cache_counts(unsigned long long *hit, unsigned long long *miss);

/* Refresh ahead (users_refresh.c): one background thread re-reads entries the cache asked
 * to refresh, so requests of a busy tenant do not wait on the database. Without a started
 * refresher a request is simply dropped (the entry then expires and is read in-line). */
void users_refresh_start(struct app *a);
void users_refresh_stop(void);
void users_refresh_request(const char *issuer, const char *subject);

/* The tenant's settings into *out (defaults when never saved). */
app_err users_settings_get(struct app *a, int64_t user_id, struct user_settings *out);

/* The tenant's own Vapi API key, decrypted: *out is a new string (free()) or NULL when the
 * tenant stored none. APP_E_INTERNAL when the stored box does not open. */
app_err users_vapi_key_get(struct app *a, int64_t user_id, char **out);

/* Validates j_body (PUT when replace, else PATCH merge) and saves. On validation problems
 * returns APP_E_VALIDATION with the problems recorded in v (the caller replies). On success
 * *out holds the saved settings. */
app_err users_settings_save(struct app *a, int64_t user_id, const json_t *j_body, bool replace,
                            struct vcheck *v, struct user_settings *out);

/* Erases the tenant (issuer, subject): deletes the users row (every tenant table cascades)
 * and writes the tombstone, in one transaction, then clears the verified-token cache.
 * A missing user still gets a tombstone. */
app_err users_erase(struct app *a, const char *issuer, const char *subject);

/* Creates or updates a user by (issuer, subject) from an identity provider's data (Clerk
 * webhook). Strings may be NULL or "". Names are cut to what struct users_user holds (127
 * bytes, at a character boundary); an email over 254 bytes is stored as unknown. Does
 * nothing (APP_OK) when a tombstone exists. */
app_err users_upsert_profile(struct app *a, const char *issuer, const char *subject,
                             const char *email, const char *first_name, const char *last_name);

/* ---- settings validation and JSON (users_settings.c; pure, no database) ---- */

void users_settings_defaults(struct user_settings *s);
/* Applies the fields of j_body onto *s. replace (PUT): a given business_hours object is the whole
 * week (missing days closed); otherwise (PATCH) days merge. null on any field restores its
 * default (notification_email: none). Wrong JSON types are recorded as type errors (400), rule
 * failures and unknown keys as rule errors (422), all in v. *vapi_key receives the new key
 * (borrowed from j_body), "" to clear it, or NULL when unchanged. */
void users_settings_apply(const json_t *j_body, bool replace, struct user_settings *s,
                          const char **vapi_key, struct vcheck *v);
/* The API representation; new reference (json_decref). Never contains the key itself. */
json_t *users_settings_to_json(const struct user_settings *s);
/* business_hours as stored: a JSON object text (free()), or NULL on allocation failure. */
char *users_hours_dump(const struct user_settings *s);
/* Parses stored business_hours text into s->hours; -1 when malformed. */
int users_hours_load(struct user_settings *s, const char *text);
/* True when s looks like an email address (one @, dotted domain, no spaces, <= 254). */
bool users_email_plausible(const char *s);

/* The API representation of a user (GET /users/me); new reference. */
json_t *users_user_to_json(const struct users_user *u);
/* Current time as RFC 3339 UTC into buf. */
void users_now_rfc3339(char buf[32]);

/* ---- store (users_store.c): all SQL; c is a borrowed connection ---- */

/* *user_id = 0 when absent; *deleted_at = 0 when no tombstone. */
app_err users_store_lookup(db_conn *c, const char *issuer, const char *subject,
                           int64_t *user_id, int64_t *deleted_at);
/* As users_store_lookup, with the whole row, the tenant's zone ("" when settings were never
 * saved) and profile counter into *out (out->id = 0 when absent): one round trip. */
app_err users_store_lookup_row(db_conn *c, const char *issuer, const char *subject,
                               struct users_user *out, int64_t *deleted_at);
/* INSERT ... ON CONFLICT DO NOTHING; strings may be "" (stored NULL). */
app_err users_store_insert(db_conn *c, const char *issuer, const char *subject,
                           const char *email, const char *first, const char *last);
/* As insert but updates the profile of an existing row; *user_id receives the id. */
app_err users_store_upsert(db_conn *c, const char *issuer, const char *subject,
                           const char *email, const char *first, const char *last,
                           int64_t *user_id);
app_err users_store_get(db_conn *c, int64_t user_id, struct users_user *out);
/* u->id's email, zone ("" when settings were never saved) and profile counter (0 when never
 * moved) into u, in one statement inside the tenant's transaction: a profile counter and
 * the email and zone it describes, as one snapshot. */
app_err users_store_tenant_extras(db_conn *c, struct users_user *u);
/* Deletes the user row (cascading); APP_OK even when absent. */
app_err users_store_delete(db_conn *c, int64_t user_id);
app_err users_store_tombstone(db_conn *c, const char *issuer, const char *subject, int64_t at);
/* APP_E_NOTFOUND when the tenant never saved settings (caller uses defaults). */
app_err users_store_settings_get(db_conn *c, int64_t user_id, struct user_settings *out);
/* Insert or replace the settings row; s->updated_at is set to the stored time. */
app_err users_store_settings_put(db_conn *c, int64_t user_id, struct user_settings *s);

/* ---- HTTP handlers (users_http.c) ---- */
int users_http_me_get(http_req *r);
int users_http_me_delete(http_req *r);
int users_http_settings_get(http_req *r);
int users_http_settings_put(http_req *r);
int users_http_settings_patch(http_req *r);

#endif
