/* SPDX-License-Identifier: MIT */
/* Settings rules and their JSON, without a database: defaults (SPEC §4), validation of a
 * PUT/PATCH body into a struct user_settings (every rule problem collected, wrong JSON types
 * reported by field name), the API representation, and the stored form of business hours.
 * Also the email plausibility check shared with other domains (zones: core/tz.h). */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "users/users.h"

const char *const users_day_names[7] = {"monday", "tuesday", "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};

void users_settings_defaults(struct user_settings *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->timezone, sizeof s->timezone, "%s", USERS_DEFAULT_ZONE);
    snprintf(s->theme, sizeof s->theme, "system");
    s->notify_email = true;
    s->notify_sms = false;
    for (int d = 0; d < 5; d++) {
        s->hours[d].n = 1;
        s->hours[d].r[0] = (struct users_range){9 * 60, 17 * 60};
    }
    s->slot_minutes = 30;
    s->buffer_minutes = 0;
    s->min_notice_minutes = 60;
    s->booking_horizon_days = 14;
}

/* ---- shared checks ---- */

bool users_email_plausible(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || at - s > 64 || strchr(at + 1, '@'))
        return false;
    const char *dom = at + 1, *dot = strrchr(dom, '.');
    if (!dot || dom[0] == '.' || dot[1] == '\0' || strstr(dom, ".."))
        return false;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch == 0x7f || strchr("()<>,;:\\\"[]", ch))
            return false;
    }
    return true;
}

/* ---- business hours ---- */

