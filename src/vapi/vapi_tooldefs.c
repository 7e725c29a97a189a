/* SPDX-License-Identifier: MIT */
/* What POST /agents/{id}/sync sends to Vapi: the five tools of SPEC §6 as "function" tools
 * (JSON Schema parameters the model fills in, our webhook as their server, the agent's secret
 * as the credential) and the assistant body that carries them in model.tools. Descriptions
 * are written for the model that chooses a tool, so they say when to call it and in what
 * form to pass values. */
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/text.h"
#include "vapi/vapi.h"

static const char *const tool_names[VAPI_TOOL_COUNT] = {
    "search_rentals", "get_rental_details", "get_availability", "set_appointment",
    "cancel_appointment"};

enum vapi_tool vapi_tool_from_name(const char *name)
{
    for (int i = 0; name && i < VAPI_TOOL_COUNT; i++)
        if (strcmp(name, tool_names[i]) == 0)
            return (enum vapi_tool)i;
    return VAPI_TOOL_UNKNOWN;
}

const char *vapi_tool_name(enum vapi_tool t)
{
    return (int)t >= 0 && t < VAPI_TOOL_COUNT ? tool_names[t] : NULL;
}

char *vapi_webhook_url(const char *public_url)
{
    static const char path[] = "/vapi/webhook";
    if (!public_url)
        return NULL;
    size_t skip = strncasecmp(public_url, "https://", 8) == 0  ? 8
                  : strncasecmp(public_url, "http://", 7) == 0 ? 7
                                                               : 0;
    size_t n = strlen(public_url);
    while (n > skip && public_url[n - 1] == '/')
        n--;
    if (skip == 0 || n == skip)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)public_url[i] <= 0x20 || public_url[i] == 0x7f)
            return NULL;
    char *url = mem_alloc(n + sizeof path);
    memcpy(url, public_url, n);
    memcpy(url + n, path, sizeof path);
    return url;
}

/* ---- JSON Schema pieces ------------------------------------------------------------------- */

/* {"type": type, "description": desc[, "format": format]} */
static json_t *prop(const char *type, const char *format, const char *desc)
{
    json_t *j = json_pack("{s:s, s:s}", "type", type, "description", desc);
    if (format)
        json_object_set_new(j, "format", json_string(format));
    return j;
}

static json_t *prop_int(const char *desc, int min, int max)
{
    json_t *j = prop("integer", NULL, desc);
    json_object_set_new(j, "minimum", json_integer(min));
    if (max > min)
        json_object_set_new(j, "maximum", json_integer(max));
    return j;
}

/* {"type":"object","properties":props,"required":[...]} (steals props). */
static json_t *params(json_t *props, const char *const *required)
{
    json_t *j_req = json_array();
    for (size_t i = 0; required && required[i]; i++)
        json_array_append_new(j_req, json_string(required[i]));
    return json_pack("{s:s, s:o, s:o}", "type", "object", "properties", props, "required", j_req);
}

static const char addr_desc[] =
    "Street address of the listing as the caller said it, for example 412 West Oak Avenue "
    "unit 6. The city is optional.";
static const char when_desc[] =
    "ISO 8601 date and time with the UTC offset, for example 2026-03-03T14:00:00-06:00.";

static json_t *search_params(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "bedrooms",
                        prop_int("Bedrooms wanted; 0 means a studio.", 0, 0));
    json_object_set_new(p, "min_price", prop("number", NULL, "Lowest monthly rent in US dollars."));
    json_object_set_new(p, "max_price",
                        prop("number", NULL, "Highest monthly rent in US dollars."));
    json_object_set_new(p, "location",
                        prop("string", NULL,
                             "Street, neighbourhood, city or zip code the caller asked about."));
    json_object_set_new(p, "available_by",
                        prop("string", "date",
                             "Latest move-in date the caller can accept, as YYYY-MM-DD."));
    json_object_set_new(p, "pets",
                        prop("boolean", NULL, "True when the caller needs a pet-friendly place."));
    return params(p, NULL);
}

static json_t *details_params(void)
{
    static const char *const req[] = {"property_address", NULL};
    json_t *p = json_object();
    json_object_set_new(p, "property_address", prop("string", NULL, addr_desc));
    return params(p, req);
}

static json_t *availability_params(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "property_address",
                        prop("string", NULL, "The listing the viewing would be for, if known."));
    json_object_set_new(p, "days_ahead",
                        prop_int("How many days ahead to look; 7 when not given.", 1, 30));
    json_object_set_new(p, "date",
                        prop("string", "date",
                             "A particular day the caller asked about, as YYYY-MM-DD."));
    return params(p, NULL);
}

static json_t *set_params(void)
{
    static const char *const req[] = {"property_address", "start_time", "attendee_name", NULL};
    json_t *p = json_object();
    json_object_set_new(p, "property_address", prop("string", NULL, addr_desc));
    json_object_set_new(p, "start_time", prop("string", "date-time", when_desc));
    json_object_set_new(p, "attendee_name", prop("string", NULL, "The caller's full name."));
    json_object_set_new(p, "attendee_email",
                        prop("string", "email", "The caller's email address, if they give one."));
    json_object_set_new(p, "attendee_phone",
                        prop("string", NULL, "The caller's phone number, digits only, with the "
                                             "country code when known."));
    return params(p, req);
}

static json_t *cancel_params(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "attendee_phone",
                        prop("string", NULL, "Phone number the viewing was booked with."));
    json_object_set_new(p, "attendee_email",
                        prop("string", "email", "Email address the viewing was booked with."));
    json_object_set_new(p, "start_time",
                        prop("string", "date-time",
                             "Start of the viewing to cancel, when the caller has several. "
                             "ISO 8601 with the UTC offset."));
    return params(p, NULL);
}

