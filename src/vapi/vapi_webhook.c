/* SPDX-License-Identifier: MIT */
/* POST /vapi/webhook (SPEC §6). The route's authenticator (HTTP_AUTH_VAPI) parses the body,
 * finds the agent of the message's assistant id (whichever tenant's), and checks the
 * request against that agent's secret (X-Vapi-Secret, a bearer, or an HMAC signature: see
 * vapi_auth.c); only then does the tenant become the agent's. An unknown assistant, an
 * inactive agent and a bad secret are all 401, and nothing runs. The handler answers every
 * message type: each tool call of a message in order (tools never choose the tenant), the
 * end-of-call report stored once per call, the assistant request with the agent's
 * configuration, anything else {} at once. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar/calendar.h"
#include "core/app.h"
#include "core/log.h"
#include "core/mem.h"
#include "users/users.h"
#include "vapi/vapi.h"

/* What the authenticator hands the handler (r->auth_data). */
struct hook {
    struct vapi_msg msg;
    struct vapi_webhook_agent agent;
};

static void hook_free(void *p)
{
    struct hook *h = p;
    vapi_msg_cleanup(&h->msg);
    vapi_webhook_agent_cleanup(&h->agent);
    free(h);
}

/* Answers a refused webhook: 401 without saying which check failed (logged). */
static bool refuse(http_req *r, const char *why)
{
    LOG_I("Security - Vapi webhook refused: %s", why);
    http_reply_error(r, 401, "unauthorized", "The webhook request is not from a known agent, "
                                             "or its secret or signature is wrong.");
    return false;
}

static bool check_secret(http_req *r, const struct vapi_webhook_agent *ag)
{
    struct vapi_auth_names names;
    vapi_auth_names_from_config(ag->j_config, &names);
    struct vapi_auth_headers h = {
        .secret = http_header(r, "X-Vapi-Secret"),
        .authorization = http_header(r, "Authorization"),
        .signature = http_header(r, names.signature),
        .timestamp = http_header(r, names.timestamp),
    };
    int rc = vapi_auth_check(ag->secret, &h, r->body, r->body ? r->body_len : 0,
                             (int64_t)time(NULL), NULL);
    return rc == VAPI_AUTH_OK ? true : refuse(r, vapi_auth_reason(rc));
}

bool vapi_http_authenticate(http_req *r)
{
    struct hook *h = mem_zalloc(1, sizeof *h);
    int pr = vapi_msg_parse(r->body, r->body ? r->body_len : 0,
                            (size_t)r->app->cfg->max_body_bytes, &h->msg);
    bool ok = false;
    if (pr == VAPI_E_NO_ASSISTANT) {
        refuse(r, "the message names no assistant");
    } else if (pr != VAPI_OK) {
        unsigned st = vapi_parse_status(pr);
        http_reply_error(r, st, st == 413          ? "payload_too_large"
                                : pr == VAPI_E_SHAPE ? "invalid_field_type"
                                                     : "invalid_json",
                         vapi_parse_message(pr));
    } else {
        app_err e = vapi_agent_for_assistant(r->app, h->msg.assistant_id, &h->agent);
        if (e == APP_E_NOTFOUND)
            refuse(r, "no agent has this assistant id");
        else if (e != APP_OK)
            http_reply_err(r, e, NULL);
        else if (!h->agent.is_active)
            refuse(r, "the agent is inactive");
        else
            ok = check_secret(r, &h->agent);
    }
    if (!ok) {
        hook_free(h);
        return false;
    }
    r->tenant.id = h->agent.user_id;
    r->auth_data = h;
    r->auth_data_free = hook_free;
    return true;
}

/* ---- the handler ------------------------------------------------------------------------- */

/* Answers every tool call in order; live[i] is what the connected calendar said of call i's
 * slot (-1: not asked). */
static int reply_tool_calls(http_req *r, struct hook *h, const int *live)
{
    json_t *j_reply = h->msg.legacy ? NULL : vapi_reply_new();
    struct vapi_tool_ctx ctx = {r->app, h->agent.user_id, h->agent.id, h->msg.call_id, -1};
    for (size_t i = 0; i < h->msg.n_calls; i++) {
        const struct vapi_call *call = &h->msg.calls[i];
        char text[VAPI_TOOL_ANSWER_MAX] = "";
        bool good = false;
        ctx.live = live ? live[i] : -1;
        if (call->bad)
            snprintf(text, sizeof text, "%s", call->bad);
        else
            good = vapi_tool_run(&ctx, call->name, call->j_args, text, sizeof text);
        if (h->msg.legacy) {
            j_reply = vapi_reply_legacy(text);
            break;
        }
        if (good)
            vapi_reply_add_result(j_reply, call->id, text);
        else
            vapi_reply_add_error(j_reply, call->id, text);
    }
    if (!j_reply) /* a legacy message whose call list came out empty */
        j_reply = vapi_reply_legacy("Sorry, I did not get that request.");
    return http_reply_json_new(r, 200, j_reply);
}

