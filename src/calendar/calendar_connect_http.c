/* SPDX-License-Identifier: MIT */
/* Handlers for connecting an external calendar: the OAuth start (307 to the provider's
 * consent page), the callbacks and their authenticator (a signed single-use state instead of
 * a bearer token), the Google status, the disconnects, and the CalDAV connect. Whatever waits
 * on a provider (the code exchange, the PROPFIND) runs on the outbound pool (http_defer). A
 * browser that comes back from a consent is always sent on with a 307 to the dashboard,
 * "?auth=success" or "?auth=error&message=...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/text.h"

#define JSON_CT "application/json; charset=utf-8"

static int redirect(http_req *r, char *url)
{
    http_reply_empty(r, 307);
    http_add_header(r, "Location", url);
    http_add_header(r, "Cache-Control", "no-store");
    free(url);
    return 0;
}

/* ---- start ------------------------------------------------------------------------------ */

static int start(http_req *r, const char *provider)
{
    struct calendar_refusal why;
    char *url = NULL;
    app_err e = calendar_oauth_begin(r->app, r->tenant.id, provider,
                                     http_query(r, "redirect_url"), &url, &why);
    if (e == APP_E_PARAM)
        return http_reply_error(r, 400, why.code, why.message);
    if (e == APP_E_VALIDATION)
        return http_reply_error(r, 422, why.code, why.message);
    if (e == APP_E_UNAVAILABLE && why.code)
        return http_reply_error(r, 503, why.code, why.message);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    return redirect(r, url);
}

int calendar_http_auth_start(http_req *r)
{
    return start(r, http_query(r, "provider"));
}

int calendar_http_google_auth_start(http_req *r)
{
    const char *p = http_query(r, "provider");
    if (p && *p && strcmp(p, "google") != 0)
        return http_reply_error(r, 400, "invalid_parameter",
                                "Query parameter 'provider' must be google here (or left out).");
    return start(r, "google");
}

/* ---- callbacks -------------------------------------------------------------------------- */

/* Whether the request also carries a valid token or session of a tenant other than user. */
static bool other_tenant_signed_in(http_req *r, int64_t user)
{
    bool replied = false;
    const char *why = NULL;
    struct auth_claims claims;
    struct http_tenant t = {0};
    const char *token = http_bearer_token(r, &replied);
    if (!token || replied || auth_verify_why(r->app->auth, token, &claims, &why) != APP_OK)
        return false;
    return users_resolve(r->app, &claims, &t) == APP_OK && t.id != user;
}

bool calendar_http_oauth_authenticate(http_req *r)
{
    struct calendar_oauth_flow *f = NULL;
    app_err e = calendar_oauth_resume(r->app, http_query(r, "state"), &f);
    if (e == APP_E_AUTH) {
        LOG_I("Security - calendar OAuth callback refused: its state is not a consent in "
              "flight (malformed, altered, expired or used)");
        redirect(r, calendar_oauth_return_url(r->app, NULL,
                                              "This sign-in link is not valid any more; start "
                                              "connecting the calendar again."));
        return false;
    }
    if (e != APP_OK) {
        http_reply_err(r, e, NULL);
        return false;
    }
    int64_t user = calendar_oauth_flow_user(f);
    if (other_tenant_signed_in(r, user)) {
        LOG_W("Security - calendar OAuth callback refused: the state names tenant %lld but "
              "another tenant is signed in",
              (long long)user);
        calendar_oauth_flow_free(f);
        redirect(r, calendar_oauth_return_url(r->app, NULL,
                                              "This sign-in was started by another user; "
                                              "start connecting the calendar again."));
        return false;
    }
    r->tenant.id = user;
    r->auth_data = f;
    r->auth_data_free = calendar_oauth_flow_free;
    return true;
}

static int callback_reply(http_req *r, void *arg)
{
    return redirect(r, calendar_oauth_finish(arg));
}

int calendar_http_auth_callback(http_req *r)
{
    struct calendar_oauth_flow *f = r->auth_data; /* freed with the request */
    const char *err = http_query(r, "error");
    if (err && *err) {
        const char *desc = http_query(r, "error_description");
        char msg[300], what[64], why[180];
        text_copy_utf8(what, sizeof what, err);
        text_copy_utf8(why, sizeof why, desc ? desc : "");
        snprintf(msg, sizeof msg, "The provider did not connect the calendar: %s%s%s", what,
                 why[0] ? ": " : "", why);
        calendar_oauth_flow_set_error(f, msg);
        return callback_reply(r, f);
    }
    calendar_oauth_flow_set_code(f, http_query(r, "code"));
    http_defer(r, calendar_oauth_perform, callback_reply, f);
    return 0;
}

/* ---- status and disconnect -------------------------------------------------------------- */

static int status(http_req *r, const char *only)
{
    struct calendar_connection c = {0};
    struct jsonw w = {0};
    app_err e = calendar_connection_get(r->app, r->tenant.id, &c);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    if (only && c.has && strcmp(c.provider, only) != 0) {
        calendar_connection_cleanup(&c);
        memset(&c, 0, sizeof c);
    }
    calendar_write_auth_status(&w, r->tenant.id, r->tenant.email, &c);
    calendar_connection_cleanup(&c);
    size_t len = 0;
    char *body = jsonw_take(&w, &len);
    return http_reply_text_owned(r, 200, JSON_CT, body, len);
}

int calendar_http_google_auth_status(http_req *r)
{
    return status(r, "google");
}

static int disconnect(http_req *r, const char *only)
{
    bool had = false;
    app_err e = calendar_disconnect(r->app, r->tenant.id, only, &had);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    json_t *j = json_pack("{s:b, s:s}", "success", had, "message",
                          had ? "The calendar was disconnected; only the built-in calendar is "
                                "in use now."
                          : only ? "No Google calendar was connected."
                                 : "No calendar was connected.");
    return http_reply_json_new(r, 200, j);
}

int calendar_http_auth_disconnect(http_req *r)
{
    return disconnect(r, NULL);
}

int calendar_http_google_auth_disconnect(http_req *r)
{
    return disconnect(r, "google");
}

/* ---- CalDAV ----------------------------------------------------------------------------- */

static int caldav_reply(http_req *r, void *arg)
{
    struct calendar_caldav_connect *cc = arg;
    const char *message = NULL;
    app_err e = calendar_caldav_finish(cc, &message);
    if (e == APP_E_VALIDATION) {
        json_t *j_errors = json_pack("[{s:s, s:s}]", "field", "url", "message", message);
        http_reply_invalid(r, j_errors);
    } else if (e != APP_OK) {
        http_reply_err(r, e, NULL);
    } else {
        status(r, NULL);
    }
    calendar_caldav_connect_free(cc);
    return 0;
}

int calendar_http_caldav_connect(http_req *r)
{
    struct calendar_caldav_connect *cc = NULL;
    struct vcheck v;
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    app_err e = calendar_caldav_prepare(r->app, r->tenant.id, j_body, &v, &cc);
    json_decref(j_body);
    if (e != APP_OK) {
        if (!http_reply_vcheck(r, &v))
            http_reply_err(r, e, NULL);
        vcheck_cleanup(&v);
        return 0;
    }
    vcheck_cleanup(&v);
    http_defer(r, calendar_caldav_perform, caldav_reply, cc);
    if (r->resp) /* turned away at once (the pool is full) */
        calendar_caldav_connect_free(cc);
    return 0;
}
