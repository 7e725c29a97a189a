/* SPDX-License-Identifier: MIT */
/* Forgiving street-address matching for the voice tools: a caller (through the model) says
 * "the one on Oak Avenue, number 6" and the listing reads "412 W Oak Ave Unit 6, Norman, OK".
 * Both are cut into tokens (street, unit, place), spelled one way (abbreviations, ordinals,
 * state names), and compared in tiers from exact to loose; several candidates in the best
 * tier that fits make the answer ambiguous, so the assistant asks instead of guessing.
 * Bounded: at most ADDR_INPUT_MAX bytes of an address are read, TOK_MAX tokens per part of
 * TOK_LEN bytes each, all on the stack. */
#include <string.h>

#include "core/text.h"
#include "vapi/vapi.h"

#define ADDR_INPUT_MAX 512
#define TOK_MAX 24
#define TOK_LEN 32

struct addr {
    char street[TOK_MAX][TOK_LEN];
    int ns;
    char unit[TOK_LEN];
    char place[TOK_MAX][TOK_LEN];
    int np;
};

/* ---- spelling ----------------------------------------------------------------------------- */

struct syn {
    const char *from, *to;
};

static const struct syn street_syns[] = {
    {"street", "st"},     {"str", "st"},        {"saint", "st"},     {"avenue", "ave"},
    {"av", "ave"},        {"road", "rd"},       {"drive", "dr"},     {"boulevard", "blvd"},
    {"boul", "blvd"},     {"lane", "ln"},       {"court", "ct"},     {"place", "pl"},
    {"terrace", "ter"},   {"circle", "cir"},    {"parkway", "pkwy"}, {"highway", "hwy"},
    {"square", "sq"},     {"trail", "trl"},     {"expressway", "expy"}, {"freeway", "fwy"},
    {"crossing", "xing"}, {"heights", "hts"},   {"point", "pt"},     {"mount", "mt"},
    {"north", "n"},       {"south", "s"},       {"east", "e"},       {"west", "w"},
    {"northeast", "ne"},  {"northwest", "nw"},  {"southeast", "se"}, {"southwest", "sw"},
    {"first", "1st"},     {"second", "2nd"},    {"third", "3rd"},    {"fourth", "4th"},
    {"fifth", "5th"},     {"sixth", "6th"},     {"seventh", "7th"},  {"eighth", "8th"},
    {"ninth", "9th"},     {"tenth", "10th"},
};

static const struct syn state_syns[] = {
    {"alabama", "al"},      {"alaska", "ak"},        {"arizona", "az"},       {"arkansas", "ar"},
    {"california", "ca"},   {"colorado", "co"},      {"connecticut", "ct"},   {"delaware", "de"},
    {"florida", "fl"},      {"georgia", "ga"},       {"hawaii", "hi"},        {"idaho", "id"},
    {"illinois", "il"},     {"indiana", "in"},       {"iowa", "ia"},          {"kansas", "ks"},
    {"kentucky", "ky"},     {"louisiana", "la"},     {"maine", "me"},         {"maryland", "md"},
    {"massachusetts", "ma"}, {"michigan", "mi"},     {"minnesota", "mn"},     {"mississippi", "ms"},
    {"missouri", "mo"},     {"montana", "mt"},       {"nebraska", "ne"},      {"nevada", "nv"},
    {"ohio", "oh"},         {"oklahoma", "ok"},      {"oregon", "or"},        {"pennsylvania", "pa"},
    {"tennessee", "tn"},    {"texas", "tx"},         {"utah", "ut"},          {"vermont", "vt"},
    {"virginia", "va"},     {"washington", "wa"},    {"wisconsin", "wi"},     {"wyoming", "wy"},
};

static const char *const unit_words[] = {"unit", "apt", "apartment", "suite", "ste", "room",
                                         "lot"};

/* The tables are short and every listing's address is read on every call: the first
 * letter is compared before the whole word (most tokens are numbers or names). */
static const char *respell(const char *t, const struct syn *tab, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t[0] == tab[i].from[0] && strcmp(t, tab[i].from) == 0)
            return tab[i].to;
    return t;
}

static bool is_unit_word(const char *t)
{
    for (size_t i = 0; i < sizeof unit_words / sizeof unit_words[0]; i++)
        if (t[0] == unit_words[i][0] && strcmp(t, unit_words[i]) == 0)
            return true;
    return false;
}

/* ---- tokenising --------------------------------------------------------------------------- */

enum phase { P_STREET, P_PLACE };

struct lexer {
    struct addr *a;
    enum phase phase;
    bool want_unit; /* the next token is the unit */
    char tok[TOK_LEN];
    size_t len;
};

static void push(char list[TOK_MAX][TOK_LEN], int *n, const char *t)
{
    if (*n < TOK_MAX)
        memcpy(list[(*n)++], t, strlen(t) + 1);
}

