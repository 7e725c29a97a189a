/* SPDX-License-Identifier: MIT */
/* The verified-token cache: a fixed-size, 4-way set-associative table keyed by the
 * BLAKE2b-256 hash of the token (the token itself is never stored). Sets are grouped in
 * lock stripes so concurrent requests rarely meet on one mutex. An entry answers only
 * while now < exp; a full set evicts its oldest entry. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/auth_internal.h"

int auth_cache_init(struct auth_cache *c)
{
    memset(c->stripes, 0, sizeof(c->stripes));
    c->sets = calloc((size_t)AUTH_CACHE_SETS * AUTH_CACHE_WAYS, sizeof(*c->sets));
    if (!c->sets)
        return -1;
    for (size_t i = 0; i < AUTH_CACHE_STRIPES; i++)
        pthread_mutex_init(&c->stripes[i].lock, NULL);
    return 0;
}

void auth_cache_cleanup(struct auth_cache *c)
{
    if (!c->sets)
        return;
    auth_cache_empty(c);
    for (size_t i = 0; i < AUTH_CACHE_STRIPES; i++)
        pthread_mutex_destroy(&c->stripes[i].lock);
    free(c->sets);
    c->sets = NULL;
}

void auth_cache_hash(const char *token, size_t len, unsigned char hash[32])
{
    crypto_generichash(hash, 32, (const unsigned char *)token, len, NULL, 0);
}

static size_t set_of(const unsigned char hash[32])
{
    uint64_t v;
    memcpy(&v, hash, sizeof(v));
    return (size_t)(v % AUTH_CACHE_SETS);
}

int auth_cache_get(struct auth_cache *c, const unsigned char hash[32], int64_t now,
                   struct auth_claims *out)
{
    size_t s = set_of(hash);
    struct auth_cache_stripe *st = &c->stripes[s % AUTH_CACHE_STRIPES];
    struct auth_cache_entry *set = &c->sets[s * AUTH_CACHE_WAYS];
    int hit = 0;

    pthread_mutex_lock(&st->lock);
    for (size_t w = 0; w < AUTH_CACHE_WAYS; w++) {
        struct auth_cache_entry *e = &set[w];
        if (e->exp == 0 || memcmp(e->hash, hash, 32) != 0)
            continue;
        if (now < e->exp) {
            *out = e->claims;
            st->hits++;
            hit = 1;
        } else {
            e->exp = 0; /* expired: free the slot */
        }
        break;
    }
    pthread_mutex_unlock(&st->lock);
    return hit;
}

void auth_cache_put(struct auth_cache *c, const unsigned char hash[32],
                    const struct auth_claims *claims)
{
    size_t s = set_of(hash);
    struct auth_cache_stripe *st = &c->stripes[s % AUTH_CACHE_STRIPES];
    struct auth_cache_entry *set = &c->sets[s * AUTH_CACHE_WAYS];
    struct auth_cache_entry *victim = &set[0];

    pthread_mutex_lock(&st->lock);
    for (size_t w = 0; w < AUTH_CACHE_WAYS; w++) {
        struct auth_cache_entry *e = &set[w];
        if (e->exp == 0 || memcmp(e->hash, hash, 32) == 0) {
            victim = e;
            break;
        }
        if (e->stamp < victim->stamp)
            victim = e;
    }
    memcpy(victim->hash, hash, 32);
    victim->claims = *claims;
    victim->exp = claims->exp;
    victim->stamp = ++st->clock;
    pthread_mutex_unlock(&st->lock);
}

void auth_cache_empty(struct auth_cache *c)
{
    for (size_t i = 0; i < AUTH_CACHE_STRIPES; i++) {
        struct auth_cache_stripe *st = &c->stripes[i];
        pthread_mutex_lock(&st->lock);
        for (size_t s = i; s < AUTH_CACHE_SETS; s += AUTH_CACHE_STRIPES) {
            for (size_t w = 0; w < AUTH_CACHE_WAYS; w++) {
                struct auth_cache_entry *e = &c->sets[s * AUTH_CACHE_WAYS + w];
                if (e->exp != 0)
                    sodium_memzero(e, sizeof(*e));
            }
        }
        pthread_mutex_unlock(&st->lock);
    }
}

unsigned long auth_cache_hits(struct auth_cache *c)
{
    unsigned long n = 0;
    for (size_t i = 0; i < AUTH_CACHE_STRIPES; i++) {
        pthread_mutex_lock(&c->stripes[i].lock);
        n += c->stripes[i].hits;
        pthread_mutex_unlock(&c->stripes[i].lock);
    }
    return n;
}
