/* SPDX-License-Identifier: MIT */
/* libFuzzer target for JSON request bodies: the parse http_body_object_or_reply does
 * (json_loadb with JSON_REJECT_DUPLICATES, objects only; the function itself needs a live
 * libmicrohttpd connection for its Content-Type check), then every body validator that
 * exists, with the reply each request would get:
 *   - users_settings_apply as PUT and as PATCH (settings, business hours, time zone, email,
 *     Vapi key), then the settings JSON and the stored business-hours round trip;
 *   - rentals_apply_json for POST /rentals, then as a PATCH of the created row, then both
 *     rental serialisations (Jansson tree and the direct writer), which must agree;
 *   - rentals_source_from_json (POST /database/sources);
 *   - http_reply_vcheck, building the 400/422 body, on a request without a connection;
 *   - users_hours_load on the raw bytes (business hours as read back from the database). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "core/http.h"
#include "core/log.h"
#include "core/tz.h"
#include "core/valid.h"
#include "core/jsonw.h"
#include "rentals/rentals.h"
#include "users/users.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_setup("error", "text");
    return 0;
}

/* Builds the error reply v holds, as the handler would, and drops it. */
static void reply_or_ok(struct vcheck *v)
{
    http_req r;
    memset(&r, 0, sizeof r);
    bool replied = http_reply_vcheck(&r, v);
    if (replied != !vcheck_ok(v) && v->j_errors) /* j_errors is taken by a 422 reply */
        abort();
    if (replied && (!r.resp || (r.status != 400 && r.status != 422)))
        abort();
    if (r.resp)
        MHD_destroy_response(r.resp);
}

static bool same_hours(const struct user_settings *a, const struct user_settings *b)
{
    for (int d = 0; d < 7; d++) {
        if (a->hours[d].n != b->hours[d].n)
            return false;
        for (int i = 0; i < a->hours[d].n; i++)
            if (a->hours[d].r[i].start != b->hours[d].r[i].start ||
                a->hours[d].r[i].end != b->hours[d].r[i].end)
                return false;
    }
    return true;
}

static void settings(const json_t *j_body, bool replace)
{
    struct user_settings s;
    struct vcheck v;
    const char *vapi_key = NULL;
    users_settings_defaults(&s);
    vcheck_init(&v);
    users_settings_apply(j_body, replace, &s, &vapi_key, &v);
    if (vcheck_ok(&v)) {
        json_t *j_out = users_settings_to_json(&s);
        char *hours = users_hours_dump(&s);
        struct user_settings back;
        users_settings_defaults(&back);
        if (!j_out || !hours || users_hours_load(&back, hours) != 0 || !same_hours(&back, &s))
            abort(); /* valid hours must survive the database round trip */
        free(hours);
        json_decref(j_out);
    }
    reply_or_ok(&v);
    vcheck_cleanup(&v);
}

/* JSON equality where numbers compare by value (the direct writer prints 5.0 as 5). */
static bool same(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return false;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    if (json_is_object(a)) {
        const char *key;
        json_t *j_val;
        if (json_object_size(a) != json_object_size(b))
            return false;
        json_object_foreach((json_t *)a, key, j_val) {
            if (!same(j_val, json_object_get(b, key)))
                return false;
        }
        return true;
    }
    return json_equal(a, b);
}

static void serialise(const struct rental *r)
{
    struct jsonw b = {0};
    json_t *j_tree = rentals_to_json(r);
    rentals_write(&b, r, NULL, 0);
    json_t *j_direct = json_loads(b.p, JSON_REJECT_DUPLICATES, NULL);
    if (!j_tree || !j_direct || !same(j_tree, j_direct))
        abort(); /* the two writers must describe the same document */
    json_decref(j_direct);
    json_decref(j_tree);
    jsonw_free(&b);
    if (r->available_date) {
        char day[64];
        civil_format_day(civil_date_days(r->available_date), day, sizeof day);
    }
}

static void rentals(const json_t *j_body)
{
    struct rental r;
    struct vcheck v;
    rental_init(&r);
    vcheck_init(&v);
    rentals_apply_json(&v, j_body, &r, false);
    bool created = vcheck_ok(&v);
    if (created) {
        r.id = 1;
        r.user_id = 1;
        serialise(&r);
    }
    reply_or_ok(&v);
    vcheck_cleanup(&v);
    if (created) { /* the same body as a PATCH of the row it created */
        vcheck_init(&v);
        rentals_apply_json(&v, j_body, &r, true);
        if (vcheck_ok(&v))
            serialise(&r);
        reply_or_ok(&v);
        vcheck_cleanup(&v);
    }
    rental_cleanup(&r);

    char *website = NULL, *url = NULL;
    vcheck_init(&v);
    rentals_source_from_json(&v, j_body, &website, &url);
    if (url) {
        char *host = rentals_url_host(url);
        free(host);
    }
    reply_or_ok(&v);
    vcheck_cleanup(&v);
    free(website);
    free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    json_t *j_body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(j_body)) {
        settings(j_body, true);
        settings(j_body, false);
        rentals(j_body);
    }
    json_decref(j_body);

    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    struct user_settings s;
    users_settings_defaults(&s);
    users_hours_load(&s, text);
    free(text);
    return 0;
}