/* ---- the live re-check of bookings ---------------------------------------------------
 * A set_appointment call of a tenant with a connected calendar asks that calendar about
 * the slot first (as POST /appointments does), on the outbound pool with the connection
 * suspended; the tools then run on a server thread with the verdicts. */

struct live_checks {
    struct hook *h;                          /* r->auth_data: lives until the request ends */
    struct calendar_live *check[VAPI_MAX_CALLS];
};

/* The slot a set_appointment call asks for: false when its time cannot be read (the tool
 * then answers that itself). */
static bool call_slot(struct app *a, int64_t tenant, const json_t *j_args, int64_t *start,
                      int64_t *end)
{
    struct user_settings st;
    const char *when = json_string_value(json_object_get(j_args, "start_time"));
    if (!when || users_settings_get(a, tenant, &st) != APP_OK ||
        !calendar_parse_time(when, st.timezone, false, false, start))
        return false;
    *end = *start + (int64_t)st.slot_minutes * 60;
    return true;
}

/* Prepares a check per bookable call; false when none is needed (no calendar connected). */
static bool live_prepare(http_req *r, struct hook *h, struct live_checks *lc)
{
    bool any = false;
    for (size_t i = 0; i < h->msg.n_calls && i < VAPI_MAX_CALLS; i++) {
        const struct vapi_call *call = &h->msg.calls[i];
        int64_t start = 0, end = 0;
        if (call->bad || vapi_tool_from_name(call->name) != VAPI_TOOL_SET_APPOINTMENT ||
            !call_slot(r->app, h->agent.user_id, call->j_args, &start, &end))
            continue;
        if (calendar_live_prepare(r->app, h->agent.user_id, start, end, 0, &lc->check[i]) !=
            APP_OK)
            return any; /* no calendar connected (or it cannot be read): no checks at all */
        any = true;
    }
    return any;
}

static void live_perform(void *arg)
{
    struct live_checks *lc = arg;
    for (size_t i = 0; i < VAPI_MAX_CALLS; i++)
        if (lc->check[i])
            calendar_live_perform(lc->check[i]);
}

static void live_free(struct live_checks *lc)
{
    for (size_t i = 0; i < VAPI_MAX_CALLS; i++)
        calendar_live_free(lc->check[i]);
    free(lc);
}

static int live_reply(http_req *r, void *arg)
{
    struct live_checks *lc = arg;
    int live[VAPI_MAX_CALLS];
    for (size_t i = 0; i < VAPI_MAX_CALLS; i++)
        live[i] = lc->check[i] ? (int)calendar_live_busy(lc->check[i]) : -1;
    reply_tool_calls(r, lc->h, live);
    live_free(lc);
    return 0;
}

static int tool_calls(http_req *r, struct hook *h)
{
    struct live_checks *lc = mem_zalloc(1, sizeof *lc);
    lc->h = h;
    if (!live_prepare(r, h, lc)) {
        live_free(lc);
        return reply_tool_calls(r, h, NULL);
    }
    http_defer(r, live_perform, live_reply, lc);
    if (r->resp) /* turned away at once (the outbound pool is full) */
        live_free(lc);
    return 0;
}

/* assistant-request: the agent's assistant, as its config gives it ("assistant": an
 * assistant object), else the id Vapi already knows. */
static int reply_assistant(http_req *r, struct hook *h)
{
    const json_t *j_assistant = json_object_get(h->agent.j_config, "assistant");
    if (json_is_object(j_assistant))
        return http_reply_json_new(r, 200, json_pack("{s:O}", "assistant", j_assistant));
    if (h->msg.assistant_id)
        return http_reply_json_new(r, 200,
                                   json_pack("{s:s}", "assistantId", h->msg.assistant_id));
    return http_reply_json_new(r, 200, json_pack("{s:s}", "error", "This agent has no "
                                                                  "assistant configured."));
}

int vapi_http_webhook(http_req *r)
{
    struct hook *h = r->auth_data;
    switch (h->msg.type) {
    case VAPI_MSG_TOOL_CALLS:
    case VAPI_MSG_FUNCTION_CALL: return tool_calls(r, h);
    case VAPI_MSG_END_OF_CALL_REPORT: {
        app_err e = vapi_call_record(r->app, h->agent.user_id, h->agent.id, &h->msg.eoc);
        if (e == APP_E_PARAM)
            return http_reply_error(r, 400, "invalid_field_type", "Field 'message.call.id' "
                                                                  "must be a call id.");
        if (e != APP_OK)
            return http_reply_err(r, e, NULL);
        return http_reply_json_new(r, 200, json_object());
    }
    case VAPI_MSG_ASSISTANT_REQUEST: return reply_assistant(r, h);
    default: return http_reply_json_new(r, 200, json_object());
    }
}
