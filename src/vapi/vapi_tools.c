/* SPDX-License-Identifier: MIT */
/* The five tools a caller reaches through the assistant (SPEC §6), run for the agent's
 * tenant only: the tenant comes from the authenticated agent, never from an argument.
 * Answers are short speakable sentences (vapi_speak.c). A tool's own trouble (a missing or
 * wrong argument, a store error) is an error entry for that call alone; "nothing found" is
 * an answer, not an error. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/app.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/tz.h"
#include "users/users.h"
#include "vapi/vapi.h"
#include "vapi/vapi_tools.h"

#define MATCHES_SPOKEN 5

bool vapi_tool_fail(char *out, size_t cap, const char *sentence)
{
    snprintf(out, cap, "%s", sentence);
    return false;
}

int vapi_arg_num(const json_t *j_args, const char *key, double *out)
{
    const json_t *j = json_object_get(j_args, key);
    if (!j || json_is_null(j))
        return 0;
    if (json_is_number(j)) {
        *out = json_number_value(j);
        return isfinite(*out) ? 1 : -1;
    }
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        char *end = NULL;
        while (*s == '$' || *s == ' ')
            s++;
        *out = strtod(s, &end);
        return end != s && *end == '\0' && isfinite(*out) ? 1 : -1;
    }
    return -1;
}

const char *vapi_arg_str(const json_t *j_args, const char *key, bool *bad)
{
    const json_t *j = json_object_get(j_args, key);
    if (j && !json_is_null(j) && !json_is_string(j))
        *bad = true;
    return json_string_value(j);
}

struct vapi_date vapi_tenant_today(struct app *a, int64_t tenant)
{
    struct user_settings s;
    const char *zone = users_settings_get(a, tenant, &s) == APP_OK ? s.timezone : "UTC";
    return vapi_date_from_days(tz_today(zone));
}

/* ---- search_rentals ------------------------------------------------------------------------ */

/* The search's arguments into f (and the extra tests); false with an error sentence. */
static bool search_filter(const json_t *j, struct rental_filter *f, int64_t *beds,
                          const char **available_by, int *pets, char *out, size_t cap)
{
    double v = 0;
    bool bad = false;
    memset(f, 0, sizeof *f);
    f->has_available = f->available = true;
    int got = vapi_arg_num(j, "bedrooms", &v);
    if (got < 0 || (got > 0 && (v < 0 || v > 20 || v != floor(v))))
        return vapi_tool_fail(out, cap, "The number of bedrooms must be a whole number.");
    *beds = got > 0 ? (int64_t)v : -1;
    if (*beds >= 0) {
        f->has_min_bedrooms = true;
        f->min_bedrooms = *beds;
    }
    got = vapi_arg_num(j, "max_price", &v);
    if (got < 0 || (got > 0 && v < 0))
        return vapi_tool_fail(out, cap, "The most a caller wants to pay must be an amount of dollars.");
    if ((f->has_max_price = got > 0))
        f->max_price = v;
    got = vapi_arg_num(j, "min_price", &v);
    if (got < 0 || (got > 0 && v < 0))
        return vapi_tool_fail(out, cap, "The least a caller wants to pay must be an amount of dollars.");
    if ((f->has_min_price = got > 0))
        f->min_price = v;
    const char *loc = vapi_arg_str(j, "location", &bad);
    *available_by = vapi_arg_str(j, "available_by", &bad);
    if (bad)
        return vapi_tool_fail(out, cap, "The location and the date must be given as text.");
    int64_t by_days = 0;
    if (*available_by && !civil_parse_date(*available_by, &by_days))
        return vapi_tool_fail(out, cap, "The move-in date must be a date like 2027-03-15.");
    if (loc && *loc && strlen(loc) <= 200)
        f->q = loc;
    const json_t *jp = json_object_get(j, "pets");
    *pets = json_is_boolean(jp) ? json_is_true(jp) : -1;
    return true;
}

