/* SPDX-License-Identifier: MIT */
#include "core/ticker.h"

#include "core/mono.h"

static void *loop(void *arg)
{
    struct ticker *t = arg;
    bool wait = !t->at_once;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        if (wait) {
            struct timespec until = mono_deadline(t->every_ms);
            while (!t->stop && pthread_cond_timedwait(&t->wake, &t->mu, &until) == 0)
                ;
            if (t->stop)
                break;
        }
        wait = true;
        pthread_mutex_unlock(&t->mu);
        t->fn(t->arg);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

int ticker_start(struct ticker *t, int64_t every_ms, bool at_once, void (*fn)(void *arg),
                 void *arg)
{
    pthread_mutex_init(&t->mu, NULL);
    mono_cond_init(&t->wake);
    t->stop = false;
    t->at_once = at_once;
    t->every_ms = every_ms;
    t->fn = fn;
    t->arg = arg;
    int rc = pthread_create(&t->thread, NULL, loop, t);
    t->running = rc == 0;
    if (rc != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->mu);
    }
    return rc;
}

void ticker_stop(struct ticker *t)
{
    if (!t->running)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->mu);
    t->running = false;
}
