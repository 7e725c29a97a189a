/* SPDX-License-Identifier: MIT */
/* Handlers of the Vapi routes: parse, prepare the service call, defer the outside part to
 * the outbound pool (core/http.h: http_defer), reply. */
#include "core/http.h"
#include "vapi/vapi.h"

/* The answer to GET /vapi/assistants once Vapi has answered (on a server thread). */
static int assistants_reply(http_req *r, void *arg)
{
    struct vapi_api_call *call = arg;
    if (call->error[0]) {
        http_reply_error(r, 502, "vapi_error", call->error);
    } else if (!json_is_array(call->j_out)) {
        http_reply_error(r, 502, "vapi_error", "Vapi answered with something other than a list "
                                               "of assistants.");
    } else {
        json_t *j = json_pack("{s:s, s:I, s:O}", "status", "success", "count",
                              (json_int_t)json_array_size(call->j_out), "assistants",
                              call->j_out);
        http_reply_json_new(r, 200, j);
    }
    vapi_api_call_free(call);
    return 0;
}

int vapi_http_assistants(http_req *r)
{
    struct vapi_api_call *call = NULL;
    app_err e = vapi_api_prepare(r->app, r->tenant.id, "GET", "/assistant", NULL, &call);
    if (e == APP_E_PARAM)
        return http_reply_error(r, 400, "vapi_key_missing",
                                "No Vapi API key: save yours in settings (vapi_api_key), or ask "
                                "the operator to set VAPI_API_KEY.");
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    http_defer(r, vapi_api_perform, assistants_reply, call);
    if (r->resp) /* turned away at once (the pool is full): the call never ran */
        vapi_api_call_free(call);
    return 0;
}