static bool search_rentals(const struct vapi_tool_ctx *ctx, const json_t *j, char *out,
                           size_t cap)
{
    struct rental_search q = {.beds = -1};
    struct rental_list l = {0};
    int64_t n = 0;
    int pets = -1;
    if (!search_filter(j, &q.f, &q.beds, &q.available_by, &pets, out, cap))
        return false;
    q.pets = pets == 1;
    if (rentals_search(ctx->app, ctx->tenant, &q, MATCHES_SPOKEN, &l, &n) != APP_OK)
        return vapi_tool_fail(out, cap, "I can't look at the listings right now.");
    struct vapi_date today = vapi_tenant_today(ctx->app, ctx->tenant);
    if (n == 0) {
        snprintf(out, cap, "I don't have anything available that matches that right now.");
    } else {
        char count[32];
        vapi_speak_count(count, sizeof count, n);
        size_t len = (size_t)snprintf(out, cap, "I have %s %s. ", count,
                                      n == 1 ? "home that fits" : "homes that fit");
        for (int i = 0; i < l.n && len < cap; i++) {
            char one[VAPI_SPEAK_MAX];
            vapi_speak_rental(one, sizeof one, &l.items[i], &today);
            len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", one);
        }
        if (n > MATCHES_SPOKEN && len < cap)
            snprintf(out + len, cap - len, " Those are the best %d.", MATCHES_SPOKEN);
    }
    rentals_list_cleanup(&l);
    return true;
}

/* ---- get_rental_details ---------------------------------------------------------------- */

void vapi_listings_free(struct vapi_listings *L)
{
    for (size_t i = 0; i < L->places.n; i++)
        free(L->cands[i]);
    free(L->cands);
    rentals_place_list_cleanup(&L->places);
    memset(L, 0, sizeof *L);
}

/* The text place p is matched on (a new string). */
static char *match_text(const struct rentals_place *p)
{
    if (!p->address)
        return NULL;
    if (!p->city || !*p->city || strchr(p->address, ','))
        return mem_strdup(p->address);
    size_t n = strlen(p->address) + strlen(p->city) + 32;
    char *t = mem_alloc(n);
    snprintf(t, n, "%s, %s%s%s%s%s", p->address, p->city, p->state ? ", " : "",
             p->state ? p->state : "", p->zip ? " " : "", p->zip ? p->zip : "");
    return t;
}

app_err vapi_listings_load(const struct vapi_tool_ctx *ctx, const char *addr,
                           struct vapi_listings *L)
{
    char number[16];
    size_t k = 0;
    while (addr && *addr == ' ')
        addr++;
    while (addr && addr[k] >= '0' && addr[k] <= '9' && k < sizeof number - 1) {
        number[k] = addr[k];
        k++;
    }
    number[k] = '\0';
    bool narrow = k > 0 && !(addr[k] >= '0' && addr[k] <= '9'); /* the whole number fit */
    memset(L, 0, sizeof *L);
    app_err e = rentals_places(ctx->app, ctx->tenant, narrow ? number : NULL,
                               VAPI_LISTINGS_MAX, &L->places);
    if (e != APP_OK)
        return e;
    L->cands = mem_zalloc(L->places.n + 1, sizeof *L->cands);
    for (size_t i = 0; i < L->places.n; i++)
        L->cands[i] = match_text(&L->places.items[i]);
    return APP_OK;
}

