/* SPDX-License-Identifier: MIT */
/* The module's entry points: argument checks, the order in which the extractor families are
 * asked (JSON-LD, then AppFolio and Buildium pages, which are recognised by their markup, then the
 * generic card heuristic when nothing else found listings), the "this page says there are none"
 * test, and the pagination link. */
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

static bool valid_today(const char *today)
{
    char out[11];
    return strlen(today) == 10 && scrape_norm_date(today, today, out) && strcmp(out, today) == 0;
}

/* Runs one family; returns true when the page is of that platform. */
static bool run_family(const char *family, struct sdoc *d, struct slist *s)
{
    if (strcmp(family, "jsonld") == 0) {
        scrape_jsonld(d, s);
        return false;
    }
    if (strcmp(family, "appfolio") == 0)
        return scrape_appfolio(d, s);
    if (strcmp(family, "appfolio-detail") == 0)
        return scrape_appfolio_detail(d, s);
    if (strcmp(family, "buildium") == 0)
        return scrape_buildium(d, s);
    if (strcmp(family, "buildium-detail") == 0)
        return scrape_buildium_detail(d, s);
    scrape_cards(d, s);
    return false;
}

static const char *const families[] = {"jsonld",   "appfolio",        "appfolio-detail",
                                       "buildium", "buildium-detail", "generic", NULL};

/* Asks the families in order; the first with listings answers. A recognised platform without
 * listings still names the page's family, and the generic heuristic gets its turn. */
static void dispatch(struct sdoc *d, struct slist *s)
{
    struct scrape_result *r = s->r;
    const char *platform = NULL;
    for (int i = 0; families[i] && r->n == 0; i++) {
        if (platform && strcmp(families[i], "generic") != 0)
            continue;
        bool mine = run_family(families[i], d, s);
        if (r->n)
            r->family = families[i];
        else if (mine && !platform)
            platform = families[i];
    }
    if (!r->family)
        r->family = platform;
}

static char *next_url(struct sdoc *d)
{
    const char *ref = d->next;
    if (!ref) {
        xmlNodePtr a = sd_find(d->root, "a", "next");
        ref = a ? sd_attr(a, "href") : NULL;
    }
    char *url = ref ? scrape_url_resolve(d->base, ref) : NULL;
    char *self = scrape_url_resolve(d->page_url, "");
    if (url && self && strcmp(url, self) == 0) {
        free(url);
        url = NULL;
    }
    free(self);
    return url;
}

static app_err extract(const char *only, const char *body, size_t len, const char *charset,
                       const char *page_url, const char *today, struct scrape_result *out)
{
    if (!out)
        return APP_E_PARAM;
    memset(out, 0, sizeof *out);
    if ((!body && len) || !page_url || !today || len > SCRAPE_MAX_BODY || !valid_today(today))
        return APP_E_PARAM;
    if (only) {
        bool known = false;
        for (int i = 0; families[i]; i++)
            known = known || strcmp(families[i], only) == 0;
        if (!known)
            return APP_E_PARAM;
    }
    struct sdoc d;
    app_err e = sdoc_open(&d, body ? body : "", len, charset, page_url, today);
    if (e == APP_OK && d.doc && d.root) {
        struct slist s;
        slist_init(&s, out);
        if (only) {
            bool mine = run_family(only, &d, &s);
            out->family = out->n || mine ? only : NULL;
        } else {
            dispatch(&d, &s);
        }
        slist_cleanup(&s);
        out->says_none = out->n == 0 && scrape_says_none(&d);
        out->next_url = next_url(&d);
    }
    out->truncated = out->truncated || d.parse_stopped || (d.doc && d.budget <= 0);
    sdoc_close(&d);
    return e;
}

app_err scrape_extract(const char *body, size_t len, const char *charset, const char *page_url,
                       const char *today, struct scrape_result *out)
{
    return extract(NULL, body, len, charset, page_url, today, out);
}

app_err scrape_extract_family(const char *family, const char *body, size_t len,
                              const char *charset, const char *page_url, const char *today,
                              struct scrape_result *out)
{
    if (!family) {
        if (out)
            memset(out, 0, sizeof *out);
        return APP_E_PARAM;
    }
    return extract(family, body, len, charset, page_url, today, out);
}

/* ---- "no listings at this time" ----------------------------------------------------------- */

bool scrape_says_none(struct sdoc *d)
{
    static const char *const phrases[] = {
        "no available listings",  "no listings available",  "no current listings",
        "no listings at this time", "no vacancies",          "no current vacancies",
        "no available rentals",   "no rentals available",    "no available properties",
        "no properties available", "no available units",     "no units available",
        "no homes available",     "no available homes",      "nothing available",
        "there are no listings",  "currently no listings",   "fully leased",
        "no current availability", "no availability at this time", NULL};
    if (sd_find(d->root, NULL, "js-no-results"))
        return true;
    char *text = sd_text(d->root, 0, 1u << 20);
    bool found = false;
    for (int i = 0; text && phrases[i] && !found; i++)
        found = sd_find_ci(text, phrases[i]) != NULL;
    free(text);
    return found;
}
