/* SPDX-License-Identifier: MIT */
/* HTTP server over libmicrohttpd: one route table (routes.c), a dispatcher that
 * authenticates routes marked ROUTE_AUTH before calling the handler, and reply helpers
 * that produce SPEC §5 error bodies. Handlers parse, call a service and reply; they
 * never read Authorization themselves. */
#ifndef PETE_CORE_HTTP_H
#define PETE_CORE_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/err.h"

#define HTTP_MAX_VARS 4

typedef struct http_req {
    struct app *app;
    struct MHD_Connection *mc;
    const char *method;
    const char *path;
    const char *body; /* NUL-terminated; NULL when no body */
    size_t body_len;
    char *vars[HTTP_MAX_VARS]; /* path variables, in pattern order */
    int nvars;
    int64_t user_id; /* the tenant; 0 on public routes */
    struct auth_claims claims;
    char request_id[24];
    const struct route *route; /* the matched row of http_routes; NULL when none matched */
    /* response, set by the reply helpers */
    unsigned status;
    struct MHD_Response *resp;
} http_req;

typedef int (*http_handler)(http_req *r);

enum { ROUTE_PUBLIC = 0, ROUTE_AUTH = 1 };

struct route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/rentals/{id}": {name} matches one segment */
    http_handler fn;
    unsigned flags;
};

extern const struct route http_routes[]; /* routes.c; ends with {NULL} */

/* Requests received and not yet completed, across the process. */
int http_in_flight(void);

/* Starts the daemon. Returns NULL on failure (logged). */
struct MHD_Daemon *http_start(struct app *a);
void http_stop(struct MHD_Daemon *d);

/* Request accessors (borrowed strings, valid during the request). */
const char *http_query(const http_req *r, const char *key);
const char *http_header(const http_req *r, const char *name);
const char *http_cookie(const http_req *r, const char *name);
/* Client address as text into buf. */
void http_client_ip(const http_req *r, char *buf, size_t len);
/* Path variable idx as a positive id; -1 when it is not one (reply 404). */
int64_t http_var_id(const http_req *r, int idx);

/* Parses the body as a JSON object. On failure answers 415 (not JSON content type),
 * 400 (malformed or not an object) and returns NULL. New reference otherwise. */
json_t *http_body_object_or_reply(http_req *r);

/* Replies. All return 0 so handlers can `return http_reply_...`. */
int http_reply_json(http_req *r, unsigned status, const json_t *j_body); /* does not steal */
int http_reply_json_new(http_req *r, unsigned status, json_t *j_body);   /* steals */
int http_reply_text(http_req *r, unsigned status, const char *ctype, const char *body, size_t len);
/* As http_reply_text, taking ownership of body (a malloc'd buffer, freed after sending). */
int http_reply_text_owned(http_req *r, unsigned status, const char *ctype, char *body,
                          size_t len);
int http_reply_empty(http_req *r, unsigned status);
int http_reply_error(http_req *r, unsigned status, const char *code, const char *message);
/* Default status and code for e; message NULL uses a generic sentence. */
int http_reply_err(http_req *r, app_err e, const char *message);
/* 422 listing every problem: j_errors is an array of {field, message}; stolen. */
int http_reply_invalid(http_req *r, json_t *j_errors);
/* Adds a header to the response already set (call after a reply helper). */
void http_add_header(http_req *r, const char *name, const char *value);

#endif
