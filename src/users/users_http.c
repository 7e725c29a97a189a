/* SPDX-License-Identifier: MIT */
/* HTTP handlers of /users/me and /users/me/settings: parse, call the service, reply.
 * The dispatcher has already resolved the tenant into r->user_id. */
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "users/users.h"

/* Appends s as a JSON string (NULL or "": null) escaped as Jansson's compact dump does;
 * s is valid UTF-8 (checked by the caller). out has room for 6 bytes per input byte. */
static size_t put_str(char *out, size_t n, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (!s || !*s) {
        memcpy(out + n, "null", 4);
        return n + 4;
    }
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                        : c == '\t' ? "\\t" : NULL;
        if (esc) {
            out[n++] = esc[0];
            out[n++] = esc[1];
        } else if (c < 0x20) {
            memcpy(out + n, "\\u00", 4);
            out[n + 4] = hex[c >> 4];
            out[n + 5] = hex[c & 15];
            n += 6;
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    return n;
}

#define PUT_LIT(out, n, lit) (memcpy((out) + (n), (lit), sizeof(lit) - 1), (n) + sizeof(lit) - 1)

/* GET /users/me is the hot authenticated read: its JSON (users_user_to_json's document) is
 * written directly instead of through a Jansson tree and dump. Strings that are not valid
 * UTF-8 take the tree path, which answers them as before. */
int users_http_me_get(http_req *r)
{
    struct users_user u;
    app_err e = users_get(r->app, r->user_id, &u);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    const char *strs[] = {u.subject, u.email, u.first_name, u.last_name, u.full_name,
                          u.created_at, u.updated_at};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!text_utf8_valid(strs[i]))
            return http_reply_json_new(r, 200, users_user_to_json(&u));
    char out[6 * sizeof u + 256];
    size_t n = (size_t)snprintf(out, sizeof out, "{\"user_id\":%lld,\"clerk_user_id\":",
                                (long long)u.id);
    if (u.subject[0]) /* "s" (not "s?"): an empty subject is "", never null */
        n = put_str(out, n, u.subject);
    else
        n = PUT_LIT(out, n, "\"\"");
    n = PUT_LIT(out, n, ",\"email\":");
    n = put_str(out, n, u.email);
    n = PUT_LIT(out, n, ",\"first_name\":");
    n = put_str(out, n, u.first_name);
    n = PUT_LIT(out, n, ",\"last_name\":");
    n = put_str(out, n, u.last_name);
    n = PUT_LIT(out, n, ",\"full_name\":");
    n = put_str(out, n, u.full_name);
    n = PUT_LIT(out, n, ",\"created_at\":");
    n = u.created_at[0] ? put_str(out, n, u.created_at) : PUT_LIT(out, n, "\"\"");
    n = PUT_LIT(out, n, ",\"updated_at\":");
    n = u.updated_at[0] ? put_str(out, n, u.updated_at) : PUT_LIT(out, n, "\"\"");
    n = PUT_LIT(out, n, "}");
    return http_reply_text(r, 200, "application/json; charset=utf-8", out, n);
}

int users_http_me_delete(http_req *r)
{
    app_err e = users_erase(r->app, r->claims.issuer, r->claims.subject);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    return http_reply_empty(r, 204);
}

static json_t *settings_json(const http_req *r, const struct user_settings *s)
{
    json_t *j_out = users_settings_to_json(s);
    json_object_set_new(j_out, "user_id", json_integer((json_int_t)r->user_id));
    return j_out;
}

int users_http_settings_get(http_req *r)
{
    struct user_settings s;
    app_err e = users_settings_get(r->app, r->user_id, &s);
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
    app_err e = users_settings_save(r->app, r->user_id, j_body, replace, &v, &s);
    if (e == APP_E_VALIDATION && vcheck_reply(&v, r))
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
