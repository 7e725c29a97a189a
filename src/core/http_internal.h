/* SPDX-License-Identifier: MIT */
/* Pieces of the HTTP layer shared between http.c (daemon and dispatch), http_reply.c
 * (reply helpers) and http_cors.c (origin checks). Not for domain code. */
#ifndef PETE_CORE_HTTP_INTERNAL_H
#define PETE_CORE_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/http.h"

#define HTTP_JSON_TYPE "application/json; charset=utf-8"

/* Request limits that always fit a connection's memory (README "Request limits"): a request
 * within them is parsed; one past them gets a JSON 414/431 at once. */
#define HTTP_LINE_MAX 8192        /* request line: method, target with query, version */
#define HTTP_ARGS_MAX 100         /* query parameters */
#define HTTP_HEADERS_MAX_BYTES 16384
#define HTTP_HEADERS_MAX 100      /* header lines */
#define HTTP_COOKIES_MAX 100      /* cookies */
#define HTTP_POOL_BYTES 65536     /* libmicrohttpd's memory per connection */
#define HTTP_LIMITS_TEXT "request line 8 KiB with up to 100 query parameters, " \
                         "headers 16 KiB in up to 100 lines and 100 cookies"

/* http_conn.c: per-address connection limits and request deadlines (see the file). */
enum http_phase { HTTP_PHASE_HEAD = 0, HTTP_PHASE_BODY, HTTP_PHASE_BUSY };
int http_conn_setup(const struct config *cfg);
void http_conn_cleanup(void);
/* Takes a slot of addr's connection count: false (logged) when it holds the maximum. */
bool http_conn_admit(const struct sockaddr *addr);
/* Gives back the slot of a connection that never reached libmicrohttpd. */
void http_conn_release(const struct sockaddr *addr);
/* libmicrohttpd's connection notification callback (registry, slot given back on close). */
void http_conn_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
                      enum MHD_ConnectionNotificationCode code);
/* The connection of mc enters phase at now_ms (mono_ms()). */
void http_conn_phase(struct MHD_Connection *mc, enum http_phase phase, int64_t now_ms);
/* Connections refused by the per-address limit and shut down past a deadline, since start. */
void http_conn_stats(unsigned long long *refused, unsigned long long *reaped);

/* http_head.c: the gate's check of a new connection's first request head. */
enum http_head_verdict { HTTP_HEAD_MORE = 0, HTTP_HEAD_OK, HTTP_HEAD_REFUSE };
struct http_head_error {
    unsigned status;
    const char *code, *message; /* static strings */
};
/* Checks buf[0..n), what a connection sent so far: MORE while the head is incomplete and
 * within the limits, OK for a whole acceptable head, REFUSE with *e filled otherwise.
 * max_body: MAX_BODY_BYTES (a larger Content-Length is refused at once). */
enum http_head_verdict http_head_check(const char *buf, size_t n, long max_body,
                                       struct http_head_error *e);

/* http_gate.c: the accept loop in front of libmicrohttpd (see the file). */
int http_gate_start(const struct config *cfg, struct MHD_Daemon *daemon);
void http_gate_stop(void);

/* http_mhd.c: whether libmicrohttpd's built-in error pages are being replaced by JSON. */
bool http_mhd_errors_active(void);

/* Parses CORS_ORIGINS and PUBLIC_URL once at start-up. */
int http_cors_setup(const struct config *cfg);
void http_cors_cleanup(void);
/* true when origin is in the allow-list. */
bool http_cors_allowed(const char *origin);
/* true when a cookie-authenticated unsafe request comes from our own origin or an allowed
 * one (Origin header) or the browser says same-origin (Sec-Fetch-Site). */
bool http_cors_same_site(const http_req *r);
/* Adds Access-Control-* headers for an allowed Origin to the response. */
void http_cors_decorate(http_req *r);
/* Answers an OPTIONS request; allow is the comma list of methods the path supports. */
int http_cors_preflight(http_req *r, const char *allow);

#endif
