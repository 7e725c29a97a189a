/* SPDX-License-Identifier: MIT */
/* The rental and source structs' life cycle and their SPEC §5 JSON. Each JSON shape is one
 * field table (key, kind, where the value sits in the struct): the writer walks it, and the
 * validators ask it which keys a client may send back (rentals_store.h). The responses are
 * written straight into one buffer (core/jsonw.h): the list pages are the hot responses, and
 * a Jansson tree costs thousands of small allocations per page. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/mem.h"
#include "rentals/rentals_store.h"

void rentals_init(struct rental *r)
{
    memset(r, 0, sizeof *r);
    r->available = true;
}

void rentals_cleanup(struct rental *r)
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

void rentals_set_str(char **dst, const char *src)
{
    char *copy = src ? mem_strdup(src) : NULL;
    free(*dst);
    *dst = copy;
}

void rentals_list_cleanup(struct rental_list *l)
{
    for (int i = 0; i < l->n; i++)
        rentals_cleanup(&l->items[i]);
    free(l->items);
    free(l->days);
    db_res_free(l->res);
    memset(l, 0, sizeof *l);
}

void rentals_source_cleanup(struct rental_source *s)
{
    free(s->website);
    free(s->url);
    free(s->last_scraped_at);
    free(s->last_status);
    free(s->last_error);
    free(s->created_at);
    memset(s, 0, sizeof *s);
}

void rentals_source_list_cleanup(struct rental_source_list *l)
{
    for (int i = 0; i < l->n; i++)
        rentals_source_cleanup(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void rentals_stats_cleanup(struct rental_stats *s)
{
    for (int i = 0; i < s->nsites; i++) {
        free(s->sites[i].website);
        free(s->sites[i].last_scraped);
    }
    free(s->sites);
    free(s->last_updated);
    memset(s, 0, sizeof *s);
}

/* ---- field tables ------------------------------------------------------------------------ */

enum kind {
    K_INT,  /* int64_t; with has: null unless the bool at has is set */
    K_NUM,  /* double; likewise */
    K_STR,  /* char *, NULL: null */
    K_BOOL, /* bool */
    K_LIST  /* json_t * array of strings (NULL: []); has: the stored text of a list item */
};

#define NO_HAS ((size_t)-1)

struct field {
    const char *key;
    const char *lit; /* ,"key": */
    size_t lit_len;
    enum kind kind;
    size_t off;      /* the value in the struct */
    size_t has;      /* see enum kind; NO_HAS when unused */
};

#define FIELD(T, key, kind, member, has)                                                    \
    {key, ",\"" key "\":", sizeof(",\"" key "\":") - 1, kind, offsetof(T, member), has}
#define R(key, kind, member) FIELD(struct rental, key, kind, member, NO_HAS)
#define R_OPT(key, kind, member, has) \
    FIELD(struct rental, key, kind, member, offsetof(struct rental, has))
#define S(key, kind, member) FIELD(struct rental_source, key, kind, member, NO_HAS)

/* The Rental JSON (SPEC §5), in its order. */
static const struct field rental_fields[] = {
    R("id", K_INT, id),
    R("user_id", K_INT, user_id),
    R("property_address", K_STR, address),
    R("unit", K_STR, unit),
    R("city", K_STR, city),
    R("state", K_STR, state),
    R("zip", K_STR, zip),
    R_OPT("price", K_NUM, price, has_price),
    R_OPT("bedrooms", K_INT, bedrooms, has_bedrooms),
    R_OPT("bathrooms", K_NUM, bathrooms, has_bathrooms),
    R_OPT("square_feet", K_INT, square_feet, has_square_feet),
    R("property_type", K_STR, property_type),
    R("available_date", K_STR, available_date),
    R("available", K_BOOL, available),
    R("description", K_STR, description),
    R("contact_info", K_STR, contact_info),
    R_OPT("amenities", K_LIST, j_amenities, amenities_text),
    R_OPT("images", K_LIST, j_images, images_text),
    R("website", K_STR, website),
    R("url", K_STR, source_url),
    R("source_type", K_STR, source_type),
    R("created_at", K_STR, created_at),
    R("updated_at", K_STR, updated_at),
    R("scraped_at", K_STR, scraped_at),
};

