/* SPDX-License-Identifier: MIT */
/* The common ground of the external calendars: a connection's account with its secrets
 * opened (sealed JSON {"access_token","refresh_token"} or {"password"} in
 * calendar_connections.secret_sealed), the event list the providers fill, the bearer JSON
 * call every OAuth provider makes (a token about to expire is refreshed first; a 401 gets one
 * refresh and one retry), and the dispatch of busy reads and pushes to the provider of the
 * account. Provider base URLs are the operator's configuration, so those calls may reach a
 * private address (a stand-in, a proxy); a tenant's CalDAV URL never may unless
 * SCRAPE_ALLOW_PRIVATE is on (calendar_caldav.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "calendar/calendar_store.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"
#include "core/text.h"

/* ---- small things --------------------------------------------------------------------- */

static void wipe_free(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

void calendar_account_cleanup(struct calendar_account *acct)
{
    free(acct->account_email);
    free(acct->calendar_id);
    free(acct->calendar_name);
    free(acct->calendar_url);
    free(acct->username);
    wipe_free(acct->access_token);
    wipe_free(acct->refresh_token);
    wipe_free(acct->password);
    memset(acct, 0, sizeof *acct);
}

void calendar_remote_list_cleanup(struct calendar_remote_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].id);
        free(l->items[i].subject);
        free(l->items[i].location);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* A copy of s cut to at most 900 bytes on a UTF-8 boundary (the mirror's columns hold 1000
 * characters), or NULL for NULL or "". */
static char *dup_text(const char *s)
{
    char buf[901];
    if (!s || !*s)
        return NULL;
    text_copy_utf8(buf, sizeof buf, s);
    return mem_strdup(buf);
}

bool calendar_remote_list_add(struct calendar_remote_list *l, const char *id, int64_t start,
                              int64_t end, bool transparent, bool cancelled,
                              const char *subject, const char *location)
{
    if (l->n >= CALENDAR_REMOTE_EVENTS_MAX) {
        l->truncated = true;
        return false;
    }
    if (!id || !*id || strlen(id) > 1024)
        return true; /* an event without a usable id cannot be mirrored: skipped */
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->items = mem_reallocarray(l->items, l->cap, sizeof *l->items);
    }
    struct calendar_remote_event *e = &l->items[l->n++];
    *e = (struct calendar_remote_event){.id = mem_strdup(id), .start = start,
                                        .end = end < start ? start : end,
                                        .transparent = transparent, .cancelled = cancelled};
    e->subject = dup_text(subject);
    e->location = dup_text(location);
    return true;
}

long calendar_call_ms_left(const struct calendar_call *k)
{
    int64_t left = k->deadline_ms - mono_ms();
    return left > 0 ? (long)left : 0;
}

void calendar_call_fail(struct calendar_call *k, const char *fmt, ...)
{
    if (k->error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->error, sizeof k->error, fmt, ap);
    va_end(ap);
}

bool calendar_remote_time(const char *s, const char *zone, int64_t *t)
{
    int64_t v = 0, days = 0;
    bool zoned = false;
    enum tz_local_kind kind;
    if (!s)
        return false;
    if (civil_parse_rfc3339(s, &v, &zoned)) {
        if (zoned) {
            *t = v;
            return true;
        }
    } else if (civil_parse_date(s, &days)) {
        v = days * 86400;
    } else {
        return false;
    }
    struct tz_zone *z = tz_load(zone && *zone ? zone : "UTC");
    if (!z)
        return false;
    *t = tz_to_utc(z, v, &kind);
    tz_free(z);
    return true;
}

char *calendar_remote_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = mem_alloc(3 * n + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* ---- accounts ------------------------------------------------------------------------- */

static char *secret_member(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s && *s ? mem_strdup(s) : NULL;
}

/* Fills acct's secrets from the sealed JSON; false when it cannot be opened. */
static bool open_secret(const struct app *a, const char *sealed, struct calendar_account *acct)
{
    char *plain = sealed ? crypto_open(a->master_key, sealed) : NULL;
    if (!plain)
        return false;
    json_t *j = json_loads(plain, 0, NULL);
    wipe_free(plain);
    if (!json_is_object(j)) {
        json_decref(j);
        return false;
    }
    acct->access_token = secret_member(j, "access_token");
    acct->refresh_token = secret_member(j, "refresh_token");
    acct->password = secret_member(j, "password");
    /* the JSON object's copies of the secrets are wiped before it goes */
    const char *key;
    json_t *j_v;
    json_object_foreach(j, key, j_v) {
        if (json_is_string(j_v))
            sodium_memzero((void *)json_string_value(j_v), json_string_length(j_v));
    }
    json_decref(j);
    return true;
}

app_err calendar_account_load(struct app *a, int64_t user, struct calendar_account *out)
{
    struct calendar_conn_row row = {0};
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, user, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, calendar_store_conn_read(c, user, &row));
    if (rc != APP_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->user = user;
    snprintf(out->provider, sizeof out->provider, "%s", row.provider);
    out->account_email = row.account_email;
    out->calendar_id = row.calendar_id;
    out->calendar_name = row.calendar_name;
    out->calendar_url = row.calendar_url;
    out->username = row.username;
    out->expires_at = row.expires_at;
    row.account_email = row.calendar_id = row.calendar_name = row.calendar_url = NULL;
    row.username = NULL;
    if (!open_secret(a, row.secret_sealed, out)) {
        LOG_E("calendar connection of tenant %lld: its secret cannot be opened with the "
              "master key",
              (long long)user);
        calendar_account_cleanup(out);
        rc = APP_E_NOTFOUND;
    }
    wipe_free(row.secret_sealed);
    row.secret_sealed = NULL;
    calendar_conn_row_cleanup(&row);
    return rc;
}

char *calendar_account_seal(const struct app *a, const struct calendar_account *acct)
{
    json_t *j = json_object();
    if (acct->access_token)
        json_object_set_new(j, "access_token", json_string(acct->access_token));
    if (acct->refresh_token)
        json_object_set_new(j, "refresh_token", json_string(acct->refresh_token));
    if (acct->password)
        json_object_set_new(j, "password", json_string(acct->password));
    char *plain = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!plain)
        mem_oom();
    char *sealed = crypto_seal(a->master_key, plain);
    wipe_free(plain);
    return sealed;
}

