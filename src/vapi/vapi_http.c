/* SPDX-License-Identifier: MIT */
/* Handlers of the Vapi routes: parse, prepare the service call, defer the outside part to
 * the outbound pool (core/http.h: http_defer), reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/app.h"
#include "core/http.h"
#include "core/mem.h"
#include "core/valid.h"
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

/* ---- POST /agents/{id}/sync ------------------------------------------------------------
 * With an assistant id: GET the assistant, then PATCH it with our tools in its model (other
 * tools kept). Without: POST a new assistant, whose id the agent then keeps. Both calls run
 * on one pool thread, one after the other; the agent is written on the server thread. */

struct sync {
    int64_t agent_id;
    struct vapi_api_call *get, *put; /* get NULL when creating */
    char *public_url, *secret, *credential_id;
    json_t *j_assistant;             /* Vapi's answer to the write */
    char error[600];
};

static void sync_free(struct sync *s)
{
    vapi_api_call_free(s->get);
    vapi_api_call_free(s->put);
    if (s->secret) {
        sodium_memzero(s->secret, strlen(s->secret));
        free(s->secret);
    }
    free(s->public_url);
    free(s->credential_id);
    json_decref(s->j_assistant);
    free(s);
}

static void sync_perform(void *arg)
{
    struct sync *s = arg;
    const json_t *j_current = NULL;
    if (s->get) {
        vapi_api_perform(s->get);
        if (s->get->error[0]) {
            snprintf(s->error, sizeof s->error, "%s", s->get->error);
            return;
        }
        j_current = s->get->j_out;
        if (!json_is_object(j_current)) {
            snprintf(s->error, sizeof s->error, "Vapi answered with something other than an "
                                                "assistant.");
            return;
        }
    }
    s->put->j_body = vapi_tooldefs_assistant_body(j_current, s->public_url, s->secret,
                                                  s->credential_id);
    vapi_api_perform(s->put);
    if (s->put->error[0])
        snprintf(s->error, sizeof s->error, "%s", s->put->error);
    else if (!json_is_object(s->put->j_out) ||
             !json_is_string(json_object_get(s->put->j_out, "id")))
        snprintf(s->error, sizeof s->error, "Vapi answered without the assistant's id.");
    else
        s->j_assistant = json_incref(s->put->j_out);
}

static int sync_reply(http_req *r, void *arg)
{
    struct sync *s = arg;
    struct vapi_agent ag = {0};
    if (s->error[0]) {
        http_reply_error(r, 502, "vapi_error", s->error);
        sync_free(s);
        return 0;
    }
    bool created = s->get == NULL;
    app_err e = APP_OK;
    if (created) { /* the agent now answers for the new assistant */
        struct vcheck v;
        vcheck_init(&v);
        json_t *j_link = json_pack("{s:O}", "vapi_assistant_id",
                                   json_object_get(s->j_assistant, "id"));
        e = vapi_agent_patch(r->app, r->tenant.id, s->agent_id, j_link, &v, &ag);
        json_decref(j_link);
        vcheck_cleanup(&v);
    } else {
        e = vapi_agent_get(r->app, r->tenant.id, s->agent_id, &ag);
    }
    if (e != APP_OK) {
        http_reply_err(r, e, e == APP_E_NOTFOUND ? "Agent not found." : NULL);
    } else {
        json_t *j = json_pack("{s:s, s:b, s:o, s:O}", "status", "success", "created", created,
                              "agent", vapi_agent_to_json(r->app, &ag), "assistant",
                              s->j_assistant);
        http_reply_json_new(r, 200, j);
    }
    vapi_agent_cleanup(&ag);
    sync_free(s);
    return 0;
}

/* Fills s from the agent (on the request's thread: it reads the database). */
static app_err sync_prepare(http_req *r, struct sync *s)
{
    struct vapi_agent ag = {0};
    app_err e = vapi_agent_get(r->app, r->tenant.id, s->agent_id, &ag);
    if (e == APP_OK)
        e = vapi_agent_secret(r->app, r->tenant.id, s->agent_id, &s->secret);
    if (e == APP_OK) {
        const char *cred = json_string_value(json_object_get(ag.j_config, "credential_id"));
        s->credential_id = cred ? mem_strdup(cred) : NULL;
        if (ag.vapi_assistant_id) {
            char path[160];
            snprintf(path, sizeof path, "/assistant/%s", ag.vapi_assistant_id);
            e = vapi_api_prepare(r->app, r->tenant.id, "GET", path, NULL, &s->get);
            if (e == APP_OK)
                e = vapi_api_prepare(r->app, r->tenant.id, "PATCH", path, NULL, &s->put);
        } else {
            e = vapi_api_prepare(r->app, r->tenant.id, "POST", "/assistant", NULL, &s->put);
        }
    }
    vapi_agent_cleanup(&ag);
    return e;
}

int vapi_http_agents_sync(http_req *r)
{
    struct sync *s = mem_zalloc(1, sizeof *s);
    s->agent_id = http_var_id(r, 0);
    s->public_url = mem_strdup(r->app->cfg->public_url);
    char *hook = vapi_webhook_url(s->public_url);
    app_err e = s->agent_id > 0 ? sync_prepare(r, s) : APP_E_NOTFOUND;
    if (e == APP_E_NOTFOUND)
        http_reply_err(r, e, "Agent not found.");
    else if (e == APP_E_PARAM)
        http_reply_error(r, 400, "vapi_key_missing",
                         "No Vapi API key: save yours in settings (vapi_api_key), or ask the "
                         "operator to set VAPI_API_KEY.");
    else if (e != APP_OK)
        http_reply_err(r, e, NULL);
    else if (!hook)
        http_reply_error(r, 500, "public_url_invalid", "The server's PUBLIC_URL is not an "
                                                       "http(s) URL Vapi could call.");
    free(hook);
    if (r->resp) {
        sync_free(s);
        return 0;
    }
    http_defer(r, sync_perform, sync_reply, s);
    if (r->resp) /* turned away at once (the pool is full) */
        sync_free(s);
    return 0;
}
