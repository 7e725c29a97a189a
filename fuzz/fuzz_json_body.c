/* SPDX-License-Identifier: MIT */
/* libFuzzer target for JSON request bodies: the parse http_body_object_or_reply does
 * (json_loadb with JSON_REJECT_DUPLICATES, objects only; the function itself needs a live
 * libmicrohttpd connection for its Content-Type check), then every body validator that
 * exists, with the reply each request would get:
 *   - users_settings_apply as PUT and as PATCH (settings, business hours, time zone, email,
 *     Vapi key), then the settings JSON and the stored business-hours round trip;
 *   - rentals_apply_json for POST /rentals, then as a PATCH of the created row, then the
 *     Rental JSON writer, whose output must be one JSON object of the 24 Rental keys that
 *     says what the struct holds (address, amenities, images);
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
#include "rentals/rentals_store.h"
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

/* Whether the written list j_out says what j_list (NULL or not an array: []) holds. */
static bool same_list(const json_t *j_out, const json_t *j_list)
{
    if (!json_is_array(j_list))
        return json_is_array(j_out) && json_array_size(j_out) == 0;
    return json_equal(j_out, j_list);
}

static void serialise(const struct rental *r)
{
    struct jsonw b = {0};
    rentals_write(&b, r, NULL, 0);
    json_t *j_doc = json_loads(b.p, JSON_REJECT_DUPLICATES, NULL);
    const char *address = json_string_value(json_object_get(j_doc, "property_address"));
    if (!json_is_object(j_doc) || json_object_size(j_doc) != 24 ||
        (r->address ? !address || strcmp(address, r->address) != 0 : address != NULL) ||
        !same_list(json_object_get(j_doc, "amenities"), r->j_amenities) ||
        !same_list(json_object_get(j_doc, "images"), r->j_images))
        abort(); /* the writer must say what the struct holds, as valid JSON */
    json_decref(j_doc);
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
    rentals_init(&r);
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
    rentals_cleanup(&r);

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
