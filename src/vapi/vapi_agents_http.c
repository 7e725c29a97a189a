/* SPDX-License-Identifier: MIT */
/* /agents and /calls handlers: parse, call the agents service, reply. A non-numeric, a
 * missing and another tenant's id all get the same 404 body. The webhook secret appears in
 * exactly two answers: the agent's creation and its rotation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/app.h"
#include "core/http.h"
#include "core/valid.h"
#include "vapi/vapi.h"

#define AGENT_NOT_FOUND "Agent not found."
#define CALL_NOT_FOUND "Call not found."
#define CALLS_LIMIT_DEFAULT 50

static void wipe(char *secret)
{
    if (secret) {
        sodium_memzero(secret, strlen(secret));
        free(secret);
    }
}

/* The agent's JSON, with its secret when one was just made (create, rotate). */
static int reply_agent(http_req *r, unsigned status, const struct vapi_agent *ag,
                       const char *secret)
{
    json_t *j = vapi_agent_to_json(r->app, ag);
    if (secret)
        json_object_set_new(j, "webhook_secret", json_string(secret));
    http_reply_json_new(r, status, j);
    return 0;
}

/* Replies to a failed agents call; v holds the problems of APP_E_VALIDATION. */
static int reply_failure(http_req *r, app_err e, struct vcheck *v, const char *not_found)
{
    if (e == APP_E_VALIDATION && v && http_reply_vcheck(r, v))
        return 0;
    if (e == APP_E_CONFLICT)
        return http_reply_err(r, e, "Another agent already answers for this "
                                    "vapi_assistant_id.");
    return http_reply_err(r, e, e == APP_E_NOTFOUND ? not_found : NULL);
}

int vapi_http_agents_list(http_req *r)
{
    struct vapi_agent_list l = {0};
    app_err e = vapi_agent_list(r->app, r->tenant.id, &l);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    json_t *j = json_array();
    for (int i = 0; i < l.n; i++)
        json_array_append_new(j, vapi_agent_to_json(r->app, &l.items[i]));
    vapi_agent_list_cleanup(&l);
    return http_reply_json_new(r, 200, j);
}

int vapi_http_agents_create(http_req *r)
{
    struct vcheck v;
    struct vapi_agent out = {0};
    char *secret = NULL;
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    app_err e = vapi_agent_create(r->app, r->tenant.id, j_body, &v, &out, &secret);
    json_decref(j_body);
    if (e == APP_OK)
        reply_agent(r, 201, &out, secret);
    else
        reply_failure(r, e, &v, AGENT_NOT_FOUND);
    wipe(secret);
    vapi_agent_cleanup(&out);
    vcheck_cleanup(&v);
    return 0;
}

int vapi_http_agents_get(http_req *r)
{
    struct vapi_agent out = {0};
    int64_t id = http_var_id(r, 0);
    app_err e = id > 0 ? vapi_agent_get(r->app, r->tenant.id, id, &out) : APP_E_NOTFOUND;
    if (e != APP_OK)
        return reply_failure(r, e, NULL, AGENT_NOT_FOUND);
    reply_agent(r, 200, &out, NULL);
    vapi_agent_cleanup(&out);
    return 0;
}

int vapi_http_agents_patch(http_req *r)
{
    struct vcheck v;
    struct vapi_agent out = {0};
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, AGENT_NOT_FOUND);
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    app_err e = vapi_agent_patch(r->app, r->tenant.id, id, j_body, &v, &out);
    json_decref(j_body);
    if (e == APP_OK)
        reply_agent(r, 200, &out, NULL);
    else
        reply_failure(r, e, &v, AGENT_NOT_FOUND);
    vapi_agent_cleanup(&out);
    vcheck_cleanup(&v);
    return 0;
}

int vapi_http_agents_delete(http_req *r)
{
    int64_t id = http_var_id(r, 0);
    app_err e = id > 0 ? vapi_agent_delete(r->app, r->tenant.id, id) : APP_E_NOTFOUND;
    return http_reply_done(r, e, AGENT_NOT_FOUND);
}

int vapi_http_agents_rotate(http_req *r)
{
    struct vapi_agent out = {0};
    char *secret = NULL;
    int64_t id = http_var_id(r, 0);
    app_err e = id > 0 ? vapi_agent_rotate(r->app, r->tenant.id, id, &out, &secret)
                       : APP_E_NOTFOUND;
    if (e != APP_OK)
        return reply_failure(r, e, NULL, AGENT_NOT_FOUND);
    reply_agent(r, 200, &out, secret);
    wipe(secret);
    vapi_agent_cleanup(&out);
    return 0;
}

/* GET variables or functions of an agent. */
static int sub_list(http_req *r, bool functions)
{
    json_t *j = NULL;
    int64_t id = http_var_id(r, 0);
    app_err e = id <= 0        ? APP_E_NOTFOUND
                : functions ? vapi_functions(r->app, r->tenant.id, id, &j)
                            : vapi_variables(r->app, r->tenant.id, id, &j);
    if (e != APP_OK)
        return reply_failure(r, e, NULL, AGENT_NOT_FOUND);
    return http_reply_json_new(r, 200, j);
}

