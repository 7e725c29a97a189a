/* SPDX-License-Identifier: MIT */
/* The Vapi tool definitions and assistant body (src/vapi/vapi_tooldefs.c): five "function"
 * tools with the SPEC §6 names, JSON Schema parameters whose required fields all exist and
 * whose properties all have a type and a description, date and date-time formats where the
 * tools take times, our webhook as every server, the secret as a header or a credential id,
 * and an assistant body that keeps the manager's other tools. Everything survives a
 * serialise-and-parse round trip. */
#include "testutil.h"

#include <string.h>

#include "vapi/vapi.h"

#define URL "https://pete.example.com"
#define HOOK "https://pete.example.com/vapi/webhook"
#define SECRET "whk_9a8b7c6d5e4f"

static const json_t *tool_named(const json_t *j_tools, const char *name)
{
    size_t i;
    const json_t *j_t;
    json_array_foreach(j_tools, i, j_t)
    {
        const char *n = json_string_value(json_object_get(json_object_get(j_t, "function"),
                                                          "name"));
        if (n && strcmp(n, name) == 0)
            return j_t;
    }
    return NULL;
}

static const json_t *prop_of(const json_t *j_tool, const char *name)
{
    const json_t *j_p = json_object_get(json_object_get(j_tool, "function"), "parameters");
    return json_object_get(json_object_get(j_p, "properties"), name);
}

/* Checks one tool's shape and that exactly `required` are required. */
static void check_tool(const json_t *j_t, const char *const *required, size_t n_required)
{
    assert_string_equal(json_string_value(json_object_get(j_t, "type")), "function");
    const json_t *j_fn = json_object_get(j_t, "function");
    const char *name = json_string_value(json_object_get(j_fn, "name"));
    assert_non_null(name);
    assert_true(strlen(name) <= 64 && strspn(name, "abcdefghijklmnopqrstuvwxyz_") == strlen(name));
    assert_true(strlen(json_string_value(json_object_get(j_fn, "description"))) > 20);
    const json_t *j_p = json_object_get(j_fn, "parameters");
    assert_string_equal(json_string_value(json_object_get(j_p, "type")), "object");
    const json_t *j_props = json_object_get(j_p, "properties");
    assert_true(json_is_object(j_props) && json_object_size(j_props) > 0);
    const char *key;
    const json_t *j_v;
    json_object_foreach((json_t *)j_props, key, j_v)
    {
        const char *type = json_string_value(json_object_get(j_v, "type"));
        assert_non_null(type);
        assert_true(strcmp(type, "string") == 0 || strcmp(type, "number") == 0 ||
                    strcmp(type, "integer") == 0 || strcmp(type, "boolean") == 0);
        assert_true(strlen(json_string_value(json_object_get(j_v, "description"))) > 10);
    }
    const json_t *j_req = json_object_get(j_p, "required");
    assert_true(json_is_array(j_req));
    assert_int_equal(json_array_size(j_req), n_required);
    for (size_t i = 0; i < n_required; i++) {
        assert_string_equal(json_string_value(json_array_get(j_req, i)), required[i]);
        assert_non_null(json_object_get(j_props, required[i]));
    }
    const json_t *j_server = json_object_get(j_t, "server");
    assert_string_equal(json_string_value(json_object_get(j_server, "url")), HOOK);
}

