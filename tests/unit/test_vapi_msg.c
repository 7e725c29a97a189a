/* SPDX-License-Identifier: MIT */
/* Vapi webhook message parsing and replies (src/vapi/vapi_msg.c): every sample in
 * tests/fixtures/vapi with its calls in order and arguments as objects; then variants the
 * samples do not show: several calls, string arguments good and bad, unknown tools, missing
 * ids, names and arguments, the precedence between list shapes, duplicate ids, the call cap,
 * bodies over the cap, invalid JSON, deep nesting, missing assistant, and the reply bodies. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vapi/vapi.h"

#define FIX PETE_TEST_FIXTURES "/vapi"
#define CAP (1024 * 1024)
#define ASSISTANT "24464697-8f45-4b38-b43a-d337f50c370e"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Parses a fixture into *m; returns the parse result. */
static int parse_fixture(const char *name, struct vapi_msg *m)
{
    char path[512];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", FIX, name);
    char *body = slurp(path, &len);
    int rc = vapi_msg_parse(body, len, CAP, m);
    free(body); /* the message keeps its own copy of every string */
    return rc;
}

static int parse_str(const char *body, struct vapi_msg *m)
{
    return vapi_msg_parse(body, strlen(body), CAP, m);
}

static const char *arg_str(const struct vapi_call *c, const char *key)
{
    assert_true(json_is_object(c->j_args));
    return json_string_value(json_object_get(c->j_args, key));
}

static json_int_t arg_int(const struct vapi_call *c, const char *key)
{
    const json_t *j = json_object_get(c->j_args, key);
    assert_true(json_is_integer(j));
    return json_integer_value(j);
}

/* ---- the samples -------------------------------------------------------------------------- */

static void test_every_fixture_parses(void **state)
{
    (void)state;
    DIR *d = opendir(FIX);
    assert_non_null(d);
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        struct vapi_msg m;
        assert_int_equal(parse_fixture(e->d_name, &m), VAPI_OK);
        assert_string_equal(m.assistant_id, ASSISTANT);
        assert_non_null(m.call_id);
        for (size_t i = 0; i < m.n_calls; i++) {
            assert_null(m.calls[i].bad);
            assert_true(json_is_object(m.calls[i].j_args));
            assert_true(json_object_size(m.calls[i].j_args) > 0);
            assert_int_not_equal(vapi_tool_from_name(m.calls[i].name), VAPI_TOOL_UNKNOWN);
        }
        vapi_msg_cleanup(&m);
        seen++;
    }
    closedir(d);
    assert_true(seen >= 6);
}

static void test_tool_call_list_openai_style(void **state)
{
    (void)state;
    struct vapi_msg m;
    assert_int_equal(parse_fixture("tool-calls.toolCallList.json", &m), VAPI_OK);
    assert_int_equal(m.type, VAPI_MSG_TOOL_CALLS);
    assert_string_equal(m.type_name, "tool-calls");
    assert_string_equal(m.call_id, "c6a3f1e2-3b9d-4d0f-9a7c-2f1e0b8d7c61");
    assert_string_equal(m.customer_number, "+14055550123");
    assert_int_equal(m.source, VAPI_SRC_TOOL_CALL_LIST);
    assert_false(m.legacy);
    assert_int_equal(m.n_calls, 2);
    assert_string_equal(m.calls[0].id, "toolu_01DTPAzUm5Gk3zxrpJ969oMF");
    assert_string_equal(m.calls[0].name, "search_rentals");
    assert_int_equal(arg_int(&m.calls[0], "bedrooms"), 2);
    assert_int_equal(arg_int(&m.calls[0], "max_price"), 1500);
    /* the second call's arguments arrive as a JSON string */
    assert_string_equal(m.calls[1].id, "toolu_01QW3hXx9bJk7ZtT1y2p4A6c");
    assert_string_equal(m.calls[1].name, "get_availability");
    assert_string_equal(arg_str(&m.calls[1], "property_address"), "1000 Rambling Oaks - 6");
    assert_int_equal(arg_int(&m.calls[1], "days_ahead"), 5);
    vapi_msg_cleanup(&m);
}

