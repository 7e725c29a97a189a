/* SPDX-License-Identifier: MIT */
/* Vapi server messages: one bounded parse of the webhook body into struct vapi_msg (the type,
 * the assistant and call ids, the tool calls from exactly one of the four shapes Vapi has
 * used, the end-of-call report) and the reply bodies. The rules are in vapi.h. No recursion
 * over the input: the shapes read are fixed paths; Jansson bounds the nesting. */
#include <ctype.h>
#include <string.h>

#include "core/mem.h"
#include "vapi/vapi.h"

/* ---- small readers ------------------------------------------------------------------------ */

/* obj[key] when it is a non-empty string, else NULL. */
static const char *str_at(const json_t *obj, const char *key)
{
    const json_t *j = json_object_get(obj, key);
    const char *s = json_is_string(j) ? json_string_value(j) : NULL;
    return s && *s ? s : NULL;
}

/* obj[a][b] when it is a non-empty string. */
static const char *str_at2(const json_t *obj, const char *a, const char *b)
{
    return str_at(json_object_get(obj, a), b);
}

/* obj[key] unless absent or null. */
static const json_t *present(const json_t *obj, const char *key)
{
    const json_t *j = json_object_get(obj, key);
    return json_is_null(j) ? NULL : j;
}

/* obj[key] when it is an array with at least one element. */
static const json_t *nonempty_array(const json_t *obj, const char *key)
{
    const json_t *j = json_object_get(obj, key);
    return json_is_array(j) && json_array_size(j) > 0 ? j : NULL;
}

static enum vapi_msg_type classify(const char *t)
{
    static const struct {
        const char *name;
        enum vapi_msg_type type;
    } types[] = {
        {"tool-calls", VAPI_MSG_TOOL_CALLS},
        {"function-call", VAPI_MSG_FUNCTION_CALL},
        {"end-of-call-report", VAPI_MSG_END_OF_CALL_REPORT},
        {"status-update", VAPI_MSG_STATUS_UPDATE},
        {"assistant-request", VAPI_MSG_ASSISTANT_REQUEST},
    };
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(t, types[i].name) == 0)
            return types[i].type;
    return VAPI_MSG_OTHER;
}

/* ---- one tool call ------------------------------------------------------------------------ */

static bool blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

/* Turns an arguments value into an owned object reference, or sets *bad. */
static json_t *args_object(const json_t *j, const char **bad)
{
    if (!j || json_is_null(j))
        return json_object();
    if (json_is_object(j))
        return json_incref((json_t *)j);
    if (!json_is_string(j)) {
        *bad = "The tool arguments are not a JSON object.";
        return NULL;
    }
    const char *s = json_string_value(j);
    if (blank(s))
        return json_object();
    json_t *j_parsed = json_loadb(s, json_string_length(j), JSON_REJECT_DUPLICATES, NULL);
    if (!j_parsed) {
        *bad = "The tool arguments are not valid JSON.";
        return NULL;
    }
    if (!json_is_object(j_parsed)) {
        json_decref(j_parsed);
        *bad = "The tool arguments are not a JSON object.";
        return NULL;
    }
    return j_parsed;
}

/* The arguments of a call object: function.arguments, function.parameters, arguments,
 * parameters, the first that is present. */
static const json_t *args_of(const json_t *call)
{
    const json_t *fn = json_object_get(call, "function");
    const json_t *j = NULL;
    if (json_is_object(fn) && !(j = present(fn, "arguments")))
        j = present(fn, "parameters");
    if (!j && !(j = present(call, "arguments")))
        j = present(call, "parameters");
    return j;
}

static const char *name_of(const json_t *call)
{
    const char *n = str_at2(call, "function", "name");
    return n ? n : str_at(call, "name");
}

/* Fills c from a call object; tool is the toolWithToolCallList entry around it (or NULL),
 * whose definition may carry the name. need_id: false for the legacy functionCall. */
static void read_call(const json_t *call, const json_t *tool, bool need_id, struct vapi_call *c)
{
    memset(c, 0, sizeof *c);
    c->id = "";
    if (!json_is_object(call)) {
        c->bad = "The tool call is not an object.";
        return;
    }
    const char *id = str_at(call, "id");
    c->id = id ? id : "";
    c->name = name_of(call);
    if (!c->name && tool)
        c->name = name_of(tool);
    if (need_id && !id)
        c->bad = "The tool call has no id.";
    else if (!c->name)
        c->bad = "The tool call has no function name.";
    else
        c->j_args = args_object(args_of(call), &c->bad);
}

/* ---- the call list ------------------------------------------------------------------------ */

