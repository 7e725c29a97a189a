/* SPDX-License-Identifier: MIT */
/* The rental and source structs' life cycle and their SPEC §5 JSON shapes: as Jansson trees
 * (single objects) and written directly into a buffer (the hot list responses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rentals/rentals.h"

void rental_init(struct rental *r)
{
    memset(r, 0, sizeof *r);
    r->available = true;
}

void rental_cleanup(struct rental *r)
{
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
    char *copy = src ? strdup(src) : NULL;
    free(*dst);
    *dst = copy;
}

void rental_list_cleanup(struct rental_list *l)
{
    for (int i = 0; i < l->n; i++)
        rental_cleanup(&l->items[i]);
    free(l->items);
    free(l->days);
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

void rentals_buf_reserve(struct rentals_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        char *p = realloc(b->p, b->len + n + 1);
        if (!p)
            abort();
        b->p = p;
        b->cap = b->len + n + 1;
    }
}

void rentals_buf_add(struct rentals_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            abort();
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void rentals_buf_free(struct rentals_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void add_lit(struct rentals_buf *b, const char *s)
{
    rentals_buf_add(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0; /* overlong, surrogate, beyond U+10FFFF */
    return n;
}

void rentals_buf_str(struct rentals_buf *b, const char *s)
{
    if (!s) {
        add_lit(b, "null");
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    add_lit(b, "\"");
    while (*p) {
        const unsigned char *run = p;
        size_t n;
        while (*p >= 0x20 && *p != '"' && *p != '\\' && (n = utf8_seq(p)) > 0)
            p += n;
        rentals_buf_add(b, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            rentals_buf_add(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            rentals_buf_add(b, esc, 6);
        } else {
            add_lit(b, "\xEF\xBF\xBD"); /* invalid UTF-8 byte: U+FFFD */
        }
        p++;
    }
    add_lit(b, "\"");
}

static void add_key(struct rentals_buf *b, const char *key)
{
    add_lit(b, ",\"");
    add_lit(b, key);
    add_lit(b, "\":");
}

static void add_int(struct rentals_buf *b, bool has, int64_t v)
{
    char num[32];
    if (!has) {
        add_lit(b, "null");
        return;
    }
    snprintf(num, sizeof num, "%lld", (long long)v);
    add_lit(b, num);
}

static void add_num(struct rentals_buf *b, bool has, double v)
{
    char num[40];
    if (!has || !isfinite(v)) {
        add_lit(b, "null");
        return;
    }
    snprintf(num, sizeof num, "%.15g", v);
    add_lit(b, num);
}

/* A JSON array of strings (NULL or not an array: []). */
static void add_list(struct rentals_buf *b, const json_t *j_list)
{
    size_t i;
    const json_t *j_item;
    add_lit(b, "[");
    if (json_is_array(j_list)) {
        json_array_foreach(j_list, i, j_item) {
            if (i)
                add_lit(b, ",");
            rentals_buf_str(b, json_string_value(j_item));
        }
    }
    add_lit(b, "]");
}

void rentals_write(struct rentals_buf *b, const struct rental *r, const char *status, int days)
{
    char num[32];
    snprintf(num, sizeof num, "{\"id\":%lld", (long long)r->id);
    add_lit(b, num);
    add_key(b, "user_id");
    add_int(b, true, r->user_id);
    const struct { const char *key; const char *val; } head[] = {
        {"property_address", r->address}, {"unit", r->unit}, {"city", r->city},
        {"state", r->state}, {"zip", r->zip}};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        add_key(b, head[i].key);
        rentals_buf_str(b, head[i].val);
    }
    add_key(b, "price");
    add_num(b, r->has_price, r->price);
    add_key(b, "bedrooms");
    add_int(b, r->has_bedrooms, r->bedrooms);
    add_key(b, "bathrooms");
    add_num(b, r->has_bathrooms, r->bathrooms);
    add_key(b, "square_feet");
    add_int(b, r->has_square_feet, r->square_feet);
    add_key(b, "property_type");
    rentals_buf_str(b, r->property_type);
    add_key(b, "available_date");
    rentals_buf_str(b, r->available_date);
    add_key(b, "available");
    add_lit(b, r->available ? "true" : "false");
    add_key(b, "description");
    rentals_buf_str(b, r->description);
    add_key(b, "contact_info");
    rentals_buf_str(b, r->contact_info);
    add_key(b, "amenities");
    add_list(b, r->j_amenities);
    add_key(b, "images");
    add_list(b, r->j_images);
    const struct { const char *key; const char *val; } tail[] = {
        {"website", r->website}, {"url", r->source_url}, {"source_type", r->source_type},
        {"created_at", r->created_at}, {"updated_at", r->updated_at},
        {"scraped_at", r->scraped_at}};
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
        add_key(b, tail[i].key);
        rentals_buf_str(b, tail[i].val);
    }
    if (status) {
        add_key(b, "availability_status");
        rentals_buf_str(b, status);
        add_key(b, "days_until_available");
        add_int(b, true, days);
    }
    add_lit(b, "}");
}
