/* SPDX-License-Identifier: MIT */
/* The outbound work pool (workpool.h): a ring of waiting items under one mutex, threads
 * started on demand. */
#include "core/workpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/mem.h"

struct item {
    void (*fn)(void *arg);
    void *arg;
};

struct workpool {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct item *ring;
    int cap, head, count;     /* waiting items */
    int max_threads, nthreads, idle;
    pthread_t *threads;
    bool stopping;
};

static void *run(void *arg)
{
    struct workpool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->stopping) {
            p->idle++;
            pthread_cond_wait(&p->wake, &p->lock);
            p->idle--;
        }
        if (p->count == 0) /* stopping, nothing left */
            break;
        struct item it = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        pthread_mutex_unlock(&p->lock);
        it.fn(it.arg);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct workpool *workpool_new(int max_threads, int max_queue)
{
    if (max_threads < 1 || max_queue < 1)
        return NULL;
    struct workpool *p = mem_zalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->ring = mem_zalloc((size_t)max_queue, sizeof *p->ring);
    p->cap = max_queue;
    p->max_threads = max_threads;
    p->threads = mem_zalloc((size_t)max_threads, sizeof *p->threads);
    return p;
}

bool workpool_submit(struct workpool *p, void (*fn)(void *arg), void *arg)
{
    bool ok = false;
    pthread_mutex_lock(&p->lock);
    if (!p->stopping && p->count < p->cap) {
        p->ring[(p->head + p->count) % p->cap] = (struct item){fn, arg};
        p->count++;
        ok = true;
        /* a thread more when every thread is busy with the work already waiting */
        if (p->idle < p->count && p->nthreads < p->max_threads &&
            pthread_create(&p->threads[p->nthreads], NULL, run, p) == 0)
            p->nthreads++;
        else if (p->nthreads == 0)
            LOG_E("the outbound pool has no thread to run work");
        pthread_cond_signal(&p->wake);
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void workpool_free(struct workpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p->ring);
    free(p);
}