static void test_docs_flat_answers_once(void **state)
{
    (void)state;
    struct vapi_msg m;
    assert_int_equal(parse_fixture("tool-calls.docs-flat.json", &m), VAPI_OK);
    /* the same call is listed in toolCallList and toolWithToolCallList: read once */
    assert_int_equal(m.source, VAPI_SRC_TOOL_CALL_LIST);
    assert_int_equal(m.n_calls, 1);
    assert_string_equal(m.calls[0].id, "toolu_01DTPAzUm5Gk3zxrpJ969oMF");
    assert_string_equal(m.calls[0].name, "get_rental_details");
    assert_string_equal(arg_str(&m.calls[0], "property_address"), "412 W Oak Ave");
    assert_string_equal(m.call_id, "5d1c2b3a-0f9e-4d8c-b7a6-958473625140");
    vapi_msg_cleanup(&m);
}

static void test_legacy_tool_calls_without_type(void **state)
{
    (void)state;
    struct vapi_msg m;
    assert_int_equal(parse_fixture("tool-calls.legacy-toolCalls.json", &m), VAPI_OK);
    assert_null(m.type_name);
    assert_int_equal(m.type, VAPI_MSG_TOOL_CALLS);
    assert_int_equal(m.source, VAPI_SRC_TOOL_CALLS);
    assert_false(m.legacy);
    assert_int_equal(m.n_calls, 1);
    assert_string_equal(m.calls[0].id, "set_appointment_1772467200000");
    assert_string_equal(m.calls[0].name, "set_appointment");
    assert_string_equal(arg_str(&m.calls[0], "start_time"), "2026-03-03T14:00:00-06:00");
    assert_string_equal(arg_str(&m.calls[0], "attendee_name"), "John Doe");
    assert_string_equal(arg_str(&m.calls[0], "attendee_email"), "john@example.com");
    vapi_msg_cleanup(&m);
}

static void test_legacy_function_call(void **state)
{
    (void)state;
    struct vapi_msg m;
    assert_int_equal(parse_fixture("function-call.legacy.json", &m), VAPI_OK);
    assert_int_equal(m.type, VAPI_MSG_FUNCTION_CALL);
    assert_int_equal(m.source, VAPI_SRC_FUNCTION_CALL);
    assert_true(m.legacy);
    assert_int_equal(m.n_calls, 1);
    assert_string_equal(m.calls[0].id, "");
    assert_null(m.calls[0].bad);
    assert_string_equal(m.calls[0].name, "get_availability");
    assert_string_equal(arg_str(&m.calls[0], "property_address"), "123 Main Street, Apt 4B");
    vapi_msg_cleanup(&m);
}

static void test_end_of_call_report(void **state)
{
    (void)state;
    struct vapi_msg m;
    assert_int_equal(parse_fixture("end-of-call-report.json", &m), VAPI_OK);
    assert_int_equal(m.type, VAPI_MSG_END_OF_CALL_REPORT);
    assert_int_equal(m.n_calls, 0);
    assert_string_equal(m.eoc.call_id, "c6a3f1e2-3b9d-4d0f-9a7c-2f1e0b8d7c61");
    assert_string_equal(m.eoc.customer_number, "+14055550123");
    assert_string_equal(m.eoc.started_at, "2026-03-02T16:00:00.000Z");
    assert_string_equal(m.eoc.ended_at, "2026-03-02T16:04:12.000Z");
    assert_string_equal(m.eoc.ended_reason, "customer-ended-call");
    assert_non_null(strstr(m.eoc.summary, "1000 Rambling Oaks - 6"));
    assert_non_null(strstr(m.eoc.transcript, "two bedroom under fifteen hundred"));
    assert_string_equal(m.eoc.recording_url, "https://example.invalid/recordings/c6a3f1e2.wav");
    assert_true(m.eoc.has_cost);
    assert_float_equal(m.eoc.cost, 0.1375, 1e-9);
    vapi_msg_cleanup(&m);
}

