/* SPDX-License-Identifier: MIT */
/* Tokens revoked before they expire, by token id (auth.h: auth_revoke): an open-addressing
 * set of 16-byte ids with their expiry, under a read-write lock, consulted on every
 * verification. Empty (the usual case) it costs one atomic load. Expired ids are dropped
 * when the set grows. The set is fed by whoever stores revocations (POST /auth/logout, and
 * a poller reading other instances' revocations); it never reads the database itself. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/auth_internal.h"
#include "core/mem.h"

struct revoked_slot {
    unsigned char id[16];
    int64_t exp; /* 0: empty */
};

struct auth_revoked {
    pthread_rwlock_t lock;
    atomic_size_t n; /* live entries (read without the lock as a fast "none") */
    size_t cap;      /* power of two */
    struct revoked_slot *slots;
};

struct auth_revoked *auth_revoked_new(void)
{
    struct auth_revoked *r = mem_zalloc(1, sizeof *r);
    pthread_rwlock_init(&r->lock, NULL);
    return r;
}

void auth_revoked_free(struct auth_revoked *r)
{
    if (!r)
        return;
    pthread_rwlock_destroy(&r->lock);
    free(r->slots);
    free(r);
}

/* The 16-byte key of a token id text. */
static void key_of(const char *token_id, unsigned char key[16])
{
    crypto_generichash(key, 16, (const unsigned char *)token_id, strlen(token_id), NULL, 0);
}

static size_t home(const unsigned char key[16], size_t cap)
{
    uint64_t h;
    memcpy(&h, key, sizeof h);
    return (size_t)h & (cap - 1);
}

/* Under the write lock: places key without growing (the caller made room). */
static void place(struct auth_revoked *r, const unsigned char key[16], int64_t exp)
{
    for (size_t i = home(key, r->cap);; i = (i + 1) & (r->cap - 1)) {
        struct revoked_slot *s = &r->slots[i];
        if (s->exp == 0 || memcmp(s->id, key, 16) == 0) {
            if (s->exp == 0)
                atomic_fetch_add(&r->n, 1);
            memcpy(s->id, key, 16);
            if (exp > s->exp)
                s->exp = exp;
            return;
        }
    }
}

/* Under the write lock: rebuilds the table at a size fitting the live entries, dropping
 * those expired at now. */
static void rebuild(struct auth_revoked *r, int64_t now)
{
    struct revoked_slot *old = r->slots;
    size_t old_cap = r->cap, live = 0;
    for (size_t i = 0; i < old_cap; i++)
        live += old[i].exp > now;
    size_t cap = 64;
    while (cap < (live + 1) * 2)
        cap *= 2;
    r->slots = mem_zalloc(cap, sizeof *r->slots);
    r->cap = cap;
    atomic_store(&r->n, 0);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].exp > now)
            place(r, old[i].id, old[i].exp);
    free(old);
}

void auth_revoked_add(struct auth_revoked *r, const char *token_id, int64_t exp, int64_t now)
{
    unsigned char key[16];
    if (exp <= now)
        return; /* the token is refused for its expiry anyway */
    key_of(token_id, key);
    pthread_rwlock_wrlock(&r->lock);
    if ((atomic_load(&r->n) + 1) * 2 > r->cap)
        rebuild(r, now);
    place(r, key, exp);
    pthread_rwlock_unlock(&r->lock);
}

bool auth_revoked_has(struct auth_revoked *r, const char *token_id)
{
    unsigned char key[16];
    bool found = false;
    if (atomic_load_explicit(&r->n, memory_order_acquire) == 0)
        return false;
    key_of(token_id, key);
    pthread_rwlock_rdlock(&r->lock);
    for (size_t i = home(key, r->cap); r->slots[i].exp != 0; i = (i + 1) & (r->cap - 1)) {
        if (memcmp(r->slots[i].id, key, 16) == 0) {
            found = true;
            break;
        }
    }
    pthread_rwlock_unlock(&r->lock);
    return found;
}
