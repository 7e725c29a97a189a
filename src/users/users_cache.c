/* SPDX-License-Identifier: MIT */
/* A small, short-lived cache of resolved tenants: (issuer, subject) -> users row and
 * tombstone time, so a repeated token costs no database round trip on every request.
 *
 * Scale-out: entries live USERS_CACHE_MS at most, so every instance sees another's change
 * (an erasure, a profile update) within that time; on the instance that made the change the
 * cache is cleared at once. Fixed size, 8-way set associative (direct-mapped, a few of 100
 * tenants shared slots and evicted each other on every request: 2,000 database lookups a
 * second instead of 100), striped locks, no allocation.
 *
 * An entry's life counts from when its row was read, not from when it was stored, so the
 * bound holds however long the read took.
 *
 * Refresh ahead: past a random point in the second quarter of its life, the first request
 * that reads an entry is told to have it refreshed (users_refresh.c does so off the request
 * path), so a busy tenant's requests do not wait on the database each second. A refresh
 * only lands if no clear happened since it started (generation check). */
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <string.h>

#include "core/mono.h"
#include "users/users.h"

#define SETS 128
#define WAYS 8
#define STRIPES 16

struct entry {
    unsigned char key[16];
    int64_t expires_ms; /* 0: empty */
    int64_t refresh_ms; /* from then on, the next reader asks for a refresh (once) */
    bool refreshing;
    int64_t deleted_at;
    struct users_user row;
};

static struct entry slots[SETS][WAYS];
static atomic_ullong hits, misses; /* lookups since start, for /metrics */
static unsigned generation; /* moved by every clear; read and written under all stripes */
static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t locks[STRIPES] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER};

static unsigned key_of(const char *issuer, const char *subject, unsigned char key[16])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    crypto_generichash_update(&st, (const unsigned char *)issuer, strlen(issuer) + 1);
    crypto_generichash_update(&st, (const unsigned char *)subject, strlen(subject));
    crypto_generichash_final(&st, key, 16);
    return ((unsigned)key[0] | (unsigned)key[1] << 8) % SETS;
}

/* The live entry of key in set (NULL when absent); for a put, else the way to reuse: an
 * expired one, or the one closest to expiring. Caller holds the set's stripe. */
static struct entry *way(unsigned set, const unsigned char key[16], int64_t now, bool put)
{
    struct entry *victim = &slots[set][0];
    for (int w = 0; w < WAYS; w++) {
        struct entry *e = &slots[set][w];
        if (e->expires_ms > now && memcmp(e->key, key, 16) == 0)
            return e;
        if (e->expires_ms < victim->expires_ms)
            victim = e;
    }
    return put ? victim : NULL;
}

bool users_cache_get(const char *issuer, const char *subject, struct users_user *row,
                     int64_t *deleted_at, bool *refresh)
{
    unsigned char key[16];
    unsigned i = key_of(issuer, subject, key);
    bool hit = false;
    int64_t now = mono_ms();
    *refresh = false;
    pthread_mutex_lock(&locks[i % STRIPES]);
    struct entry *e = way(i, key, now, false);
    if (e) {
        *row = e->row;
        *deleted_at = e->deleted_at;
        hit = true;
        if (now >= e->refresh_ms && !e->refreshing)
            *refresh = e->refreshing = true;
    }
    pthread_mutex_unlock(&locks[i % STRIPES]);
    atomic_fetch_add_explicit(hit ? &hits : &misses, 1, memory_order_relaxed);
    return hit;
}

void users_cache_counts(unsigned long long *hit, unsigned long long *miss)
{
    *hit = atomic_load_explicit(&hits, memory_order_relaxed);
    *miss = atomic_load_explicit(&misses, memory_order_relaxed);
}

unsigned users_cache_generation(void)
{
    pthread_mutex_lock(&gen_lock);
    unsigned g = generation;
    pthread_mutex_unlock(&gen_lock);
    return g;
}

int64_t users_cache_clock(void)
{
    return mono_ms();
}

/* Stores the entry when gen is still current (or always, when check is false), for the rest
 * of a life counted from read_at, when the row was read: nothing when that life is over. */
static void put(const char *issuer, const char *subject, const struct users_user *row,
                int64_t deleted_at, bool check, unsigned gen, int64_t read_at)
{
    unsigned char key[16];
    unsigned i = key_of(issuer, subject, key);
    int64_t now = mono_ms();
    if (read_at > now)
        read_at = now;
    if (read_at + USERS_CACHE_MS <= now)
        return;
    pthread_mutex_lock(&gen_lock);
    if (!check || gen == generation) {
        pthread_mutex_lock(&locks[i % STRIPES]);
        struct entry *e = way(i, key, now, true);
        memcpy(e->key, key, sizeof key);
        e->row = *row;
        e->deleted_at = deleted_at;
        e->expires_ms = read_at + USERS_CACHE_MS;
        /* Somewhere in the second quarter of its life, at random, so that tenants first
         * seen together (a deploy, a burst) do not all ask for a refresh in one millisecond,
         * and so that a refresh has half a life to land: on a busy PostgreSQL a lookup has
         * been measured at up to 378 ms (bench/RESULTS.md). */
        e->refresh_ms = read_at + USERS_CACHE_MS / 4 +
                        (int64_t)randombytes_uniform(USERS_CACHE_MS / 4);
        e->refreshing = false;
        pthread_mutex_unlock(&locks[i % STRIPES]);
    }
    pthread_mutex_unlock(&gen_lock);
}

void users_cache_put(const char *issuer, const char *subject, const struct users_user *row,
                     int64_t deleted_at, int64_t read_at)
{
    put(issuer, subject, row, deleted_at, false, 0, read_at);
}

void users_cache_refill(const char *issuer, const char *subject, const struct users_user *row,
                        int64_t deleted_at, unsigned gen, int64_t read_at)
{
    put(issuer, subject, row, deleted_at, true, gen, read_at);
}

void users_cache_drop(const char *issuer, const char *subject)
{
    unsigned char key[16];
    unsigned i = key_of(issuer, subject, key);
    pthread_mutex_lock(&locks[i % STRIPES]);
    struct entry *e = way(i, key, mono_ms(), false);
    if (e)
        e->expires_ms = 0;
    pthread_mutex_unlock(&locks[i % STRIPES]);
}

void users_cache_clear(void)
{
    pthread_mutex_lock(&gen_lock);
    generation++;
    for (unsigned s = 0; s < STRIPES; s++) {
        pthread_mutex_lock(&locks[s]);
        for (unsigned i = s; i < SETS; i += STRIPES)
            for (int w = 0; w < WAYS; w++)
                slots[i][w].expires_ms = 0;
        pthread_mutex_unlock(&locks[s]);
    }
    pthread_mutex_unlock(&gen_lock);
}
