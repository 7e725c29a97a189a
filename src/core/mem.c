/* SPDX-License-Identifier: MIT */
/* Allocation wrappers that abort on exhaustion (policy in mem.h). */
#include "core/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void mem_oom(void)
{
    fputs("out of memory\n", stderr);
    abort();
}

void *mem_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_oom();
    return p;
}

void *mem_zalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        mem_oom();
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_oom();
    return q;
}

void *mem_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        mem_oom();
    return mem_realloc(p, count * size);
}

void *mem_grow(void *p, size_t *cap, size_t need, size_t first)
{
    size_t n = *cap ? *cap : (first ? first : 1);
    while (n < need) {
        if (n > SIZE_MAX / 2)
            mem_oom();
        n *= 2;
    }
    if (n == *cap)
        return p;
    *cap = n;
    return mem_realloc(p, n);
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mem_alloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
