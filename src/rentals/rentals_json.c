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

/* Appends a string literal (length known at compile time). */
#define LIT(b, lit) rentals_buf_add((b), (lit), sizeof(lit) - 1)

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

/* True for bytes copied as they are: printable ASCII other than " and \. */
static bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void rentals_buf_str(struct rentals_buf *b, const char *s)
{
    if (!s) {
        LIT(b, "null");
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    LIT(b, "\"");
    while (*p) {
        const unsigned char *run = p;
        size_t n;
        for (;;) {
            if (plain(*p))
                p++;
            else if (*p >= 0x80 && (n = utf8_seq(p)) > 0)
                p += n;
            else
                break;
        }
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
            LIT(b, "\xEF\xBF\xBD"); /* invalid UTF-8 byte: U+FFFD */
        }
        p++;
    }
    LIT(b, "\"");
}

/* Decimal digits of v into the end of buf[24]; returns the first digit. */
static char *int_text(int64_t v, char buf[24])
{
    char *p = buf + 24;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return p;
}

static void add_int(struct rentals_buf *b, bool has, int64_t v)
{
    char num[24];
    if (!has) {
        LIT(b, "null");
        return;
    }
    char *p = int_text(v, num);
    rentals_buf_add(b, p, (size_t)(num + sizeof num - p));
}

/* v as "%.15g" prints it. Money and baths hold at most two decimals: those are written
 * without printf (same text: at most 15 significant digits, no exponent); anything else
 * goes through snprintf. */
static void add_num(struct rentals_buf *b, bool has, double v)
{
    char num[40];
    if (!has || !isfinite(v)) {
        LIT(b, "null");
        return;
    }
    if (fabs(v) < 1e12 && v != 0.0) {
        double cents = nearbyint(v * 100.0);
        int64_t c = (int64_t)cents;
        if (cents / 100.0 == v) {
            int64_t whole = (c < 0 ? -c : c) / 100, frac = (c < 0 ? -c : c) % 100;
            char *p = int_text(whole, num);
            size_t n = (size_t)(num + 24 - p);
            if (c < 0)
                rentals_buf_add(b, "-", 1);
            rentals_buf_add(b, p, n);
            if (frac) {
                char f[3] = {'.', (char)('0' + frac / 10), (char)('0' + frac % 10)};
                rentals_buf_add(b, f, frac % 10 ? 3 : 2);
            }
            return;
        }
    }
    int n = snprintf(num, sizeof num, "%.15g", v);
    rentals_buf_add(b, num, (size_t)n);
}

/* A JSON array of strings (NULL or not an array: []). */
static void add_list(struct rentals_buf *b, const json_t *j_list)
{
    size_t i;
    const json_t *j_item;
    LIT(b, "[");
    if (json_is_array(j_list)) {
        json_array_foreach(j_list, i, j_item) {
            if (i)
                LIT(b, ",");
            rentals_buf_str(b, json_string_value(j_item));
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
static void add_stored_list(struct rentals_buf *b, const char *text)
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
        rentals_buf_add(b, p, (size_t)(end - p));
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

static void write_list(struct rentals_buf *b, const json_t *j_list, const char *text)
{
    if (!j_list && text)
        add_stored_list(b, text);
    else
        add_list(b, j_list);
}

void rentals_write(struct rentals_buf *b, const struct rental *r, const char *status, int days)
{
    LIT(b, "{\"id\":");
    add_int(b, true, r->id);
    LIT(b, ",\"user_id\":");
    add_int(b, true, r->user_id);
    LIT(b, ",\"property_address\":");
    rentals_buf_str(b, r->address);
    LIT(b, ",\"unit\":");
    rentals_buf_str(b, r->unit);
    LIT(b, ",\"city\":");
    rentals_buf_str(b, r->city);
    LIT(b, ",\"state\":");
    rentals_buf_str(b, r->state);
    LIT(b, ",\"zip\":");
    rentals_buf_str(b, r->zip);
    LIT(b, ",\"price\":");
    add_num(b, r->has_price, r->price);
    LIT(b, ",\"bedrooms\":");
    add_int(b, r->has_bedrooms, r->bedrooms);
    LIT(b, ",\"bathrooms\":");
    add_num(b, r->has_bathrooms, r->bathrooms);
    LIT(b, ",\"square_feet\":");
    add_int(b, r->has_square_feet, r->square_feet);
    LIT(b, ",\"property_type\":");
    rentals_buf_str(b, r->property_type);
    LIT(b, ",\"available_date\":");
    rentals_buf_str(b, r->available_date);
    if (r->available)
        LIT(b, ",\"available\":true");
    else
        LIT(b, ",\"available\":false");
    LIT(b, ",\"description\":");
    rentals_buf_str(b, r->description);
    LIT(b, ",\"contact_info\":");
    rentals_buf_str(b, r->contact_info);
    LIT(b, ",\"amenities\":");
    write_list(b, r->j_amenities, r->amenities_text);
    LIT(b, ",\"images\":");
    write_list(b, r->j_images, r->images_text);
    LIT(b, ",\"website\":");
    rentals_buf_str(b, r->website);
    LIT(b, ",\"url\":");
    rentals_buf_str(b, r->source_url);
    LIT(b, ",\"source_type\":");
    rentals_buf_str(b, r->source_type);
    LIT(b, ",\"created_at\":");
    rentals_buf_str(b, r->created_at);
    LIT(b, ",\"updated_at\":");
    rentals_buf_str(b, r->updated_at);
    LIT(b, ",\"scraped_at\":");
    rentals_buf_str(b, r->scraped_at);
    if (status) {
        LIT(b, ",\"availability_status\":");
        rentals_buf_str(b, status);
        LIT(b, ",\"days_until_available\":");
        add_int(b, true, days);
    }
    LIT(b, "}");
}
