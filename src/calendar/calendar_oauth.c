/* SPDX-License-Identifier: MIT */
/* Connecting Outlook (Microsoft identity platform v2.0 + Graph) and Google Calendar with the
 * OAuth 2.0 authorization-code flow and PKCE (S256), and keeping their access tokens fresh.
 *
 * The state the browser carries is "<user>.<expiry>.<nonce>.<signature>": the signature is
 * HMAC-SHA256 under a key derived from the master key, so a state names its tenant and
 * cannot be altered or made up; the nonce's SHA-256 is a row of oauth_states that the
 * callback deletes (single use), holding the PKCE verifier (sealed) and where the browser
 * goes back to. A state lives CALENDAR_OAUTH_STATE_TTL seconds. The code exchange, the
 * account's email and calendar, and every refresh are outbound calls: on the outbound pool
 * (callback) or a worker (refresh), never on a request thread. No token, code, verifier or
 * secret is ever logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "calendar/calendar_store.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"
#include "jobs/jobs.h"

#define STATE_MAX 200           /* bytes of a state we read at all */
#define NONCE_BYTES 32
#define B64_32 43               /* base64url characters of 32 bytes */
#define EXCHANGE_TIMEOUT_MS 15000
#define REFRESH_FALLBACK_S 3600 /* an answer without expires_in */

#define GRAPH_SCOPES "offline_access Calendars.ReadWrite User.Read"
#define GOOGLE_SCOPES "openid email https://www.googleapis.com/auth/calendar.events"
#define OUTLOOK_LINK "https://outlook.office.com/calendar/"
#define GOOGLE_LINK "https://calendar.google.com/calendar/r"

struct calendar_oauth_flow {
    struct app *app;
    int64_t user;
    char provider[16];
    char *verifier;    /* PKCE code_verifier (secret) */
    char *return_url;  /* where the browser goes back to (NULL: FRONTEND_URL) */
    char *code;        /* the provider's authorization code (secret) */
    struct calendar_account acct; /* tokens and profile, after calendar_oauth_perform */
    char error[CALENDAR_ERROR_SIZE]; /* set: the connection failed, said this way */
};

/* ---- small helpers -------------------------------------------------------------------- */