/* What GET /database/available adds to each rental (rentals_write's status and days). */
static const char *const availability_keys[] = {"availability_status", "days_until_available"};

/* The Source JSON, in its order. */
static const struct field source_fields[] = {
    S("id", K_INT, id),
    S("user_id", K_INT, user_id),
    S("website", K_STR, website),
    S("url", K_STR, url),
    S("is_active", K_BOOL, is_active),
    S("last_scraped_at", K_STR, last_scraped_at),
    S("last_status", K_STR, last_status),
    S("last_error", K_STR, last_error),
    S("rental_count", K_INT, rental_count),
    S("created_at", K_STR, created_at),
};

#define NFIELDS(t) (sizeof(t) / sizeof(t)[0])

static bool in_table(const struct field *f, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].key, key) == 0)
            return true;
    return false;
}

bool rentals_json_rental_key(const char *key)
{
    return in_table(rental_fields, NFIELDS(rental_fields), key) ||
           strcmp(key, availability_keys[0]) == 0 || strcmp(key, availability_keys[1]) == 0;
}

bool rentals_json_source_key(const char *key)
{
    return in_table(source_fields, NFIELDS(source_fields), key);
}

/* ---- the writer ------------------------------------------------------------------------
 * Amenities and images of a list item are the stored JSON text: copied through when it is
 * the plain array of string literals it should be, else parsed (add_stored_list). */

/* A JSON array of strings (NULL or not an array: []). */
static void add_list(struct jsonw *b, const json_t *j_list)
{
    size_t i;
    const json_t *j_item;
    JSONW_LIT(b, "[");
    if (json_is_array(j_list)) {
        json_array_foreach(j_list, i, j_item) {
            if (i)
                JSONW_LIT(b, ",");
            jsonw_str(b, json_string_value(j_item));
        }
    }
    JSONW_LIT(b, "]");
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
    JSONW_LIT(b, "[");
    WS(p);
    while (*p != ']') {
        if (!first) {
            if (*p != ',')
                goto slow;
            p++;
            WS(p);
            JSONW_LIT(b, ",");
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
    JSONW_LIT(b, "]");
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

/* Writes the value of field f of the struct at obj. */
static void write_value(struct jsonw *w, const char *obj, const struct field *f)
{
    const void *at = obj + f->off;
    bool given = f->has == NO_HAS || f->kind == K_LIST || *(const bool *)(obj + f->has);
    switch (f->kind) {
    case K_INT:
        if (given)
            jsonw_int(w, *(const int64_t *)at);
        else
            jsonw_null(w);
        break;
    case K_NUM:
        if (given)
            jsonw_num(w, *(const double *)at);
        else
            jsonw_null(w);
        break;
    case K_STR:
        jsonw_str(w, *(const char *const *)at);
        break;
    case K_BOOL:
        jsonw_bool(w, *(const bool *)at);
        break;
    case K_LIST:
        write_list(w, *(const json_t *const *)at,
                   f->has == NO_HAS ? NULL : *(const char *const *)(obj + f->has));
        break;
    }
}

/* Writes the members of the struct at obj that table f[0..n) lists, after '{' (the first
 * without its comma); the caller closes the object. */
static void write_fields(struct jsonw *w, const void *obj, const struct field *f, size_t n)
{
    JSONW_LIT(w, "{");
    for (size_t i = 0; i < n; i++) {
        jsonw_raw(w, f[i].lit + (i == 0), f[i].lit_len - (i == 0));
        write_value(w, obj, &f[i]);
    }
}

void rentals_write(struct jsonw *w, const struct rental *r, const char *status, int days)
{
    write_fields(w, r, rental_fields, NFIELDS(rental_fields));
    if (status) {
        JSONW_LIT(w, ",\"availability_status\":");
        jsonw_str(w, status);
        JSONW_LIT(w, ",\"days_until_available\":");
        jsonw_int(w, days);
    }
    JSONW_LIT(w, "}");
}

void rentals_source_write(struct jsonw *w, const struct rental_source *s)
{
    write_fields(w, s, source_fields, NFIELDS(source_fields));
    JSONW_LIT(w, "}");
}