static bool seen_id(const struct vapi_msg *m, const char *id)
{
    for (size_t i = 0; *id && i < m->n_calls; i++)
        if (strcmp(m->calls[i].id, id) == 0)
            return true;
    return false;
}

static void read_list(struct vapi_msg *m, const json_t *list, enum vapi_call_source src)
{
    size_t n = json_array_size(list);
    m->source = src;
    m->calls = mem_zalloc(n < VAPI_MAX_CALLS ? n : VAPI_MAX_CALLS, sizeof *m->calls);
    for (size_t i = 0; i < n; i++) {
        if (m->n_calls == VAPI_MAX_CALLS) {
            m->n_dropped = n - i;
            break;
        }
        const json_t *e = json_array_get(list, i);
        struct vapi_call c;
        if (src == VAPI_SRC_TOOL_WITH_TOOL_CALL_LIST && json_is_object(e))
            read_call(json_object_get(e, "toolCall"), e, true, &c);
        else
            read_call(e, NULL, true, &c);
        if (seen_id(m, c.id)) {
            json_decref(c.j_args);
            continue;
        }
        m->calls[m->n_calls++] = c;
    }
}

static void read_calls(struct vapi_msg *m, const json_t *root)
{
    const json_t *msg = m->j_message, *list;
    if ((list = nonempty_array(msg, "toolCallList")))
        read_list(m, list, VAPI_SRC_TOOL_CALL_LIST);
    else if ((list = nonempty_array(msg, "toolWithToolCallList")))
        read_list(m, list, VAPI_SRC_TOOL_WITH_TOOL_CALL_LIST);
    else if ((list = nonempty_array(msg, "toolCalls")))
        read_list(m, list, VAPI_SRC_TOOL_CALLS);
    else {
        const json_t *fc = json_object_get(msg, "functionCall");
        if (!json_is_object(fc))
            fc = json_object_get(root, "functionCall");
        if (!json_is_object(fc))
            fc = NULL;
        if (!fc && m->type != VAPI_MSG_FUNCTION_CALL)
            return; /* tool-calls with no call: {"results":[]} */
        /* a function-call message always has exactly one call to answer */
        m->source = VAPI_SRC_FUNCTION_CALL;
        m->legacy = true;
        m->calls = mem_zalloc(1, sizeof *m->calls);
        m->n_calls = 1;
        read_call(fc, NULL, false, &m->calls[0]);
        if (!fc)
            m->calls[0].bad = "The message has no functionCall.";
    }
}

/* ---- end-of-call report ------------------------------------------------------------------- */

static const char *first(const char *a, const char *b)
{
    return a ? a : b;
}

static const char *recording_of(const json_t *msg)
{
    const json_t *art = json_object_get(msg, "artifact");
    const json_t *rec = json_object_get(art, "recording");
    const char *u = str_at(msg, "recordingUrl");
    u = first(u, str_at(art, "recordingUrl"));
    u = first(u, str_at2(rec, "mono", "combinedUrl"));
    u = first(u, str_at(rec, "stereoUrl"));
    return first(u, str_at(msg, "stereoRecordingUrl"));
}

static void read_eoc(struct vapi_msg *m)
{
    const json_t *msg = m->j_message, *call = json_object_get(msg, "call");
    struct vapi_eoc *e = &m->eoc;
    e->call_id = m->call_id;
    e->customer_number = m->customer_number;
    e->started_at = first(str_at(msg, "startedAt"), str_at(call, "startedAt"));
    e->ended_at = first(str_at(msg, "endedAt"), str_at(call, "endedAt"));
    e->ended_reason = first(str_at(msg, "endedReason"), str_at(call, "endedReason"));
    e->summary = first(str_at(msg, "summary"), str_at2(msg, "analysis", "summary"));
    e->transcript = first(str_at(msg, "transcript"), str_at2(msg, "artifact", "transcript"));
    e->recording_url = recording_of(msg);
    const json_t *cost = json_object_get(msg, "cost");
    if (!json_is_number(cost))
        cost = json_object_get(call, "cost");
    if (json_is_number(cost) && json_number_value(cost) >= 0) {
        e->has_cost = true;
        e->cost = json_number_value(cost);
    }
}

/* ---- parse -------------------------------------------------------------------------------- */

static void read_ids(struct vapi_msg *m)
{
    const json_t *msg = m->j_message, *call = json_object_get(msg, "call");
    m->assistant_id = first(str_at(call, "assistantId"), str_at2(msg, "assistant", "id"));
    m->call_id = str_at(call, "id");
    m->customer_number = first(str_at2(msg, "customer", "number"),
                               str_at2(call, "customer", "number"));
    m->phone_number_id = first(str_at2(msg, "phoneNumber", "id"), str_at(call, "phoneNumberId"));
}

