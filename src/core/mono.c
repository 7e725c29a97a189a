/* SPDX-License-Identifier: MIT */
/* CLOCK_MONOTONIC readings in three units (mono.h). */
#include "core/mono.h"

#include <time.h>

static struct timespec now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

int64_t mono_ms(void)
{
    struct timespec ts = now();
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mono_us(void)
{
    struct timespec ts = now();
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t mono_s(void)
{
    return (int64_t)now().tv_sec;
}