app_err calendar_account_save_tokens(struct app *a, const struct calendar_account *acct)
{
    db_conn *c = NULL;
    char *sealed = calendar_account_seal(a, acct);
    if (!sealed)
        return APP_E_INTERNAL;
    app_err rc = db_tx_begin(a->db, acct->user, true, &c);
    if (rc == APP_OK) {
        db_last_statement(c);
        rc = db_tx_end(c, calendar_store_conn_tokens(c, acct->user, acct->provider, sealed,
                                                     acct->expires_at));
    }
    free(sealed);
    return rc;
}

/* ---- the bearer call ------------------------------------------------------------------ */

static const char *provider_title(const char *provider)
{
    if (!strcmp(provider, "microsoft"))
        return "Microsoft";
    if (!strcmp(provider, "google"))
        return "Google";
    return "The CalDAV server";
}

/* What a provider's error body says (Graph and Google: error.message; OAuth: error and
 * error_description), or "". Borrowed from j. */
static const char *provider_says(const json_t *j)
{
    const json_t *j_err = json_object_get(j, "error");
    const char *s = json_string_value(json_object_get(j_err, "message"));
    if (!s)
        s = json_string_value(json_object_get(j, "error_description"));
    if (!s)
        s = json_string_value(j_err);
    return s ? s : "";
}

/* One request with the current token: true with *j_out on a 2xx; false otherwise with k
 * filled (k->status holds the status). */
static bool bearer_once(struct calendar_call *k, const struct calendar_account *acct,
                        const char *method, const char *url, const json_t *j_body,
                        const char *const *headers, json_t **j_out)
{
    struct outbound_result res;
    const char *hdrs[OUTBOUND_MAX_HEADERS + 1];
    size_t nh = 0;
    size_t blen = strlen(acct->access_token ? acct->access_token : "") + 32;
    char *bearer = mem_alloc(blen);
    snprintf(bearer, blen, "Authorization: Bearer %s", acct->access_token ? acct->access_token
                                                                          : "");
    hdrs[nh++] = bearer;
    for (size_t i = 0; headers && headers[i] && nh < OUTBOUND_MAX_HEADERS - 2; i++)
        hdrs[nh++] = headers[i];
    hdrs[nh] = NULL;
    long left = calendar_call_ms_left(k);
    if (left > OUTBOUND_TIMEOUT_MS)
        left = OUTBOUND_TIMEOUT_MS; /* one request; a sync may make many */
    struct outbound_opts o = {.headers = hdrs, .allow_private = true, .timeout_ms = left,
                              .connect_timeout_ms = left < 5000 ? left : 5000};
    json_t *j = NULL;
    outbound_err e = left > 0 ? outbound_json_request(k->app->out, method, url, j_body, &o,
                                                      &res, &j)
                              : OUTBOUND_E_TIMEOUT;
    wipe_free(bearer);
    k->status = left > 0 ? res.status : 0;
    bool ok = false;
    if (left <= 0) {
        k->timed_out = true;
        calendar_call_fail(k, "%s did not answer in time.", provider_title(acct->provider));
        return false;
    } else if (e == OUTBOUND_E_TIMEOUT) {
        k->timed_out = true;
        calendar_call_fail(k, "%s did not answer in time.", provider_title(acct->provider));
    } else if (e == OUTBOUND_E_NOT_JSON && res.status < 400) {
        calendar_call_fail(k, "%s answered with malformed JSON (HTTP %ld).",
                           provider_title(acct->provider), res.status);
    } else if (e != OUTBOUND_OK && e != OUTBOUND_E_NOT_JSON) {
        calendar_call_fail(k, "%s could not be reached: %s", provider_title(acct->provider),
                           res.message);
    } else if (res.status >= 200 && res.status < 300) {
        *j_out = j;
        j = NULL;
        ok = true;
    }
    if (!ok && !k->error[0] && res.status != 401) {
        k->gone = res.status == 404 || res.status == 410;
        calendar_call_fail(k, "%s answered HTTP %ld%s%s", provider_title(acct->provider),
                           res.status, *provider_says(j) ? ": " : ".", provider_says(j));
    }
    json_decref(j);
    outbound_result_cleanup(&res);
    return ok;
}