static void test_five_tools(void **state)
{
    (void)state;
    json_t *j = vapi_tooldefs_tools(URL, SECRET, NULL);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 5);
    static const char *const details[] = {"property_address"};
    static const char *const set[] = {"property_address", "start_time", "attendee_name"};
    check_tool(tool_named(j, "search_rentals"), NULL, 0);
    check_tool(tool_named(j, "get_rental_details"), details, 1);
    check_tool(tool_named(j, "get_availability"), NULL, 0);
    check_tool(tool_named(j, "set_appointment"), set, 3);
    check_tool(tool_named(j, "cancel_appointment"), NULL, 0);
    /* the SPEC's parameters, each with its type */
    static const struct {
        const char *tool, *prop, *type, *format;
    } want[] = {
        {"search_rentals", "bedrooms", "integer", NULL},
        {"search_rentals", "max_price", "number", NULL},
        {"search_rentals", "min_price", "number", NULL},
        {"search_rentals", "location", "string", NULL},
        {"search_rentals", "available_by", "string", "date"},
        {"search_rentals", "pets", "boolean", NULL},
        {"get_availability", "property_address", "string", NULL},
        {"get_availability", "days_ahead", "integer", NULL},
        {"get_availability", "date", "string", "date"},
        {"set_appointment", "start_time", "string", "date-time"},
        {"set_appointment", "attendee_email", "string", "email"},
        {"set_appointment", "attendee_phone", "string", NULL},
        {"cancel_appointment", "attendee_phone", "string", NULL},
        {"cancel_appointment", "attendee_email", "string", "email"},
        {"cancel_appointment", "start_time", "string", "date-time"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const json_t *j_p = prop_of(tool_named(j, want[i].tool), want[i].prop);
        assert_non_null(j_p);
        assert_string_equal(json_string_value(json_object_get(j_p, "type")), want[i].type);
        const char *f = json_string_value(json_object_get(j_p, "format"));
        if (want[i].format)
            assert_string_equal(f, want[i].format);
        else
            assert_null(f);
    }
    /* the secret travels as the X-Vapi-Secret header of every tool's server */
    const json_t *j_server = json_object_get(json_array_get(j, 0), "server");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j_server, "headers"), "X-Vapi-Secret")),
        SECRET);
    assert_null(json_object_get(j_server, "credentialId"));
    json_decref(j);
}

static void test_credential_id(void **state)
{
    (void)state;
    json_t *j = vapi_tooldefs_tools(URL "/", NULL, "cred_123");
    assert_non_null(j);
    size_t i;
    const json_t *j_t;
    json_array_foreach(j, i, j_t)
    {
        const json_t *j_server = json_object_get(j_t, "server");
        assert_string_equal(json_string_value(json_object_get(j_server, "url")), HOOK);
        assert_string_equal(json_string_value(json_object_get(j_server, "credentialId")),
                            "cred_123");
        assert_null(json_object_get(j_server, "headers"));
    }
    json_decref(j);
    j = vapi_tooldefs_credential(SECRET, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "provider")), "custom-credential");
    const json_t *j_plan = json_object_get(j, "authenticationPlan");
    assert_string_equal(json_string_value(json_object_get(j_plan, "type")), "bearer");
    assert_string_equal(json_string_value(json_object_get(j_plan, "token")), SECRET);
    assert_string_equal(json_string_value(json_object_get(j_plan, "headerName")),
                        "Authorization");
    assert_true(json_is_true(json_object_get(j_plan, "bearerPrefixEnabled")));
    json_decref(j);
    assert_null(vapi_tooldefs_credential("", "x"));
    assert_null(vapi_tooldefs_credential(NULL, "x"));
}

static void test_refusals(void **state)
{
    (void)state;
    assert_null(vapi_tooldefs_tools(URL, NULL, NULL));
    assert_null(vapi_tooldefs_tools(URL, "", ""));
    assert_null(vapi_tooldefs_tools("ftp://x.example", SECRET, NULL));
    assert_null(vapi_tooldefs_tools("pete.example.com", SECRET, NULL));
    assert_null(vapi_tooldefs_tools(NULL, SECRET, NULL));
    assert_null(vapi_tooldefs_tools(URL, "bad \xff secret", NULL));
    assert_null(vapi_tooldefs_assistant_body(NULL, "https://", SECRET, NULL));
}

static void test_webhook_url(void **state)
{
    (void)state;
    char *u = vapi_webhook_url("http://127.0.0.1:8000");
    assert_string_equal(u, "http://127.0.0.1:8000/vapi/webhook");
    free(u);
    u = vapi_webhook_url("HTTPS://pete.example.com/base///");
    assert_string_equal(u, "HTTPS://pete.example.com/base/vapi/webhook");
    free(u);
    assert_null(vapi_webhook_url("https:///"));
    assert_null(vapi_webhook_url("https://pete example.com"));
    assert_null(vapi_webhook_url("https://pete.example.com\r\nX: 1"));
    assert_null(vapi_webhook_url("javascript:alert(1)"));
}

