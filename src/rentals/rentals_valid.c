/* SPDX-License-Identifier: MIT */
/* Rules for rental and source bodies. A field of the wrong JSON type is recorded as a type
 * error (400); every well-typed value that breaks a rule is recorded as a 422 entry, so
 * one response lists all of them. Text is trimmed; empty optional text becomes NULL. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "rentals/rentals_store.h"

#define TEXT_SHORT 100
#define URL_MAX 2048
#define WEBSITE_MAX 255 /* bytes; the columns allow 255 characters */
#define HOST_MAX 253
#define LABEL_MAX 63
#define LIST_MAX 100
#define LIST_ITEM_MAX 200
#define PRICE_LIMIT 1000000.0
#define BEDROOMS_MAX 20
#define BATHROOMS_MAX 20.0
#define SQFT_MAX 10000000.0

/* The keys a body may hold are those of the JSON the server writes (rentals_json.c): the
 * applied ones, and read-only output a client may send back unchanged (GET, edit, PATCH the
 * whole object), which is ignored. Any other key is a rule error (a typo such as "bedroom"
 * must not be dropped silently). */

static const char *const property_types[] = {"apartment", "house", "condo", "townhouse",
                                             "duplex", "studio", "room", "other", NULL};

/* ---- small helpers ---------------------------------------------------------------------- */

/* Number of UTF-8 code points in s. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* A trimmed copy of s (ASCII white space), or NULL when nothing is left. */
static char *trimmed(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n ? mem_strndup(s, n) : NULL;
}

static void lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static bool has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static void replace(char **dst, char *owned)
{
    free(*dst);
    *dst = owned;
}

/* The host of url as written (after any user info, before the port): *p and *n; false
 * when url has no "://". */
static bool host_span(const char *url, const char **host, size_t *len)
{
    const char *p = strstr(url, "://");
    if (!p)
        return false;
    p += 3;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (n > 0 && p[0] == '[') {
        const char *close = memchr(p, ']', n);
        n = close ? (size_t)(close - p) + 1 : n;
    } else {
        const char *colon = memchr(p, ':', n);
        if (colon)
            n = (size_t)(colon - p);
    }
    *host = p;
    *len = n;
    return true;
}

/* DNS limits (RFC 1035): a name of at most 253 bytes, labels of at most 63. They also keep
 * the website derived from a URL within its column (at most 255). */
static bool host_fits_dns(const char *host, size_t n)
{
    if (n > HOST_MAX)
        return false;
    if (n > 0 && host[0] == '[') /* IPv6 literal */
        return true;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        label = host[i] == '.' ? 0 : label + 1;
        if (label > LABEL_MAX)
            return false;
    }
    return true;
}

static bool is_http_url(const char *s)
{
    size_t skip;
    if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    if (has_ctl(s) || strchr(s, ' '))
        return false;
    const char *h = NULL;
    size_t n = 0;
    if (!host_span(s, &h, &n) || !host_fits_dns(h, n))
        return false;
    char *host = rentals_url_host(s);
    bool ok = host != NULL && s[skip] != '\0';
    free(host);
    return ok;
}

char *rentals_url_host(const char *url)
{
    const char *p = NULL;
    size_t n = 0;
    if (!host_span(url, &p, &n))
        return NULL;
    if (n >= 4 && strncasecmp(p, "www.", 4) == 0) {
        p += 4;
        n -= 4;
    }
    if (n == 0)
        return NULL;
    char *host = mem_strndup(p, n);
    lower(host);
    return host;
}

bool rentals_valid_date(const char *s)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1000 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap ? 1 : 0);
    return d <= max;
}

/* ---- field appliers ------------------------------------------------------------------ */

/* Optional text: null or blank clears it; longer than max is a rule failure. */
static void apply_text(struct vcheck *v, const json_t *j_body, const char *key, char **dst,
                       size_t max)
{
    const char *s = NULL;
    if (vhas_null(j_body, key)) {
        replace(dst, NULL);
        return;
    }
    if (!vget_str(v, j_body, key, &s))
        return;
    char *t = trimmed(s);
    if (t && utf8_len(t) > max) {
        char msg[80];
        snprintf(msg, sizeof msg, "must be at most %zu characters", max);
        vcheck_fail(v, key, msg);
        free(t);
        return;
    }
    replace(dst, t);
}

static void apply_url(struct vcheck *v, const json_t *j_body, const char *key, char **dst)
{
    char *before = *dst ? mem_strdup(*dst) : NULL;
    apply_text(v, j_body, key, dst, URL_MAX);
    if (*dst && (before == NULL || strcmp(before, *dst) != 0) && !is_http_url(*dst))
        vcheck_fail(v, key, "must be an http(s) URL");
    free(before);
}

