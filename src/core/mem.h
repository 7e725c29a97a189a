/* SPDX-License-Identifier: MIT */
/* The process's one out-of-memory policy: allocation failure is not a condition any caller
 * can repair (a half-built reply or row is worse than a restart), so these wrappers print one
 * line and abort. Every module allocates through them (or checks and calls mem_oom()).
 * Everything returned is the caller's, released with free(). */
#ifndef PETE_CORE_MEM_H
#define PETE_CORE_MEM_H

#include <stddef.h>

/* Prints "out of memory" and aborts. */
_Noreturn void mem_oom(void);
/* malloc(n) (n 0 allocates 1 byte). */
void *mem_alloc(size_t n);
/* calloc(count, size): zeroed; the product is checked for overflow. */
void *mem_zalloc(size_t count, size_t size);
/* realloc(p, n) (n 0 keeps 1 byte). */
void *mem_realloc(void *p, size_t n);
/* realloc to count * size bytes, the product checked for overflow. */
void *mem_reallocarray(void *p, size_t count, size_t size);
/* Grows a byte buffer p of *cap bytes (NULL and 0 at first) to hold at least need bytes:
 * *cap doubles, starting from first, and p is reallocated. Returns p, possibly moved. */
void *mem_grow(void *p, size_t *cap, size_t need, size_t first);
/* A copy of s (NUL-terminated). */
char *mem_strdup(const char *s);
/* A copy of at most n bytes of s, NUL-terminated. */
char *mem_strndup(const char *s, size_t n);

#endif
