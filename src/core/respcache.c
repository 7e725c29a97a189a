/* SPDX-License-Identifier: MIT */
/* The response cache (respcache.h): a chained hash table of entries on one doubly linked
 * recency list, under one mutex. The lock is held for lookups and for copying one body
 * (tens of KiB), never across a database call. Bytes are counted per entry (body, key, aux
 * and the entry itself) and the least recently used entries are dropped past the budget. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/respcache.h"

#include "core/mem.h"

#define BUCKETS 1024 /* power of two */

struct entry {
    struct entry *hnext;             /* bucket chain */
    struct entry *newer, *older;     /* recency list */
    uint64_t hash;
    int64_t tenant, version;
    size_t len, cost;
    char *key, *aux, *body;
};

struct respcache {
    pthread_mutex_t lock;
    size_t max_bytes, bytes;
    struct entry *newest, *oldest;
    struct entry *buckets[BUCKETS];
    uint64_t hits, misses, entries;
};

/* FNV-1a over the tenant id and the key. */
static uint64_t hash_of(int64_t tenant, const char *key)
{
    uint64_t h = 14695981039346656037u;
    for (int i = 0; i < 8; i++)
        h = (h ^ (((uint64_t)tenant >> (8 * i)) & 0xff)) * 1099511628211u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

struct respcache *respcache_new(size_t max_bytes)
{
    if (max_bytes == 0)
        return NULL;
    struct respcache *c = mem_zalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void entry_free(struct entry *e)
{
    free(e->key);
    free(e->aux);
    free(e->body);
    free(e);
}

static void list_unlink(struct respcache *c, struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void list_push_newest(struct respcache *c, struct entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

/* The slot pointing at (tenant, key)'s entry, or at the chain's terminating NULL. */
static struct entry **find(struct respcache *c, uint64_t h, int64_t tenant, const char *key)
{
    struct entry **pp = &c->buckets[h & (BUCKETS - 1)];
    while (*pp && !((*pp)->hash == h && (*pp)->tenant == tenant && !strcmp((*pp)->key, key)))
        pp = &(*pp)->hnext;
    return pp;
}

/* Unlinks *pp's entry from its chain and the list, and frees it. */
static void drop(struct respcache *c, struct entry **pp)
{
    struct entry *e = *pp;
    *pp = e->hnext;
    list_unlink(c, e);
    c->bytes -= e->cost;
    c->entries--;
    entry_free(e);
}

void respcache_free(struct respcache *c)
{
    if (!c)
        return;
    while (c->oldest)
        drop(c, find(c, c->oldest->hash, c->oldest->tenant, c->oldest->key));
    pthread_mutex_destroy(&c->lock);
    free(c);
}

char *respcache_get(struct respcache *c, int64_t tenant, const char *key, int64_t version,
                    size_t *len, char *aux, size_t aux_len)
{
    if (!c)
        return NULL;
    uint64_t h = hash_of(tenant, key);
    char *body = NULL;
    pthread_mutex_lock(&c->lock);
    struct entry **pp = find(c, h, tenant, key);
    if (*pp && (*pp)->version == version) {
        struct entry *e = *pp;
        body = memcpy(mem_alloc(e->len + 1), e->body, e->len + 1);
        *len = e->len;
        if (aux && aux_len) {
            size_t n = e->aux ? strlen(e->aux) : 0;
            n = n < aux_len - 1 ? n : aux_len - 1;
            memcpy(aux, e->aux ? e->aux : "", n);
            aux[n] = '\0';
        }
        list_unlink(c, e);
        list_push_newest(c, e);
        c->hits++;
    } else {
        if (*pp && (*pp)->version < version) /* outdated: it can never be served again */
            drop(c, pp);
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return body;
}

bool respcache_probe(struct respcache *c, int64_t tenant, const char *key)
{
    if (!c)
        return false;
    uint64_t h = hash_of(tenant, key);
    pthread_mutex_lock(&c->lock);
    bool held = *find(c, h, tenant, key) != NULL;
    if (!held)
        c->misses++;
    pthread_mutex_unlock(&c->lock);
    return held;
}

void respcache_put(struct respcache *c, int64_t tenant, const char *key, int64_t version,
                   const char *aux, const char *body, size_t len)
{
    if (!c)
        return;
    size_t cost = sizeof(struct entry) + len + 1 + strlen(key) + 1 + (aux ? strlen(aux) + 1 : 0);
    if (cost > c->max_bytes / 8)
        return;
    struct entry *e = mem_alloc(sizeof *e);
    *e = (struct entry){.hash = hash_of(tenant, key), .tenant = tenant, .version = version,
                        .len = len, .cost = cost, .key = mem_strdup(key),
                        .aux = aux ? mem_strdup(aux) : NULL, .body = mem_alloc(len + 1)};
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    pthread_mutex_lock(&c->lock);
    struct entry **pp = find(c, e->hash, tenant, key);
    if (*pp && (*pp)->version > version) { /* a newer rendering got there first */
        pthread_mutex_unlock(&c->lock);
        entry_free(e);
        return;
    }
    if (*pp)
        drop(c, pp);
    while (c->oldest && c->bytes + cost > c->max_bytes)
        drop(c, find(c, c->oldest->hash, c->oldest->tenant, c->oldest->key));
    pp = &c->buckets[e->hash & (BUCKETS - 1)];
    e->hnext = *pp;
    *pp = e;
    list_push_newest(c, e);
    c->bytes += cost;
    c->entries++;
    pthread_mutex_unlock(&c->lock);
}

void respcache_forget_tenant(struct respcache *c, int64_t tenant)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    for (size_t b = 0; b < BUCKETS; b++) {
        struct entry **pp = &c->buckets[b];
        while (*pp) {
            if ((*pp)->tenant == tenant)
                drop(c, pp);
            else
                pp = &(*pp)->hnext;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

void respcache_get_stats(struct respcache *c, struct respcache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    out->hits = c->hits;
    out->misses = c->misses;
    out->entries = c->entries;
    out->bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}