static void apply_address(struct vcheck *v, const json_t *j_body, struct rental *r, bool patch)
{
    const char *s = NULL;
    bool given = vget_str(v, j_body, "property_address", &s);
    if (!given) {
        if (!patch && v->type_field[0] == '\0')
            vcheck_fail(v, "property_address", "is required");
        else if (patch && vhas_null(j_body, "property_address"))
            vcheck_fail(v, "property_address", "cannot be changed");
        return;
    }
    char *t = trimmed(s);
    if (patch) {
        if (!t || !r->address || strcmp(t, r->address) != 0)
            vcheck_fail(v, "property_address", "cannot be changed");
        free(t);
        return;
    }
    if (!t)
        vcheck_fail(v, "property_address", "is required");
    else if (utf8_len(t) > RENTALS_ADDRESS_MAX)
        vcheck_fail(v, "property_address", "must be at most 300 characters");
    else if (has_ctl(t))
        vcheck_fail(v, "property_address", "must not contain control characters");
    replace(&r->address, t);
}

static void apply_website(struct vcheck *v, const json_t *j_body, struct rental *r, bool patch)
{
    const char *s = NULL;
    bool given = vget_str(v, j_body, "website", &s);
    char *t = given ? trimmed(s) : NULL;
    lower(t);
    if (patch) {
        if ((given && (!t || !r->website || strcmp(t, r->website) != 0)) ||
            vhas_null(j_body, "website"))
            vcheck_fail(v, "website", "cannot be changed");
        free(t);
        return;
    }
    if (!t) {
        t = mem_strdup("manual");
    } else if (strlen(t) > WEBSITE_MAX || has_ctl(t) || strchr(t, '/')) {
        vcheck_fail(v, "website", "must be a host name of at most 255 characters");
    }
    replace(&r->website, t);
}

/* A number rule: value within [lo, hi] (hi_open: < hi), optionally whole or in steps. */
struct numrule {
    const char *key;
    double lo, hi;
    bool hi_open;
    double step; /* 0: any; 1: whole numbers; 0.5: halves */
    const char *msg;
    bool cents;  /* rounded to 0.01 before the range check (what the column stores) */
};

/* Returns 1 and *out when set, 0 when cleared (null), -1 when absent or rejected. */
static int apply_number(struct vcheck *v, const json_t *j_body, const struct numrule *nr,
                        double *out)
{
    double d = 0;
    if (vhas_null(j_body, nr->key))
        return 0;
    if (!vget_num(v, j_body, nr->key, &d))
        return -1;
    /* Check the value that will be stored: 999999.996 rounds to 1000000.00, which the
     * range (and the column CHECK) refuses. + 0.0 turns a rounded -0.0 into 0. */
    if (nr->cents && isfinite(d))
        d = round(d * 100.0) / 100.0 + 0.0;
    bool ok = isfinite(d) && d >= nr->lo && (nr->hi_open ? d < nr->hi : d <= nr->hi);
    if (ok && nr->step > 0)
        ok = fmod(d / nr->step, 1.0) == 0.0;
    if (!ok) {
        vcheck_fail(v, nr->key, nr->msg);
        return -1;
    }
    *out = d;
    return 1;
}

static void apply_numbers(struct vcheck *v, const json_t *j_body, struct rental *r)
{
    static const struct numrule price = {"price", 0, PRICE_LIMIT, true, 0,
                                         "must be at least 0 and less than 1,000,000",
                                         true};
    static const struct numrule beds = {"bedrooms", 0, BEDROOMS_MAX, false, 1,
                                        "must be a whole number from 0 to 20", false};
    static const struct numrule baths = {"bathrooms", 0, BATHROOMS_MAX, false, 0.5,
                                         "must be from 0 to 20 in steps of 0.5", false};
    static const struct numrule sqft = {"square_feet", 1, SQFT_MAX, false, 1,
                                        "must be a positive whole number", false};
    double d = 0;
    int rc;
    if ((rc = apply_number(v, j_body, &price, &d)) >= 0) {
        r->has_price = rc == 1;
        r->price = rc == 1 ? d : 0; /* already rounded to cents */
    }
    if ((rc = apply_number(v, j_body, &beds, &d)) >= 0) {
        r->has_bedrooms = rc == 1;
        r->bedrooms = rc == 1 ? (int64_t)d : 0;
    }
    if ((rc = apply_number(v, j_body, &baths, &d)) >= 0) {
        r->has_bathrooms = rc == 1;
        r->bathrooms = rc == 1 ? d : 0;
    }
    if ((rc = apply_number(v, j_body, &sqft, &d)) >= 0) {
        r->has_square_feet = rc == 1;
        r->square_feet = rc == 1 ? (int64_t)d : 0;
    }
}

static void apply_type_and_date(struct vcheck *v, const json_t *j_body, struct rental *r)
{
    apply_text(v, j_body, "property_type", &r->property_type, TEXT_SHORT);
    if (json_object_get(j_body, "property_type") && r->property_type) {
        lower(r->property_type);
        bool known = false;
        for (int i = 0; property_types[i]; i++)
            known = known || strcmp(property_types[i], r->property_type) == 0;
        if (!known)
            vcheck_fail(v, "property_type",
                        "must be one of apartment, house, condo, townhouse, duplex, studio, "
                        "room, other");
    }
    apply_text(v, j_body, "available_date", &r->available_date, 64);
    if (json_object_get(j_body, "available_date") && r->available_date &&
        !rentals_valid_date(r->available_date))
        vcheck_fail(v, "available_date", "must be a real date as YYYY-MM-DD");
    bool b = true;
    if (vhas_null(j_body, "available"))
        vcheck_fail(v, "available", "must be true or false");
    else if (vget_bool(v, j_body, "available", &b))
        r->available = b;
}

