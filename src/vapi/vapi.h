/* SPDX-License-Identifier: MIT */
/* The voice assistant (SPEC §5 Agents and Vapi, §6 POST /vapi/webhook). This header holds the
 * pure parts, which touch no database, network or HTTP connection:
 *   vapi_msg.c       webhook body -> struct vapi_msg (type, assistant, tool calls, end-of-call
 *                    report) and the reply bodies;
 *   vapi_auth.c      the agent's secret against X-Vapi-Secret, Authorization: Bearer or an
 *                    HMAC-SHA256 signature (optionally over "timestamp.body");
 *   vapi_speak.c     short speakable sentences (money, counts, dates, a rental) and a sanitiser;
 *   vapi_match.c     forgiving street-address matching (the caller's words -> one listing);
 *   vapi_tooldefs.c  the five tools as Vapi "function" tools and the assistant update body.
 * The agents and calls store, the webhook handler and the tools' data access build on these. */
#ifndef PETE_VAPI_H
#define PETE_VAPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rentals/rentals.h"

/* ==== Messages (vapi_msg.c) ==================================================================
 * A webhook body is {"message": {...}}; the legacy flat form {"functionCall": {...}, "call":
 * {...}} is read as if it were the message. Tool calls come from exactly ONE source, the first
 * of these that is a non-empty array (or, last, an object):
 *   1. message.toolCallList[]          {id, name, arguments} or {id, type, function:{name,
 *                                       arguments}} ("parameters" is read where "arguments"
 *                                       is missing: Vapi's own examples use both);
 *   2. message.toolWithToolCallList[]  .toolCall, same shapes; the name may also come from the
 *                                       entry's tool definition (name, function.name);
 *   3. message.toolCalls[]             the older name of 1;
 *   4. message.functionCall, else the body's functionCall   legacy, one call, reply
 *                                       vapi_reply_legacy.
 * Vapi lists the same calls in 1 and 2; reading one source means no call is answered twice.
 * A repeated id within the source is dropped (answered once). At most VAPI_MAX_CALLS calls are
 * taken from a message; later entries are neither parsed nor answered (n_dropped counts them).
 * Arguments: an object, or a string holding a JSON object; absent, null or a blank string mean
 * {}. Anything else marks that call bad (the reason is in vapi_call.bad) while the others are
 * still answered. Unknown tool names parse fine: the dispatcher answers them with an error. */

#define VAPI_MAX_CALLS 32

enum vapi_msg_type {
    VAPI_MSG_OTHER = 0,         /* status-update, hang, speech-update, transcript, ...: {} */
    VAPI_MSG_TOOL_CALLS,        /* "tool-calls", or no type but a call list */
    VAPI_MSG_FUNCTION_CALL,     /* "function-call", or no type but a functionCall */
    VAPI_MSG_END_OF_CALL_REPORT,
    VAPI_MSG_STATUS_UPDATE,
    VAPI_MSG_ASSISTANT_REQUEST
};

enum vapi_parse_result {
    VAPI_OK = 0,
    VAPI_E_TOO_LARGE,   /* longer than the caller's cap: 413 */
    VAPI_E_JSON,        /* not JSON (or duplicate keys, or nested too deep): 400 */
    VAPI_E_SHAPE,       /* not an object, or no "message" object: 400 */
    VAPI_E_NO_ASSISTANT /* well-formed but no assistant id: 401 (see vapi_msg_parse) */
};

enum vapi_call_source {
    VAPI_SRC_NONE = 0,
    VAPI_SRC_TOOL_CALL_LIST,
    VAPI_SRC_TOOL_WITH_TOOL_CALL_LIST,
    VAPI_SRC_TOOL_CALLS,
    VAPI_SRC_FUNCTION_CALL
};

/* One tool call. Strings are borrowed from the message's JSON. */
struct vapi_call {
    const char *id;   /* "" when the call has none (legacy functionCall, or a bad entry) */
    const char *name; /* NULL when missing (then bad is set) */
    json_t *j_args;   /* an object (a reference owned by the message); NULL when bad */
    const char *bad;  /* NULL, or a static sentence saying why this call cannot run */
};