bool calendar_remote_json(struct calendar_call *k, struct calendar_account *acct,
                          const char *method, const char *url, const json_t *j_body,
                          const char *const *headers, json_t **j_out)
{
    *j_out = NULL;
    k->gone = false;
    int64_t now = (int64_t)time(NULL);
    bool refreshed = false;
    if (acct->refresh_token && acct->expires_at > 0 &&
        acct->expires_at - now < CALENDAR_REFRESH_AHEAD_S) {
        if (!calendar_oauth_refresh(k, acct))
            return false;
        refreshed = true;
    }
    if (bearer_once(k, acct, method, url, j_body, headers, j_out))
        return true;
    if (k->status != 401)
        return false;
    if (!refreshed && acct->refresh_token) {
        if (!calendar_oauth_refresh(k, acct))
            return false;
        if (bearer_once(k, acct, method, url, j_body, headers, j_out))
            return true;
        if (k->status != 401)
            return false;
    }
    k->auth_failed = true;
    calendar_call_fail(k, "%s refused the connection's access (HTTP 401); connect the "
                          "calendar again.",
                       provider_title(acct->provider));
    return false;
}

/* An existing event updated or removed: true when done, false with *again when the
 * provider no longer has it and it must be made again. */
static bool json_push_existing(struct calendar_call *k, struct calendar_account *acct,
                               const struct calendar_remote_push *p, calendar_event_json event,
                               const char *item_url, bool remove, char **ext_id, bool *again)
{
    json_t *j_out = NULL, *j_ev = remove ? NULL : event(p, false);
    bool ok = calendar_remote_json(k, acct, remove ? "DELETE" : "PATCH", item_url, j_ev, NULL,
                                   &j_out);
    json_decref(j_ev);
    json_decref(j_out);
    *again = false;
    if (ok || (remove && k->gone)) {
        if (remove) {
            free(*ext_id);
            *ext_id = NULL;
        }
        k->error[0] = '\0';
        return true;
    }
    if (k->gone) { /* removed at the provider: made again */
        k->error[0] = '\0';
        *again = true;
    }
    return false;
}

bool calendar_remote_json_push(struct calendar_call *k, struct calendar_account *acct,
                               const struct calendar_remote_push *p, calendar_event_json event,
                               const char *title, const char *item_url, const char *list_url,
                               bool remove, char **ext_id)
{
    bool again = true;
    if (*ext_id && json_push_existing(k, acct, p, event, item_url, remove, ext_id, &again))
        return true;
    if (!again)
        return false;
    if (remove)
        return true;
    json_t *j_out = NULL, *j_ev = event(p, true);
    bool ok = calendar_remote_json(k, acct, "POST", list_url, j_ev, NULL, &j_out);
    json_decref(j_ev);
    const char *id = json_string_value(json_object_get(j_out, "id"));
    if (ok && (!id || !*id || strlen(id) > 1024)) {
        calendar_call_fail(k, "%s created the event without a usable id.", title);
        ok = false;
    }
    if (ok) {
        free(*ext_id);
        *ext_id = mem_strdup(id);
    }
    json_decref(j_out);
    return ok;
}

/* ---- dispatch ------------------------------------------------------------------------- */

bool calendar_remote_busy(struct calendar_call *k, struct calendar_account *acct, int64_t from,
                          int64_t to, const char *zone, struct calendar_remote_list *out)
{
    bool ok = false;
    memset(out, 0, sizeof *out);
    if (!strcmp(acct->provider, "microsoft"))
        ok = calendar_graph_busy(k, acct, from, to, zone, out);
    else if (!strcmp(acct->provider, "google"))
        ok = calendar_google_busy(k, acct, from, to, zone, out);
    else if (!strcmp(acct->provider, "caldav"))
        ok = calendar_caldav_busy(k, acct, from, to, zone, out);
    else
        calendar_call_fail(k, "Unknown calendar provider.");
    if (!ok)
        calendar_remote_list_cleanup(out);
    return ok;
}

bool calendar_remote_push(struct calendar_call *k, struct calendar_account *acct,
                          const struct calendar_remote_push *p, bool remove, char **ext_id)
{
    if (!strcmp(acct->provider, "microsoft"))
        return calendar_graph_push(k, acct, p, remove, ext_id);
    if (!strcmp(acct->provider, "google"))
        return calendar_google_push(k, acct, p, remove, ext_id);
    if (!strcmp(acct->provider, "caldav"))
        return calendar_caldav_push(k, acct, p, remove, ext_id);
    calendar_call_fail(k, "Unknown calendar provider.");
    return false;
}