static void test_eoc_newer_places(void **state)
{
    (void)state;
    struct vapi_msg m;
    const char *body =
        "{\"message\":{\"type\":\"end-of-call-report\",\"endedReason\":\"assistant-ended-call\","
        "\"analysis\":{\"summary\":\"Asked about pets.\"},"
        "\"artifact\":{\"transcript\":\"AI: Hello\",\"recording\":{\"mono\":{\"combinedUrl\":"
        "\"https://r.invalid/m.wav\"},\"stereoUrl\":\"https://r.invalid/s.wav\"}},"
        "\"call\":{\"id\":\"c1\",\"assistantId\":\"a1\",\"cost\":0.5,"
        "\"startedAt\":\"2026-03-02T16:00:00Z\",\"customer\":{\"number\":\"+1405\"}}}}";
    assert_int_equal(parse_str(body, &m), VAPI_OK);
    assert_string_equal(m.eoc.summary, "Asked about pets.");
    assert_string_equal(m.eoc.transcript, "AI: Hello");
    assert_string_equal(m.eoc.recording_url, "https://r.invalid/m.wav");
    assert_string_equal(m.eoc.started_at, "2026-03-02T16:00:00Z");
    assert_null(m.eoc.ended_at);
    assert_string_equal(m.eoc.customer_number, "+1405");
    assert_true(m.eoc.has_cost);
    assert_float_equal(m.eoc.cost, 0.5, 1e-9);
    vapi_msg_cleanup(&m);
}

static void test_status_update(void **state)
{
    (void)state;
    struct vapi_msg m;
    assert_int_equal(parse_fixture("status-update.json", &m), VAPI_OK);
    assert_int_equal(m.type, VAPI_MSG_STATUS_UPDATE);
    assert_int_equal(m.n_calls, 0);
    vapi_msg_cleanup(&m);
    /* other types are OTHER, with no calls read even when lists are present */
    assert_int_equal(parse_str("{\"message\":{\"type\":\"speech-update\",\"toolCallList\":"
                               "[{\"id\":\"x\",\"name\":\"search_rentals\"}],"
                               "\"assistant\":{\"id\":\"a1\"}}}",
                               &m),
                     VAPI_OK);
    assert_int_equal(m.type, VAPI_MSG_OTHER);
    assert_string_equal(m.type_name, "speech-update");
    assert_string_equal(m.assistant_id, "a1");
    assert_int_equal(m.n_calls, 0);
    vapi_msg_cleanup(&m);
    assert_int_equal(parse_str("{\"message\":{\"type\":\"assistant-request\","
                               "\"call\":{\"assistantId\":\"a1\",\"phoneNumberId\":\"p1\"}}}",
                               &m),
                     VAPI_OK);
    assert_int_equal(m.type, VAPI_MSG_ASSISTANT_REQUEST);
    assert_string_equal(m.phone_number_id, "p1");
    vapi_msg_cleanup(&m);
}

/* ---- variants ----------------------------------------------------------------------------- */

