/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the Vapi webhook's pure parts (src/vapi/). The input is a mode byte,
 * then, with mode bit 0, four header lines (X-Vapi-Secret, Authorization, signature,
 * timestamp; an empty line is an absent header), then the body (the rest, any bytes).
 * Every input: vapi_msg_parse with a 64 KiB cap (calls at most VAPI_MAX_CALLS, each either
 * bad or with an object of arguments; a legacy message has one call), a reply answering every
 * call that must serialise and parse back, and vapi_auth_check with a fixed secret.
 * Mode bit 1: the harness signs the body itself (over "timestamp.body" when a timestamp line
 * was given), and then the check must pass unless the timestamp is malformed or out of the
 * window. Mode bit 2: the body's first line is an address matched against fixed listings,
 * and the body goes through the sanitiser and the address speaker (no newline may remain,
 * the output must be well-formed UTF-8). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/text.h"
#include "vapi/vapi.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1772467200 /* 2026-03-02T16:00:00Z */
#define CAP (64 * 1024)

static const char secret[] = "whk_fuzz_0123456789abcdef";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    return 0;
}

/* Cuts the next line off [*p, end) as a new C string, or NULL when it is empty. */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = n ? strndup((const char *)*p, n) : NULL;
    if (n && !s)
        abort();
    *p = nl ? nl + 1 : end;
    return s;
}

static void check_message(const uint8_t *body, size_t len)
{
    struct vapi_msg m;
    int rc = vapi_msg_parse((const char *)body, len, CAP, &m);
    if (rc != VAPI_OK && rc != VAPI_E_NO_ASSISTANT) {
        if (m.j_root || m.n_calls)
            abort(); /* a failed parse leaves nothing behind */
        vapi_msg_cleanup(&m);
        return;
    }
    if (m.n_calls > VAPI_MAX_CALLS || (m.legacy && m.n_calls != 1) || (rc == VAPI_OK) != !!m.assistant_id)
        abort();
    json_t *j_reply = vapi_reply_new();
    for (size_t i = 0; i < m.n_calls; i++) {
        const struct vapi_call *c = &m.calls[i];
        if (!c->id || (c->bad != NULL) == json_is_object(c->j_args))
            abort();
        if (c->bad)
            vapi_reply_add_error(j_reply, c->id, c->bad);
        else
            vapi_reply_add_result(j_reply, c->id, c->name);
    }
    if (json_array_size(json_object_get(j_reply, "results")) != m.n_calls)
        abort();
    char *text = json_dumps(j_reply, JSON_COMPACT);
    json_t *j_back = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!j_back)
        abort();
    json_decref(j_back);
    free(text);
    json_decref(j_reply);
    vapi_msg_cleanup(&m);
}

/* Lowercase hex HMAC of [ts "."]body under the fixed secret. */
static void good_signature(const char *ts, const uint8_t *body, size_t len, char out[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    if (ts) {
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    }
    crypto_auth_hmacsha256_update(&st, body ? body : (const uint8_t *)"", len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
}

static void check_auth(struct vapi_auth_headers *h, bool sign, const uint8_t *body, size_t len)
{
    enum vapi_auth_via via;
    int rc = vapi_auth_check(secret, h, body, len, NOW, &via);
    if (rc < VAPI_AUTH_OK || rc > VAPI_AUTH_E_TS_UNSIGNED || (rc == VAPI_AUTH_OK) != (via != 0))
        abort();
    if (!sign)
        return;
    char sig[65];
    good_signature(h->timestamp, body, len, sig);
    struct vapi_auth_headers only = {.signature = sig, .timestamp = h->timestamp};
    rc = vapi_auth_check(secret, &only, body, len, NOW, &via);
    if (rc != VAPI_AUTH_OK && rc != VAPI_AUTH_E_TS_FORMAT && rc != VAPI_AUTH_E_TS_WINDOW)
        abort(); /* a correct signature is never reported as wrong */
    if (rc == VAPI_AUTH_OK && via != VAPI_VIA_SIGNATURE)
        abort();
}

static void check_text(const uint8_t *body, size_t len)
{
    static const char *const listings[] = {
        "412 W Oak Ave Unit 6, Norman, OK 73069", "123 Oak St Unit 1, Moore, OK 73160",
        "123 Oak St Unit 2, Moore, OK 73160", "1000 Rambling Oaks - 6", "9 Elm Ct"};
    char *s = strndup(body ? (const char *)body : "", len);
    if (!s)
        abort();
    char *nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
    struct vapi_match m;
    vapi_match_address(s, listings, 5, &m);
    if (m.kind == VAPI_MATCH_AMBIGUOUS && (m.n < 2 || m.n > 5))
        abort();
    if ((m.kind == VAPI_MATCH_EXACT || m.kind == VAPI_MATCH_PARTIAL) && m.index >= 5)
        abort();
    if (nl)
        *nl = '\n';
    char out[VAPI_SPEAK_MAX], norm[128];
    size_t n = vapi_speak_sanitize(out, sizeof out, s);
    if (n != strlen(out) || strchr(out, '\n') || !text_utf8_valid(out))
        abort();
    n = vapi_speak_address(out, sizeof out, s, s, s);
    if (n != strlen(out) || strchr(out, '\n') || !text_utf8_valid(out))
        abort();
    n = vapi_address_normalize(norm, sizeof norm, s);
    if (n != strlen(norm) || n >= sizeof norm)
        abort();
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 128 * 1024)
        return 0;
    unsigned mode = data[0];
    const uint8_t *p = data + 1, *end = data + size;
    struct vapi_auth_headers h = {0};
    char *lines[4] = {NULL, NULL, NULL, NULL};
    if (mode & 1)
        for (int i = 0; i < 4; i++)
            lines[i] = next_line(&p, end);
    h.secret = lines[0];
    h.authorization = lines[1];
    h.signature = lines[2];
    h.timestamp = lines[3];
    size_t len = (size_t)(end - p);
    /* the body is exactly its bytes, in its own allocation so overreads are caught */
    uint8_t *body = len ? malloc(len) : NULL;
    if (len && !body)
        abort();
    if (len)
        memcpy(body, p, len);

    check_message(body, len);
    check_auth(&h, (mode & 2) != 0, body, len);
    if (mode & 4)
        check_text(body, len);

    free(body);
    for (int i = 0; i < 4; i++)
        free(lines[i]);
    return 0;
}