/* end-of-call-report fields; strings borrowed from the message, NULL when absent. Where Vapi
 * has moved a field, the message-level one is read first, then the newer place:
 * summary (message.summary, analysis.summary), transcript (message.transcript,
 * artifact.transcript), recording (message.recordingUrl, artifact.recordingUrl,
 * artifact.recording.mono.combinedUrl, artifact.recording.stereoUrl), times, reason and cost
 * (message.X, then message.call.X), customer (message.customer.number, call.customer.number). */
struct vapi_eoc {
    const char *call_id;
    const char *customer_number;
    const char *started_at; /* ISO 8601 as sent */
    const char *ended_at;
    const char *ended_reason;
    const char *summary;
    const char *transcript;
    const char *recording_url;
    bool has_cost;
    double cost; /* USD, >= 0 */
};

struct vapi_msg {
    json_t *j_root;             /* the parsed body (owned) */
    const json_t *j_message;    /* borrowed from j_root */
    enum vapi_msg_type type;
    const char *type_name;      /* message.type as sent, NULL when absent */
    const char *assistant_id;   /* message.call.assistantId, else message.assistant.id */
    const char *call_id;        /* message.call.id */
    const char *customer_number;/* message.customer.number, else message.call.customer.number */
    const char *phone_number_id;/* message.phoneNumber.id, else message.call.phoneNumberId */
    enum vapi_call_source source;
    bool legacy;                /* source is functionCall: answer with vapi_reply_legacy */
    struct vapi_call *calls;    /* owned; in request order */
    size_t n_calls;
    size_t n_dropped;           /* entries past VAPI_MAX_CALLS, not answered */
    struct vapi_eoc eoc;        /* filled when type is VAPI_MSG_END_OF_CALL_REPORT */
};

/* Parses a webhook body of len bytes (need not be NUL-terminated; body may be NULL when len
 * is 0). Always initialises *out, so vapi_msg_cleanup(out) is always safe. Returns VAPI_OK
 * with *out filled; VAPI_E_NO_ASSISTANT with *out filled too (assistant_id NULL), so the
 * caller may still look at the type before answering 401; or another enum
 * vapi_parse_result with *out empty. Duplicate keys are rejected (JSON_REJECT_DUPLICATES);
 * Jansson refuses nesting deeper than 2048. */
int vapi_msg_parse(const char *body, size_t len, size_t cap, struct vapi_msg *out);
/* Releases what m owns and zeroes it. */
void vapi_msg_cleanup(struct vapi_msg *m);
/* HTTP status (413, 400, 401; 200 for VAPI_OK) and a sentence for a parse result. */
unsigned vapi_parse_status(int r);
const char *vapi_parse_message(int r);

/* Replies. vapi_reply_new returns a new {"results":[]} (caller json_decref()s it); the add
 * functions append {"toolCallId":id,"result":text} or {"toolCallId":id,"error":text} in call
 * order (id NULL is written ""). Text that is not valid UTF-8 is passed through
 * vapi_speak_sanitize first. vapi_reply_legacy returns a new {"result":text}. */
json_t *vapi_reply_new(void);
void vapi_reply_add_result(json_t *j_reply, const char *id, const char *text);
void vapi_reply_add_error(json_t *j_reply, const char *id, const char *text);
json_t *vapi_reply_legacy(const char *text);

/* ==== Authentication (vapi_auth.c) ===========================================================
 * Accepted, any one being enough: "X-Vapi-Secret: S"; "Authorization: Bearer S" (scheme
 * case-insensitive); the signature header = hex HMAC-SHA256 keyed with the bytes of S over
 * the raw body, or over "<timestamp>.<body>" when the timestamp header is sent (the header's
 * text exactly as sent). Signature: 64 hex digits, either case, optionally after "sha256=".
 * Timestamp: decimal Unix seconds, or milliseconds when above 10^12; more than
 * VAPI_AUTH_TOLERANCE seconds from now either way is refused. A timestamp sent with a
 * signature that matches only the body-only form is refused (a replayed body-only signature
 * cannot be freshened by adding a timestamp). Comparisons are constant-time (fixed-size
 * digests through sodium_memcmp); HMAC state is wiped. */

