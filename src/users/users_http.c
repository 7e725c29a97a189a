/* SPDX-License-Identifier: MIT */
/* HTTP handlers of /users/me and /users/me/settings: parse, call the service, reply.
 * users_http_authenticate, the bearer routes' authenticator, puts the tenant on the request
 * (r->tenant) before they run. */
#include <stdio.h>
#include <string.h>

#include "core/jsonw.h"
#include "users/users.h"

/* GET /users/me is the hot authenticated read: its JSON (users_user_to_json's document) is
 * written directly instead of through a Jansson tree and dump. Strings that are not valid
 * UTF-8 take the tree path, which answers them as before. */
bool users_http_authenticate(http_req *r)
{
    bool replied = false;
    const char *why = NULL;
    const char *token = http_bearer_token(r, &replied);
    if (replied)
        return false;
    if (!token)
        return http_refuse_auth(r, false, "no bearer token or session cookie");
    if (auth_verify_why(r->app->auth, token, &r->claims, &why) != APP_OK)
        return http_refuse_auth(r, true, why);
    app_err e = users_resolve(r->app, &r->claims, &r->tenant);
    if (e == APP_E_AUTH)
        return http_refuse_auth(r, true, "token issued before its tenant was erased");
    if (e != APP_OK) {
        http_reply_err(r, e, NULL);
        return false;
    }
    return true;
}

int users_http_me_get(http_req *r)
{
    struct users_user u;
    app_err e = users_me(r->app, &r->claims, r->tenant.id, &u);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    char out[6 * sizeof u + 256];
    struct jsonw w;
    jsonw_fixed(&w, out, sizeof out);
    JSONW_LIT(&w, "{\"user_id\":");
    jsonw_int(&w, u.id);
    jsonw_key(&w, "clerk_user_id"); /* an empty subject is "", never null */
    jsonw_str(&w, u.subject);
    static const char *const optional[] = {"email", "first_name", "last_name", "full_name"};
    const char *vals[] = {u.email, u.first_name, u.last_name, u.full_name};
    for (size_t i = 0; i < 4; i++) {
        jsonw_key(&w, optional[i]);
        jsonw_str(&w, vals[i][0] ? vals[i] : NULL);
    }
    jsonw_key(&w, "created_at");
    jsonw_str(&w, u.created_at);
    jsonw_key(&w, "updated_at");
    jsonw_str(&w, u.updated_at);
    JSONW_LIT(&w, "}");
    return http_reply_text(r, 200, "application/json; charset=utf-8", w.p, w.len);
}

int users_http_me_delete(http_req *r)
{
    return http_reply_done(r, users_erase(r->app, r->claims.issuer, r->claims.subject), NULL);
}

static json_t *settings_json(const http_req *r, const struct user_settings *s)
{
    json_t *j_out = users_settings_to_json(s);
    json_object_set_new(j_out, "user_id", json_integer((json_int_t)r->tenant.id));
    return j_out;
}

int users_http_settings_get(http_req *r)
{
    struct user_settings s;
    app_err e = users_settings_get(r->app, r->tenant.id, &s);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    return http_reply_json_new(r, 200, settings_json(r, &s));
}

static int settings_write(http_req *r, bool replace)
{
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    struct vcheck v;
    struct user_settings s;
    vcheck_init(&v);
    app_err e = users_settings_save(r->app, r->tenant.id, j_body, replace, &v, &s);
    if (e == APP_E_VALIDATION && http_reply_vcheck(r, &v))
        ;
    else if (e != APP_OK)
        http_reply_err(r, e, NULL);
    else
        http_reply_json_new(r, 200, settings_json(r, &s));
    vcheck_cleanup(&v);
    json_decref(j_body);
    return 0;
}

int users_http_settings_put(http_req *r)
{
    return settings_write(r, true);
}

int users_http_settings_patch(http_req *r)
{
    return settings_write(r, false);
}
