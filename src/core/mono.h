/* SPDX-License-Identifier: MIT */
/* The monotonic clock, for deadlines, durations and rate windows (never for dates: those
 * come from time(2) or the database). */
#ifndef PETE_CORE_MONO_H
#define PETE_CORE_MONO_H

#include <stdint.h>

/* Milliseconds, microseconds and seconds since an arbitrary fixed point. */
int64_t mono_ms(void);
int64_t mono_us(void);
int64_t mono_s(void);

#endif