static void test_many_shapes_in_one_list(void **state)
{
    (void)state;
    struct vapi_msg m;
    const char *body =
        "{\"message\":{\"type\":\"tool-calls\",\"call\":{\"id\":\"c\",\"assistantId\":\"a\"},"
        "\"toolCallList\":["
        "{\"id\":\"1\",\"name\":\"search_rentals\",\"arguments\":{\"bedrooms\":\"two\"}},"
        "{\"id\":\"2\",\"type\":\"function\",\"function\":{\"name\":\"get_rental_details\","
        "\"arguments\":\"{\\\"property_address\\\":\\\"412 W Oak\\\"}\"}},"
        "{\"id\":\"3\",\"function\":{\"name\":\"get_availability\",\"arguments\":\"{not json\"}},"
        "{\"id\":\"4\",\"function\":{\"name\":\"get_availability\",\"arguments\":\"[1,2]\"}},"
        "{\"id\":\"5\",\"function\":{\"name\":\"get_availability\",\"arguments\":42}},"
        "{\"id\":\"6\",\"name\":\"cancel_appointment\"},"
        "{\"id\":\"7\",\"name\":\"cancel_appointment\",\"arguments\":null},"
        "{\"id\":\"8\",\"name\":\"cancel_appointment\",\"arguments\":\"  \"},"
        "{\"id\":\"9\",\"name\":\"order_pizza\",\"arguments\":{}},"
        "{\"name\":\"search_rentals\",\"arguments\":{}},"
        "{\"id\":\"11\",\"arguments\":{}},"
        "\"just a string\","
        "{\"id\":\"13\",\"name\":\"search_rentals\",\"parameters\":{\"pets\":true}}"
        "]}}";
    assert_int_equal(parse_str(body, &m), VAPI_OK);
    assert_int_equal(m.n_calls, 13);
    /* wrong argument types are the dispatcher's business: the call parses */
    assert_null(m.calls[0].bad);
    assert_string_equal(arg_str(&m.calls[0], "bedrooms"), "two");
    assert_null(m.calls[1].bad);
    assert_string_equal(arg_str(&m.calls[1], "property_address"), "412 W Oak");
    assert_string_equal(m.calls[2].bad, "The tool arguments are not valid JSON.");
    assert_null(m.calls[2].j_args);
    assert_string_equal(m.calls[2].id, "3");
    assert_string_equal(m.calls[3].bad, "The tool arguments are not a JSON object.");
    assert_string_equal(m.calls[4].bad, "The tool arguments are not a JSON object.");
    for (int i = 5; i <= 7; i++) { /* missing, null, blank: no arguments */
        assert_null(m.calls[i].bad);
        assert_int_equal(json_object_size(m.calls[i].j_args), 0);
    }
    assert_null(m.calls[8].bad);
    assert_string_equal(m.calls[8].name, "order_pizza");
    assert_int_equal(vapi_tool_from_name(m.calls[8].name), VAPI_TOOL_UNKNOWN);
    assert_string_equal(m.calls[9].id, "");
    assert_string_equal(m.calls[9].bad, "The tool call has no id.");
    assert_string_equal(m.calls[10].bad, "The tool call has no function name.");
    assert_string_equal(m.calls[11].bad, "The tool call is not an object.");
    assert_null(m.calls[12].bad);
    assert_true(json_is_true(json_object_get(m.calls[12].j_args, "pets")));
    vapi_msg_cleanup(&m);
}

static void test_tool_with_tool_call_list(void **state)
{
    (void)state;
    struct vapi_msg m;
    const char *body =
        "{\"message\":{\"type\":\"tool-calls\",\"assistant\":{\"id\":\"a2\"},"
        "\"toolCallList\":[],"
        "\"toolWithToolCallList\":["
        "{\"type\":\"function\",\"function\":{\"name\":\"get_rental_details\"},"
        "\"toolCall\":{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":"
        "\"get_rental_details\",\"parameters\":{\"property_address\":\"9 Elm St\"}}}},"
        "{\"name\":\"set_appointment\",\"toolCall\":{\"id\":\"t2\",\"parameters\":"
        "{\"attendee_name\":\"Ann\"}}},"
        "{\"name\":\"set_appointment\"}"
        "]}}";
    assert_int_equal(parse_str(body, &m), VAPI_OK);
    /* an empty toolCallList does not win over a list with calls */
    assert_int_equal(m.source, VAPI_SRC_TOOL_WITH_TOOL_CALL_LIST);
    assert_string_equal(m.assistant_id, "a2");
    assert_int_equal(m.n_calls, 3);
    assert_string_equal(m.calls[0].id, "t1");
    assert_string_equal(m.calls[0].name, "get_rental_details");
    assert_string_equal(arg_str(&m.calls[0], "property_address"), "9 Elm St");
    /* the name may come from the tool definition around the call */
    assert_string_equal(m.calls[1].id, "t2");
    assert_string_equal(m.calls[1].name, "set_appointment");
    assert_string_equal(arg_str(&m.calls[1], "attendee_name"), "Ann");
    assert_string_equal(m.calls[2].bad, "The tool call is not an object.");
    vapi_msg_cleanup(&m);
}

