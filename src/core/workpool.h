/* SPDX-License-Identifier: MIT */
/* A small pool of threads for work that waits on the outside world (an outbound HTTP call),
 * so that no server thread does. Threads start as work arrives, up to a maximum, and stay;
 * the queue is bounded: a full pool refuses new work at once instead of letting it wait
 * behind calls that may take seconds each. */
#ifndef PETE_CORE_WORKPOOL_H
#define PETE_CORE_WORKPOOL_H

#include <stdbool.h>

struct workpool;

/* A pool of at most max_threads threads and max_queue waiting items; NULL on failure. */
struct workpool *workpool_new(int max_threads, int max_queue);
/* Runs fn(arg) on a pool thread; false (fn not run) when the queue is full or the pool is
 * stopping. */
bool workpool_submit(struct workpool *p, void (*fn)(void *arg), void *arg);
/* Runs what is queued, joins the threads and frees the pool; NULL is accepted. */
void workpool_free(struct workpool *p);

#endif
