/* SPDX-License-Identifier: MIT */
/* HTTP server over libmicrohttpd. The server is started with its route table and a table of
 * authenticators (both the application's: src/routes.c); every route names the
 * authenticator that must accept a request before its handler runs, and that authenticator
 * puts the resolved tenant on the request (r->tenant). Handlers parse, call a service and
 * reply with the helpers below (SPEC §5 error bodies); they never read credentials. */
#ifndef PETE_CORE_HTTP_H
#define PETE_CORE_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/err.h"

#define HTTP_MAX_VARS 4

/* The tenant a request acts for, as its authenticator resolved it. */
struct http_tenant {
    int64_t id;        /* users.id; 0 on a public route */
    char email[256];   /* "" when unknown */
    char zone[64];     /* IANA time zone of the tenant's settings; "" when never set */
    int64_t version;   /* the tenant's profile counter (core/versions.h) when resolved */
};

typedef struct http_req {
    struct app *app;
    struct MHD_Connection *mc;
    const char *method;
    const char *path;
    const char *body; /* NUL-terminated; NULL when no body */
    size_t body_len;
    char *vars[HTTP_MAX_VARS]; /* path variables, in pattern order */
    int nvars;
    struct http_tenant tenant; /* set by the route's authenticator */
    struct auth_claims claims; /* the verified token's claims (bearer routes) */
    /* What an authenticator found for its handler (a parsed webhook message, the agent...);
     * freed with auth_data_free when the request ends. */
    void *auth_data;
    void (*auth_data_free)(void *auth_data);
    char request_id[24];
    const struct route *route; /* the matched row of the route table; NULL when none matched */
    /* response, set by the reply helpers */
    unsigned status;
    struct MHD_Response *resp;
} http_req;

typedef int (*http_handler)(http_req *r);

/* Who may call a route: each names one authenticator. */
enum http_auth {
    HTTP_AUTH_PUBLIC = 0, /* anyone (SPEC §3 lists which) */
    HTTP_AUTH_BEARER,     /* a verified token, or the session cookie (same-site for changes) */
    HTTP_AUTH_VAPI,       /* a Vapi agent's secret or signature (the webhook) */
    HTTP_AUTH_OAUTH,      /* a signed, single-use OAuth state (calendar callbacks) */
    HTTP_AUTH_FEED,       /* a calendar feed token */
    HTTP_AUTH_COUNT
};

/* Accepts r (filling r->tenant, and r->claims when it has them) or replies and returns
 * false; the handler then does not run. */
typedef bool (*http_authenticator)(http_req *r);

struct route {
    const char *method;  /* "GET", "POST", ... */
    /* "/rentals/{id}": {name} matches one segment; a final "*" matches the rest of the path
     * (possibly empty), which becomes the last path variable ("/app/" then "*"). */
    const char *pattern;
    http_handler fn;
    enum http_auth auth;
};

/* Requests received and not yet completed, across the process. */
int http_in_flight(void);

/* Starts serving routes (ends with {NULL}); authenticators[HTTP_AUTH_PUBLIC] is unused and
 * a route naming an authenticator that is NULL is refused with 500 (a wiring mistake,
 * logged). Both tables must outlive the daemon. Returns NULL on failure (logged). */
struct MHD_Daemon *http_start(struct app *a, const struct route *routes,
                              const http_authenticator authenticators[HTTP_AUTH_COUNT]);
void http_stop(struct MHD_Daemon *d);

/* For authenticators: the request's bearer token (Authorization, else the session cookie;
 * a cookie on a method that changes something must come from the app's own origin, else
 * the request is answered 403 and *replied set). NULL when there is none. */
const char *http_bearer_token(http_req *r, bool *replied);
/* Answers 401 with WWW-Authenticate: Bearer (error="invalid_token" when invalid) and a
 * security log line naming why (never the credential). Returns false, for authenticators. */
bool http_refuse_auth(http_req *r, bool invalid, const char *why);

/* Request accessors (borrowed strings, valid during the request). */
const char *http_query(const http_req *r, const char *key);
const char *http_header(const http_req *r, const char *name);
const char *http_cookie(const http_req *r, const char *name);
/* Client address as text into buf. */
void http_client_ip(const http_req *r, char *buf, size_t len);
/* Path variable idx as a positive id; -1 when it is not one (reply 404). */
int64_t http_var_id(const http_req *r, int idx);

/* ---- waiting on the outside without a server thread ----------------------------------
 * A handler whose answer needs an outbound call (an OAuth code exchange, a CalDAV check, the
 * Vapi API) defers it: the connection is suspended, work(arg) runs on the outbound pool
 * (OUTBOUND_THREADS; it may block on the network; it must not touch r), then finish(r, arg)
 * runs on a server thread and replies as a handler does. The handler returns right after
 * http_defer without replying. When the pool's queue is full, http_defer answers 503 itself
 * and neither function runs (arg stays the caller's to free). */
typedef void (*http_work)(void *arg);
typedef int (*http_finish)(http_req *r, void *arg);
int http_defer(http_req *r, http_work work, http_finish finish, void *arg);

/* When v recorded problems, answers 400 (a wrong type) or 422 (rules) and returns true. */
struct vcheck;
bool http_reply_vcheck(http_req *r, struct vcheck *v);

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
/* The answer of a request that changes and returns nothing (a delete): 204 when e is APP_OK,
 * else as http_reply_err, with not_found as the message of APP_E_NOTFOUND (may be NULL). */
int http_reply_done(http_req *r, app_err e, const char *not_found);
/* 422 listing every problem: j_errors is an array of {field, message}; stolen. */
int http_reply_invalid(http_req *r, json_t *j_errors);
/* Adds a header to the response already set (call after a reply helper). */
void http_add_header(http_req *r, const char *name, const char *value);

#endif
