/* SPDX-License-Identifier: MIT */
/* Request accessors and reply helpers. Every error body has the SPEC §5 shape
 * {"status":"error","code":"snake_case","message":"sentence"}. */
#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/valid.h"

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

/* Canonical text of the address in s[0..n) into out (IPv4-mapped IPv6 as IPv4); also takes
 * "[v6]", "[v6]:port" and "v4:port" as some proxies write them. False when no address. */
static bool canonical_ip(const char *s, size_t n, char *out, size_t len)
{
    char buf[INET6_ADDRSTRLEN + 8];
    unsigned char bin[16];
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *addr = buf, *colon = strchr(buf, ':');
    if (buf[0] == '[') {
        char *end = strchr(buf, ']');
        if (!end || (end[1] && end[1] != ':'))
            return false;
        *end = '\0';
        addr = buf + 1;
    } else if (colon && !strchr(colon + 1, ':')) {
        *colon = '\0';
    }
    if (inet_pton(AF_INET, addr, bin) == 1)
        return inet_ntop(AF_INET, bin, out, (socklen_t)len) != NULL;
    if (inet_pton(AF_INET6, addr, bin) != 1)
        return false;
    if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)bin))
        return inet_ntop(AF_INET, bin + 12, out, (socklen_t)len) != NULL;
    return inet_ntop(AF_INET6, bin, out, (socklen_t)len) != NULL;
}

/* True when ip (canonical) is one of the addresses of the comma list. */
static bool listed(const char *list, const char *ip)
{
    char item[INET6_ADDRSTRLEN];
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (canonical_ip(p, n, item, sizeof item) && strcmp(item, ip) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

#define XFF_HEADERS 8

struct xff {
    const char *v[XFF_HEADERS]; /* the last X-Forwarded-For header values, in order */
    int n;
};

static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct xff *x = cls;
    (void)kind;
    if (!key || !value || strcasecmp(key, "X-Forwarded-For") != 0)
        return MHD_YES;
    if (x->n == XFF_HEADERS) { /* only the right end matters */
        memmove(x->v, x->v + 1, (XFF_HEADERS - 1) * sizeof x->v[0]);
        x->n--;
    }
    x->v[x->n++] = value;
    return MHD_YES;
}

/* Behind a load balancer: when the socket peer ip is listed in TRUSTED_PROXIES, the client is
 * the right-most X-Forwarded-For entry (all such headers, in order) that is not itself a
 * trusted proxy. Entries left of it are whatever the client sent and are never read. An
 * entry that is no address ends the walk at the last trusted hop. Rewrites ip in place. */
static void forwarded_client(const http_req *r, char *ip, size_t len)
{
    const char *trusted = r->app && r->app->cfg ? r->app->cfg->trusted_proxies : NULL;
    char hop[INET6_ADDRSTRLEN];
    struct xff x = {{NULL}, 0};
    if (!trusted || !listed(trusted, ip))
        return;
    MHD_get_connection_values(r->mc, MHD_HEADER_KIND, collect_xff, &x);
    for (int h = x.n - 1; h >= 0; h--) {
        const char *v = x.v[h], *end = v + strlen(v);
        while (end > v) {
            const char *start = end;
            while (start > v && start[-1] != ',')
                start--;
            if (!canonical_ip(start, (size_t)(end - start), hop, sizeof hop))
                return;
            snprintf(ip, len, "%s", hop);
            if (!listed(trusted, hop))
                return;
            end = start > v ? start - 1 : v;
        }
    }
}

/* The socket peer, canonical (IPv4-mapped IPv6 as IPv4), or the forwarded client when the
 * peer is a trusted proxy. "" when unknown. */
void http_client_ip(const http_req *r, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char peer[INET6_ADDRSTRLEN] = "";
    buf[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, peer,
                  sizeof peer);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, peer,
                  sizeof peer);
    if (canonical_ip(peer, strlen(peer), buf, len))
        forwarded_client(r, buf, len);
    else
        buf[0] = '\0';
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

/* Replies with len bytes of body under mode (copy, or take ownership). */
static int reply_buffer(http_req *r, unsigned status, const char *ctype, void *body,
                        size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
    if (!resp)
        mem_oom();
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    set_response(r, status, resp);
    return 0;
}

int http_reply_text(http_req *r, unsigned status, const char *ctype, const char *body, size_t len)
{
    return reply_buffer(r, status, ctype, (void *)(uintptr_t)body, len, MHD_RESPMEM_MUST_COPY);
}

int http_reply_text_owned(http_req *r, unsigned status, const char *ctype, char *body,
                          size_t len)
{
    return reply_buffer(r, status, ctype, body, len, MHD_RESPMEM_MUST_FREE);
}

int http_reply_json(http_req *r, unsigned status, const json_t *j_body)
{
    /* 15 significant digits: a decimal like 0.1375 reads back as written */
    char *s = json_dumps(j_body, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    if (!s)
        return http_reply_error(r, 500, "internal_error", "The response could not be encoded.");
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        mem_oom();
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
        mem_oom();
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

int http_reply_done(http_req *r, app_err e, const char *not_found)
{
    if (e == APP_OK)
        return http_reply_empty(r, 204);
    return http_reply_err(r, e, e == APP_E_NOTFOUND ? not_found : NULL);
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

bool http_reply_vcheck(http_req *r, struct vcheck *v)
{
    if (v->type_field[0]) {
        char msg[192];
        snprintf(msg, sizeof msg, "Field '%s' must be %s.", v->type_field, v->type_want);
        http_reply_error(r, 400, "invalid_field_type", msg);
        return true;
    }
    if (json_array_size(v->j_errors) == 0)
        return false;
    http_reply_invalid(r, v->j_errors);
    v->j_errors = NULL;
    return true;
}