/* Files the token just read. */
static void end_token(struct lexer *lx)
{
    if (lx->len == 0)
        return;
    lx->tok[lx->len] = '\0';
    lx->len = 0;
    struct addr *a = lx->a;
    const char *t = lx->tok;
    if (lx->want_unit) {
        lx->want_unit = false;
        if (!a->unit[0]) {
            memcpy(a->unit, t, strlen(t) + 1);
            /* what follows a unit with no comma is the place */
            lx->phase = P_PLACE;
            return;
        }
    }
    if (is_unit_word(t) && (a->ns > 0 || lx->phase == P_PLACE) && !a->unit[0]) {
        lx->want_unit = true;
        return;
    }
    if (lx->phase == P_STREET)
        push(a->street, &a->ns, respell(t, street_syns, sizeof street_syns / sizeof *street_syns));
    else
        push(a->place, &a->np, respell(t, state_syns, sizeof state_syns / sizeof *state_syns));
}

/* Appends the character at p (one UTF-8 sequence, or one byte) to the token when it fits
 * whole; returns its length. */
static size_t add_char(struct lexer *lx, const char *p)
{
    unsigned char c = (unsigned char)*p;
    size_t k = c < 0x80 ? 1 : text_utf8_seq((const unsigned char *)p);
    if (k == 0)
        return 1; /* malformed byte: skipped */
    if (lx->len + k < TOK_LEN) {
        for (size_t i = 0; i < k; i++)
            lx->tok[lx->len++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : p[i];
    }
    return k;
}

static bool alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static void addr_parse(const char *s, struct addr *a)
{
    struct lexer lx = {.a = a, .phase = P_STREET};
    memset(a, 0, sizeof *a);
    size_t n = strnlen(s ? s : "", ADDR_INPUT_MAX);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (alnum(c)) {
            i += add_char(&lx, s + i);
            continue;
        }
        end_token(&lx);
        if (c == ',' && lx.phase == P_STREET && a->ns > 0)
            lx.phase = P_PLACE;
        else if (c == '#' && !a->unit[0])
            lx.want_unit = true;
        else if (c == '-' && i > 0 && s[i - 1] == ' ' && s[i + 1] == ' ' && a->ns > 0 &&
                 !a->unit[0])
            lx.want_unit = true;
        i++;
    }
    end_token(&lx);
}

/* ---- comparing ---------------------------------------------------------------------------- */

static bool all_alpha(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(t[i] >= 'a' && t[i] <= 'z'))
            return false;
    return true;
}

/* Equal, or equal but for one trailing "s" on a word of four letters or more ("oaks"). */
static bool tok_eq(const char *x, const char *y)
{
    if (x[0] != y[0])
        return false;
    if (strcmp(x, y) == 0)
        return true;
    size_t nx = strlen(x), ny = strlen(y);
    if (nx + 1 == ny && ny >= 4 && y[ny - 1] == 's' && all_alpha(y, ny))
        return strncmp(x, y, nx) == 0;
    if (ny + 1 == nx && nx >= 4 && x[nx - 1] == 's' && all_alpha(x, nx))
        return strncmp(x, y, ny) == 0;
    return false;
}

static bool in_list(const char *t, const char list[TOK_MAX][TOK_LEN], int n)
{
    for (int i = 0; i < n; i++)
        if (tok_eq(t, list[i]))
            return true;
    return false;
}

/* The query's street length once trailing words found in c's place but not in its street
 * are taken as the place ("123 main st norman" against "..., Norman, OK"). */
static int street_len(const struct addr *q, const struct addr *c)
{
    int ns = q->ns;
    while (ns > 1) {
        const char *t = q->street[ns - 1];
        const char *st = respell(t, state_syns, sizeof state_syns / sizeof *state_syns);
        if (in_list(t, c->street, c->ns) ||
            !(in_list(t, c->place, c->np) || in_list(st, c->place, c->np)))
            break;
        ns--;
    }
    return ns;
}

static bool is_state(const char *t)
{
    for (size_t i = 0; i < sizeof state_syns / sizeof *state_syns; i++)
        if (t[0] == state_syns[i].to[0] && strcmp(t, state_syns[i].to) == 0)
            return true;
    return false;
}

static bool is_zip(const char *t)
{
    return strlen(t) == 5 && strspn(t, "0123456789") == 5;
}

static bool has_kind(const struct addr *a, bool (*kind)(const char *))
{
    for (int i = 0; i < a->np; i++)
        if (kind(a->place[i]))
            return true;
    return false;
}

/* Every place word of the query is in the candidate's place, except a state or a ZIP code
 * when the candidate records none (a listing typed in with only its city). */
static bool place_fits(const struct addr *q, const struct addr *c)
{
    for (int i = 0; i < q->np; i++) {
        const char *t = q->place[i];
        if (in_list(t, c->place, c->np))
            continue;
        if ((is_state(t) && !has_kind(c, is_state)) || (is_zip(t) && !has_kind(c, is_zip)))
            continue;
        return false;
    }
    return true;
}

static bool street_eq(const struct addr *q, int qns, const struct addr *c)
{
    if (qns != c->ns)
        return false;
    for (int i = 0; i < qns; i++)
        if (!tok_eq(q->street[i], c->street[i]))
            return false;
    return true;
}

