/* SPDX-License-Identifier: MIT */
/* The monotonic clock, for deadlines, durations and rate windows (never for dates: those
 * come from time(2) or the database), and the condition variables that wait on it. */
#ifndef PETE_CORE_MONO_H
#define PETE_CORE_MONO_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds, microseconds and seconds since an arbitrary fixed point. */
int64_t mono_ms(void);
int64_t mono_us(void);
int64_t mono_s(void);

/* Initialises cv to time its waits on this clock (instead of the wall clock, which can jump):
 * pthread_cond_timedwait(cv, ..., &deadline) with a deadline from mono_deadline. Destroy it
 * with pthread_cond_destroy. Returns pthread_cond_init's result. */
int mono_cond_init(pthread_cond_t *cv);
/* The point ms milliseconds from now on this clock, as pthread_cond_timedwait takes it. */
struct timespec mono_deadline(int64_t ms);

#endif
