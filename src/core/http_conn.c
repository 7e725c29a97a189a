/* SPDX-License-Identifier: MIT */
/* Connections, as distinct from requests: how many each client address holds, and how long
 * a connection may take to deliver a request head or a body.
 *
 * - Per-address limit: the gate (http_gate.c) admits a new connection only while its address
 *   holds fewer than MAX_CONNECTIONS_PER_IP (IPv6 clients counted per /64, so one host
 *   cannot dodge the limit by rotating its interface ids); the slot is given back when the
 *   connection closes. Addresses listed in TRUSTED_PROXIES are not limited: behind a load
 *   balancer every client shares its address.
 * - Deadlines, after the gate (which bounds the first head): a later request head must
 *   arrive whole within HEAD_TIMEOUT seconds of the previous response on the connection (so
 *   an idle keep-alive connection lasts that long too), and a request body within
 *   BODY_TIMEOUT seconds of its head. Each
 *   deadline runs from the start of its phase: a trickle of bytes, which resets
 *   libmicrohttpd's own idle timeout, does not move it. A reaper thread shuts down (never
 *   closes) the socket of a connection past its deadline; libmicrohttpd then sees the end of
 *   the stream and closes the connection itself. The registry the reaper walks drops a
 *   connection in the CLOSED notification, which libmicrohttpd sends before it closes the
 *   descriptor, and the reaper holds the registry's lock while it shuts one down: it never
 *   touches a descriptor number that was reused.
 * Per request the dispatcher only stores the phase and its start in two atomics. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/http_internal.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"
#include "core/ticker.h"

#define BUCKETS 1024
#define REAP_EVERY_MS 250
#define MAX_PROXIES 32

struct ip_key {
    unsigned char b[16]; /* IPv4 as ::ffff:a.b.c.d; IPv6 with the low 64 bits cleared */
};

struct ip_count {
    struct ip_key key;
    int n;
    struct ip_count *next;
};

struct http_conn {
    int fd;
    atomic_int phase;          /* enum http_phase */
    atomic_llong since_ms;     /* mono_ms() when the phase began */
    bool shut;                 /* the reaper shut it down (under reg_lock) */
    bool counted;              /* holds a slot of its address's count */
    struct ip_key key;
    struct http_conn *prev, *next;
};

static struct {
    pthread_mutex_t lock; /* guards buckets, list, shut, and the counters below */
    struct ip_count *buckets[BUCKETS];
    struct http_conn *list;
    int per_ip;
    int64_t head_ms, body_ms;
    struct ip_key proxies[MAX_PROXIES];
    int nproxies;
    unsigned long long refused, reaped;
    struct ticker reaper;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The counting key of a socket address; false for other families. */
static bool key_of(const struct sockaddr *sa, bool per64, struct ip_key *k)
{
    memset(k, 0, sizeof *k);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        k->b[10] = k->b[11] = 0xff;
        memcpy(k->b + 12, &in->sin_addr, 4);
        return true;
    }
    if (sa->sa_family != AF_INET6)
        return false;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
    memcpy(k->b, &in6->sin6_addr, 16);
    if (per64 && !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
        memset(k->b + 8, 0, 8);
    return true;
}

static bool is_proxy(const struct ip_key *exact)
{
    for (int i = 0; i < g.nproxies; i++)
        if (memcmp(&g.proxies[i], exact, sizeof *exact) == 0)
            return true;
    return false;
}

/* Parses TRUSTED_PROXIES (comma list of addresses) into exact keys. */
static void load_proxies(const char *list)
{
    char item[INET6_ADDRSTRLEN + 1];
    for (const char *p = list; p && *p && g.nproxies < MAX_PROXIES;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n > 0 && n < sizeof item) {
            struct sockaddr_storage ss = {0};
            struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;
            memcpy(item, p, n);
            item[n] = '\0';
            if (inet_pton(AF_INET, item, &in->sin_addr) == 1)
                in->sin_family = AF_INET;
            else if (inet_pton(AF_INET6, item, &in6->sin6_addr) == 1)
                in6->sin6_family = AF_INET6;
            if (ss.ss_family && key_of((struct sockaddr *)&ss, false, &g.proxies[g.nproxies]))
                g.nproxies++;
        }
        p = comma ? comma + 1 : NULL;
    }
}

static unsigned bucket_of(const struct ip_key *k)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ k->b[i]) * 16777619u;
    return h % BUCKETS;
}

/* Under g.lock: the count entry of k, created when create. */
static struct ip_count *count_of(const struct ip_key *k, bool create)
{
    struct ip_count **head = &g.buckets[bucket_of(k)];
    for (struct ip_count *c = *head; c; c = c->next)
        if (memcmp(&c->key, k, sizeof *k) == 0)
            return c;
    if (!create)
        return NULL;
    struct ip_count *c = mem_zalloc(1, sizeof *c);
    c->key = *k;
    c->next = *head;
    *head = c;
    return c;
}

/* Under g.lock: gives back one slot of k's count, dropping the entry at zero. */
static void uncount(const struct ip_key *k)
{
    struct ip_count **pp = &g.buckets[bucket_of(k)];
    while (*pp && memcmp(&(*pp)->key, k, sizeof *k) != 0)
        pp = &(*pp)->next;
    struct ip_count *c = *pp;
    if (c && --c->n <= 0) {
        *pp = c->next;
        free(c);
    }
}

