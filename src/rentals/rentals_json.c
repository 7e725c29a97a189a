/* SPDX-License-Identifier: MIT */
/* The rental and source structs' life cycle and their SPEC §5 JSON shapes: as Jansson trees
 * (single objects) and written directly into a buffer (the hot list responses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/mem.h"
#include "rentals/rentals.h"

void rental_init(struct rental *r)
{
    memset(r, 0, sizeof *r);
    r->available = true;
}

void rental_cleanup(struct rental *r)
{
    if (r->borrowed) { /* a list item: only the JSON values are its own */
        json_decref(r->j_amenities);
        json_decref(r->j_images);
        json_decref(r->j_extra);
        memset(r, 0, sizeof *r);
        return;
    }
    char **strs[] = {&r->website, &r->source_url, &r->rental_id, &r->address, &r->unit,
                     &r->city, &r->state, &r->zip, &r->property_type, &r->available_date,
                     &r->description, &r->contact_info, &r->source_type, &r->scraped_at,
                     &r->created_at, &r->updated_at};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    json_decref(r->j_amenities);
    json_decref(r->j_images);
    json_decref(r->j_extra);
    memset(r, 0, sizeof *r);
}

void rental_set_str(char **dst, const char *src)
{
    char *copy = src ? mem_strdup(src) : NULL;
    free(*dst);
    *dst = copy;
}

void rental_list_cleanup(struct rental_list *l)
{
    for (int i = 0; i < l->n; i++)
        rental_cleanup(&l->items[i]);
    free(l->items);
    free(l->days);
    db_res_free(l->res);
    memset(l, 0, sizeof *l);
}

void rental_source_cleanup(struct rental_source *s)
{
    free(s->website);
    free(s->url);
    free(s->last_scraped_at);
    free(s->last_status);
    free(s->last_error);
    free(s->created_at);
    memset(s, 0, sizeof *s);
}

