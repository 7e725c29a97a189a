/* SPDX-License-Identifier: MIT */
/* Request accessors and reply helpers. Every error body has the SPEC §5 shape
 * {"status":"error","code":"snake_case","message":"sentence"}. */
#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http.h"
#include "core/log.h"

#define JSON_CT "application/json; charset=utf-8"

const char *http_query(const http_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->mc, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_header(const http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, name);
}

const char *http_cookie(const http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->mc, MHD_COOKIE_KIND, name);
}

void http_client_ip(const http_req *r, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    buf[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                  (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  (socklen_t)len);
}

int64_t http_var_id(const http_req *r, int idx)
{
    if (idx < 0 || idx >= r->nvars)
        return -1;
    const char *s = r->vars[idx];
    if (!*s || strlen(s) > 18)
        return -1;
    int64_t v = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v > 0 ? v : -1;
}

static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    if (strncasecmp(ct, "application/json", 16) != 0)
        return false;
    return ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ';
}

json_t *http_body_object_or_reply(http_req *r)
{
    if (!is_json_type(http_header(r, "Content-Type"))) {
        http_reply_error(r, 415, "unsupported_media_type",
                         "Send the request body as application/json.");
        return NULL;
    }
    if (!r->body || r->body_len == 0) {
        http_reply_error(r, 400, "invalid_json", "The request body is empty; send a JSON object.");
        return NULL;
    }
    json_error_t jerr;
    json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        char msg[256];
        snprintf(msg, sizeof msg, "The request body is not valid JSON (line %d, column %d: %s).",
                 jerr.line, jerr.column, jerr.text);
        http_reply_error(r, 400, "invalid_json", msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        http_reply_error(r, 400, "invalid_json", "The request body must be a JSON object.");
        return NULL;
    }
    return j;
}

static void set_response(http_req *r, unsigned status, struct MHD_Response *resp)
{
    if (r->resp) /* a second reply replaces the first */
        MHD_destroy_response(r->resp);
    r->resp = resp;
    r->status = status;
}

int http_reply_text(http_req *r, unsigned status, const char *ctype, const char *body, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        abort();
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    set_response(r, status, resp);
    return 0;
}

int http_reply_json(http_req *r, unsigned status, const json_t *j_body)
{
    char *s = json_dumps(j_body, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s)
        return http_reply_error(r, 500, "internal_error", "The response could not be encoded.");
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        abort();
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, JSON_CT);
    set_response(r, status, resp);
    return 0;
}

int http_reply_json_new(http_req *r, unsigned status, json_t *j_body)
{
    int rc = j_body ? http_reply_json(r, status, j_body)
                    : http_reply_error(r, 500, "internal_error", "The response could not be built.");
    json_decref(j_body);
    return rc;
}

int http_reply_empty(http_req *r, unsigned status)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        abort();
    set_response(r, status, resp);
    return 0;
}

int http_reply_error(http_req *r, unsigned status, const char *code, const char *message)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "status", "error", "code", code, "message", message);
    if (!j) /* message was not UTF-8: never echo it */
        j = json_pack("{s:s, s:s, s:s}", "status", "error", "code", code, "message",
                      "The request could not be processed.");
    return http_reply_json_new(r, status, j);
}

int http_reply_err(http_req *r, app_err e, const char *message)
{
    static const char *generic[] = {
        [APP_OK] = "OK.",
        [APP_E_PARAM] = "The request is not valid.",
        [APP_E_VALIDATION] = "The request failed validation.",
        [APP_E_AUTH] = "A valid bearer token is required.",
        [APP_E_NOTFOUND] = "Not found.",
        [APP_E_CONFLICT] = "This conflicts with existing data.",
        [APP_E_RATE] = "Too many requests; try again later.",
        [APP_E_DB] = "An internal error occurred.",
        [APP_E_UNAVAILABLE] = "The database is unavailable; try again shortly.",
        [APP_E_UPSTREAM] = "An outside service failed.",
        [APP_E_INTERNAL] = "An internal error occurred.",
    };
    int rc = http_reply_error(r, app_err_status(e), app_err_code(e), message ? message : generic[e]);
    if (e == APP_E_AUTH)
        http_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    return rc;
}

int http_reply_invalid(http_req *r, json_t *j_errors)
{
    char msg[512] = "Invalid fields:";
    size_t i;
    json_t *j_e;
    json_array_foreach(j_errors, i, j_e)
    {
        const char *f = json_string_value(json_object_get(j_e, "field"));
        size_t n = strlen(msg);
        if (f && n + strlen(f) + 4 < sizeof msg)
            snprintf(msg + n, sizeof msg - n, "%s %s", i ? "," : "", f);
    }
    strncat(msg, ".", sizeof msg - strlen(msg) - 1);
    json_t *j = json_pack("{s:s, s:s, s:s, s:o}", "status", "error", "code", "validation_failed",
                          "message", msg, "errors", j_errors);
    return http_reply_json_new(r, 422, j);
}

void http_add_header(http_req *r, const char *name, const char *value)
{
    if (r->resp && value)
        MHD_add_response_header(r->resp, name, value);
}
