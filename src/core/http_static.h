/* SPDX-License-Identifier: MIT */
/* Static files embedded in the binary (cmake/embed_dir.cmake writes the table from a folder)
 * and their serving: content type, a strong ETag with 304 answers, and the headers a page
 * of ours is served with (a strict Content-Security-Policy). */
#ifndef PETE_CORE_HTTP_STATIC_H
#define PETE_CORE_HTTP_STATIC_H

#include <stddef.h>

#include "core/http.h"

struct http_static_file {
    const char *path;         /* "/index.html": below the folder, with a leading "/" */
    const char *content_type;
    const char *etag;         /* quoted */
    const char *data;
    size_t len;
};

/* Answers r with the file of files (ends with a NULL path) at rel, the path below the mount
 * point ("" or a path ending in "/" means its index.html): 200 with the body, 304 when
 * If-None-Match names its ETag, a JSON 404 when there is no such file. */
int http_static_reply(http_req *r, const struct http_static_file *files, const char *rel);

#endif