#define VAPI_AUTH_TOLERANCE 300
#define VAPI_HEADER_NAME_MAX 64
#define VAPI_DEFAULT_SIGNATURE_HEADER "X-Vapi-Signature"
#define VAPI_DEFAULT_TIMESTAMP_HEADER "X-Vapi-Timestamp"

enum vapi_auth_result {
    VAPI_AUTH_OK = 0,
    VAPI_AUTH_E_NO_SECRET,   /* the agent has no (or an empty) secret: nothing can match */
    VAPI_AUTH_E_MISSING,     /* none of the credential headers was sent */
    VAPI_AUTH_E_SECRET,      /* X-Vapi-Secret or Bearer sent, wrong */
    VAPI_AUTH_E_SIG_FORMAT,  /* signature header not 64 hex digits */
    VAPI_AUTH_E_SIGNATURE,   /* signature does not match */
    VAPI_AUTH_E_TS_FORMAT,   /* timestamp header not a decimal number */
    VAPI_AUTH_E_TS_WINDOW,   /* signature good, timestamp more than 5 minutes off */
    VAPI_AUTH_E_TS_UNSIGNED  /* timestamp sent, but the signature covers the body only */
};

enum vapi_auth_via { VAPI_VIA_NONE = 0, VAPI_VIA_SECRET, VAPI_VIA_BEARER, VAPI_VIA_SIGNATURE };

/* The request's header values (borrowed, NULL when absent). signature and timestamp are the
 * values of the agent's signature and timestamp headers (vapi_auth_names). */
struct vapi_auth_headers {
    const char *secret;        /* X-Vapi-Secret */
    const char *authorization; /* Authorization */
    const char *signature;
    const char *timestamp;
};

/* Header names an agent's config may override; defaults above. */
struct vapi_auth_names {
    char signature[VAPI_HEADER_NAME_MAX + 1];
    char timestamp[VAPI_HEADER_NAME_MAX + 1];
};

/* Checks one request against the agent's secret (NUL-terminated) at now (Unix seconds).
 * body need not be NUL-terminated (NULL when len is 0). Returns VAPI_AUTH_OK (and *via, when
 * via is not NULL, says which form matched) or the enum vapi_auth_result of the most telling
 * failure: a signature's reason when one was sent, else the secret's. */
int vapi_auth_check(const char *secret, const struct vapi_auth_headers *h, const void *body,
                    size_t len, int64_t now, enum vapi_auth_via *via);
/* A short phrase for a security log line ("signature mismatch"); never holds the secret. */
const char *vapi_auth_reason(int r);
/* The defaults, X-Vapi-Signature and X-Vapi-Timestamp. */
void vapi_auth_names_default(struct vapi_auth_names *n);
/* Reads "signature_header" and "timestamp_header" (strings) from an agent's config object
 * (NULL or missing keys keep the defaults) into *n. Returns false, *n holding the defaults,
 * when a present value is not a string or not a valid header name. */
bool vapi_auth_names_from_config(const json_t *j_config, struct vapi_auth_names *n);
/* true for an HTTP header name (RFC 9110 token) of 1..VAPI_HEADER_NAME_MAX characters. */
bool vapi_header_name_valid(const char *name);

/* ==== Speakable text (vapi_speak.c) ==========================================================
 * Every writer takes dst with cap bytes (cap > 0), always NUL-terminates, never cuts a UTF-8
 * character, and returns the length written. Output has no Markdown and no newline.
 * Numbers one to ten are words ("two bedrooms"), larger ones digits ("12 bedrooms"). */

#define VAPI_SPEAK_MAX 480 /* room for any one sentence the writers below compose */

struct vapi_date {
    int year;  /* e.g. 2026 */
    int month; /* 1..12 */
    int day;   /* 1..31 */
};

/* The civil date of days since 1970-01-01 (what rentals_today_in_zone returns). */
struct vapi_date vapi_date_from_days(int64_t days);
/* Parses "YYYY-MM-DD" (a real calendar date); false when it is not one. */
bool vapi_date_parse(const char *s, struct vapi_date *out);