/* POST a variable or function: added, or replaced when one of that name exists. */
static int sub_put(http_req *r, bool functions)
{
    struct vcheck v;
    json_t *j = NULL;
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, AGENT_NOT_FOUND);
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    app_err e = functions ? vapi_function_put(r->app, r->tenant.id, id, j_body, &v, &j)
                          : vapi_variable_put(r->app, r->tenant.id, id, j_body, &v, &j);
    json_decref(j_body);
    if (e == APP_OK)
        http_reply_json_new(r, 200, j);
    else
        reply_failure(r, e, &v, AGENT_NOT_FOUND);
    vcheck_cleanup(&v);
    return 0;
}

int vapi_http_variables_list(http_req *r) { return sub_list(r, false); }
int vapi_http_variables_put(http_req *r) { return sub_put(r, false); }
int vapi_http_functions_list(http_req *r) { return sub_list(r, true); }
int vapi_http_functions_put(http_req *r) { return sub_put(r, true); }

/* ---- the call log ------------------------------------------------------------------------ */

int vapi_http_calls_list(http_req *r)
{
    json_t *j = NULL;
    int limit = CALLS_LIMIT_DEFAULT;
    const char *s = http_query(r, "limit");
    if (s) {
        char *end = NULL;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (!*s || *end || errno || v < 1 || v > 100)
            return http_reply_error(r, 400, "invalid_parameter",
                                    "Query parameter 'limit' must be a whole number from 1 "
                                    "to 100.");
        limit = (int)v;
    }
    app_err e = vapi_calls(r->app, r->tenant.id, http_query(r, "cursor"), limit, &j);
    if (e == APP_E_PARAM)
        return http_reply_error(r, 400, "invalid_cursor", "The cursor is not valid; start "
                                                          "again without one.");
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    return http_reply_json_new(r, 200, j);
}

int vapi_http_calls_get(http_req *r)
{
    json_t *j = NULL;
    int64_t id = http_var_id(r, 0);
    app_err e = id > 0 ? vapi_call_get(r->app, r->tenant.id, id, &j) : APP_E_NOTFOUND;
    if (e != APP_OK)
        return http_reply_err(r, e, e == APP_E_NOTFOUND ? CALL_NOT_FOUND : NULL);
    return http_reply_json_new(r, 200, j);
}

/* ---- POST /agents/{id}/try ------------------------------------------------------------- */

/* {tool, arguments}: runs the tool for the signed-in tenant through the webhook's code
 * (vapi_tool_run) and answers what a caller would hear: {"tool", "result"} or, when the
 * tool failed, {"tool", "error"} (200 either way, as the webhook answers Vapi). */
int vapi_http_agents_try(http_req *r)
{
    struct vapi_agent ag = {0};
    int64_t id = http_var_id(r, 0);
    app_err e = id > 0 ? vapi_agent_get(r->app, r->tenant.id, id, &ag) : APP_E_NOTFOUND;
    if (e != APP_OK)
        return reply_failure(r, e, NULL, AGENT_NOT_FOUND);
    vapi_agent_cleanup(&ag);
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    struct vcheck v;
    vcheck_init(&v);
    const char *tool = NULL;
    json_t *j_args = NULL;
    if (!vget_str(&v, j_body, "tool", &tool)) {
        if (!json_object_get(j_body, "tool"))
            vcheck_fail(&v, "tool", "is required");
    } else if (vapi_tool_from_name(tool) == VAPI_TOOL_UNKNOWN)
        vcheck_fail(&v, "tool", "must be one of search_rentals, get_rental_details, "
                                "get_availability, set_appointment, cancel_appointment");
    const json_t *j_in = json_object_get(j_body, "arguments");
    if (!j_in || json_is_null(j_in))
        j_args = json_object();
    else if (json_is_object(j_in))
        j_args = json_incref((json_t *)j_in);
    else if (json_is_string(j_in) && !(j_args = json_loads(json_string_value(j_in), 0, NULL)))
        vcheck_fail(&v, "arguments", "must be a JSON object (or its text)");
    else if (!json_is_string(j_in))
        vcheck_wrong_type(&v, "arguments", "an object");
    if (j_args && !json_is_object(j_args) && vcheck_ok(&v))
        vcheck_fail(&v, "arguments", "must be a JSON object (or its text)");
    if (!http_reply_vcheck(r, &v)) {
        char text[VAPI_TOOL_ANSWER_MAX];
        struct vapi_tool_ctx ctx = {r->app, r->tenant.id, id, NULL, -1};
        bool ok = vapi_tool_run(&ctx, tool, j_args, text, sizeof text);
        http_reply_json_new(r, 200, json_pack("{s:s, s:s}", "tool", tool,
                                              ok ? "result" : "error", text));
    }
    json_decref(j_args);
    json_decref(j_body);
    vcheck_cleanup(&v);
    return 0;
}
