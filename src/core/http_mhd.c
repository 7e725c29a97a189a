/* SPDX-License-Identifier: MIT */
/* Errors libmicrohttpd answers by itself, in the SPEC §5 shape.
 *
 * libmicrohttpd 0.9.75 (Debian 12) rejects some requests before the application sees them
 * (a request line or header block larger than the connection's memory, a malformed or
 * oversized chunk, an unsupported HTTP version such as an HTTP/2 preface) and answers them
 * with built-in HTML pages; it has no option or callback to change those pages. It builds
 * each such page with the public MHD_create_response_from_buffer() from a static string of
 * its own and queues it with the public MHD_queue_response(), both called through the PLT.
 * This file defines both functions in the executable, which the dynamic linker then binds
 * for the library too (symbol interposition), and forwards every call to the library's own
 * definitions (dlsym RTLD_NEXT). The one difference: a response whose body lies inside the
 * library's own mapped image (one of its static pages; the application never passes such a
 * buffer) is remembered per thread, and when that response is queued, a JSON error body for
 * the status being sent is queued in its place. Everything else passes through untouched.
 *
 * Never fail the queueing of such a page: libmicrohttpd 0.9.75 then closes the connection
 * and, in some paths (cookie parsing), goes on reading the freed request: a crash.
 *
 * If a future libmicrohttpd stops calling these through the PLT, the pages come back as
 * HTML: tests/http/test_edge.py checks every case, so that cannot go unnoticed. */
#include <dlfcn.h>
#include <link.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_internal.h"

typedef struct MHD_Response *(*create_fn)(size_t, void *, enum MHD_ResponseMemoryMode);
typedef enum MHD_Result (*queue_fn)(struct MHD_Connection *, unsigned int,
                                    struct MHD_Response *);

static create_fn real_create;
static queue_fn real_queue;
static pthread_once_t resolved = PTHREAD_ONCE_INIT;

#define MAX_SEGMENTS 8
static struct {
    uintptr_t lo, hi;
} lib_seg[MAX_SEGMENTS]; /* the library's loaded segments; written once */
static int lib_nseg;

/* The static page the library just built on this thread, until it is queued. */
static _Thread_local struct MHD_Response *builtin_page;

static int find_library(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    if (!info->dlpi_name || !strstr(info->dlpi_name, "libmicrohttpd"))
        return 0;
    for (int i = 0; i < info->dlpi_phnum && lib_nseg < MAX_SEGMENTS; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        lib_seg[lib_nseg].lo = info->dlpi_addr + ph->p_vaddr;
        lib_seg[lib_nseg].hi = lib_seg[lib_nseg].lo + ph->p_memsz;
        lib_nseg++;
    }
    return 1;
}

static void resolve(void)
{
    /* POSIX: a dlsym result converts to a function pointer through an object pointer. */
    void *c = dlsym(RTLD_NEXT, "MHD_create_response_from_buffer");
    void *q = dlsym(RTLD_NEXT, "MHD_queue_response");
    memcpy(&real_create, &c, sizeof c);
    memcpy(&real_queue, &q, sizeof q);
    dl_iterate_phdr(find_library, NULL);
    if (!real_create || !real_queue) {
        fputs("libmicrohttpd's response functions not found\n", stderr);
        abort();
    }
}

static bool in_library(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    for (int i = 0; i < lib_nseg; i++)
        if (a >= lib_seg[i].lo && a < lib_seg[i].hi)
            return true;
    return false;
}

/* The JSON error for a status libmicrohttpd refuses a request with. */
static const char *body_for(unsigned status)
{
    switch (status) {
    case 413:
        return "{\"status\":\"error\",\"code\":\"payload_too_large\",\"message\":\"The request "
               "body or one of its chunks is larger than this server accepts.\"}";
    case 414:
        return "{\"status\":\"error\",\"code\":\"uri_too_long\",\"message\":\"The request line "
               "is longer than this server accepts (" HTTP_LIMITS_TEXT ").\"}";
    case 431:
        return "{\"status\":\"error\",\"code\":\"request_header_fields_too_large\",\"message\":"
               "\"The request headers are larger than this server accepts (" HTTP_LIMITS_TEXT
               ").\"}";
    case 500:
        return "{\"status\":\"error\",\"code\":\"internal_error\",\"message\":\"An internal "
               "error occurred.\"}";
    case 501:
        return "{\"status\":\"error\",\"code\":\"not_implemented\",\"message\":\"This transfer "
               "encoding is not supported; send the body with Content-Length or chunked.\"}";
    case 505:
        return "{\"status\":\"error\",\"code\":\"http_version_not_supported\",\"message\":"
               "\"Only HTTP/1.0 and HTTP/1.1 are supported.\"}";
    default:
        return "{\"status\":\"error\",\"code\":\"bad_request\",\"message\":\"The request is "
               "malformed: its request line, headers or chunked body break HTTP/1.1.\"}";
    }
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
    pthread_once(&resolved, resolve);
    struct MHD_Response *r = real_create(size, buffer, mode);
    if (r && mode == MHD_RESPMEM_PERSISTENT && size > 0 && in_library(buffer))
        builtin_page = r;
    return r;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                   struct MHD_Response *response)
{
    pthread_once(&resolved, resolve);
    if (!response || response != builtin_page)
        return real_queue(connection, status_code, response);
    builtin_page = NULL;
    const char *body = body_for(status_code);
    struct MHD_Response *json = real_create(strlen(body), (void *)(uintptr_t)body,
                                            MHD_RESPMEM_PERSISTENT);
    if (!json)
        return real_queue(connection, status_code, response);
    MHD_add_response_header(json, MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_JSON_TYPE);
    enum MHD_Result rc = real_queue(connection, status_code, json);
    MHD_destroy_response(json); /* the connection holds its own reference */
    return rc;
}

bool http_mhd_errors_active(void)
{
    pthread_once(&resolved, resolve);
    return lib_nseg > 0;
}