static const struct {
    const char *desc;
    json_t *(*params)(void);
} tool_specs[VAPI_TOOL_COUNT] = {
    {"Find rentals that are for rent. Use it when the caller asks what is available; pass only "
     "what the caller said. Returns up to five listings, best first, as sentences to read.",
     search_params},
    {"Describe one listing: rent, bedrooms, baths, size, availability and features. Use it "
     "when the caller asks about a particular address.",
     details_params},
    {"Offer free viewing times. Use it before booking, for a listing or in general, or for a "
     "day the caller named. Returns a few times spread over days and times of day.",
     availability_params},
    {"Book a viewing of a listing at a time the caller chose from the offered ones. Confirm "
     "the caller's name first. If the time is taken it says so and offers the nearest ones.",
     set_params},
    {"Cancel the caller's booked viewing, found by the phone number or email it was booked "
     "with; give the start time when the caller has more than one.",
     cancel_params},
};

/* ---- tools and bodies --------------------------------------------------------------------- */

/* The server object for our webhook with the agent's credential, or NULL. */
static json_t *server_obj(const char *public_url, const char *secret, const char *credential_id)
{
    bool cred = credential_id && *credential_id;
    if (!cred && !(secret && *secret && text_utf8_valid(secret)))
        return NULL;
    char *url = vapi_webhook_url(public_url);
    if (!url)
        return NULL;
    json_t *j = json_pack("{s:s}", "url", url); /* NULL when url is not UTF-8 */
    free(url);
    if (!j)
        return NULL;
    if (cred)
        json_object_set_new(j, "credentialId", json_string(credential_id));
    else
        json_object_set_new(j, "headers", json_pack("{s:s}", "X-Vapi-Secret", secret));
    return j;
}

static json_t *tools_with(const json_t *j_server)
{
    json_t *j_tools = json_array();
    for (int i = 0; i < VAPI_TOOL_COUNT; i++) {
        json_t *j_fn = json_pack("{s:s, s:s, s:o}", "name", tool_names[i], "description",
                                 tool_specs[i].desc, "parameters", tool_specs[i].params());
        json_array_append_new(j_tools, json_pack("{s:s, s:o, s:O}", "type", "function",
                                                 "function", j_fn, "server", j_server));
    }
    return j_tools;
}

json_t *vapi_tooldefs_tools(const char *public_url, const char *secret,
                            const char *credential_id)
{
    json_t *j_server = server_obj(public_url, secret, credential_id);
    if (!j_server)
        return NULL;
    json_t *j_tools = tools_with(j_server);
    json_decref(j_server);
    return j_tools;
}

static const char system_prompt[] =
    "You answer the phone for a property manager. Help callers find a rental, describe "
    "listings, offer viewing times, and book or cancel viewings, using the tools; never make "
    "up a listing, a price or a time. Keep every answer short and easy to say aloud. Before "
    "booking, repeat the address and the time and ask for the caller's name.";

/* A copy of the assistant's model, or a default one for a new assistant. */
static json_t *base_model(const json_t *j_assistant)
{
    const json_t *j_model = json_object_get(j_assistant, "model");
    if (json_is_object(j_model))
        return json_deep_copy(j_model);
    json_t *j = json_pack("{s:s, s:s}", "provider", "openai", "model", "gpt-4o");
    json_object_set_new(j, "messages",
                        json_pack("[{s:s, s:s}]", "role", "system", "content", system_prompt));
    return j;
}

/* The model's tools minus function tools named like ours, then ours (steals ours). */
static json_t *merged_tools(const json_t *j_model, json_t *j_ours)
{
    json_t *j_out = json_array();
    const json_t *j_old = json_object_get(j_model, "tools");
    size_t i;
    const json_t *j_t;
    json_array_foreach(j_old, i, j_t)
    {
        const json_t *j_fn = json_object_get(j_t, "function");
        const char *name = json_string_value(json_object_get(j_fn, "name"));
        if (vapi_tool_from_name(name) == VAPI_TOOL_UNKNOWN)
            json_array_append(j_out, (json_t *)j_t);
    }
    json_array_extend(j_out, j_ours);
    json_decref(j_ours);
    return j_out;
}

json_t *vapi_tooldefs_assistant_body(const json_t *j_assistant, const char *public_url,
                                     const char *secret, const char *credential_id)
{
    json_t *j_server = server_obj(public_url, secret, credential_id);
    if (!j_server)
        return NULL;
    json_t *j_model = base_model(j_assistant);
    json_object_set_new(j_model, "tools", merged_tools(j_model, tools_with(j_server)));
    json_t *j_body = json_pack("{s:o, s:o}", "server", j_server, "model", j_model);
    if (!json_is_object(j_assistant))
        json_object_set_new(j_body, "firstMessage",
                            json_string("Thanks for calling! How can I help you find a home?"));
    return j_body;
}

json_t *vapi_tooldefs_credential(const char *secret, const char *name)
{
    if (!secret || !*secret)
        return NULL;
    json_t *j_plan = json_pack("{s:s, s:s, s:s, s:b}", "type", "bearer", "token", secret,
                               "headerName", "Authorization", "bearerPrefixEnabled", 1);
    return json_pack("{s:s, s:s, s:o}", "provider", "custom-credential", "name",
                     name && *name ? name : "PeteRental webhook", "authenticationPlan", j_plan);
}
