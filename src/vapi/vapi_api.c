/* SPDX-License-Identifier: MIT */
/* Vapi's own API (VAPI_API_URL), called with the tenant's key (settings' vapi_api_key), else
 * the operator's (VAPI_API_KEY). Calls happen on the outbound pool, never on a server
 * thread: a call is prepared on the request's thread (the key is read from the database),
 * performed by vapi_api_perform on a pool thread, and answered from its result. Vapi's base
 * URL is the operator's configuration, not a tenant's, so the address guard lets it reach a
 * private address (a local stand-in, a proxy). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/mem.h"
#include "outbound/outbound.h"
#include "users/users.h"
#include "vapi/vapi.h"

void vapi_api_call_free(struct vapi_api_call *call)
{
    if (!call)
        return;
    if (call->key) {
        sodium_memzero(call->key, strlen(call->key));
        free(call->key);
    }
    free(call->url);
    free(call->method);
    json_decref(call->j_body);
    json_decref(call->j_out);
    free(call);
}

app_err vapi_api_prepare(struct app *a, int64_t tenant, const char *method, const char *path,
                         const json_t *j_body, struct vapi_api_call **out)
{
    char *key = NULL;
    app_err e = users_vapi_key_get(a, tenant, &key);
    if (e != APP_OK)
        return e;
    if (!key && a->cfg->vapi_api_key && *a->cfg->vapi_api_key)
        key = mem_strdup(a->cfg->vapi_api_key);
    if (!key)
        return APP_E_PARAM;
    struct vapi_api_call *call = mem_zalloc(1, sizeof *call);
    const char *base = a->cfg->vapi_api_url;
    size_t n = strlen(base) + strlen(path) + 2;
    call->url = mem_alloc(n);
    snprintf(call->url, n, "%s%s%s", base,
             base[0] && base[strlen(base) - 1] == '/' ? "" : "/", path[0] == '/' ? path + 1 : path);
    call->method = mem_strdup(method);
    call->key = key;
    call->j_body = j_body ? json_deep_copy(j_body) : NULL;
    call->client = a->out;
    *out = call;
    return APP_OK;
}

void vapi_api_perform(void *arg)
{
    struct vapi_api_call *call = arg;
    struct outbound_result res;
    char bearer[600];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", call->key);
    const char *headers[] = {bearer, NULL};
    struct outbound_opts o = {.headers = headers, .allow_private = true};
    outbound_err e = outbound_json_request(call->client, call->method, call->url, call->j_body,
                                           &o, &res, &call->j_out);
    sodium_memzero(bearer, sizeof bearer);
    call->status = res.status;
    if (e != OUTBOUND_OK)
        snprintf(call->error, sizeof call->error, "Vapi could not be reached: %s", res.message);
    else if (res.status >= 400)
        snprintf(call->error, sizeof call->error, "Vapi answered %ld%s%s", res.status,
                 json_is_object(call->j_out) ? ": " : "",
                 json_is_object(call->j_out)
                     ? (json_string_value(json_object_get(call->j_out, "message"))
                            ? json_string_value(json_object_get(call->j_out, "message"))
                            : "")
                     : "");
    if (call->error[0])
        LOG_W("Vapi API %s %s: %s", call->method, call->url, call->error);
    outbound_result_cleanup(&res);
}