static void wipe_free(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

static char *b64url(const unsigned char *bin, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = mem_alloc(cap);
    sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static bool configured(const struct config *cfg, const char *provider)
{
    if (!strcmp(provider, "microsoft"))
        return cfg->microsoft_client_id && cfg->microsoft_client_secret;
    return cfg->google_client_id && cfg->google_client_secret;
}

static const char *client_id(const struct config *cfg, const char *provider)
{
    return !strcmp(provider, "microsoft") ? cfg->microsoft_client_id : cfg->google_client_id;
}

static const char *client_secret(const struct config *cfg, const char *provider)
{
    return !strcmp(provider, "microsoft") ? cfg->microsoft_client_secret
                                          : cfg->google_client_secret;
}

/* Our callback URL for provider (a new string): the provider sends the browser there, and
 * the code exchange names it again. */
static char *callback_url(const struct config *cfg, const char *provider)
{
    const char *path = !strcmp(provider, "microsoft") ? "/calendar/auth/callback"
                                                      : "/calendar/google/auth/callback";
    size_t n = strlen(cfg->public_url) + strlen(path) + 1;
    char *u = mem_alloc(n);
    snprintf(u, n, "%s%s", cfg->public_url, path);
    return u;
}

static char *token_url(const struct config *cfg, const char *provider)
{
    if (strcmp(provider, "microsoft") != 0)
        return mem_strdup(cfg->google_token_url);
    size_t n = strlen(cfg->microsoft_auth_url) + strlen(cfg->microsoft_tenant_id) + 32;
    char *u = mem_alloc(n);
    snprintf(u, n, "%s/%s/oauth2/v2.0/token", cfg->microsoft_auth_url,
             cfg->microsoft_tenant_id);
    return u;
}

/* Appends "&name=value" (value percent-encoded; the first one without "&") to *s. */
static void add_param(char **s, size_t *len, const char *name, const char *value)
{
    char *v = calendar_remote_escape(value ? value : "");
    size_t add = strlen(name) + strlen(v) + 3;
    *s = mem_realloc(*s, *len + add);
    *len += (size_t)snprintf(*s + *len, add, "%s%s=%s", *len ? "&" : "", name, v);
    sodium_memzero(v, strlen(v));
    free(v);
}

/* ---- the signed state ----------------------------------------------------------------- */

/* HMAC-SHA256 of text under the state key (derived from the master key). */
static void state_mac(const struct app *a, const char *text, unsigned char mac[32])
{
    static const char label[] = "peterental calendar oauth state v1";
    unsigned char key[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(key, (const unsigned char *)label, sizeof label - 1, a->master_key);
    crypto_auth_hmacsha256(mac, (const unsigned char *)text, strlen(text), key);
    sodium_memzero(key, sizeof key);
}

/* A new state for user expiring at exp into *state (free()), its nonce's hash into hash. */
static void state_make(const struct app *a, int64_t user, int64_t exp, char **state,
                       char hash[65])
{
    unsigned char mac[32];
    char *nonce = crypto_random_token(NONCE_BYTES);
    if (!nonce)
        mem_oom();
    char body[STATE_MAX];
    snprintf(body, sizeof body, "%lld.%lld.%s", (long long)user, (long long)exp, nonce);
    state_mac(a, body, mac);
    char *sig = b64url(mac, sizeof mac);
    size_t n = strlen(body) + strlen(sig) + 2;
    *state = mem_alloc(n);
    snprintf(*state, n, "%s.%s", body, sig);
    crypto_sha256_hex(nonce, strlen(nonce), hash);
    free(sig);
    free(nonce);
}

static bool digits(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    if (n == 0 || n > 18)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Checks a state's shape and signature: its user, expiry and nonce hash on true. */
static bool state_read(const struct app *a, const char *state, int64_t *user, int64_t *exp,
                       char hash[65])
{
    unsigned char mac[32];
    size_t len = state ? strnlen(state, STATE_MAX + 1) : 0;
    if (len == 0 || len > STATE_MAX)
        return false;
    const char *d1 = strchr(state, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    const char *d3 = d2 ? strchr(d2 + 1, '.') : NULL;
    if (!d3 || strchr(d3 + 1, '.') || !digits(state, (size_t)(d1 - state), user) ||
        !digits(d1 + 1, (size_t)(d2 - d1 - 1), exp) || d3 - d2 - 1 != B64_32 ||
        strlen(d3 + 1) != B64_32 || *user <= 0)
        return false;
    char body[STATE_MAX + 1];
    snprintf(body, sizeof body, "%.*s", (int)(d3 - state), state);
    state_mac(a, body, mac);
    char *sig = b64url(mac, sizeof mac);
    bool ok = crypto_equal(sig, d3 + 1, B64_32) == 1;
    free(sig);
    if (ok)
        crypto_sha256_hex(d2 + 1, B64_32, hash);
    return ok;
}

/* ---- GET /calendar/auth/start --------------------------------------------------------- */

/* The origin ("scheme://host[:port]", lower-case scheme and host) of url into buf; false
 * when url is not an absolute http(s) URL without user info. */
static bool origin_of(const char *url, char *buf, size_t len)
{
    size_t skip = !strncasecmp(url, "https://", 8) ? 8 : !strncasecmp(url, "http://", 7) ? 7 : 0;
    if (!skip)
        return false;
    size_t host = strcspn(url + skip, "/?#");
    if (host == 0 || memchr(url + skip, '@', host) || skip + host + 1 > len)
        return false;
    for (size_t i = 0; i < skip + host; i++) {
        char ch = url[i];
        buf[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    buf[skip + host] = '\0';
    return true;
}

/* Whether url's origin is PUBLIC_URL's, FRONTEND_URL's or one of CORS_ORIGINS. */
static bool allowed_return(const struct config *cfg, const char *url)
{
    char o[512], other[512];
    if (strlen(url) > 2000 || strpbrk(url, "?#\\ \t\r\n") || !origin_of(url, o, sizeof o))
        return false;
    if ((origin_of(cfg->public_url, other, sizeof other) && !strcmp(o, other)) ||
        (origin_of(cfg->frontend_url, other, sizeof other) && !strcmp(o, other)))
        return true;
    for (const char *p = cfg->cors_origins; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char one[512];
        while (n > 0 && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '/'))
            n--;
        snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : 0), p);
        if (origin_of(one, other, sizeof other) && !strcmp(o, other))
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

/* The consent page's URL (a new string). */
static char *consent_url(const struct config *cfg, const char *provider, const char *state,
                         const char *challenge)
{
    char *q = NULL, *cb = callback_url(cfg, provider);
    size_t qlen = 0;
    bool ms = !strcmp(provider, "microsoft");
    add_param(&q, &qlen, "client_id", client_id(cfg, provider));
    add_param(&q, &qlen, "response_type", "code");
    add_param(&q, &qlen, "redirect_uri", cb);
    add_param(&q, &qlen, "scope", ms ? GRAPH_SCOPES : GOOGLE_SCOPES);
    add_param(&q, &qlen, "state", state);
    add_param(&q, &qlen, "code_challenge", challenge);
    add_param(&q, &qlen, "code_challenge_method", "S256");
    if (ms) {
        add_param(&q, &qlen, "response_mode", "query");
        add_param(&q, &qlen, "prompt", "select_account");
    } else {
        add_param(&q, &qlen, "access_type", "offline");
        add_param(&q, &qlen, "prompt", "consent");
        add_param(&q, &qlen, "include_granted_scopes", "true");
    }
    const char *base = ms ? cfg->microsoft_auth_url : cfg->google_auth_url;
    size_t n = strlen(base) + strlen(cfg->microsoft_tenant_id) + qlen + 64;
    char *u = mem_alloc(n);
    if (ms)
        snprintf(u, n, "%s/%s/oauth2/v2.0/authorize?%s", base, cfg->microsoft_tenant_id, q);
    else
        snprintf(u, n, "%s/o/oauth2/v2/auth?%s", base, q);
    free(q);
    free(cb);
    return u;
}

static app_err refuse(struct calendar_refusal *why, app_err e, const char *code, const char *msg)
{
    why->code = code;
    snprintf(why->message, sizeof why->message, "%s", msg);
    return e;
}

app_err calendar_oauth_begin(struct app *a, int64_t user, const char *provider,
                             const char *redirect_url, char **url, struct calendar_refusal *why)
{
    const struct config *cfg = a->cfg;
    memset(why, 0, sizeof *why);
    if (!provider || (strcmp(provider, "microsoft") && strcmp(provider, "google")))
        return refuse(why, APP_E_PARAM, "invalid_parameter",
                      "Query parameter 'provider' must be microsoft or google.");
    if (redirect_url && *redirect_url && !allowed_return(cfg, redirect_url))
        return refuse(why, APP_E_VALIDATION, "invalid_redirect_url",
                      "redirect_url must be an http(s) URL without query of an allowed origin "
                      "(PUBLIC_URL's, FRONTEND_URL's or one of CORS_ORIGINS).");
    if (!configured(cfg, provider))
        return refuse(why, APP_E_UNAVAILABLE, "provider_not_configured",
                      !strcmp(provider, "microsoft")
                          ? "Outlook is not set up on this server (MICROSOFT_CLIENT_ID and "
                            "MICROSOFT_CLIENT_SECRET)."
                          : "Google Calendar is not set up on this server (GOOGLE_CLIENT_ID "
                            "and GOOGLE_CLIENT_SECRET).");
    unsigned char digest[crypto_hash_sha256_BYTES];
    int64_t now = (int64_t)time(NULL);
    char hash[65], *state = NULL;
    char *verifier = crypto_random_token(NONCE_BYTES);
    if (!verifier)
        return APP_E_INTERNAL;
    crypto_hash_sha256(digest, (const unsigned char *)verifier, strlen(verifier));
    char *challenge = b64url(digest, sizeof digest);
    struct calendar_state_row row = {.verifier_sealed = crypto_seal(a->master_key, verifier),
                                     .redirect_url = redirect_url && *redirect_url
                                                         ? mem_strdup(redirect_url)
                                                         : NULL,
                                     .expires_at = now + CALENDAR_OAUTH_STATE_TTL};
    snprintf(row.provider, sizeof row.provider, "%s", provider);
    wipe_free(verifier);
    state_make(a, user, row.expires_at, &state, hash);
    db_conn *c = NULL;
    app_err rc = row.verifier_sealed ? db_tx_begin(a->db, user, true, &c) : APP_E_INTERNAL;
    if (rc == APP_OK)
        rc = db_tx_end(c, calendar_store_state_put(c, user, hash, &row, now));
    if (rc == APP_OK)
        *url = consent_url(cfg, provider, state, challenge);
    calendar_state_row_cleanup(&row);
    free(state);
    free(challenge);
    return rc;
}

/* ---- the callback --------------------------------------------------------------------- */

app_err calendar_oauth_resume(struct app *a, const char *state,
                              struct calendar_oauth_flow **out)
{
    int64_t user = 0, exp = 0, now = (int64_t)time(NULL);
    char hash[65];
    struct calendar_state_row row = {0};
    db_conn *c = NULL;
    if (!state_read(a, state, &user, &exp, hash))
        return APP_E_AUTH;
    app_err rc = db_tx_begin(a->db, user, true, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, calendar_store_state_take(c, user, hash, &row));
    if (rc == APP_E_NOTFOUND) /* used already, or its tenant gone */
        return APP_E_AUTH;
    if (rc != APP_OK)
        return rc;
    char *verifier = crypto_open(a->master_key, row.verifier_sealed);
    if (exp < now || row.expires_at < now || !verifier) {
        wipe_free(verifier);
        calendar_state_row_cleanup(&row);
        return APP_E_AUTH;
    }
    struct calendar_oauth_flow *f = mem_zalloc(1, sizeof *f);
    f->app = a;
    f->user = user;
    snprintf(f->provider, sizeof f->provider, "%s", row.provider);
    f->verifier = verifier;
    f->return_url = row.redirect_url;
    row.redirect_url = NULL;
    calendar_state_row_cleanup(&row);
    *out = f;
    return APP_OK;
}

int64_t calendar_oauth_flow_user(const struct calendar_oauth_flow *f)
{
    return f->user;
}

void calendar_oauth_flow_free(void *arg)
{
    struct calendar_oauth_flow *f = arg;
    if (!f)
        return;
    wipe_free(f->verifier);
    wipe_free(f->code);
    free(f->return_url);
    calendar_account_cleanup(&f->acct);
    free(f);
}

void calendar_oauth_flow_set_code(struct calendar_oauth_flow *f, const char *code)
{
    wipe_free(f->code);
    f->code = code && *code && strlen(code) < 4096 ? mem_strdup(code) : NULL;
}

void calendar_oauth_flow_set_error(struct calendar_oauth_flow *f, const char *message)
{
    snprintf(f->error, sizeof f->error, "%s", message);
}

/* ---- the token endpoint --------------------------------------------------------------- */

/* POSTs the form to provider's token endpoint; on true *j_out holds the answer object. */
static bool token_post(struct calendar_call *k, const char *provider, const char *form,
                       json_t **j_out)
{
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: application/json", NULL};
    struct outbound_result res;
    char *url = token_url(k->app->cfg, provider);
    long left = calendar_call_ms_left(k);
    if (left > OUTBOUND_TIMEOUT_MS)
        left = OUTBOUND_TIMEOUT_MS;
    struct outbound_opts o = {.method = "POST", .body = form, .body_len = strlen(form),
                              .headers = headers, .allow_private = true, .timeout_ms = left,
                              .connect_timeout_ms = left < 5000 ? left : 5000};
    const char *who = !strcmp(provider, "microsoft") ? "Microsoft" : "Google";
    outbound_err e = left > 0 ? outbound_request(k->app->out, url, &o, &res)
                              : OUTBOUND_E_TIMEOUT;
    free(url);
    if (left <= 0 || e != OUTBOUND_OK) {
        k->timed_out = left <= 0 || e == OUTBOUND_E_TIMEOUT;
        calendar_call_fail(k, "%s's token endpoint could not be reached: %s", who,
                           left > 0 ? res.message : "no time left");
        if (left > 0)
            outbound_result_cleanup(&res);
        return false;
    }
    k->status = res.status;
    json_t *j = res.body ? json_loadb(res.body, res.len, 0, NULL) : NULL;
    if (res.body)
        sodium_memzero(res.body, res.len);
    outbound_result_cleanup(&res);
    if (!json_is_object(j)) {
        calendar_call_fail(k, "%s's token endpoint answered HTTP %ld without JSON.", who,
                           k->status);
    } else if (k->status >= 400 || !json_is_string(json_object_get(j, "access_token"))) {
        const char *err = json_string_value(json_object_get(j, "error"));
        const char *desc = json_string_value(json_object_get(j, "error_description"));
        k->auth_failed = err && (!strcmp(err, "invalid_grant") || !strcmp(err,
                                                                           "unauthorized_client"));
        calendar_call_fail(k, "%s refused the token request (HTTP %ld): %s%s%s", who,
                           k->status, err ? err : "no access token", desc ? ": " : "",
                           desc ? desc : "");
    } else {
        *j_out = j;
        return true;
    }
    json_decref(j);
    return false;
}

/* Takes access_token, refresh_token (when given) and expires_in of j into acct. */
static void take_tokens(struct calendar_account *acct, const json_t *j)
{
    const char *at = json_string_value(json_object_get(j, "access_token"));
    const char *rt = json_string_value(json_object_get(j, "refresh_token"));
    const json_t *j_exp = json_object_get(j, "expires_in");
    json_int_t exp = json_is_integer(j_exp) ? json_integer_value(j_exp)
                     : json_is_string(j_exp) ? atoll(json_string_value(j_exp))
                                             : REFRESH_FALLBACK_S;
    if (exp <= 0 || exp > 86400 * 366)
        exp = REFRESH_FALLBACK_S;
    wipe_free(acct->access_token);
    acct->access_token = mem_strdup(at ? at : "");
    if (rt && *rt) {
        wipe_free(acct->refresh_token);
        acct->refresh_token = mem_strdup(rt);
    }
    acct->expires_at = (int64_t)time(NULL) + (int64_t)exp;
}

/* Wipes the token strings inside a token endpoint's answer, then releases it. */
static void drop_answer(json_t *j)
{
    static const char *const keys[] = {"access_token", "refresh_token", "id_token"};
    for (size_t i = 0; i < 3; i++) {
        json_t *j_v = json_object_get(j, keys[i]);
        if (json_is_string(j_v))
            sodium_memzero((void *)json_string_value(j_v), json_string_length(j_v));
    }
    json_decref(j);
}

bool calendar_oauth_refresh(struct calendar_call *k, struct calendar_account *acct)
{
    const struct config *cfg = k->app->cfg;
    char *form = NULL;
    size_t len = 0;
    json_t *j = NULL;
    if (!acct->refresh_token || !configured(cfg, acct->provider)) {
        k->auth_failed = true;
        calendar_call_fail(k, "The calendar's access expired and cannot be renewed; connect "
                              "it again.");
        return false;
    }
    add_param(&form, &len, "grant_type", "refresh_token");
    add_param(&form, &len, "refresh_token", acct->refresh_token);
    add_param(&form, &len, "client_id", client_id(cfg, acct->provider));
    add_param(&form, &len, "client_secret", client_secret(cfg, acct->provider));
    if (!strcmp(acct->provider, "microsoft"))
        add_param(&form, &len, "scope", GRAPH_SCOPES);
    bool ok = token_post(k, acct->provider, form, &j);
    wipe_free(form);
    if (!ok && k->auth_failed)
        snprintf(k->error, sizeof k->error, "The provider refused to renew the calendar's "
                                            "access (revoked or expired); connect the calendar "
                                            "again.");
    if (!ok)
        return false;
    take_tokens(acct, j);
    drop_answer(j);
    if (calendar_account_save_tokens(k->app, acct) != APP_OK)
        LOG_W("calendar: the renewed tokens of tenant %lld could not be stored",
              (long long)acct->user);
    LOG_I("calendar: %s access of tenant %lld renewed", acct->provider, (long long)acct->user);
    return true;
}

/* ---- the account behind the tokens ---------------------------------------------------- */

static char *json_dup(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s && *s ? mem_strdup(s) : NULL;
}

static char *api_url(const char *base, const char *path)
{
    size_t n = strlen(base) + strlen(path) + 1;
    char *u = mem_alloc(n);
    snprintf(u, n, "%s%s", base, path);
    return u;
}

/* One GET of base+path with the account's token; the answer object or NULL (k says why). */
static json_t *profile_get(struct calendar_call *k, struct calendar_account *acct,
                           const char *base, const char *path)
{
    json_t *j = NULL;
    char *url = api_url(base, path);
    bool ok = calendar_remote_json(k, acct, "GET", url, NULL, NULL, &j);
    free(url);
    if (ok && !json_is_object(j)) {
        calendar_call_fail(k, "The calendar's account could not be read (not a JSON object).");
        json_decref(j);
        return NULL;
    }
    return ok ? j : NULL;
}

/* Reads the account's email and calendar (Graph: /me and /me/calendar; Google: userinfo and
 * the primary calendar). */
static bool read_profile(struct calendar_call *k, struct calendar_account *acct)
{
    const struct config *cfg = k->app->cfg;
    bool ms = !strcmp(acct->provider, "microsoft");
    const char *base = ms ? cfg->microsoft_graph_url : cfg->google_api_url;
    json_t *j_me = profile_get(k, acct, base, ms ? "/me" : "/oauth2/v3/userinfo");
    if (!j_me)
        return false;
    acct->account_email = json_dup(j_me, ms ? "mail" : "email");
    if (!acct->account_email && ms)
        acct->account_email = json_dup(j_me, "userPrincipalName");
    json_decref(j_me);
    json_t *j_cal = profile_get(k, acct, base,
                                ms ? "/me/calendar" : "/calendar/v3/calendars/primary");
    if (!j_cal)
        return false;
    acct->calendar_id = json_dup(j_cal, "id");
    acct->calendar_name = json_dup(j_cal, ms ? "name" : "summary");
    json_decref(j_cal);
    if (!acct->calendar_id) {
        calendar_call_fail(k, "The account's calendar has no id.");
        return false;
    }
    acct->calendar_url = mem_strdup(ms ? OUTLOOK_LINK : GOOGLE_LINK);
    return true;
}

void calendar_oauth_perform(void *arg)
{
    struct calendar_oauth_flow *f = arg;
    const struct config *cfg = f->app->cfg;
    struct calendar_call k = {.app = f->app, .deadline_ms = mono_ms() + EXCHANGE_TIMEOUT_MS};
    char *form = NULL, *cb = callback_url(cfg, f->provider);
    size_t len = 0;
    json_t *j = NULL;
    if (f->error[0])
        goto out;
    if (!f->code) {
        snprintf(f->error, sizeof f->error, "The provider sent no authorization code.");
        goto out;
    }
    add_param(&form, &len, "grant_type", "authorization_code");
    add_param(&form, &len, "code", f->code);
    add_param(&form, &len, "redirect_uri", cb);
    add_param(&form, &len, "client_id", client_id(cfg, f->provider));
    add_param(&form, &len, "client_secret", client_secret(cfg, f->provider));
    add_param(&form, &len, "code_verifier", f->verifier);
    f->acct.user = f->user;
    snprintf(f->acct.provider, sizeof f->acct.provider, "%s", f->provider);
    if (token_post(&k, f->provider, form, &j)) {
        take_tokens(&f->acct, j);
        drop_answer(j);
        if (!f->acct.refresh_token)
            calendar_call_fail(&k, "The provider gave no refresh token (offline access was "
                                   "not granted).");
        else
            read_profile(&k, &f->acct);
    }
    if (k.error[0]) {
        snprintf(f->error, sizeof f->error, "%s", k.error);
        LOG_W("calendar: connecting %s for tenant %lld failed: %s", f->provider,
              (long long)f->user, k.error);
    }
out:
    wipe_free(form);
    free(cb);
}

/* "{base}/users?auth=success" or "...?auth=error&message=..." (a new string). */
char *calendar_oauth_return_url(const struct app *a, const char *base, const char *error)
{
    const char *b = base && *base ? base : a->cfg->frontend_url;
    size_t bl = strlen(b);
    while (bl > 0 && b[bl - 1] == '/')
        bl--;
    char *msg = error ? calendar_remote_escape(error) : NULL;
    size_t n = bl + (msg ? strlen(msg) : 0) + 48;
    char *u = mem_alloc(n);
    if (msg)
        snprintf(u, n, "%.*s/users?auth=error&message=%s", (int)bl, b, msg);
    else
        snprintf(u, n, "%.*s/users?auth=success", (int)bl, b);
    free(msg);
    return u;
}

char *calendar_oauth_finish(struct calendar_oauth_flow *f)
{
    if (!f->error[0]) {
        app_err rc = calendar_connection_save(f->app, &f->acct);
        if (rc != APP_OK)
            snprintf(f->error, sizeof f->error,
                     "The connection could not be saved; try again in a moment.");
        else
            LOG_I("calendar: tenant %lld connected %s", (long long)f->user, f->provider);
    }
    return calendar_oauth_return_url(f->app, f->return_url, f->error[0] ? f->error : NULL);
}