/* A count as said: "one" .. "ten", then "1,250"; 0 bytes for a negative n. */
size_t vapi_speak_count(char *dst, size_t cap, int64_t n);
/* "$1,250 a month" / "$1,250.50 a month" (cents only when not zero); monthly false drops
 * " a month". Writes "" when dollars is negative, not finite or above a trillion. */
size_t vapi_speak_money(char *dst, size_t cap, double dollars, bool monthly);
/* "one bedroom", "two bedrooms", "12 bedrooms"; n 0 writes "a studio". n < 0 writes "". */
size_t vapi_speak_bedrooms(char *dst, size_t cap, int64_t n);
/* Baths to the nearest half: "one bath", "one and a half baths", "two baths", "a half bath",
 * "12 and a half baths". Negative or not finite writes "". */
size_t vapi_speak_baths(char *dst, size_t cap, double n);
/* "1,086 square feet" ("one square foot"); n <= 0 writes "". */
size_t vapi_speak_sqft(char *dst, size_t cap, int64_t n);
/* "available now" when date is NULL or not after today; else "available March 3", with the
 * year ("available March 3, 2027") when it is not today's year. */
size_t vapi_speak_available(char *dst, size_t cap, const struct vapi_date *date,
                            const struct vapi_date *today);
/* A local broken-down time (tm_year, tm_mon, tm_mday, tm_hour, tm_min are read; the weekday
 * is computed): "Tuesday, March 3 at 2:30 PM", "... at 2 PM" on the hour. With today not
 * NULL and a different year, the year follows the day: "Tuesday, March 3, 2027 at 2 PM". */
size_t vapi_speak_time(char *dst, size_t cap, const struct tm *t, const struct vapi_date *today);
/* Items joined "a", "a and b", "a, b and c"; empty items are skipped. */
size_t vapi_speak_join(char *dst, size_t cap, const char *const *items, size_t n);
/* Choices joined "a", "a or b", "a, b, or c"; empty items are skipped. */
size_t vapi_speak_choices(char *dst, size_t cap, const char *const *items, size_t n);
/* How to say a listing's street address: the part of property_address before the first comma,
 * a unit ("#6", "Unit 6", "Apt 6", "- 6", "Suite 6", or the separate unit field) spoken as
 * ", unit 6"; then " in <city>" when city is given. */
size_t vapi_speak_address(char *dst, size_t cap, const char *property_address,
                          const char *unit, const char *city);
/* One sentence for a listing: "412 W Oak Ave, unit 6, in Norman has two bedrooms, one and a
 * half baths and 1,086 square feet, for $1,250 a month, available now." Fields that are not
 * set are left out; an unavailable listing ends "not available right now". */
size_t vapi_speak_rental(char *dst, size_t cap, const struct rental *r,
                         const struct vapi_date *today);
/* Any text made speakable: Markdown emphasis, code, heading and quote markers, list bullets
 * and link targets removed ("[text](url)" -> "text"), line breaks turned into ", " (or ". "
 * between paragraphs), whitespace and control characters collapsed to single spaces,
 * malformed UTF-8 dropped, trimmed, cut at a word (else character) boundary to cap - 1. */
size_t vapi_speak_sanitize(char *dst, size_t cap, const char *src);

/* ==== Address matching (vapi_match.c) ========================================================
 * Addresses are compared as tokens: case, punctuation and spacing ignored; street types and
 * directions abbreviated ("Street" = "St", "Avenue" = "Ave", "North" = "N", ...); ordinal words
 * as numbers ("Fifth" = "5th"); a unit after "#", "Unit", "Apt", "Apartment", "Suite", "Ste",
 * "Room", "Lot" or a spaced " - " kept apart; what follows the first comma (city, state, zip)
 * is optional in the query but, when given, must be found in the candidate's (a state or ZIP
 * code the candidate does not record excepted). */

#define VAPI_MATCH_MAX 8 /* candidates named in an AMBIGUOUS answer */

enum vapi_match_kind {
    VAPI_MATCH_NONE = 0,
    VAPI_MATCH_EXACT,     /* same street, same unit (one such candidate) */
    VAPI_MATCH_PARTIAL,   /* one candidate fits a looser reading (no unit said, a word left out) */
    VAPI_MATCH_AMBIGUOUS  /* several fit equally: ask which one */
};