/* The type, inferred from the body when message.type is absent. */
static enum vapi_msg_type type_of(const json_t *msg, const json_t *root)
{
    const char *t = str_at(msg, "type");
    if (t)
        return classify(t);
    if (nonempty_array(msg, "toolCallList") || nonempty_array(msg, "toolWithToolCallList") ||
        nonempty_array(msg, "toolCalls"))
        return VAPI_MSG_TOOL_CALLS;
    if (json_is_object(json_object_get(msg, "functionCall")) ||
        json_is_object(json_object_get(root, "functionCall")))
        return VAPI_MSG_FUNCTION_CALL;
    return VAPI_MSG_OTHER;
}

int vapi_msg_parse(const char *body, size_t len, size_t cap, struct vapi_msg *out)
{
    memset(out, 0, sizeof *out);
    if (len > cap)
        return VAPI_E_TOO_LARGE;
    if (!body || len == 0)
        return VAPI_E_JSON;
    /* DECODE_ANY: a bare scalar is JSON, just not a message (a shape error, not a parse one) */
    json_t *j_root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!j_root)
        return VAPI_E_JSON;
    const json_t *msg = json_object_get(j_root, "message");
    if (!json_is_object(msg) && json_is_object(json_object_get(j_root, "functionCall")))
        msg = j_root; /* the legacy flat body */
    if (!json_is_object(msg)) {
        json_decref(j_root);
        return VAPI_E_SHAPE;
    }
    out->j_root = j_root;
    out->j_message = msg;
    out->type_name = str_at(msg, "type");
    out->type = type_of(msg, j_root);
    read_ids(out);
    if (out->type == VAPI_MSG_TOOL_CALLS || out->type == VAPI_MSG_FUNCTION_CALL)
        read_calls(out, j_root);
    else if (out->type == VAPI_MSG_END_OF_CALL_REPORT)
        read_eoc(out);
    return out->assistant_id ? VAPI_OK : VAPI_E_NO_ASSISTANT;
}

void vapi_msg_cleanup(struct vapi_msg *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_calls; i++)
        json_decref(m->calls[i].j_args);
    free(m->calls);
    json_decref(m->j_root);
    memset(m, 0, sizeof *m);
}

unsigned vapi_parse_status(int r)
{
    switch (r) {
    case VAPI_OK:
        return 200;
    case VAPI_E_TOO_LARGE:
        return 413;
    case VAPI_E_NO_ASSISTANT:
        return 401;
    default:
        return 400;
    }
}

const char *vapi_parse_message(int r)
{
    switch (r) {
    case VAPI_OK:
        return "OK.";
    case VAPI_E_TOO_LARGE:
        return "The request body is too large.";
    case VAPI_E_JSON:
        return "The request body is not valid JSON.";
    case VAPI_E_SHAPE:
        return "The request body must be an object with a 'message' object.";
    case VAPI_E_NO_ASSISTANT:
        return "The message names no assistant.";
    default:
        return "The request body could not be read.";
    }
}

/* ---- replies ------------------------------------------------------------------------------ */

/* A JSON string of text; text that Jansson refuses (malformed UTF-8) is sanitised first. */
static json_t *text_value(const char *text)
{
    json_t *j = json_string(text ? text : "");
    if (j)
        return j;
    size_t cap = strlen(text) + 1;
    char *clean = mem_alloc(cap);
    vapi_speak_sanitize(clean, cap, text);
    j = json_string(clean);
    free(clean);
    return j ? j : json_string("");
}

static void add_entry(json_t *j_reply, const char *id, const char *key, const char *text)
{
    json_t *j_results = json_object_get(j_reply, "results");
    if (!json_is_array(j_results))
        return;
    json_t *j_e = json_object();
    json_object_set_new(j_e, "toolCallId", text_value(id));
    json_object_set_new(j_e, key, text_value(text));
    json_array_append_new(j_results, j_e);
}

json_t *vapi_reply_new(void)
{
    json_t *j = json_object();
    json_object_set_new(j, "results", json_array());
    return j;
}

void vapi_reply_add_result(json_t *j_reply, const char *id, const char *text)
{
    add_entry(j_reply, id, "result", text);
}

void vapi_reply_add_error(json_t *j_reply, const char *id, const char *text)
{
    add_entry(j_reply, id, "error", text);
}

json_t *vapi_reply_legacy(const char *text)
{
    json_t *j = json_object();
    json_object_set_new(j, "result", text_value(text));
    return j;
}
