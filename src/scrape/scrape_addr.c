/* SPDX-License-Identifier: MIT */
/* Addresses as listing pages print them, split into street, unit, city, state and ZIP and
 * written in the one canonical form of the fixtures' README:
 * "<street>[ Unit <unit>], <city>, <ST> <zip>". The unit marker the page used ("Unit 3B",
 * "Apt. 4C", "#204", "Street - 6", "Street - Unit B", a bare comma segment "E01", or AppFolio's
 * repeated "- 108, 108") always comes out as " Unit <unit>", so one unit has one address. Also the
 * street-suffix test the generic card heuristic uses to tell an address line from other text. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

#define ADDR_TEXT_MAX 1024 /* bytes of text considered */
#define UNIT_MAX 12        /* bytes of a unit designator */
#define CITY_MAX 100       /* bytes of a city */
#define STREET_WORDS 10

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_alnum(char c)
{
    return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}

/* ---- street suffixes ---------------------------------------------------------------------- */

static const char *const suffixes[] = {
    "aly",   "alley",  "ave",   "av",     "avenue", "bend",   "bnd",    "blvd",   "boulevard",
    "byp",   "bypass", "cir",   "circle", "cres",   "crescent", "crst", "crest",  "ct",
    "court", "cv",     "cove",  "dr",     "drive",  "expy",   "expressway", "fwy", "freeway",
    "gln",   "glen",   "grn",   "green",  "grv",    "grove",  "hts",    "heights", "hwy",
    "highway", "holw", "hollow", "isle",  "jct",    "junction", "knl",  "knoll",  "lk",
    "lake",  "lndg",   "landing", "ln",   "lane",   "loop",   "mall",   "mdw",    "mdws",
    "meadow", "meadows", "ml",  "mill",   "mnr",    "manor",  "mews",   "oval",   "park",
    "pass",  "path",   "pike",  "pkwy",   "parkway", "pl",    "place",  "plz",    "plaza",
    "pt",    "point",  "rd",    "road",   "rdg",    "ridge",  "row",    "rte",    "route",
    "run",   "spur",   "sq",    "square", "st",     "street", "sta",    "station", "ter",
    "terr",  "terrace", "tpke", "turnpike", "trce", "trace",  "trl",    "trail",  "vw",
    "view",  "vis",    "vista", "walk",   "way",    "wy",     "xing",   "crossing", NULL};

static const char *const directionals[] = {"n",     "s",     "e",    "w",    "ne",
                                           "nw",    "se",    "sw",   "north", "south",
                                           "east",  "west",  NULL};

static bool word_is(const char *w, size_t n, const char *const *list)
{
    char low[16];
    while (n && w[n - 1] == '.')
        n--;
    if (n == 0 || n >= sizeof low)
        return false;
    for (size_t i = 0; i < n; i++)
        low[i] = is_upper(w[i]) ? (char)(w[i] + 32) : w[i];
    low[n] = '\0';
    for (; *list; list++)
        if (strcmp(low, *list) == 0)
            return true;
    return false;
}

bool sa_street_has_suffix(const char *street)
{
    const char *words[STREET_WORDS + 2];
    size_t lens[STREET_WORDS + 2], n = 0;
    for (const char *p = street; *p && n < STREET_WORDS + 2;) {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if (q > p) {
            words[n] = p;
            lens[n++] = (size_t)(q - p);
        }
        p = q;
    }
    while (n > 2 && word_is(words[n - 1], lens[n - 1], directionals))
        n--;
    return n >= 2 && word_is(words[n - 1], lens[n - 1], suffixes);
}

/* ---- splitting ---------------------------------------------------------------------------- */

struct seg {
    char *s; /* inside the working copy, trimmed, NUL-terminated */
};

/* Cuts s right after the first " ST 12345" / " ST 12345-6789" (anything after a ZIP is not the
 * address). */
static void cut_after_zip(char *s)
{
    for (char *p = s; *p; p++) {
        if (!(p[0] == ' ' || p[0] == ',') || !is_upper(p[1]) || !is_upper(p[2]) || p[3] != ' ')
            continue;
        char *z = p + 4;
        size_t k = 0;
        while (is_digit(z[k]))
            k++;
        if (k != 5)
            continue;
        if (z[5] == '-' && is_digit(z[6]) && is_digit(z[7]) && is_digit(z[8]) && is_digit(z[9]) &&
            !is_alnum(z[10]))
            k = 10;
        else if (is_alnum(z[5]))
            continue;
        z[k] = '\0';
        return;
    }
}