struct vapi_match {
    enum vapi_match_kind kind;
    size_t index;               /* EXACT, PARTIAL: the candidate */
    size_t n;                   /* AMBIGUOUS: how many fit (may exceed VAPI_MATCH_MAX) */
    size_t idx[VAPI_MATCH_MAX]; /* AMBIGUOUS: the first of them, in list order */
};

/* Matches query against n candidate addresses (NULL entries never match). Tiers, first that
 * fits wins: same street and unit; same street, no unit said, the candidate has one; the
 * query's words all found in the candidate's street with the same house number, unit equal
 * or not said; a unit said that the candidate does not record. Within a tier one candidate is
 * a match, several are AMBIGUOUS. */
void vapi_match_address(const char *query, const char *const *cands, size_t n,
                        struct vapi_match *out);
/* The normalised form used for comparison ("412 w oak ave #6 | norman ok 73069"), for logs and
 * tests; returns its length. */
size_t vapi_address_normalize(char *dst, size_t cap, const char *addr);
/* true when a and b normalise to the same street, unit and place. */
bool vapi_address_equal(const char *a, const char *b);

/* ==== Tool definitions (vapi_tooldefs.c) =====================================================
 * The five tools of SPEC §6 as Vapi "function" tools (type, function {name, description,
 * parameters as JSON Schema}, server {url: <public_url>/vapi/webhook, ...}). The server
 * credential: with credential_id, server.credentialId (a Vapi custom credential, see
 * vapi_tooldefs_credential); without, server.headers {"X-Vapi-Secret": secret}, which Vapi
 * sends verbatim. The tools travel inline in model.tools (not toolIds): one PATCH keeps them
 * with the assistant, with no tool objects at Vapi to create, track and delete. */

enum vapi_tool {
    VAPI_TOOL_UNKNOWN = -1,
    VAPI_TOOL_SEARCH_RENTALS = 0,
    VAPI_TOOL_GET_RENTAL_DETAILS,
    VAPI_TOOL_GET_AVAILABILITY,
    VAPI_TOOL_SET_APPOINTMENT,
    VAPI_TOOL_CANCEL_APPOINTMENT,
    VAPI_TOOL_COUNT
};

/* The tool for a name (exact, case-sensitive), or VAPI_TOOL_UNKNOWN (also for NULL). */
enum vapi_tool vapi_tool_from_name(const char *name);
/* The name of a tool ("search_rentals"), or NULL out of range. */
const char *vapi_tool_name(enum vapi_tool t);
/* The webhook URL for public_url ("https://x.example/" -> "https://x.example/vapi/webhook");
 * a new string (free()), or NULL when public_url is not an http(s) URL. */
char *vapi_webhook_url(const char *public_url);
/* A new array of the five tool objects (caller json_decref()s), or NULL when public_url is
 * not http(s) or neither a secret nor a credential id is given. */
json_t *vapi_tooldefs_tools(const char *public_url, const char *secret,
                            const char *credential_id);
/* The body for POST /assistant (j_assistant NULL) or PATCH /assistant/{id} (j_assistant: the
 * assistant as GET returned it; borrowed): {"server": {...}, "model": {...}}. The model is a
 * copy of the assistant's with our five tools replacing any function tools of the same names
 * (other tools and toolIds kept); a new assistant gets provider "openai", model "gpt-4o" and a
 * short system prompt. The assistant-level server gets the same URL and credential, so
 * end-of-call reports reach the webhook. Returns a new object (caller json_decref()s) or NULL
 * as vapi_tooldefs_tools. */
json_t *vapi_tooldefs_assistant_body(const json_t *j_assistant, const char *public_url,
                                     const char *secret, const char *credential_id);
/* The body for POST /credential creating a Vapi custom credential that sends the secret as
 * "Authorization: Bearer <secret>" (name may be NULL). New object; NULL without a secret. */
json_t *vapi_tooldefs_credential(const char *secret, const char *name);