void rental_source_list_cleanup(struct rental_source_list *l)
{
    for (int i = 0; i < l->n; i++)
        rental_source_cleanup(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void rental_stats_cleanup(struct rental_stats *s)
{
    for (int i = 0; i < s->nsites; i++) {
        free(s->sites[i].website);
        free(s->sites[i].last_scraped);
    }
    free(s->sites);
    free(s->last_updated);
    memset(s, 0, sizeof *s);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *list_or_empty(const json_t *j_list)
{
    return json_is_array(j_list) ? json_deep_copy(j_list) : json_array();
}

json_t *rentals_to_json(const struct rental *r)
{
    json_t *j_out = json_object();
    json_object_set_new(j_out, "id", json_integer(r->id));
    json_object_set_new(j_out, "user_id", json_integer(r->user_id));
    json_object_set_new(j_out, "property_address", str_or_null(r->address));
    json_object_set_new(j_out, "unit", str_or_null(r->unit));
    json_object_set_new(j_out, "city", str_or_null(r->city));
    json_object_set_new(j_out, "state", str_or_null(r->state));
    json_object_set_new(j_out, "zip", str_or_null(r->zip));
    json_object_set_new(j_out, "price", r->has_price ? json_real(r->price) : json_null());
    json_object_set_new(j_out, "bedrooms", r->has_bedrooms ? json_integer(r->bedrooms) : json_null());
    json_object_set_new(j_out, "bathrooms", r->has_bathrooms ? json_real(r->bathrooms) : json_null());
    json_object_set_new(j_out, "square_feet",
                        r->has_square_feet ? json_integer(r->square_feet) : json_null());
    json_object_set_new(j_out, "property_type", str_or_null(r->property_type));
    json_object_set_new(j_out, "available_date", str_or_null(r->available_date));
    json_object_set_new(j_out, "available", json_boolean(r->available));
    json_object_set_new(j_out, "description", str_or_null(r->description));
    json_object_set_new(j_out, "contact_info", str_or_null(r->contact_info));
    json_object_set_new(j_out, "amenities", list_or_empty(r->j_amenities));
    json_object_set_new(j_out, "images", list_or_empty(r->j_images));
    json_object_set_new(j_out, "website", str_or_null(r->website));
    json_object_set_new(j_out, "url", str_or_null(r->source_url));
    json_object_set_new(j_out, "source_type", str_or_null(r->source_type));
    json_object_set_new(j_out, "created_at", str_or_null(r->created_at));
    json_object_set_new(j_out, "updated_at", str_or_null(r->updated_at));
    json_object_set_new(j_out, "scraped_at", str_or_null(r->scraped_at));
    return j_out;
}

json_t *rentals_source_to_json(const struct rental_source *s)
{
    json_t *j_out = json_object();
    json_object_set_new(j_out, "id", json_integer(s->id));
    json_object_set_new(j_out, "website", str_or_null(s->website));
    json_object_set_new(j_out, "url", str_or_null(s->url));
    json_object_set_new(j_out, "is_active", json_boolean(s->is_active));
    json_object_set_new(j_out, "last_scraped_at", str_or_null(s->last_scraped_at));
    json_object_set_new(j_out, "last_status", str_or_null(s->last_status));
    json_object_set_new(j_out, "last_error", str_or_null(s->last_error));
    json_object_set_new(j_out, "rental_count", json_integer(s->rental_count));
    json_object_set_new(j_out, "created_at", str_or_null(s->created_at));
    return j_out;
}

/* ---- direct writer ---------------------------------------------------------------------
 * Lists of rentals are the hot responses (GET /rentals, /database/...): writing them straight
 * into one buffer costs a fraction of building and dumping a Jansson tree (thousands of small
 * allocations per page). The output is the same document rentals_to_json describes. */

/* Appends a string literal (length known at compile time). */
#define LIT(b, lit) JSONW_LIT((b), lit)

static void add_int(struct jsonw *b, bool has, int64_t v)
{
    if (has)
        jsonw_int(b, v);
    else
        jsonw_null(b);
}

static void add_num(struct jsonw *b, bool has, double v)
{
    if (has)
        jsonw_num(b, v);
    else
        jsonw_null(b);
}

/* A JSON array of strings (NULL or not an array: []). */
static void add_list(struct jsonw *b, const json_t *j_list)
{
    size_t i;
    const json_t *j_item;
    LIT(b, "[");
    if (json_is_array(j_list)) {
        json_array_foreach(j_list, i, j_item) {
            if (i)
                LIT(b, ",");
            jsonw_str(b, json_string_value(j_item));
        }
    }
    LIT(b, "]");
}

/* End of the JSON string literal starting at s (after its closing quote), or NULL when it
 * is not one (raw control bytes, unknown escapes, no end). */
static const char *literal_end(const char *s)
{
    const unsigned char *p = (const unsigned char *)s + 1;
    for (;; p++) {
        if (*p == '"')
            return (const char *)p + 1;
        if (*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                if (p[1] == '0' && p[2] == '0' && p[3] == '0' && p[4] == '0')
                    return NULL; /* NUL: the tree path drops such a list */
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
}

/* A stored JSON array of strings written as it is (minus whitespace; the literals are valid
 * JSON already, and stored texts come from Jansson or jsonb, so they are valid UTF-8).
 * Anything else takes the tree path, so the output never differs in meaning. */
static void add_stored_list(struct jsonw *b, const char *text)
{
    const char *p = text;
    size_t start = b->len;
    bool first = true;
#define WS(p) while (*(p) == ' ' || *(p) == '\n' || *(p) == '\t' || *(p) == '\r') (p)++
    WS(p);
    if (*p != '[')
        goto slow;
    p++;
    LIT(b, "[");
    WS(p);
    while (*p != ']') {
        if (!first) {
            if (*p != ',')
                goto slow;
            p++;
            WS(p);
            LIT(b, ",");
        }
        const char *end = *p == '"' ? literal_end(p) : NULL;
        if (!end)
            goto slow;
        jsonw_raw(b, p, (size_t)(end - p));
        p = end;
        WS(p);
        first = false;
    }
    p++;
    WS(p);
    if (*p)
        goto slow;
    LIT(b, "]");
    return;
slow:
#undef WS
    b->len = start;
    json_t *j_list = json_loads(text, 0, NULL);
    add_list(b, j_list);
    json_decref(j_list);
}

static void write_list(struct jsonw *b, const json_t *j_list, const char *text)
{
    if (!j_list && text)
        add_stored_list(b, text);
    else
        add_list(b, j_list);
}

void rentals_write(struct jsonw *b, const struct rental *r, const char *status, int days)
{
    LIT(b, "{\"id\":");
    add_int(b, true, r->id);
    LIT(b, ",\"user_id\":");
    add_int(b, true, r->user_id);
    LIT(b, ",\"property_address\":");
    jsonw_str(b, r->address);
    LIT(b, ",\"unit\":");
    jsonw_str(b, r->unit);
    LIT(b, ",\"city\":");
    jsonw_str(b, r->city);
    LIT(b, ",\"state\":");
    jsonw_str(b, r->state);
    LIT(b, ",\"zip\":");
    jsonw_str(b, r->zip);
    LIT(b, ",\"price\":");
    add_num(b, r->has_price, r->price);
    LIT(b, ",\"bedrooms\":");
    add_int(b, r->has_bedrooms, r->bedrooms);
    LIT(b, ",\"bathrooms\":");
    add_num(b, r->has_bathrooms, r->bathrooms);
    LIT(b, ",\"square_feet\":");
    add_int(b, r->has_square_feet, r->square_feet);
    LIT(b, ",\"property_type\":");
    jsonw_str(b, r->property_type);
    LIT(b, ",\"available_date\":");
    jsonw_str(b, r->available_date);
    if (r->available)
        LIT(b, ",\"available\":true");
    else
        LIT(b, ",\"available\":false");
    LIT(b, ",\"description\":");
    jsonw_str(b, r->description);
    LIT(b, ",\"contact_info\":");
    jsonw_str(b, r->contact_info);
    LIT(b, ",\"amenities\":");
    write_list(b, r->j_amenities, r->amenities_text);
    LIT(b, ",\"images\":");
    write_list(b, r->j_images, r->images_text);
    LIT(b, ",\"website\":");
    jsonw_str(b, r->website);
    LIT(b, ",\"url\":");
    jsonw_str(b, r->source_url);
    LIT(b, ",\"source_type\":");
    jsonw_str(b, r->source_type);
    LIT(b, ",\"created_at\":");
    jsonw_str(b, r->created_at);
    LIT(b, ",\"updated_at\":");
    jsonw_str(b, r->updated_at);
    LIT(b, ",\"scraped_at\":");
    jsonw_str(b, r->scraped_at);
    if (status) {
        LIT(b, ",\"availability_status\":");
        jsonw_str(b, status);
        LIT(b, ",\"days_until_available\":");
        add_int(b, true, days);
    }
    LIT(b, "}");
}
