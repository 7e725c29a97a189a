/* SPDX-License-Identifier: MIT */
/* JSON over the outbound client: a json_t request body sent as application/json, the
 * response parsed into a json_t, and "the body is not JSON" as an error of its own, so the
 * domains that talk to JSON APIs (Microsoft Graph, Google, Vapi) share one way to do it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "outbound/outbound_internal.h"

static bool has_header(const char *const *headers, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], name, n) == 0 && headers[i][n] == ':')
            return true;
    return false;
}

/* The caller's headers plus Accept and, with a body, Content-Type, unless already named.
 * Returns a new array of borrowed strings; the caller free()s the array only. */
static const char **with_json_headers(const char *const *headers, bool body)
{
    size_t n = 0;
    while (headers && headers[n])
        n++;
    const char **out = mem_zalloc(n + 3, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = headers[i];
    if (!has_header(headers, "Accept"))
        out[n++] = "Accept: application/json";
    if (body && !has_header(headers, "Content-Type"))
        out[n++] = "Content-Type: application/json";
    return out;
}

static outbound_err parse_body(struct outbound_result *res, json_t **j_out)
{
    json_error_t jerr;
    if (res->len == 0 && (res->status == 204 || (res->status >= 200 && res->status < 300)))
        return OUTBOUND_OK;
    json_t *j = json_loadb(res->body, res->len, JSON_DECODE_ANY, &jerr);
    if (!j) {
        char ct[80], why[120];
        outbound_text_safe(ct, sizeof ct, res->content_type ? res->content_type : "none");
        outbound_text_safe(why, sizeof why, jerr.text);
        snprintf(res->message, sizeof res->message,
                 "the response (HTTP %ld, content type %s, %zu bytes) is not JSON: %s at line %d",
                 res->status, ct, res->len, why, jerr.line);
        res->err = OUTBOUND_E_NOT_JSON;
        return res->err;
    }
    *j_out = j;
    return OUTBOUND_OK;
}

outbound_err outbound_json_request(const outbound_client *c, const char *method,
                                   const char *url, const json_t *j_body,
                                   const struct outbound_opts *o, struct outbound_result *res,
                                   json_t **j_out)
{
    static const struct outbound_opts none;
    struct outbound_opts opts = o ? *o : none;
    char *body = NULL;
    outbound_err e;
    *j_out = NULL;
    if (j_body && !(body = json_dumps(j_body, JSON_COMPACT | JSON_ENCODE_ANY))) {
        memset(res, 0, sizeof *res);
        snprintf(res->message, sizeof res->message, "bad request: the JSON body cannot be "
                 "serialised");
        res->err = OUTBOUND_E_REQUEST;
        return res->err;
    }
    const char **headers = with_json_headers(o ? o->headers : NULL, body != NULL);
    opts.method = method;
    opts.body = body;
    opts.body_len = body ? strlen(body) : 0;
    opts.headers = headers;
    e = outbound_request(c, url, &opts, res);
    if (e == OUTBOUND_OK)
        e = parse_body(res, j_out);
    free(headers);
    free(body);
    return e;
}