const struct rentals_place *vapi_listing_named(const struct vapi_listings *L, const char *addr,
                                               char *out, size_t cap)
{
    struct vapi_match m;
    vapi_match_address(addr, (const char *const *)L->cands, L->places.n, &m);
    if (m.kind == VAPI_MATCH_EXACT || m.kind == VAPI_MATCH_PARTIAL)
        return &L->places.items[m.index];
    if (m.kind == VAPI_MATCH_AMBIGUOUS) {
        char spoken[VAPI_MATCH_MAX][160];
        const char *items[VAPI_MATCH_MAX];
        size_t shown = m.n < VAPI_MATCH_MAX ? m.n : VAPI_MATCH_MAX;
        for (size_t i = 0; i < shown; i++) {
            const struct rentals_place *p = &L->places.items[m.idx[i]];
            vapi_speak_address(spoken[i], sizeof spoken[i], p->address, p->unit, NULL);
            items[i] = spoken[i];
        }
        char list[VAPI_SPEAK_MAX];
        vapi_speak_join(list, sizeof list, items, shown);
        snprintf(out, cap, "I have more than one home there: %s. Which one do you mean?", list);
    } else {
        char said[200];
        vapi_speak_sanitize(said, sizeof said, addr);
        snprintf(out, cap, "I couldn't find a listing at %s.", said);
    }
    return NULL;
}

static void details(const struct rental *r, const struct vapi_date *today, char *out,
                    size_t cap)
{
    char one[VAPI_SPEAK_MAX], desc[600];
    vapi_speak_rental(one, sizeof one, r, today);
    size_t len = (size_t)snprintf(out, cap, "%s", one);
    if (r->description && *r->description) {
        vapi_speak_sanitize(desc, sizeof desc, r->description);
        len += (size_t)snprintf(out + len, cap > len ? cap - len : 0, " %s", desc);
    }
    if (r->contact_info && *r->contact_info && len < cap) {
        vapi_speak_sanitize(desc, sizeof desc, r->contact_info);
        snprintf(out + len, cap - len, " For questions: %s.", desc);
    }
}

static bool get_rental_details(const struct vapi_tool_ctx *ctx, const json_t *j, char *out,
                               size_t cap)
{
    bool bad = false;
    struct vapi_listings L;
    const char *addr = vapi_arg_str(j, "property_address", &bad);
    if (bad || !addr || !*addr)
        return vapi_tool_fail(out, cap, "I need the address of the home to describe it.");
    if (vapi_listings_load(ctx, addr, &L) != APP_OK)
        return vapi_tool_fail(out, cap, "I can't look at the listings right now.");
    const struct rentals_place *p = vapi_listing_named(&L, addr, out, cap);
    struct rental r;
    rentals_init(&r);
    bool ok = true;
    if (p && rentals_get(ctx->app, ctx->tenant, p->id, &r) != APP_OK) {
        ok = vapi_tool_fail(out, cap, "I can't look at the listings right now.");
    } else if (p) {
        struct vapi_date today = vapi_tenant_today(ctx->app, ctx->tenant);
        details(&r, &today, out, cap);
    }
    rentals_cleanup(&r);
    vapi_listings_free(&L);
    return ok;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

typedef bool (*tool_fn)(const struct vapi_tool_ctx *ctx, const json_t *j_args, char *out,
                        size_t cap);

static const tool_fn tools[VAPI_TOOL_COUNT] = {
    [VAPI_TOOL_SEARCH_RENTALS] = search_rentals,
    [VAPI_TOOL_GET_RENTAL_DETAILS] = get_rental_details,
    [VAPI_TOOL_GET_AVAILABILITY] = vapi_tool_get_availability,
    [VAPI_TOOL_SET_APPOINTMENT] = vapi_tool_set_appointment,
    [VAPI_TOOL_CANCEL_APPOINTMENT] = vapi_tool_cancel_appointment,
};

bool vapi_tool_run(const struct vapi_tool_ctx *ctx, const char *name, const json_t *j_args,
                   char *out, size_t cap)
{
    enum vapi_tool t = vapi_tool_from_name(name);
    bool ok;
    if (t == VAPI_TOOL_UNKNOWN || !tools[t]) {
        char said[80];
        vapi_speak_sanitize(said, sizeof said, name ? name : "");
        snprintf(out, cap, "There is no tool named %s.", said);
        return false;
    }
    ok = tools[t](ctx, j_args, out, cap);
    if (!ok)
        LOG_I("tool %s answered an error: %s", name, out);
    return ok;
}