/* ==== Agents and calls (vapi_agents.c; SQL in vapi_store.c) ==================================
 * An agent is one Vapi assistant answering a tenant's phone. Its webhook secret is made at
 * creation, sealed with the master key, shown once (and again only by rotating it). */

#define VAPI_NAME_MAX 200
#define VAPI_ASSISTANT_ID_MAX 100
#define VAPI_CONFIG_MAX 16384 /* bytes of the config object, as JSON */

struct vapi_agent {
    int64_t id;
    int64_t user_id;
    char *vapi_assistant_id; /* NULL until linked to an assistant */
    char *name;
    bool is_active;
    json_t *j_config;        /* an object; NULL means {} */
    char *created_at, *updated_at;
};
struct vapi_agent_list {
    struct vapi_agent *items;
    int n;
};
void vapi_agent_cleanup(struct vapi_agent *a);
void vapi_agent_list_cleanup(struct vapi_agent_list *l);

/* What the webhook needs of the agent an assistant id names. */
struct vapi_webhook_agent {
    int64_t id;
    int64_t user_id;
    bool is_active;
    json_t *j_config;    /* owned */
    char *secret;        /* owned, opened; wiped by vapi_webhook_agent_cleanup */
};
void vapi_webhook_agent_cleanup(struct vapi_webhook_agent *a);

struct app;
struct vcheck;

/* The agent JSON of SPEC §5 ({agent_id, user_id, vapi_assistant_id, agent_name, is_active,
 * config, webhook_url, created_at, updated_at}); new reference. */
json_t *vapi_agent_to_json(const struct app *a, const struct vapi_agent *ag);

/* Creates an agent from a JSON body ({agent_name, vapi_assistant_id?, is_active?, config?});
 * problems go to v (APP_E_VALIDATION); APP_E_CONFLICT when the assistant id is taken.
 * *secret receives the new webhook secret (a new string the caller shows once and wipes). */
app_err vapi_agent_create(struct app *a, int64_t tenant, const json_t *j_body, struct vcheck *v,
                          struct vapi_agent *out, char **secret);
app_err vapi_agent_get(struct app *a, int64_t tenant, int64_t id, struct vapi_agent *out);
app_err vapi_agent_list(struct app *a, int64_t tenant, struct vapi_agent_list *out);
/* Applies the present keys of j_body (as create's; null clears the assistant id or config). */
app_err vapi_agent_patch(struct app *a, int64_t tenant, int64_t id, const json_t *j_body,
                         struct vcheck *v, struct vapi_agent *out);
app_err vapi_agent_delete(struct app *a, int64_t tenant, int64_t id);
/* A new webhook secret for agent id (the old one stops working at once). */
app_err vapi_agent_rotate(struct app *a, int64_t tenant, int64_t id, struct vapi_agent *out,
                          char **secret);
/* The agent's secret, opened (sync sends it to Vapi); a new string the caller wipes. */
app_err vapi_agent_secret(struct app *a, int64_t tenant, int64_t id, char **secret);

/* Variables ({name, value}) and functions ({name, description?, parameters?, is_enabled?}):
 * POST adds or replaces by name. *j_out: {"variables":[...]} / {"variable":{...}} etc. */
app_err vapi_variables(struct app *a, int64_t tenant, int64_t agent_id, json_t **j_out);
app_err vapi_variable_put(struct app *a, int64_t tenant, int64_t agent_id, const json_t *j_body,
                          struct vcheck *v, json_t **j_out);
app_err vapi_functions(struct app *a, int64_t tenant, int64_t agent_id, json_t **j_out);
app_err vapi_function_put(struct app *a, int64_t tenant, int64_t agent_id, const json_t *j_body,
                          struct vcheck *v, json_t **j_out);

/* The agent answering for assistant_id, with its secret opened (the webhook's
 * authenticator). APP_E_NOTFOUND when none. */
app_err vapi_agent_for_assistant(struct app *a, const char *assistant_id,
                                 struct vapi_webhook_agent *out);
/* Stores an end-of-call report once per call id. */
app_err vapi_call_record(struct app *a, int64_t tenant, int64_t agent_id,
                         const struct vapi_eoc *e);