/* An array of strings (urls: each an http(s) URL). null clears it. Anything but an array of
 * strings is a type error (400); a blank or too long item, a bad URL or too many items a
 * rule error (422). */
static void apply_list(struct vcheck *v, const json_t *j_body, const char *key, json_t **dst,
                       bool urls)
{
    const json_t *j_in = json_object_get(j_body, key);
    size_t i;
    const json_t *j_item;
    if (!j_in)
        return;
    if (json_is_null(j_in)) {
        json_decref(*dst);
        *dst = json_array();
        return;
    }
    bool typed = json_is_array(j_in);
    json_array_foreach(j_in, i, j_item)
        typed = typed && json_is_string(j_item);
    if (!typed) {
        vcheck_wrong_type(v, key, "a list of strings");
        return;
    }
    if (json_array_size(j_in) > LIST_MAX) {
        vcheck_fail(v, key, urls ? "must be a list of at most 100 http(s) URLs"
                                 : "must be a list of at most 100 strings");
        return;
    }
    json_t *j_out = json_array();
    bool ok = true;
    json_array_foreach(j_in, i, j_item) {
        char *t = trimmed(json_string_value(j_item));
        if (!t || utf8_len(t) > (urls ? URL_MAX : LIST_ITEM_MAX) || (urls && !is_http_url(t)))
            ok = false;
        else
            json_array_append_new(j_out, json_string(t));
        free(t);
    }
    if (!ok) {
        vcheck_fail(v, key, urls ? "must be a list of http(s) URLs"
                                 : "must be a list of non-empty strings of at most 200 "
                                   "characters");
        json_decref(j_out);
        return;
    }
    json_decref(*dst);
    *dst = j_out;
}

/* A rule error for every key of j_body that known() refuses (what names the kind of
 * object). */
static void reject_unknown_keys(struct vcheck *v, const json_t *j_body,
                                bool (*known)(const char *key), const char *what)
{
    char msg[64];
    snprintf(msg, sizeof msg, "is not a %s field", what);
    const char *key;
    const json_t *j_val;
    json_object_foreach((json_t *)j_body, key, j_val) {
        if (!known(key))
            vcheck_fail(v, key, msg);
    }
}

void rentals_apply_json(struct vcheck *v, const json_t *j_body, struct rental *r, bool patch)
{
    apply_address(v, j_body, r, patch);
    apply_website(v, j_body, r, patch);
    apply_text(v, j_body, "unit", &r->unit, 50);
    apply_text(v, j_body, "city", &r->city, TEXT_SHORT);
    apply_text(v, j_body, "state", &r->state, 50);
    apply_text(v, j_body, "zip", &r->zip, 20);
    apply_numbers(v, j_body, r);
    apply_type_and_date(v, j_body, r);
    apply_text(v, j_body, "description", &r->description, 10000);
    apply_text(v, j_body, "contact_info", &r->contact_info, 1000);
    apply_url(v, j_body, "url", &r->source_url);
    apply_list(v, j_body, "amenities", &r->j_amenities, false);
    apply_list(v, j_body, "images", &r->j_images, true);
    reject_unknown_keys(v, j_body, rentals_json_rental_key, "rental");
    if (!patch)
        rentals_set_str(&r->source_type, "manual");
}

void rentals_source_from_json(struct vcheck *v, const json_t *j_body, char **website, char **url)
{
    const char *s = NULL;
    *website = NULL;
    *url = NULL;
    reject_unknown_keys(v, j_body, rentals_json_source_key, "source");
    if (vget_str(v, j_body, "url", &s))
        *url = trimmed(s);
    if (!*url) {
        if (v->type_field[0] == '\0')
            vcheck_fail(v, "url", "is required");
    } else if (strlen(*url) > URL_MAX || !is_http_url(*url)) {
        vcheck_fail(v, "url", "must be an http(s) URL of at most 2048 characters whose host "
                              "name has at most 253");
    }
    if (vget_str(v, j_body, "website", &s))
        *website = trimmed(s);
    if (*website) {
        lower(*website);
        if (strncmp(*website, "www.", 4) == 0)
            memmove(*website, *website + 4, strlen(*website + 4) + 1);
        if (strlen(*website) > WEBSITE_MAX || has_ctl(*website) || strchr(*website, '/') ||
            **website == '\0')
            vcheck_fail(v, "website", "must be a host name of at most 255 characters");
    } else if (*url) {
        *website = rentals_url_host(*url);
        /* is_http_url bounds the host; this keeps the column CHECK out of reach anyway */
        if (*website && strlen(*website) > WEBSITE_MAX && is_http_url(*url))
            vcheck_fail(v, "url", "must have a host name of at most 253 characters");
    }
}
