/* SPDX-License-Identifier: MIT */
/* robots.txt (RFC 9309): the parser that keeps the rules applying to our product token, the
 * matcher (longest pattern wins, Allow on a tie, '*' and '$'), and the process-wide cache of
 * each origin's rules: fetched once per origin and kept a day, one fetch at a time per origin
 * (other threads wait for it), at most SCRAPE_ROBOTS_CACHE_MAX origins. Decisions are made
 * under the cache's lock, so no thread holds rules that another may free. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/mono.h"
#include "scrape/scrape_net.h"

struct rule {
    char *pattern; /* normalised (see norm_pattern) */
    size_t len;
    bool allow;
};

struct scrape_robots {
    struct rule *rules;
    int n, cap;
    bool deny_all;
};

/* ---- parsing ------------------------------------------------------------------------------ */

/* A rule list being filled (the agent's groups, and the "*" groups). */
struct rules_acc {
    struct rule *r;
    int n, cap;
};

static void acc_free(struct rules_acc *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->r[i].pattern);
    free(a->r);
    memset(a, 0, sizeof *a);
}

/* A pattern as compared: octets outside printable ASCII (and spaces) percent-encoded,
 * percent-escapes upper-cased, as the paths of URLs are. New string, or NULL when too long. */
static char *norm_pattern(const char *s, size_t n, size_t *out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (n > SCRAPE_ROBOTS_PATTERN_MAX)
        return NULL;
    char *out = mem_alloc(n * 3 + 1);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            out[w++] = '%';
            out[w++] = (char)toupper((unsigned char)s[++i]);
            out[w++] = (char)toupper((unsigned char)s[++i]);
        } else if (ch <= 0x20 || ch >= 0x7f) {
            out[w++] = '%';
            out[w++] = hex[ch >> 4];
            out[w++] = hex[ch & 15];
        } else {
            out[w++] = (char)ch;
        }
    }
    out[w] = '\0';
    *out_len = w;
    return out;
}

static void acc_add(struct rules_acc *a, const char *value, size_t n, bool allow)
{
    size_t len = 0;
    if (n == 0 || a->n >= SCRAPE_ROBOTS_MAX_RULES)
        return; /* an empty rule says nothing (RFC 9309 2.2.2) */
    char *p = norm_pattern(value, n, &len);
    if (!p)
        return;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->r = mem_reallocarray(a->r, (size_t)a->cap, sizeof *a->r);
    }
    a->r[a->n++] = (struct rule){p, len, allow};
}

/* Whether a User-agent value names agent: its product token (up to '/', a space or the end)
 * equals agent ignoring case. *star is set when the value is "*". */
static bool names_agent(const char *v, size_t n, const char *agent, bool *star)
{
    size_t tok = 0;
    while (tok < n && v[tok] != '/' && v[tok] != ' ' && v[tok] != '\t')
        tok++;
    *star = tok == 1 && v[0] == '*';
    return tok == strlen(agent) && strncasecmp(v, agent, tok) == 0;
}

/* One line split into its key and value (comment dropped, both trimmed); false when it has
 * no ':'. */
static bool split_line(const char *line, size_t n, const char **key, size_t *klen,
                       const char **val, size_t *vlen)
{
    const char *hash = memchr(line, '#', n);
    if (hash)
        n = (size_t)(hash - line);
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return false;
    const char *k = line, *ke = colon, *v = colon + 1, *ve = line + n;
    while (k < ke && isspace((unsigned char)*k))
        k++;
    while (ke > k && isspace((unsigned char)ke[-1]))
        ke--;
    while (v < ve && isspace((unsigned char)*v))
        v++;
    while (ve > v && isspace((unsigned char)ve[-1]))
        ve--;
    *key = k;
    *klen = (size_t)(ke - k);
    *val = v;
    *vlen = (size_t)(ve - v);
    return true;
}

static bool key_is(const char *k, size_t n, const char *name)
{
    return n == strlen(name) && strncasecmp(k, name, n) == 0;
}

