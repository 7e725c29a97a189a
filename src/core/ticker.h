/* SPDX-License-Identifier: MIT */
/* A background thread that does one thing every so often until it is stopped: the
 * connection reaper, the revocation reader. The wait is on the monotonic clock and a stop
 * ends it at once; fn runs without the ticker's lock held. */
#ifndef PETE_CORE_TICKER_H
#define PETE_CORE_TICKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct ticker {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t thread;
    bool running, stop, at_once;
    int64_t every_ms;
    void (*fn)(void *arg);
    void *arg;
};

/* Starts t's thread: fn(arg) every every_ms, the first time at once when at_once (else
 * after the first wait). t is the caller's (static storage will do) and must stay put
 * until ticker_stop. 0, or pthread_create's error. */
int ticker_start(struct ticker *t, int64_t every_ms, bool at_once, void (*fn)(void *arg),
                 void *arg);
/* Stops t (a call of fn under way finishes first) and joins its thread; nothing when it is
 * not running. */
void ticker_stop(struct ticker *t);

#endif