/* Whether connections from addr are counted, and under which key. */
static bool counted_key(const struct sockaddr *addr, struct ip_key *key)
{
    struct ip_key exact;
    if (g.per_ip <= 0 || !addr || !key_of(addr, false, &exact) || is_proxy(&exact))
        return false;
    return key_of(addr, true, key);
}

bool http_conn_admit(const struct sockaddr *addr)
{
    struct ip_key key;
    if (!counted_key(addr, &key))
        return true;
    pthread_mutex_lock(&g.lock);
    struct ip_count *c = count_of(&key, true);
    bool ok = c->n < g.per_ip;
    if (ok)
        c->n++;
    else
        g.refused++;
    pthread_mutex_unlock(&g.lock);
    if (!ok)
        LOG_W("refused a connection: its address holds %d connections "
              "(MAX_CONNECTIONS_PER_IP)", g.per_ip);
    return ok;
}

void http_conn_release(const struct sockaddr *addr)
{
    struct ip_key key;
    if (!counted_key(addr, &key))
        return;
    pthread_mutex_lock(&g.lock);
    uncount(&key);
    pthread_mutex_unlock(&g.lock);
}

static void opened(struct MHD_Connection *mc, void **socket_context)
{
    struct http_conn *hc = mem_zalloc(1, sizeof *hc);
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(mc,
                                                                 MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ad = MHD_get_connection_info(mc,
                                                                 MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    hc->fd = fd ? fd->connect_fd : -1;
    /* A connection arrives from the gate with its first head already read (the gate held
     * it to HEAD_TIMEOUT): its first deadline is the body's, set when the request starts. */
    atomic_store(&hc->phase, HTTP_PHASE_BUSY);
    atomic_store(&hc->since_ms, mono_ms());
    /* the gate took its address's slot (http_conn_admit); closing gives it back */
    hc->counted = ad && counted_key(ad->client_addr, &hc->key);
    pthread_mutex_lock(&g.lock);
    hc->next = g.list;
    if (g.list)
        g.list->prev = hc;
    g.list = hc;
    pthread_mutex_unlock(&g.lock);
    *socket_context = hc;
}

static void closed(void **socket_context)
{
    struct http_conn *hc = *socket_context;
    if (!hc)
        return;
    pthread_mutex_lock(&g.lock);
    if (hc->counted)
        uncount(&hc->key);
    if (hc->prev)
        hc->prev->next = hc->next;
    else
        g.list = hc->next;
    if (hc->next)
        hc->next->prev = hc->prev;
    pthread_mutex_unlock(&g.lock);
    free(hc);
    *socket_context = NULL;
}

void http_conn_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
                      enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        opened(mc, socket_context);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        closed(socket_context);
}

void http_conn_phase(struct MHD_Connection *mc, enum http_phase phase, int64_t now_ms)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc,
                                                                 MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct http_conn *hc = ci ? ci->socket_context : NULL;
    if (!hc)
        return;
    atomic_store_explicit(&hc->since_ms, now_ms, memory_order_relaxed);
    atomic_store_explicit(&hc->phase, (int)phase, memory_order_release);
}

/* Under g.lock: shuts down every connection past its phase's deadline; returns how many. */
static int reap(int64_t now)
{
    int n = 0;
    for (struct http_conn *hc = g.list; hc; hc = hc->next) {
        int phase = atomic_load_explicit(&hc->phase, memory_order_acquire);
        int64_t since = atomic_load_explicit(&hc->since_ms, memory_order_relaxed);
        int64_t limit = phase == HTTP_PHASE_HEAD ? g.head_ms
                        : phase == HTTP_PHASE_BODY ? g.body_ms : 0;
        if (hc->shut || limit <= 0 || hc->fd < 0 || now - since <= limit)
            continue;
        shutdown(hc->fd, SHUT_RDWR);
        hc->shut = true;
        n++;
    }
    g.reaped += (unsigned long long)n;
    return n;
}

/* One tick of the reaper thread. */
static void reaper_tick(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g.lock);
    int n = reap(mono_ms());
    pthread_mutex_unlock(&g.lock);
    if (n > 0) /* never logged under the lock */
        LOG_W("closed %d connections that did not deliver a request in time "
              "(HEAD_TIMEOUT, BODY_TIMEOUT)", n);
}

int http_conn_setup(const struct config *cfg)
{
    g.per_ip = cfg->max_connections_per_ip;
    g.head_ms = (int64_t)cfg->head_timeout * 1000;
    g.body_ms = (int64_t)cfg->body_timeout * 1000;
    g.nproxies = 0;
    load_proxies(cfg->trusted_proxies);
    int rc = ticker_start(&g.reaper, REAP_EVERY_MS, false, reaper_tick, NULL);
    if (rc != 0) {
        LOG_E("cannot start the connection reaper: %s", strerror(rc));
        return -1;
    }
    return 0;
}

void http_conn_cleanup(void)
{
    ticker_stop(&g.reaper);
    pthread_mutex_lock(&g.lock);
    for (int i = 0; i < BUCKETS; i++) {
        while (g.buckets[i]) {
            struct ip_count *c = g.buckets[i];
            g.buckets[i] = c->next;
            free(c);
        }
    }
    pthread_mutex_unlock(&g.lock);
}

void http_conn_stats(unsigned long long *refused, unsigned long long *reaped)
{
    pthread_mutex_lock(&g.lock);
    *refused = g.refused;
    *reaped = g.reaped;
    pthread_mutex_unlock(&g.lock);
}