/* The group being read: which lists its rules go to. */
struct group {
    bool in_agents; /* the previous record was a User-agent line */
    bool mine, star;
    bool any_mine;  /* some group named our agent */
};

static void parse_line(struct group *g, const char *line, size_t n, const char *agent,
                       struct rules_acc *mine, struct rules_acc *star)
{
    const char *k, *v;
    size_t kn, vn;
    if (!split_line(line, n, &k, &kn, &v, &vn))
        return;
    if (key_is(k, kn, "user-agent")) {
        if (!g->in_agents)
            g->mine = g->star = false; /* a new group starts */
        g->in_agents = true;
        bool is_star = false;
        if (names_agent(v, vn, agent, &is_star)) {
            g->mine = true;
            g->any_mine = true;
        }
        g->star = g->star || is_star;
        return;
    }
    bool allow = key_is(k, kn, "allow");
    if (!allow && !key_is(k, kn, "disallow"))
        return; /* sitemap, crawl-delay, unknown records: not part of a group's rules */
    g->in_agents = false;
    if (g->mine)
        acc_add(mine, v, vn, allow);
    else if (g->star)
        acc_add(star, v, vn, allow);
}

struct scrape_robots *scrape_robots_parse(const char *body, size_t len, const char *agent)
{
    struct rules_acc mine = {0}, star = {0};
    struct group g = {0};
    size_t i = 0;
    while (body && i < len) {
        size_t start = i;
        while (i < len && body[i] != '\n' && body[i] != '\r')
            i++;
        parse_line(&g, body + start, i - start, agent, &mine, &star);
        i++; /* \r\n gives an empty line between, which says nothing */
    }
    struct scrape_robots *r = mem_zalloc(1, sizeof *r);
    struct rules_acc *use = g.any_mine ? &mine : &star;
    r->rules = use->r;
    r->n = use->n;
    r->cap = use->cap;
    memset(use, 0, sizeof *use);
    acc_free(&mine);
    acc_free(&star);
    return r;
}

struct scrape_robots *scrape_robots_deny_all(void)
{
    struct scrape_robots *r = mem_zalloc(1, sizeof *r);
    r->deny_all = true;
    return r;
}

void scrape_robots_free(struct scrape_robots *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        free(r->rules[i].pattern);
    free(r->rules);
    free(r);
}

/* ---- matching ------------------------------------------------------------------------------ */

/* Whether pattern p (plen bytes; '*' any run, a final '$' the end) matches the start of s.
 * Backtracks only to the last '*', so it costs at most plen * slen steps. */
static bool match(const char *p, size_t plen, const char *s, size_t slen)
{
    bool anchored = plen > 0 && p[plen - 1] == '$';
    if (anchored)
        plen--;
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    for (;;) {
        if (pi == plen && (!anchored || si == slen))
            return true;
        if (pi < plen && p[pi] == '*') {
            star = pi++;
            mark = si;
            continue;
        }
        if (pi < plen && si < slen && p[pi] == s[si]) {
            pi++;
            si++;
            continue;
        }
        if (star == (size_t)-1 || mark >= slen)
            return false;
        pi = star + 1;
        si = ++mark;
    }
}

/* path with percent-escapes upper-cased (new string). */
static char *norm_path(const char *path)
{
    size_t n = strlen(path);
    char *out = mem_strndup(path, n);
    for (size_t i = 0; i + 2 < n; i++)
        if (out[i] == '%' && isxdigit((unsigned char)out[i + 1]) &&
            isxdigit((unsigned char)out[i + 2])) {
            out[i + 1] = (char)toupper((unsigned char)out[i + 1]);
            out[i + 2] = (char)toupper((unsigned char)out[i + 2]);
        }
    return out;
}

bool scrape_robots_allowed(const struct scrape_robots *r, const char *path)
{
    if (!path || strcmp(path, "/robots.txt") == 0)
        return true;
    if (!r)
        return true;
    if (r->deny_all)
        return false;
    char *p = norm_path(path);
    size_t plen = strlen(p), best = 0;
    bool found = false, allowed = true;
    for (int i = 0; i < r->n; i++) {
        const struct rule *ru = &r->rules[i];
        if (found && (ru->len < best || (ru->len == best && !ru->allow)))
            continue; /* cannot beat the best match so far */
        if (!match(ru->pattern, ru->len, p, plen))
            continue;
        if (!found || ru->len > best || ru->allow) {
            found = true;
            best = ru->len;
            allowed = ru->allow;
        }
    }
    free(p);
    return allowed;
}

