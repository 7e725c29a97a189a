/* SPDX-License-Identifier: MIT */
/* Refresh ahead of the resolved-tenant cache (users_cache.c). Requests hand over the
 * (issuer, subject) of an entry past its refresh point; one thread reads the row again and
 * refills the entry, or drops it when the tenant is gone or the database failed (the next
 * request then resolves in-line and reports the real answer: 401 or 503).
 *
 * Why: under full CPU load a request that waits on a database lookup also waits for the
 * database backend to be scheduled; with a 1 s cache every busy tenant paid that once a
 * second (PostgreSQL /users/me p99 of 15-25 ms at 32 connections, backends runnable but
 * waiting 50-70 ms for a core). The queue is small and never blocks a request: when it is
 * full the request is dropped and the entry simply expires. */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "core/log.h"
#include "users/users.h"

#define QUEUE 128

struct item {
    char issuer[sizeof ((struct users_user){0}).issuer];
    char subject[sizeof ((struct users_user){0}).subject];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct item queue[QUEUE];
static unsigned head, count;
static bool running, stopping;
static pthread_t thread;
static struct app *app;

void users_refresh_request(const char *issuer, const char *subject)
{
    bool queued = false;
    if (strlen(issuer) < sizeof queue[0].issuer && strlen(subject) < sizeof queue[0].subject) {
        pthread_mutex_lock(&lock);
        if (running && !stopping && count < QUEUE) {
            struct item *it = &queue[(head + count) % QUEUE];
            strcpy(it->issuer, issuer);
            strcpy(it->subject, subject);
            count++;
            queued = true;
            pthread_cond_signal(&wake);
        }
        pthread_mutex_unlock(&lock);
    }
    if (!queued) /* let it expire: the next request reads it in-line */
        users_cache_drop(issuer, subject);
}

static void refresh_one(const struct item *it)
{
    struct users_user u;
    int64_t deleted_at = 0;
    db_conn *conn = NULL;
    unsigned gen = users_cache_generation();
    app_err e = db_app_err(db_acquire(app->db, &conn));
    int64_t read_at = users_cache_clock();
    if (e == APP_OK)
        e = users_lookup(conn, it->issuer, it->subject, &u, &deleted_at);
    db_release(conn);
    if (e == APP_OK && u.id != 0)
        users_cache_refill(it->issuer, it->subject, &u, deleted_at, gen, read_at);
    else
        users_cache_drop(it->issuer, it->subject);
}

static void *run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (count == 0 && !stopping)
            pthread_cond_wait(&wake, &lock);
        if (stopping)
            break;
        struct item it = queue[head];
        head = (head + 1) % QUEUE;
        count--;
        pthread_mutex_unlock(&lock);
        refresh_one(&it);
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

void users_refresh_start(struct app *a)
{
    pthread_mutex_lock(&lock);
    app = a;
    stopping = false;
    head = count = 0;
    running = pthread_create(&thread, NULL, run, NULL) == 0;
    pthread_mutex_unlock(&lock);
    if (!running)
        LOG_W("tenant cache refresher not started: entries will be read in-line on expiry");
}

void users_refresh_stop(void)
{
    pthread_mutex_lock(&lock);
    bool was = running;
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    if (was)
        pthread_join(thread, NULL);
    pthread_mutex_lock(&lock);
    running = false;
    count = 0;
    pthread_mutex_unlock(&lock);
}
