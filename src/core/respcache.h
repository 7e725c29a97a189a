/* SPDX-License-Identifier: MIT */
/* A bounded, thread-safe cache of rendered tenant responses (GET /rentals pages,
 * /database/available, /database/rentals/{website}).
 *
 * Every entry is stamped with the tenant's change counters (core/versions.h) as they were
 * for what it holds (read with its data, or before it: the data is then at least as new as
 * its stamp, and a newer stamp only costs a miss). A later request reads the counters again
 * and gets the entry only when the two are equal: the database moves a counter in the same
 * transaction as any change to the tenant's data, whichever instance or operator makes it,
 * so an entry is never served after a committed change, and two instances never disagree
 * (SPEC §1).
 *
 * Entries are keyed by (tenant, key); key is the caller's canonical request (route and
 * parsed parameters). aux is a short text the caller needs to re-check an entry (the
 * tenant's time zone, for "today"). Least recently used entries go first when the bytes
 * held pass the budget. */
#ifndef PETE_CORE_RESPCACHE_H
#define PETE_CORE_RESPCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct respcache;

/* A cache holding at most max_bytes (bodies, keys and bookkeeping); NULL when max_bytes is 0
 * (caching off). Every function accepts a NULL cache and then caches nothing. */
struct respcache *respcache_new(size_t max_bytes);
void respcache_free(struct respcache *c);

/* The body cached for (tenant, key) under version: a new copy the caller free()s, its length
 * in *len, and the entry's aux copied into aux (truncated to aux_len; may be NULL). NULL when
 * absent or stamped with another version (that entry is dropped). */
char *respcache_get(struct respcache *c, int64_t tenant, const char *key, int64_t version,
                    size_t *len, char *aux, size_t aux_len);
/* Whether an entry for (tenant, key) is held, whatever its stamp. A caller must read the
 * current stamp (a database round trip) before respcache_get; when nothing is held it can
 * skip that and render at once. A false answer counts as the request's miss (respcache_get
 * counts the others), so hits + misses stays one per cacheable request. */
bool respcache_probe(struct respcache *c, int64_t tenant, const char *key);
/* Stores a copy of body for (tenant, key) stamped with version, replacing an older entry.
 * aux may be NULL. A body larger than an eighth of the budget is not kept. */
void respcache_put(struct respcache *c, int64_t tenant, const char *key, int64_t version,
                   const char *aux, const char *body, size_t len);
/* Drops every entry of tenant (erasure). */
void respcache_forget_tenant(struct respcache *c, int64_t tenant);

struct respcache_stats {
    uint64_t hits, misses, entries, bytes;
};
void respcache_get_stats(struct respcache *c, struct respcache_stats *out);

#endif
