/* SPDX-License-Identifier: MIT */
/* A small, short-lived cache of resolved tenants: (issuer, subject) -> users row and
 * tombstone time, so a repeated token costs no database round trip on every request.
 *
 * Scale-out: entries live USERS_CACHE_MS at most, so every instance sees another's change
 * (an erasure, a profile update) within that time; on the instance that made the change the
 * cache is cleared at once. Fixed size (direct-mapped), striped locks, no allocation. */
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "users/users.h"

#define SLOTS 1024
#define STRIPES 16

struct entry {
    unsigned char key[16];
    int64_t expires_ms; /* 0: empty */
    int64_t deleted_at;
    struct users_user row;
};

static struct entry slots[SLOTS];
static pthread_mutex_t locks[STRIPES] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned key_of(const char *issuer, const char *subject, unsigned char key[16])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    crypto_generichash_update(&st, (const unsigned char *)issuer, strlen(issuer) + 1);
    crypto_generichash_update(&st, (const unsigned char *)subject, strlen(subject));
    crypto_generichash_final(&st, key, 16);
    return ((unsigned)key[0] | (unsigned)key[1] << 8) % SLOTS;
}

bool users_cache_get(const char *issuer, const char *subject, struct users_user *row,
                     int64_t *deleted_at)
{
    unsigned char key[16];
    unsigned i = key_of(issuer, subject, key);
    bool hit = false;
    pthread_mutex_lock(&locks[i % STRIPES]);
    struct entry *e = &slots[i];
    if (e->expires_ms > now_ms() && memcmp(e->key, key, sizeof key) == 0) {
        *row = e->row;
        *deleted_at = e->deleted_at;
        hit = true;
    }
    pthread_mutex_unlock(&locks[i % STRIPES]);
    return hit;
}

void users_cache_put(const char *issuer, const char *subject, const struct users_user *row,
                     int64_t deleted_at)
{
    unsigned char key[16];
    unsigned i = key_of(issuer, subject, key);
    pthread_mutex_lock(&locks[i % STRIPES]);
    struct entry *e = &slots[i];
    memcpy(e->key, key, sizeof key);
    e->row = *row;
    e->deleted_at = deleted_at;
    e->expires_ms = now_ms() + USERS_CACHE_MS;
    pthread_mutex_unlock(&locks[i % STRIPES]);
}

void users_cache_clear(void)
{
    for (unsigned s = 0; s < STRIPES; s++) {
        pthread_mutex_lock(&locks[s]);
        for (unsigned i = s; i < SLOTS; i += STRIPES)
            slots[i].expires_ms = 0;
        pthread_mutex_unlock(&locks[s]);
    }
}