/* ---- the cache ----------------------------------------------------------------------------- */

struct entry {
    char *origin;
    struct scrape_robots *rules; /* NULL while being fetched */
    bool fetching;
    int64_t fetched_ms;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t done; /* a fetch ended */
    pthread_once_t once;
    struct entry e[SCRAPE_ROBOTS_CACHE_MAX];
    int n;
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER, .once = PTHREAD_ONCE_INIT};

static void cache_init(void) { mono_cond_init(&cache.done); }

static struct entry *find(const char *origin)
{
    for (int i = 0; i < cache.n; i++)
        if (strcmp(cache.e[i].origin, origin) == 0)
            return &cache.e[i];
    return NULL;
}

static void drop(struct entry *e)
{
    free(e->origin);
    scrape_robots_free(e->rules);
    *e = cache.e[--cache.n];
    memset(&cache.e[cache.n], 0, sizeof cache.e[cache.n]);
}

/* A new in-flight entry for origin, evicting the oldest kept one when full; NULL when every
 * entry is in flight. */
static struct entry *claim(const char *origin)
{
    if (cache.n == SCRAPE_ROBOTS_CACHE_MAX) {
        struct entry *old = NULL;
        for (int i = 0; i < cache.n; i++)
            if (!cache.e[i].fetching && (!old || cache.e[i].fetched_ms < old->fetched_ms))
                old = &cache.e[i];
        if (!old)
            return NULL;
        drop(old);
    }
    struct entry *e = &cache.e[cache.n++];
    *e = (struct entry){.origin = mem_strdup(origin), .fetching = true};
    return e;
}

enum scrape_robots_look scrape_robots_lookup(const char *origin, const char *path,
                                             int64_t wait_ms, bool *allowed)
{
    pthread_once(&cache.once, cache_init);
    struct timespec until = mono_deadline(wait_ms > 0 ? wait_ms : 0);
    enum scrape_robots_look look = SCRAPE_ROBOTS_FETCH;
    pthread_mutex_lock(&cache.mu);
    for (;;) {
        struct entry *e = find(origin);
        if (e && e->fetching) {
            if (pthread_cond_timedwait(&cache.done, &cache.mu, &until) != 0) {
                look = SCRAPE_ROBOTS_BUSY;
                break;
            }
            continue;
        }
        if (e && mono_ms() - e->fetched_ms < SCRAPE_ROBOTS_TTL_MS) {
            *allowed = scrape_robots_allowed(e->rules, path);
            look = SCRAPE_ROBOTS_DECIDED;
            break;
        }
        if (e)
            drop(e); /* stale */
        claim(origin); /* when every entry is in flight, this fetch is simply not kept */
        break;
    }
    pthread_mutex_unlock(&cache.mu);
    return look;
}

void scrape_robots_store(const char *origin, struct scrape_robots *rules, bool keep)
{
    pthread_once(&cache.once, cache_init);
    pthread_mutex_lock(&cache.mu);
    struct entry *e = find(origin);
    if (e && e->fetching && keep) {
        e->rules = rules;
        e->fetching = false;
        e->fetched_ms = mono_ms();
        rules = NULL;
    } else if (e && e->fetching) {
        drop(e);
    }
    pthread_cond_broadcast(&cache.done);
    pthread_mutex_unlock(&cache.mu);
    scrape_robots_free(rules);
}

void scrape_robots_cache_clear(void)
{
    pthread_once(&cache.once, cache_init);
    pthread_mutex_lock(&cache.mu);
    while (cache.n > 0)
        drop(&cache.e[0]);
    pthread_cond_broadcast(&cache.done);
    pthread_mutex_unlock(&cache.mu);
}