/* "ST", "ST 12345", "ST 12345-6789" → state/zip (pointers into seg). */
static bool state_zip(char *seg, char **state, char **zip)
{
    if (!is_upper(seg[0]) || !is_upper(seg[1]))
        return false;
    if (seg[2] == '\0') {
        *state = seg;
        *zip = NULL;
        return true;
    }
    if (seg[2] != ' ' || !is_digit(seg[3]))
        return false;
    for (size_t i = 3; seg[i]; i++)
        if (!is_digit(seg[i]) && !(seg[i] == '-' && i == 8))
            return false;
    size_t zl = strlen(seg + 3);
    if (zl != 5 && zl != 10)
        return false;
    seg[2] = '\0';
    *state = seg;
    *zip = seg + 3;
    return true;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == ',' || *s == '-')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == ',' || s[n - 1] == '-' || s[n - 1] == '.'))
        n--;
    s[n] = '\0';
    return s;
}

static bool is_marker(const char *w, size_t n)
{
    static const char *const markers[] = {"unit", "apt", "apartment", "suite", "ste", "rm",
                                          "room", "lot", "spc", "space", "no", "trlr", NULL};
    return word_is(w, n, markers);
}

/* The designator in a unit text ("Unit 3B", "#204", "Apt. 4C", "6"): one token, markers and '#'
 * removed. bare: the text had no marker, so only a short or numeric token counts. */
static char *unit_designator(char *u, bool bare)
{
    u = trim(u);
    const char *w = u;
    size_t n = strcspn(u, " ");
    if (is_marker(w, n) && u[n] == ' ') {
        u += n + 1;
        bare = false;
    }
    while (*u == '#' || *u == ' ') {
        u++;
        bare = false;
    }
    u = trim(u);
    char *sp = strchr(u, ' ');
    if (sp && bare)
        return NULL;
    if (sp)
        *sp = '\0';
    size_t len = strlen(u);
    if (len == 0 || len > UNIT_MAX)
        return NULL;
    bool digit = false;
    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(u[i]) && u[i] != '-' && u[i] != '/')
            return NULL;
        digit = digit || is_digit(u[i]);
    }
    return !bare || digit || len <= 3 ? u : NULL;
}

/* Splits the street segment at its unit marker: *unit gets the designator (or stays NULL).
 * False when the street does not start with a house number and a name. */
static bool split_street(char *street, char **unit)
{
    char *p = street;
    if (!is_digit(*p))
        return false;
    while (*p && *p != ' ') {
        if (!is_alnum(*p) && *p != '-')
            return false;
        p++;
    }
    if (*p != ' ')
        return false;
    int words = 1;
    for (char *w = p + 1; *w;) {
        while (*w == ' ')
            w++;
        char *e = w;
        while (*e && *e != ' ')
            e++;
        size_t n = (size_t)(e - w);
        bool dash = n == 1 && *w == '-';
        if (words >= 2 && (dash || *w == '#' || (is_marker(w, n) && *e == ' '))) {
            char *u = unit_designator(w + (dash ? 1 : 0), false);
            if (!u)
                return false;
            *unit = u;
            w[-1] = '\0';
            break;
        }
        for (char *c = w; c < e; c++)
            if (*c == '$' || *c == '|' || *c == '/' || *c == ':' || *c == '@' || *c == '(' ||
                *c == ')' || *c == '!' || *c == '?' || *c == '*' || *c == ';')
                return false;
        if (n && ++words > STREET_WORDS)
            return false;
        w = e;
    }
    trim(street);
    for (const char *c = strchr(street, ' '); c && *c; c++)
        if (!is_digit(*c) && *c != ' ' && *c != '-' && *c != '.' && *c != '\'')
            return words >= 2;
    return false;
}

/* "1316 Habersham St Savannah" (no comma before the city): cuts the street after its last
 * street type and its directionals and returns the rest as the city, or NULL. */