static void test_tool_names(void **state)
{
    (void)state;
    for (int i = 0; i < VAPI_TOOL_COUNT; i++)
        assert_int_equal(vapi_tool_from_name(vapi_tool_name((enum vapi_tool)i)), i);
    assert_int_equal(vapi_tool_from_name("search_rentals"), VAPI_TOOL_SEARCH_RENTALS);
    assert_int_equal(vapi_tool_from_name("cancel_appointment"), VAPI_TOOL_CANCEL_APPOINTMENT);
    assert_int_equal(vapi_tool_from_name("Search_Rentals"), VAPI_TOOL_UNKNOWN);
    assert_int_equal(vapi_tool_from_name(""), VAPI_TOOL_UNKNOWN);
    assert_int_equal(vapi_tool_from_name(NULL), VAPI_TOOL_UNKNOWN);
    assert_null(vapi_tool_name(VAPI_TOOL_COUNT));
    assert_null(vapi_tool_name(VAPI_TOOL_UNKNOWN));
}

static void test_new_assistant_body(void **state)
{
    (void)state;
    json_t *j = vapi_tooldefs_assistant_body(NULL, URL, SECRET, NULL);
    assert_non_null(j);
    const json_t *j_server = json_object_get(j, "server");
    assert_string_equal(json_string_value(json_object_get(j_server, "url")), HOOK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j_server, "headers"), "X-Vapi-Secret")),
        SECRET);
    const json_t *j_model = json_object_get(j, "model");
    assert_string_equal(json_string_value(json_object_get(j_model, "provider")), "openai");
    assert_string_equal(json_string_value(json_object_get(j_model, "model")), "gpt-4o");
    const json_t *j_msgs = json_object_get(j_model, "messages");
    assert_string_equal(json_string_value(json_object_get(json_array_get(j_msgs, 0), "role")),
                        "system");
    assert_int_equal(json_array_size(json_object_get(j_model, "tools")), 5);
    assert_non_null(json_object_get(j, "firstMessage"));
    /* round trip: what goes on the wire parses back to the same document */
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(text);
    json_t *j_back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j_back);
    assert_true(json_equal(j, j_back));
    json_decref(j_back);
    free(text);
    json_decref(j);
}

static void test_update_keeps_other_tools(void **state)
{
    (void)state;
    json_t *j_assistant = json_loads(
        "{\"id\":\"asst_1\",\"name\":\"Leasing line\",\"model\":{\"provider\":\"anthropic\","
        "\"model\":\"claude-3-5-sonnet\",\"messages\":[{\"role\":\"system\",\"content\":\"Mine\"}],"
        "\"toolIds\":[\"tool_abc\"],\"tools\":[{\"type\":\"endCall\"},"
        "{\"type\":\"function\",\"function\":{\"name\":\"search_rentals\",\"description\":\"old\"}},"
        "{\"type\":\"function\",\"function\":{\"name\":\"weather\"}}]},"
        "\"server\":{\"url\":\"https://old.example/hook\"}}",
        0, NULL);
    assert_non_null(j_assistant);
    json_t *j = vapi_tooldefs_assistant_body(j_assistant, URL, NULL, "cred_9");
    assert_non_null(j);
    const json_t *j_model = json_object_get(j, "model");
    assert_string_equal(json_string_value(json_object_get(j_model, "provider")), "anthropic");
    assert_string_equal(json_string_value(json_object_get(j_model, "model")),
                        "claude-3-5-sonnet");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j_model, "messages"), 0), "content")),
                        "Mine");
    assert_int_equal(json_array_size(json_object_get(j_model, "toolIds")), 1);
    const json_t *j_tools = json_object_get(j_model, "tools");
    /* endCall and weather kept, the old search_rentals replaced, ours added once each */
    assert_int_equal(json_array_size(j_tools), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j_tools, 0), "type")),
                        "endCall");
    assert_non_null(tool_named(j_tools, "weather"));
    const json_t *j_search = tool_named(j_tools, "search_rentals");
    assert_string_not_equal(
        json_string_value(json_object_get(json_object_get(j_search, "function"), "description")),
        "old");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "server"),
                                                          "credentialId")),
                        "cred_9");
    assert_null(json_object_get(j, "firstMessage"));
    /* the assistant given is left as it was */
    assert_int_equal(json_array_size(json_object_get(json_object_get(j_assistant, "model"),
                                                     "tools")),
                     3);
    json_decref(j);
    json_decref(j_assistant);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_five_tools),         cmocka_unit_test(test_credential_id),
        cmocka_unit_test(test_refusals),           cmocka_unit_test(test_webhook_url),
        cmocka_unit_test(test_tool_names),         cmocka_unit_test(test_new_assistant_body),
        cmocka_unit_test(test_update_keeps_other_tools),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