static bool digit_start(const char *t)
{
    return t[0] >= '0' && t[0] <= '9';
}

/* Every query word in c's street (or is c's unit, when the query said none), with the same
 * house number when the query gives one. */
static bool street_within(const struct addr *q, int qns, const struct addr *c)
{
    if (digit_start(q->street[0]) && (c->ns == 0 || !tok_eq(q->street[0], c->street[0])))
        return false;
    for (int i = 0; i < qns; i++)
        if (!in_list(q->street[i], c->street, c->ns) &&
            !(!q->unit[0] && c->unit[0] && strcmp(q->street[i], c->unit) == 0))
            return false;
    return true;
}

/* The best tier (0..3) at which c fits q, or -1. */
static int tier(const struct addr *q, const struct addr *c)
{
    if (q->ns == 0 || c->ns == 0)
        return -1;
    int qns = street_len(q, c);
    if (!place_fits(q, c))
        return -1;
    bool same_street = street_eq(q, qns, c), same_unit = strcmp(q->unit, c->unit) == 0;
    if (same_street && same_unit)
        return 0;
    if (same_street && !q->unit[0] && c->unit[0])
        return 1;
    bool within = street_within(q, qns, c);
    if (within && (!q->unit[0] || same_unit))
        return 2;
    if (q->unit[0] && !c->unit[0] && (same_street || within))
        return 3;
    return -1;
}

/* true when candidate s surely has another house number than the query's first street
 * token qfirst (a number): s starts with digits whose word differs from it. Every tier needs
 * the same house number, so such a candidate is skipped without being read whole (a tenant's
 * listings are read on every call). Anything less plain is left to addr_parse. */
static bool other_house_number(const char *s, const char *qfirst)
{
    while (*s == ' ')
        s++;
    if (!(*s >= '0' && *s <= '9'))
        return false;
    size_t i = 0;
    for (; alnum((unsigned char)s[i]); i++) {
        if (i + 1 >= TOK_LEN || (unsigned char)s[i] >= 0x80)
            return false;
        char c = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
        if (c != qfirst[i])
            return true;
    }
    return qfirst[i] != '\0';
}

void vapi_match_address(const char *query, const char *const *cands, size_t n,
                        struct vapi_match *out)
{
    struct addr q, c;
    size_t count[4] = {0, 0, 0, 0};
    size_t idx[4][VAPI_MATCH_MAX];
    memset(out, 0, sizeof *out);
    addr_parse(query, &q);
    for (size_t i = 0; i < n; i++) {
        if (!cands || !cands[i])
            continue;
        if (q.ns > 0 && digit_start(q.street[0]) && other_house_number(cands[i], q.street[0]))
            continue;
        addr_parse(cands[i], &c);
        int t = tier(&q, &c);
        if (t < 0)
            continue;
        if (count[t] < VAPI_MATCH_MAX)
            idx[t][count[t]] = i;
        count[t]++;
    }
    for (int t = 0; t < 4; t++) {
        if (count[t] == 0)
            continue;
        if (count[t] == 1) {
            out->kind = t == 0 ? VAPI_MATCH_EXACT : VAPI_MATCH_PARTIAL;
            out->index = idx[t][0];
        } else {
            out->kind = VAPI_MATCH_AMBIGUOUS;
            out->n = count[t];
            memcpy(out->idx, idx[t], (count[t] < VAPI_MATCH_MAX ? count[t] : VAPI_MATCH_MAX) *
                                         sizeof out->idx[0]);
        }
        return;
    }
}

/* ---- normal form -------------------------------------------------------------------------- */

/* Appends s, cut at a character boundary when it does not fit. */
static void put(char *dst, size_t cap, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o + n >= cap) {
        n = cap - 1 - *o;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst + *o, s, n);
    *o += n;
    dst[*o] = '\0';
}

size_t vapi_address_normalize(char *dst, size_t cap, const char *addr)
{
    struct addr a;
    size_t o = 0;
    dst[0] = '\0';
    addr_parse(addr, &a);
    for (int i = 0; i < a.ns; i++) {
        put(dst, cap, &o, i ? " " : "");
        put(dst, cap, &o, a.street[i]);
    }
    if (a.unit[0]) {
        put(dst, cap, &o, " #");
        put(dst, cap, &o, a.unit);
    }
    for (int i = 0; i < a.np; i++) {
        put(dst, cap, &o, i ? " " : " | ");
        put(dst, cap, &o, a.place[i]);
    }
    return o;
}

bool vapi_address_equal(const char *a, const char *b)
{
    struct addr x, y;
    addr_parse(a, &x);
    addr_parse(b, &y);
    if (x.ns == 0 || !street_eq(&x, x.ns, &y) || strcmp(x.unit, y.unit) != 0 || x.np != y.np)
        return false;
    for (int i = 0; i < x.np; i++)
        if (!tok_eq(x.place[i], y.place[i]))
            return false;
    return true;
}