/* The call log, newest first: {"calls":[...],"next_cursor":...}; limit 1..100. */
app_err vapi_calls(struct app *a, int64_t tenant, const char *cursor, int limit,
                   json_t **j_out);
app_err vapi_call_get(struct app *a, int64_t tenant, int64_t id, json_t **j_out);

/* ==== Tools (vapi_tools.c) and the webhook (vapi_webhook.c) ================================== */

/* Who a tool runs for: always the authenticated agent's tenant, never an argument. */
struct vapi_tool_ctx {
    struct app *app;
    int64_t tenant;
    int64_t agent_id;
    const char *call_id; /* Vapi's call id, or NULL */
    /* set_appointment: what the connected calendar said of the slot just now
     * (enum calendar_live_verdict), or -1 when it was not asked (no calendar connected, or
     * the Try it page): the mirror's word then stands. */
    int live;
};
/* Bytes of one tool's spoken answer, terminator included. */
#define VAPI_TOOL_ANSWER_MAX 2048
/* Runs tool name with j_args (an object; borrowed) and writes its sentence into out.
 * true: a result; false: an error entry for this call (unknown tool, bad arguments, a store
 * failure), still with a sentence. */
bool vapi_tool_run(const struct vapi_tool_ctx *ctx, const char *name, const json_t *j_args,
                   char *out, size_t cap);

struct http_req;
/* HTTP_AUTH_VAPI: parses the webhook body, finds the agent and checks its secret; on success
 * the request's tenant is the agent's and r->auth_data holds the message. On failure the
 * reply (401, 400, 413, 503) is set and false returned. */
bool vapi_http_authenticate(struct http_req *r);
/* POST /vapi/webhook, after vapi_http_authenticate. */
int vapi_http_webhook(struct http_req *r);

/* ---- Vapi's API (vapi_api.c) and the routes that use it (vapi_http.c) ---- */

struct app;
struct outbound_client;

/* One call to Vapi's API, made on the outbound pool. */
struct vapi_api_call {
    char *url, *method, *key;        /* owned; the key is wiped when freed */
    json_t *j_body;                  /* request body or NULL */
    const struct outbound_client *client;
    long status;                     /* Vapi's HTTP status; 0 when it was not reached */
    json_t *j_out;                   /* the parsed answer (new reference) or NULL */
    char error[600];                 /* "" on a 2xx answer, else a sentence for a 502 */
};

/* Prepares a call of method on path (below VAPI_API_URL) with the tenant's key, else the
 * operator's: on the request's thread (it reads the database). APP_E_PARAM when neither
 * key is set. *out is the caller's (vapi_api_call_free). */
app_err vapi_api_prepare(struct app *a, int64_t tenant, const char *method, const char *path,
                         const json_t *j_body, struct vapi_api_call **out);
/* Performs a prepared call (an http_work: on the outbound pool; arg is the call). */
void vapi_api_perform(void *arg);
void vapi_api_call_free(struct vapi_api_call *call);

/* GET /vapi/assistants: the assistants of the tenant's Vapi account. */
struct http_req;
int vapi_http_assistants(struct http_req *r);
/* POST /agents/{id}/sync: creates or updates the agent's assistant at Vapi with our tools. */
int vapi_http_agents_sync(struct http_req *r);

/* /agents and /calls (vapi_agents_http.c). */
int vapi_http_agents_list(struct http_req *r);
int vapi_http_agents_create(struct http_req *r);
int vapi_http_agents_get(struct http_req *r);
int vapi_http_agents_patch(struct http_req *r);
int vapi_http_agents_delete(struct http_req *r);
int vapi_http_agents_rotate(struct http_req *r);
int vapi_http_variables_list(struct http_req *r);
int vapi_http_variables_put(struct http_req *r);
int vapi_http_functions_list(struct http_req *r);
int vapi_http_functions_put(struct http_req *r);
int vapi_http_calls_list(struct http_req *r);
int vapi_http_calls_get(struct http_req *r);
/* POST /agents/{id}/try {tool, arguments}: a tool's answer for the signed-in tenant. */
int vapi_http_agents_try(struct http_req *r);

#endif