static void test_precedence_and_duplicates(void **state)
{
    (void)state;
    struct vapi_msg m;
    const char *body =
        "{\"message\":{\"type\":\"tool-calls\",\"call\":{\"assistantId\":\"a\"},"
        "\"toolCallList\":[{\"id\":\"x\",\"name\":\"search_rentals\"},"
        "{\"id\":\"x\",\"name\":\"set_appointment\"},{\"id\":\"y\",\"name\":\"search_rentals\"}],"
        "\"toolWithToolCallList\":[{\"toolCall\":{\"id\":\"z\",\"function\":{\"name\":\"a\"}}}],"
        "\"toolCalls\":[{\"id\":\"w\",\"function\":{\"name\":\"b\"}}],"
        "\"functionCall\":{\"name\":\"c\"}}}";
    assert_int_equal(parse_str(body, &m), VAPI_OK);
    assert_int_equal(m.source, VAPI_SRC_TOOL_CALL_LIST);
    assert_false(m.legacy);
    assert_int_equal(m.n_calls, 2); /* the second "x" is not answered again */
    assert_string_equal(m.calls[0].id, "x");
    assert_string_equal(m.calls[0].name, "search_rentals");
    assert_string_equal(m.calls[1].id, "y");
    vapi_msg_cleanup(&m);
    /* a tool-calls message with no call at all: nothing to run, nothing to answer */
    assert_int_equal(parse_str("{\"message\":{\"type\":\"tool-calls\",\"toolCallList\":[],"
                               "\"call\":{\"assistantId\":\"a\"}}}",
                               &m),
                     VAPI_OK);
    assert_int_equal(m.n_calls, 0);
    assert_int_equal(m.source, VAPI_SRC_NONE);
    vapi_msg_cleanup(&m);
}

static void test_legacy_flat_and_missing_function_call(void **state)
{
    (void)state;
    struct vapi_msg m;
    assert_int_equal(parse_str("{\"functionCall\":{\"name\":\"search_rentals\",\"parameters\":"
                               "\"{\\\"bedrooms\\\":3}\"},\"call\":{\"id\":\"c9\","
                               "\"assistantId\":\"a9\"}}",
                               &m),
                     VAPI_OK);
    assert_int_equal(m.type, VAPI_MSG_FUNCTION_CALL);
    assert_true(m.legacy);
    assert_string_equal(m.assistant_id, "a9");
    assert_string_equal(m.call_id, "c9");
    assert_int_equal(m.n_calls, 1);
    assert_int_equal(arg_int(&m.calls[0], "bedrooms"), 3);
    vapi_msg_cleanup(&m);
    assert_int_equal(parse_str("{\"message\":{\"type\":\"function-call\","
                               "\"call\":{\"assistantId\":\"a\"}}}",
                               &m),
                     VAPI_OK);
    assert_true(m.legacy);
    assert_int_equal(m.n_calls, 1);
    assert_string_equal(m.calls[0].bad, "The message has no functionCall.");
    vapi_msg_cleanup(&m);
}

/* {"message":{"type":"tool-calls","call":{"assistantId":"a"},"toolCallList":[n calls]}} */
static char *many_calls(int n)
{
    size_t cap = (size_t)n * 64 + 128, o = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    o += (size_t)snprintf(b, cap, "{\"message\":{\"type\":\"tool-calls\",\"call\":"
                                  "{\"assistantId\":\"a\"},\"toolCallList\":[");
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(b + o, cap - o, "%s{\"id\":\"c%d\",\"name\":\"search_rentals\"}",
                              i ? "," : "", i);
    snprintf(b + o, cap - o, "]}}");
    return b;
}

static void test_call_cap(void **state)
{
    (void)state;
    struct vapi_msg m;
    char *body = many_calls(1000);
    assert_int_equal(parse_str(body, &m), VAPI_OK);
    assert_int_equal(m.n_calls, VAPI_MAX_CALLS);
    assert_int_equal(m.n_dropped, 1000 - VAPI_MAX_CALLS);
    for (size_t i = 0; i < m.n_calls; i++) {
        char id[32];
        snprintf(id, sizeof id, "c%zu", i);
        assert_string_equal(m.calls[i].id, id);
    }
    vapi_msg_cleanup(&m);
    free(body);
    body = many_calls(VAPI_MAX_CALLS);
    assert_int_equal(parse_str(body, &m), VAPI_OK);
    assert_int_equal(m.n_calls, VAPI_MAX_CALLS);
    assert_int_equal(m.n_dropped, 0);
    vapi_msg_cleanup(&m);
    free(body);
}

