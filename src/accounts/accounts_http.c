/* SPDX-License-Identifier: MIT */
/* HTTP handlers of /auth/signup, /auth/login and /auth/logout: parse, call the accounts
 * service, reply {token, user} and set or expire the `session` cookie. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "accounts/accounts.h"

static bool secure_cookies(const http_req *r)
{
    const char *pub = r->app->cfg->public_url;
    return pub && strncmp(pub, "https:", 6) == 0;
}

static void set_cookie(http_req *r, const char *token, long max_age)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "session=%s; HttpOnly; SameSite=Lax; Path=/; Max-Age=%ld%s",
             token, max_age, secure_cookies(r) ? "; Secure" : "");
    http_add_header(r, "Set-Cookie", buf);
}

static int reply_session(http_req *r, unsigned status, const struct accounts_session *s)
{
    http_reply_json_new(r, status, json_pack("{s:s, s:o}", "token", s->token, "user",
                                             users_user_to_json(&s->user)));
    set_cookie(r, s->token, ACCOUNTS_SESSION_SECONDS);
    return 0;
}

/* 429 (rate) or 503 (every hashing slot busy) with Retry-After; other errors as usual. */
static int reply_limited(http_req *r, app_err e, long retry_after, const char *rate_msg)
{
    char secs[24];
    if (e == APP_E_RATE)
        http_reply_error(r, 429, "too_many_attempts", rate_msg);
    else if (e == APP_E_UNAVAILABLE && retry_after > 0)
        http_reply_error(r, 503, "busy", "The server is busy checking passwords; try again "
                                         "in a moment.");
    else
        return http_reply_err(r, e, NULL);
    snprintf(secs, sizeof secs, "%ld", retry_after > 0 ? retry_after : 1);
    http_add_header(r, "Retry-After", secs);
    return 0;
}

int accounts_http_signup(http_req *r)
{
    if (!accounts_signup_open(r->app))
        return http_reply_error(r, 403, "signup_closed", "Sign-up is closed on this server.");
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    struct accounts_signup_in in = {0};
    struct accounts_session s = {0};
    struct vcheck v;
    long retry_after = 0;
    char ip[64];
    vcheck_init(&v);
    vget_str(&v, j_body, "email", &in.email);
    vget_str(&v, j_body, "password", &in.password);
    vget_str(&v, j_body, "first_name", &in.first_name);
    vget_str(&v, j_body, "last_name", &in.last_name);
    http_client_ip(r, ip, sizeof ip);
    app_err e = vcheck_ok(&v) ? accounts_signup(r->app, &in, ip, &v, &s, &retry_after)
                              : APP_E_VALIDATION;
    if (e == APP_E_VALIDATION && http_reply_vcheck(r, &v))
        ;
    else if (e == APP_E_CONFLICT)
        http_reply_error(r, 409, "email_taken", "An account with this email already exists.");
    else if (e != APP_OK)
        reply_limited(r, e, retry_after, "Too many sign-ups from this address; try again later.");
    else
        reply_session(r, 201, &s);
    accounts_session_cleanup(&s);
    vcheck_cleanup(&v);
    json_decref(j_body);
    return 0;
}

static int reply_login_error(http_req *r, app_err e, long retry_after)
{
    if (e == APP_E_AUTH)
        return http_reply_error(r, 401, "invalid_credentials", "Email or password is incorrect.");
    return reply_limited(r, e, retry_after, "Too many failed sign-in attempts; try again later.");
}

int accounts_http_login(http_req *r)
{
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    const char *email = NULL, *password = NULL;
    struct accounts_session s = {0};
    struct vcheck v;
    long retry_after = 0;
    char ip[64];
    vcheck_init(&v);
    if (!vget_str(&v, j_body, "email", &email))
        vcheck_fail(&v, "email", "is required");
    if (!vget_str(&v, j_body, "password", &password))
        vcheck_fail(&v, "password", "is required");
    if (!http_reply_vcheck(r, &v)) {
        http_client_ip(r, ip, sizeof ip);
        app_err e = accounts_login(r->app, email, password, ip, &s, &retry_after);
        if (e == APP_OK)
            reply_session(r, 200, &s);
        else
            reply_login_error(r, e, retry_after);
    }
    accounts_session_cleanup(&s);
    vcheck_cleanup(&v);
    json_decref(j_body);
    return 0;
}

/* The session being ended: the bearer token, else the session cookie. */
static const char *session_token(const http_req *r)
{
    const char *h = http_header(r, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        h += 7;
        while (*h == ' ')
            h++;
        return h;
    }
    return http_cookie(r, "session");
}

int accounts_http_logout(http_req *r)
{
    app_err e = accounts_logout(r->app, session_token(r));
    if (e != APP_OK)
        http_reply_err(r, e, "The session could not be ended; try again shortly.");
    else
        http_reply_empty(r, 204);
    set_cookie(r, "", 0);
    return 0;
}