static char *city_after_street(char *street)
{
    char *words[STREET_WORDS + 1];
    size_t lens[STREET_WORDS + 1], n = 0;
    for (char *p = street; *p && n <= STREET_WORDS;) {
        while (*p == ' ')
            p++;
        char *q = p;
        while (*q && *q != ' ')
            q++;
        if (q > p) {
            words[n] = p;
            lens[n++] = (size_t)(q - p);
        }
        p = q;
    }
    for (size_t i = n; i-- > 2;) {
        if (!word_is(words[i], lens[i], suffixes))
            continue;
        size_t end = i + 1;
        while (end < n && word_is(words[end], lens[end], directionals))
            end++;
        if (end >= n)
            return NULL;
        words[end][-1] = '\0';
        return words[end];
    }
    return NULL;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? mem_strdup(s) : NULL;
}

/* The comma segments of s (modified in place), empty ones dropped; at most max. */
static size_t segments(char *s, char **seg, size_t max)
{
    size_t n = 0;
    for (char *p = s; p && n < max;) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        char *t = trim(p);
        if (*t)
            seg[n++] = t;
        p = c ? c + 1 : NULL;
    }
    return n;
}

/* "City ST 12345" in one segment: splits it. */
static bool city_state_zip(char *seg, char **city, char **state, char **zip)
{
    size_t n = strlen(seg);
    for (size_t i = n; i-- > 0;) {
        if (seg[i] != ' ' || i + 3 >= n || !is_upper(seg[i + 1]) || !is_upper(seg[i + 2]) ||
            seg[i + 3] != ' ')
            continue;
        if (!state_zip(seg + i + 1, state, zip) || !*zip)
            return false;
        seg[i] = '\0';
        *city = trim(seg);
        return **city != '\0';
    }
    return false;
}

static void write_canonical(struct scrape_address *a)
{
    struct sbuf b = {0};
    sbuf_put(&b, a->street, strlen(a->street));
    if (a->unit) {
        sbuf_put(&b, " Unit ", 6);
        sbuf_put(&b, a->unit, strlen(a->unit));
    }
    if (a->city) {
        sbuf_put(&b, ", ", 2);
        sbuf_put(&b, a->city, strlen(a->city));
    }
    if (a->state || a->zip)
        sbuf_put(&b, ", ", 2);
    if (a->state)
        sbuf_put(&b, a->state, strlen(a->state));
    if (a->zip) {
        if (a->state)
            sbuf_putc(&b, ' ');
        sbuf_put(&b, a->zip, strlen(a->zip));
    }
    a->address = sbuf_take(&b);
}

/* The unit given by the segments between the street and the city (a bare "E01", "Unit 12", or a
 * repeat of the street's own unit). */
static char *extra_unit(char **seg, size_t from, size_t to, char *unit)
{
    for (size_t i = from; i < to; i++) {
        char *u = unit_designator(seg[i], true);
        if (u && !unit)
            unit = u;
    }
    return unit;
}

bool scrape_norm_address(const char *text, struct scrape_address *a)
{
    memset(a, 0, sizeof *a);
    char *s = sd_clean(text, ADDR_TEXT_MAX);
    if (!s)
        return false;
    cut_after_zip(s);
    char *seg[16];
    size_t n = segments(s, seg, sizeof seg / sizeof *seg);
    char *street = n ? seg[0] : NULL, *unit = NULL, *city = NULL, *state = NULL, *zip = NULL;
    size_t units_end = n;
    if (n >= 2 && state_zip(seg[n - 1], &state, &zip)) {
        units_end = n - 1;
        if (n >= 3) {
            city = seg[n - 2];
            units_end = n - 2;
        }
    } else if (n >= 2 && city_state_zip(seg[n - 1], &city, &state, &zip)) {
        units_end = n - 1;
    }
    bool ok = street && split_street(street, &unit);
    if (ok) {
        unit = extra_unit(seg, 1, units_end, unit);
        if (state && !city && !unit)
            city = city_after_street(street);
        if (city && (strlen(city) > CITY_MAX || is_digit(city[0])))
            city = NULL;
        a->street = mem_strdup(street);
        a->unit = dup_or_null(unit);
        a->city = dup_or_null(city);
        a->state = dup_or_null(state);
        a->zip = dup_or_null(zip);
        write_canonical(a);
    }
    free(s);
    return ok;
}

void scrape_address_cleanup(struct scrape_address *a)
{
    free(a->address);
    free(a->street);
    free(a->unit);
    free(a->city);
    free(a->state);
    free(a->zip);
    memset(a, 0, sizeof *a);
}
