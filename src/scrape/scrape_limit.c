/* SPDX-License-Identifier: MIT */
/* At most one request per second per host, across every thread of the process: a table of
 * hosts with the time each may next be asked. A caller reserves a turn (the table moves on by
 * one interval at once, so turns are handed out in order and two threads never share one)
 * and then waits for it outside the lock; worker threads wait, request threads never call
 * this. Entries whose turn has passed are reused, so the table holds only hosts asked
 * recently. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "scrape/scrape_net.h"

#define HOST_MAX 256 /* bytes of a host name kept; longer ones share a truncated key */

struct slot {
    char host[HOST_MAX];
    int64_t next_free; /* mono ms */
};

static struct {
    pthread_mutex_t mu;
    struct slot s[SCRAPE_HOSTS_MAX];
    int n;
} hosts = {.mu = PTHREAD_MUTEX_INITIALIZER};

bool scrape_limit_reserve(int64_t *next_free, int64_t now, int64_t interval_ms, int64_t latest,
                          int64_t *start)
{
    int64_t t = *next_free > now ? *next_free : now;
    if (t > latest)
        return false;
    *start = t;
    *next_free = t + interval_ms;
    return true;
}

/* The slot of host, or a free one (never used, or its turn long past) taken for it. */
static struct slot *slot_for(const char *host, int64_t now)
{
    struct slot *spare = NULL;
    for (int i = 0; i < hosts.n; i++) {
        if (strncmp(hosts.s[i].host, host, HOST_MAX - 1) == 0)
            return &hosts.s[i];
        if (!spare && hosts.s[i].next_free <= now)
            spare = &hosts.s[i];
    }
    if (!spare && hosts.n < SCRAPE_HOSTS_MAX)
        spare = &hosts.s[hosts.n++];
    if (spare) {
        snprintf(spare->host, sizeof spare->host, "%s", host);
        spare->next_free = 0;
    }
    return spare;
}

bool scrape_limit_take(const char *host, int64_t now, int64_t latest, int64_t *start)
{
    pthread_mutex_lock(&hosts.mu);
    struct slot *s = slot_for(host, now);
    bool ok = s && scrape_limit_reserve(&s->next_free, now, SCRAPE_HOST_INTERVAL_MS, latest,
                                        start);
    pthread_mutex_unlock(&hosts.mu);
    return ok;
}