static int two_digits(const char *p)
{
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "HH:MM" -> minutes, -1 when malformed; 24:00 allowed (end of day). */
static int parse_hhmm(const char *p)
{
    int h = two_digits(p), m = two_digits(p + 3);
    if (h < 0 || m < 0 || p[2] != ':' || m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

/* "HH:MM-HH:MM" -> range; -1 malformed, -2 start not before end. */
static int parse_range(const char *s, struct users_range *out)
{
    if (strlen(s) != 11 || s[5] != '-')
        return -1;
    int a = parse_hhmm(s), b = parse_hhmm(s + 6);
    if (a < 0 || b < 0 || a == 24 * 60)
        return -1;
    if (a >= b)
        return -2;
    out->start = a;
    out->end = b;
    return 0;
}

static void fmt_range(const struct users_range *r, char out[16])
{
    snprintf(out, 16, "%02d:%02d-%02d:%02d", (r->start / 60) % 100, r->start % 60,
             (r->end / 60) % 100, r->end % 60);
}

static int range_cmp(const void *a, const void *b)
{
    const struct users_range *x = a, *y = b;
    return x->start - y->start;
}

/* Sorts the day; returns the index of the first range overlapping its predecessor, or 0. */
static int sort_find_overlap(struct users_day *d)
{
    qsort(d->r, (size_t)d->n, sizeof d->r[0], range_cmp);
    for (int i = 1; i < d->n; i++)
        if (d->r[i].start < d->r[i - 1].end)
            return i;
    return 0;
}

static int day_index(const char *name)
{
    for (int i = 0; i < 7; i++)
        if (strcmp(name, users_day_names[i]) == 0)
            return i;
    return -1;
}

static void type_err(struct vcheck *v, const char *field, const char *want)
{
    if (v->type_field[0] == '\0') {
        snprintf(v->type_field, sizeof v->type_field, "%.*s", (int)sizeof v->type_field - 1,
                 field);
        v->type_want = want;
    }
}

/* Validates one weekday's array into *out (left unchanged on failure). */
static void apply_day(const char *day, const json_t *j_arr, struct users_day *out,
                      struct vcheck *v)
{
    char field[64], msg[160];
    snprintf(field, sizeof field, "business_hours.%s", day);
    if (json_is_null(j_arr)) {
        out->n = 0;
        return;
    }
    if (!json_is_array(j_arr))
        return type_err(v, field, "an array");
    if (json_array_size(j_arr) > USERS_MAX_RANGES) {
        snprintf(msg, sizeof msg, "at most %d ranges per day", USERS_MAX_RANGES);
        return vcheck_fail(v, field, msg);
    }
    struct users_day d = {0};
    bool ok = true;
    size_t i;
    const json_t *j_item;
    json_array_foreach(j_arr, i, j_item) {
        char ifield[112];
        snprintf(ifield, sizeof ifield, "%s[%zu]", field, i);
        if (!json_is_string(j_item)) {
            type_err(v, ifield, "a string");
            ok = false;
            continue;
        }
        int rc = parse_range(json_string_value(j_item), &d.r[d.n]);
        if (rc == 0) {
            d.n++;
            continue;
        }
        vcheck_fail(v, ifield, rc == -1 ? "must be a time range like \"09:00-17:00\""
                                        : "start time must be before end time");
        ok = false;
    }
    int ov = ok ? sort_find_overlap(&d) : 0;
    if (ov > 0) {
        char a[16], b[16];
        fmt_range(&d.r[ov - 1], a);
        fmt_range(&d.r[ov], b);
        snprintf(msg, sizeof msg, "ranges %s and %s overlap", a, b);
        vcheck_fail(v, field, msg);
        ok = false;
    }
    if (ok)
        *out = d;
}

static void apply_hours(const json_t *j, bool replace, struct user_settings *s,
                        struct vcheck *v)
{
    if (json_is_null(j)) {
        struct user_settings d;
        users_settings_defaults(&d);
        memcpy(s->hours, d.hours, sizeof s->hours);
        return;
    }
    if (!json_is_object(j))
        return type_err(v, "business_hours", "an object");
    if (replace)
        memset(s->hours, 0, sizeof s->hours);
    const char *key;
    const json_t *j_day;
    json_object_foreach((json_t *)j, key, j_day) {
        int d = day_index(key);
        if (d < 0) {
            char field[96];
            snprintf(field, sizeof field, "business_hours.%.60s", key);
            vcheck_fail(v, field, "unknown day; use monday through sunday");
            continue;
        }
        apply_day(key, j_day, &s->hours[d], v);
    }
}

/* ---- the other fields ---- */

struct int_rule {
    const char *name;
    int lo, hi;
    size_t off;
};

static const struct int_rule int_rules[] = {
    {"slot_minutes", 5, 240, offsetof(struct user_settings, slot_minutes)},
    {"buffer_minutes", 0, 240, offsetof(struct user_settings, buffer_minutes)},
    {"min_notice_minutes", 0, 10080, offsetof(struct user_settings, min_notice_minutes)},
    {"booking_horizon_days", 1, 365, offsetof(struct user_settings, booking_horizon_days)},
};

/* An integer, or a real with no fraction (2.0 is an integer to a person). */
static bool json_integral(const json_t *j)
{
    return json_is_integer(j) || (json_is_real(j) && json_real_value(j) == floor(json_real_value(j)) &&
                                  fabs(json_real_value(j)) < 1e9);
}

static bool apply_int(const char *key, const json_t *j, struct user_settings *s,
                      struct vcheck *v)
{
    for (size_t i = 0; i < sizeof int_rules / sizeof int_rules[0]; i++) {
        const struct int_rule *ir = &int_rules[i];
        if (strcmp(key, ir->name) != 0)
            continue;
        int *dst = (int *)((char *)s + ir->off);
        if (json_is_null(j)) {
            struct user_settings d;
            users_settings_defaults(&d);
            *dst = *(const int *)((const char *)&d + ir->off);
        } else if (!json_integral(j)) {
            type_err(v, key, "an integer");
        } else if (json_number_value(j) < ir->lo || json_number_value(j) > ir->hi) {
            char msg[64];
            snprintf(msg, sizeof msg, "must be between %d and %d", ir->lo, ir->hi);
            vcheck_fail(v, key, msg);
        } else {
            *dst = (int)json_number_value(j);
        }
        return true;
    }
    return false;
}

static void apply_timezone(const json_t *j, struct user_settings *s, struct vcheck *v)
{
    if (json_is_null(j))
        snprintf(s->timezone, sizeof s->timezone, "%s", USERS_DEFAULT_ZONE);
    else if (!json_is_string(j))
        type_err(v, "timezone", "a string");
    else if (!tz_valid(json_string_value(j)))
        vcheck_fail(v, "timezone", "unknown time zone; use an IANA name like America/Chicago");
    else
        snprintf(s->timezone, sizeof s->timezone, "%s", json_string_value(j));
}

static void apply_theme(const json_t *j, struct user_settings *s, struct vcheck *v)
{
    const char *t = json_is_null(j) ? "system" : json_string_value(j);
    if (!t)
        return type_err(v, "theme", "a string");
    if (strcmp(t, "light") && strcmp(t, "dark") && strcmp(t, "system"))
        return vcheck_fail(v, "theme", "must be light, dark or system");
    snprintf(s->theme, sizeof s->theme, "%s", t);
}

static void apply_notify_flag(const json_t *j, const char *field, bool def, bool *dst,
                              struct vcheck *v)
{
    if (json_is_null(j))
        *dst = def;
    else if (!json_is_boolean(j))
        type_err(v, field, "true or false");
    else
        *dst = json_is_true(j);
}

static void apply_notifications(const json_t *j, struct user_settings *s, struct vcheck *v)
{
    if (json_is_null(j)) {
        s->notify_email = true;
        s->notify_sms = false;
        return;
    }
    if (!json_is_object(j))
        return type_err(v, "notifications", "an object");
    const char *key;
    const json_t *j_val;
    json_object_foreach((json_t *)j, key, j_val) {
        if (strcmp(key, "email") == 0) {
            apply_notify_flag(j_val, "notifications.email", true, &s->notify_email, v);
        } else if (strcmp(key, "sms") == 0) {
            apply_notify_flag(j_val, "notifications.sms", false, &s->notify_sms, v);
        } else {
            char field[96];
            snprintf(field, sizeof field, "notifications.%.60s", key);
            vcheck_fail(v, field, "unknown field");
        }
    }
}

static void apply_notification_email(const json_t *j, struct user_settings *s,
                                     struct vcheck *v)
{
    const char *e = json_is_null(j) ? "" : json_string_value(j);
    if (!e)
        return type_err(v, "notification_email", "a string");
    if (*e && !users_email_plausible(e))
        return vcheck_fail(v, "notification_email", "must be an email address or null");
    snprintf(s->notification_email, sizeof s->notification_email, "%s", e);
}

static void apply_vapi_key(const json_t *j, const char **vk, struct vcheck *v)
{
    const char *k = json_is_null(j) ? "" : json_string_value(j);
    if (!k)
        return type_err(v, "vapi_api_key", "a string");
    size_t n = strlen(k);
    bool ok = n == 0 || (n >= 8 && n <= 256);
    for (const char *p = k; ok && *p; p++)
        ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
    if (!ok)
        return vcheck_fail(v, "vapi_api_key",
                           "must be 8 to 256 printable characters without spaces, or null");
    *vk = k;
}

/* Output-only fields a client may send back unchanged; they are ignored. */
static bool read_only(const char *key)
{
    return !strcmp(key, "user_id") || !strcmp(key, "vapi_api_key_set") ||
           !strcmp(key, "vapi_api_key_last4") || !strcmp(key, "updated_at");
}

void users_settings_apply(const json_t *j_body, bool replace, struct user_settings *s,
                          const char **vapi_key, struct vcheck *v)
{
    const char *key;
    const json_t *j;
    *vapi_key = NULL;
    json_object_foreach((json_t *)j_body, key, j) {
        if (!strcmp(key, "timezone"))
            apply_timezone(j, s, v);
        else if (!strcmp(key, "theme"))
            apply_theme(j, s, v);
        else if (!strcmp(key, "notifications"))
            apply_notifications(j, s, v);
        else if (!strcmp(key, "notification_email"))
            apply_notification_email(j, s, v);
        else if (!strcmp(key, "business_hours"))
            apply_hours(j, replace, s, v);
        else if (!strcmp(key, "vapi_api_key"))
            apply_vapi_key(j, vapi_key, v);
        else if (!apply_int(key, j, s, v) && !read_only(key)) {
            char field[96];
            snprintf(field, sizeof field, "%.90s", key);
            vcheck_fail(v, field, "unknown field");
        }
    }
}

/* ---- JSON ---- */

static json_t *hours_to_json(const struct user_settings *s)
{
    json_t *j_hours = json_object();
    for (int d = 0; d < 7; d++) {
        json_t *j_day = json_array();
        for (int i = 0; i < s->hours[d].n; i++) {
            char buf[16];
            fmt_range(&s->hours[d].r[i], buf);
            json_array_append_new(j_day, json_string(buf));
        }
        json_object_set_new(j_hours, users_day_names[d], j_day);
    }
    return j_hours;
}

json_t *users_settings_to_json(const struct user_settings *s)
{
    const char *ne = s->notification_email[0] ? s->notification_email : NULL;
    const char *l4 = s->vapi_key_set && s->vapi_key_last4[0] ? s->vapi_key_last4 : NULL;
    const char *up = s->updated_at[0] ? s->updated_at : NULL;
    return json_pack("{s:s, s:s, s:{s:b, s:b}, s:s?, s:o, s:i, s:i, s:i, s:i, s:b, s:s?, s:s?}",
                     "timezone", s->timezone, "theme", s->theme, "notifications", "email",
                     s->notify_email, "sms", s->notify_sms, "notification_email", ne,
                     "business_hours", hours_to_json(s), "slot_minutes", s->slot_minutes,
                     "buffer_minutes", s->buffer_minutes, "min_notice_minutes",
                     s->min_notice_minutes, "booking_horizon_days", s->booking_horizon_days,
                     "vapi_api_key_set", s->vapi_key_set, "vapi_api_key_last4", l4,
                     "updated_at", up);
}

char *users_hours_dump(const struct user_settings *s)
{
    json_t *j_hours = hours_to_json(s);
    char *out = json_dumps(j_hours, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j_hours);
    return out;
}

int users_hours_load(struct user_settings *s, const char *text)
{
    json_t *j_hours = text ? json_loads(text, 0, NULL) : NULL;
    int rc = json_is_object(j_hours) ? 0 : -1;
    for (int d = 0; rc == 0 && d < 7; d++) {
        const json_t *j_day = json_object_get(j_hours, users_day_names[d]);
        size_t i;
        const json_t *j_item;
        s->hours[d].n = 0;
        if (json_array_size(j_day) > USERS_MAX_RANGES)
            rc = -1;
        json_array_foreach(j_day, i, j_item) {
            const char *str = json_string_value(j_item);
            if (rc != 0 || !str || parse_range(str, &s->hours[d].r[s->hours[d].n]) != 0) {
                rc = -1;
                break;
            }
            s->hours[d].n++;
        }
    }
    json_decref(j_hours);
    return rc;
}