static void test_size_cap(void **state)
{
    (void)state;
    struct vapi_msg m;
    size_t n = 1024 * 1024;
    char *body = malloc(n + 1);
    assert_non_null(body);
    /* a valid 1 MiB end-of-call report: a long transcript */
    const char *head = "{\"message\":{\"type\":\"end-of-call-report\",\"call\":{\"assistantId\":"
                       "\"a\",\"id\":\"c\"},\"transcript\":\"";
    size_t h = strlen(head);
    memcpy(body, head, h);
    memset(body + h, 'x', n - h - 4);
    memcpy(body + n - 4, "\"}}", 4);
    n -= 1;
    assert_int_equal(vapi_msg_parse(body, n, 64 * 1024, &m), VAPI_E_TOO_LARGE);
    assert_null(m.j_root);
    assert_int_equal(vapi_parse_status(VAPI_E_TOO_LARGE), 413);
    vapi_msg_cleanup(&m);
    assert_int_equal(vapi_msg_parse(body, n, n, &m), VAPI_OK);
    assert_int_equal(strlen(m.eoc.transcript), n - h - 3);
    vapi_msg_cleanup(&m);
    free(body);
}

static void test_bad_bodies(void **state)
{
    (void)state;
    struct vapi_msg m;
    static const char *const not_json[] = {
        "", "{", "not json", "{\"message\":{}} trailing", "{\"message\":{},\"message\":{}}",
        "{\"message\":{\"type\":\"tool-calls\",\"type\":\"x\"}}", "\xff\xfe{}"};
    for (size_t i = 0; i < sizeof not_json / sizeof not_json[0]; i++) {
        assert_int_equal(parse_str(not_json[i], &m), VAPI_E_JSON);
        assert_null(m.j_root);
        vapi_msg_cleanup(&m);
    }
    assert_int_equal(vapi_msg_parse(NULL, 0, CAP, &m), VAPI_E_JSON);
    static const char *const bad_shape[] = {"[]", "\"message\"", "42", "{}",
                                            "{\"message\":[]}", "{\"message\":\"tool-calls\"}",
                                            "{\"functionCall\":\"x\"}"};
    for (size_t i = 0; i < sizeof bad_shape / sizeof bad_shape[0]; i++) {
        assert_int_equal(parse_str(bad_shape[i], &m), VAPI_E_SHAPE);
        assert_null(m.j_root);
        vapi_msg_cleanup(&m);
    }
    assert_int_equal(vapi_parse_status(VAPI_E_JSON), 400);
    assert_int_equal(vapi_parse_status(VAPI_E_SHAPE), 400);
    assert_non_null(strstr(vapi_parse_message(VAPI_E_SHAPE), "message"));
}

static char *nested(const char *prefix, int depth, const char *suffix)
{
    size_t np = strlen(prefix), ns = strlen(suffix);
    char *b = malloc(np + 2 * (size_t)depth + ns + 1);
    assert_non_null(b);
    memcpy(b, prefix, np);
    memset(b + np, '[', (size_t)depth);
    memset(b + np + (size_t)depth, ']', (size_t)depth);
    memcpy(b + np + 2 * (size_t)depth, suffix, ns + 1);
    return b;
}

static void test_deep_nesting(void **state)
{
    (void)state;
    struct vapi_msg m;
    char *b = nested("", 10000, "");
    assert_int_equal(parse_str(b, &m), VAPI_E_JSON);
    free(b);
    b = nested("{\"message\":{\"call\":{\"assistantId\":\"a\"},\"x\":", 10000, "}}");
    assert_int_equal(parse_str(b, &m), VAPI_E_JSON);
    free(b);
    /* deep nesting inside a string argument fails that call only */
    b = nested("{\"message\":{\"type\":\"tool-calls\",\"call\":{\"assistantId\":\"a\"},"
               "\"toolCallList\":[{\"id\":\"1\",\"name\":\"search_rentals\",\"arguments\":\"",
               10000, "\"},{\"id\":\"2\",\"name\":\"search_rentals\"}]}}");
    assert_int_equal(parse_str(b, &m), VAPI_OK);
    assert_int_equal(m.n_calls, 2);
    assert_string_equal(m.calls[0].bad, "The tool arguments are not valid JSON.");
    assert_null(m.calls[1].bad);
    vapi_msg_cleanup(&m);
    free(b);
}

static void test_missing_assistant(void **state)
{
    (void)state;
    struct vapi_msg m;
    assert_int_equal(parse_str("{\"message\":{\"type\":\"tool-calls\",\"call\":{\"id\":\"c\"},"
                               "\"toolCallList\":[{\"id\":\"1\",\"name\":\"search_rentals\"}]}}",
                               &m),
                     VAPI_E_NO_ASSISTANT);
    /* filled anyway, so the caller can log the type before its 401 */
    assert_int_equal(m.type, VAPI_MSG_TOOL_CALLS);
    assert_null(m.assistant_id);
    assert_string_equal(m.call_id, "c");
    assert_int_equal(vapi_parse_status(VAPI_E_NO_ASSISTANT), 401);
    vapi_msg_cleanup(&m);
    /* an empty or non-string id is no id; the call's wins over the assistant's */
    assert_int_equal(parse_str("{\"message\":{\"call\":{\"assistantId\":\"\"},"
                               "\"assistant\":{\"id\":7}}}",
                               &m),
                     VAPI_E_NO_ASSISTANT);
    vapi_msg_cleanup(&m);
    assert_int_equal(parse_str("{\"message\":{\"call\":{\"assistantId\":\"from-call\"},"
                               "\"assistant\":{\"id\":\"from-assistant\"}}}",
                               &m),
                     VAPI_OK);
    assert_string_equal(m.assistant_id, "from-call");
    vapi_msg_cleanup(&m);
}

/* ---- replies ------------------------------------------------------------------------------ */

static void assert_json(json_t *j, const char *want)
{
    char *got = json_dumps(j, JSON_COMPACT);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_replies(void **state)
{
    (void)state;
    json_t *j = vapi_reply_new();
    assert_json(j, "{\"results\":[]}");
    vapi_reply_add_result(j, "toolu_1", "412 W Oak Ave is $1,250 a month.");
    vapi_reply_add_error(j, "toolu_2", "I could not find that address.");
    vapi_reply_add_result(j, NULL, "no id");
    vapi_reply_add_result(j, "toolu_4", "bad \xff byte");
    assert_json(j, "{\"results\":[{\"toolCallId\":\"toolu_1\",\"result\":\"412 W Oak Ave is "
                   "$1,250 a month.\"},{\"toolCallId\":\"toolu_2\",\"error\":\"I could not find "
                   "that address.\"},{\"toolCallId\":\"\",\"result\":\"no id\"},{\"toolCallId\":"
                   "\"toolu_4\",\"result\":\"bad byte\"}]}");
    json_decref(j);
    j = vapi_reply_legacy("Tuesday, March 3 at 2 PM is free.");
    assert_json(j, "{\"result\":\"Tuesday, March 3 at 2 PM is free.\"}");
    json_decref(j);
    /* adding to something that is not a reply changes nothing */
    j = json_object();
    vapi_reply_add_result(j, "x", "y");
    assert_json(j, "{}");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_parses),
        cmocka_unit_test(test_tool_call_list_openai_style),
        cmocka_unit_test(test_docs_flat_answers_once),
        cmocka_unit_test(test_legacy_tool_calls_without_type),
        cmocka_unit_test(test_legacy_function_call),
        cmocka_unit_test(test_end_of_call_report),
        cmocka_unit_test(test_eoc_newer_places),
        cmocka_unit_test(test_status_update),
        cmocka_unit_test(test_many_shapes_in_one_list),
        cmocka_unit_test(test_tool_with_tool_call_list),
        cmocka_unit_test(test_precedence_and_duplicates),
        cmocka_unit_test(test_legacy_flat_and_missing_function_call),
        cmocka_unit_test(test_call_cap),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_missing_assistant),
        cmocka_unit_test(test_replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
