/* SPDX-License-Identifier: MIT */
/* The libmicrohttpd daemon and the dispatcher. MHD runs an epoll loop per pool thread;
 * a request's handler runs on MHD's final call for it (after the body is read), on that
 * thread, so blocking database work is bounded by the pool size. The dispatcher matches
 * the route table, answers 404/405/413/OPTIONS itself, authenticates ROUTE_AUTH routes
 * (bearer token, or the session cookie with a same-site check for unsafe methods),
 * resolves the tenant, calls the handler, then adds the request id and CORS headers and
 * writes one access-log line. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "core/http_internal.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/metrics.h"
#include "core/mono.h"
#include "core/text.h"
#include "core/workpool.h"

struct conn_state {
    http_req req;
    char *body;
    size_t len, cap;
    bool too_large;
    bool started;       /* the head was read and the request set up */
    bool too_many_args; /* the query had more than HTTP_ARGS_MAX parameters (not parsed) */
    bool bad_framing;   /* a Transfer-Encoding other than chunked: the body cannot be read */
    /* http_defer: the handler's continuation, and whether the work is done (the pool
     * thread sets it before resuming the connection) */
    http_work work;
    http_finish finish;
    void *arg;
    atomic_bool done;
    int64_t t0; /* mono_us() when the request was dispatched */
};

static char id_prefix[9];
static atomic_uint_fast64_t id_counter;
static atomic_int in_flight; /* requests between first call and completion */
static struct workpool *outbound;   /* http_defer's pool */
static const struct route *routes;  /* the tables http_start was given */
static const http_authenticator *authenticators;


/* Matches pattern against path; on success stores copies of {vars} in r. */
static bool match(const char *pattern, const char *path, http_req *r)
{
    int nv = 0;
    char *vars[HTTP_MAX_VARS];
    const char *p = pattern, *u = path;
    while (*p) {
        if (p[0] == '*' && p[1] == '\0') { /* the rest of the path */
            if (nv == HTTP_MAX_VARS)
                goto fail;
            vars[nv++] = mem_strdup(u);
            u += strlen(u);
            p++;
            break;
        }
        if (!*u)
            break;
        if (*p == '{') {
            const char *pend = strchr(p, '}');
            const char *uend = strchr(u, '/');
            size_t ulen = uend ? (size_t)(uend - u) : strlen(u);
            if (!pend || ulen == 0 || nv == HTTP_MAX_VARS)
                goto fail;
            vars[nv++] = mem_strndup(u, ulen);
            p = pend + 1;
            u += ulen;
            continue;
        }
        if (*p != *u)
            goto fail;
        p++;
        u++;
    }
    if (*p || *u)
        goto fail;
    if (r) {
        memcpy(r->vars, vars, sizeof(char *) * (size_t)nv);
        r->nvars = nv;
    } else {
        while (nv > 0)
            free(vars[--nv]);
    }
    return true;
fail:
    while (nv > 0)
        free(vars[--nv]);
    return false;
}

/* Finds the route for (method, path). HEAD uses GET routes. When the path exists with
 * other methods, *allow receives them ("GET, POST") and NULL is returned. */
static const struct route *find_route(const char *method, const char *path, http_req *r,
                                      char *allow, size_t allow_len)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    allow[0] = '\0';
    for (const struct route *rt = routes; rt->method; rt++) {
        if (strcmp(rt->method, m) == 0 && match(rt->pattern, path, r))
            return rt;
    }
    for (const struct route *rt = routes; rt->method; rt++) {
        if (!match(rt->pattern, path, NULL) || strstr(allow, rt->method))
            continue;
        size_t n = strlen(allow);
        snprintf(allow + n, allow_len - n, "%s%s", n ? ", " : "", rt->method);
    }
    if (allow[0]) {
        size_t n = strlen(allow);
        snprintf(allow + n, allow_len - n, ", OPTIONS");
    }
    return NULL;
}

static bool is_unsafe(const char *method)
{
    return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

const char *http_bearer_token(http_req *r, bool *replied)
{
    const char *token = NULL;
    const char *h = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    *replied = false;
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        token = h + 7;
        while (*token == ' ')
            token++;
    } else if (!h && (token = http_cookie(r, "session")) != NULL) {
        if (is_unsafe(r->method) && !http_cors_same_site(r)) {
            LOG_I("Security - session cookie refused: a change from another site");
            http_reply_error(r, 403, "cross_site_request",
                             "Cookie-authenticated changes must come from the app's own origin.");
            *replied = true;
            return NULL;
        }
    }
    return token && *token ? token : NULL;
}

bool http_refuse_auth(http_req *r, bool invalid, const char *why)
{
    LOG_I("Security - credentials refused: %s", why);
    if (invalid) {
        http_reply_error(r, 401, "unauthorized", "The token is invalid or expired.");
        http_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
    } else {
        http_reply_err(r, APP_E_AUTH, "A bearer token is required.");
    }
    return false;
}

/* Runs the route's authenticator; false when it refused (and replied). */
static bool authenticate(http_req *r)
{
    if (r->route->auth == HTTP_AUTH_PUBLIC)
        return true;
    http_authenticator fn = authenticators ? authenticators[r->route->auth] : NULL;
    if (!fn) {
        LOG_E("route %s %s names an authenticator the server was not given", r->route->method,
              r->route->pattern);
        http_reply_err(r, APP_E_INTERNAL, NULL);
        return false;
    }
    return fn(r);
}

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    const char **bad = cls;
    if (!text_utf8_valid(key) || (value && !text_utf8_valid(value))) {
        *bad = key;
        return MHD_NO;
    }
    return MHD_YES;
}

/* Query parameters and path variables reach SQL and JSON: refuse text that is not UTF-8
 * (400 for a parameter; 404 for a path, which cannot name anything that exists). */
static bool args_ok_or_reply(http_req *r)
{
    const char *bad = NULL;
    MHD_get_connection_values(r->mc, MHD_GET_ARGUMENT_KIND, check_arg, &bad);
    if (bad) {
        char msg[160];
        if (text_utf8_valid(bad))
            snprintf(msg, sizeof msg, "Query parameter '%.64s' is not valid UTF-8.", bad);
        else
            snprintf(msg, sizeof msg, "A query parameter name is not valid UTF-8.");
        http_reply_error(r, 400, "invalid_parameter", msg);
        return false;
    }
    for (int i = 0; i < r->nvars; i++) {
        if (!text_utf8_valid(r->vars[i])) {
            http_reply_error(r, 404, "not_found", "Not found.");
            return false;
        }
    }
    return true;
}

/* Requests libmicrohttpd accepts but the server does not: a body framing it cannot read, too
 * many query parameters (their parsing was skipped: see uri_logged), and an HTTP/1.1 request
 * without Host (RFC 9112 §3.2). The gate refuses these on a connection's first request; this
 * covers the later ones of a kept-alive connection. Answers and returns false. */
static bool head_ok_or_reply(struct conn_state *cs, const char *version)
{
    http_req *r = &cs->req;
    if (cs->bad_framing) {
        http_reply_error(r, 501, "not_implemented",
                         "Only the chunked transfer encoding is supported.");
        return false;
    }
    if (cs->too_many_args) {
        char msg[128];
        snprintf(msg, sizeof msg, "The query has more than %d parameters.", HTTP_ARGS_MAX);
        http_reply_error(r, 414, "uri_too_long", msg);
        return false;
    }
    if (version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
        !http_header(r, MHD_HTTP_HEADER_HOST)) {
        http_reply_error(r, 400, "missing_host", "An HTTP/1.1 request needs a Host header.");
        return false;
    }
    return true;
}

static void dispatch(struct conn_state *cs, const char *version)
{
    http_req *r = &cs->req;
    char allow[128];
    if (!head_ok_or_reply(cs, version))
        return;
    if (cs->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "The request body is larger than %ld bytes.",
                 r->app->cfg->max_body_bytes);
        http_reply_error(r, 413, "payload_too_large", msg);
        return;
    }
    r->body = cs->body;
    r->body_len = cs->len;
    const struct route *rt = find_route(r->method, r->path, r, allow, sizeof allow);
    if (!rt && strcmp(r->method, "OPTIONS") == 0 && allow[0]) {
        http_cors_preflight(r, allow);
        return;
    }
    if (!rt && allow[0]) {
        http_reply_error(r, 405, "method_not_allowed", "This method is not allowed on this path.");
        http_add_header(r, MHD_HTTP_HEADER_ALLOW, allow);
        return;
    }
    if (!rt) {
        http_reply_error(r, 404, "not_found", "No such endpoint.");
        return;
    }
    r->route = rt;
    if (!authenticate(r))
        return;
    if (!args_ok_or_reply(r))
        return;
    log_set_request(r->request_id, r->tenant.id);
    rt->fn(r);
    if (!r->resp && !cs->finish) /* neither answered nor deferred */
        http_reply_err(r, APP_E_INTERNAL, NULL);
}

/* libmicrohttpd calls this once per request, right after the request line and before it
 * parses the query: the request's state is made here (and handed to on_request as its
 * con_cls; on_completed frees it). libmicrohttpd 0.9.75 allocates one record per query
 * parameter from the connection's fixed memory and, when that runs out, neither answers nor
 * reports it: the connection just closes. So a query over HTTP_ARGS_MAX parameters is cut at
 * its '?' here, in libmicrohttpd's own read buffer (which it writes into itself while
 * parsing), before it is parsed; dispatch() then answers 414. */
static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *mc)
{
    struct conn_state *cs = mem_zalloc(1, sizeof *cs);
    (void)mc;
    cs->req.app = cls;
    atomic_fetch_add(&in_flight, 1);
    char *q = uri ? strchr(uri, '?') : NULL;
    if (q && q[1]) {
        int args = 1;
        for (const char *p = q + 1; *p && args <= HTTP_ARGS_MAX; p++)
            args += *p == '&';
        if (args > HTTP_ARGS_MAX) {
            q[1] = '\0';
            cs->too_many_args = true;
        }
    }
    return cs;
}

/* The first call for a request (its head is read): fills the request and moves the
 * connection into its body (or busy) phase. Returns false when the declared body is too
 * large, to be answered at once. */
static bool start_request(struct app *a, struct conn_state *cs, struct MHD_Connection *mc,
                          const char *url, const char *method)
{
    cs->started = true;
    cs->req.mc = mc;
    cs->req.method = method;
    cs->req.path = url;
    const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Transfer-Encoding");
    if (cl && strtoll(cl, NULL, 10) > a->cfg->max_body_bytes)
        cs->too_large = true;
    cs->bad_framing = te && strcasecmp(te, "chunked") != 0;
    bool body = te || (cl && strtoll(cl, NULL, 10) > 0);
    bool answer_now = cs->too_large || cs->bad_framing;
    http_conn_phase(mc, body && !answer_now ? HTTP_PHASE_BODY : HTTP_PHASE_BUSY, mono_ms());
    return !answer_now;
}

static void take_upload(struct app *a, struct conn_state *cs, const char *data, size_t n)
{
    if (cs->too_large || cs->len + n > (size_t)a->cfg->max_body_bytes) {
        cs->too_large = true;
        return;
    }
    if (cs->len + n + 1 > cs->cap) {
        cs->cap = (cs->len + n + 1) * 2;
        cs->body = mem_realloc(cs->body, cs->cap);
    }
    memcpy(cs->body + cs->len, data, n);
    cs->len += n;
    cs->body[cs->len] = '\0';
}

static enum MHD_Result respond(struct conn_state *cs, struct MHD_Connection *mc,
                               const char *method, const char *url);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct app *a = cls;
    struct conn_state *cs = *con_cls;
    if (!cs) /* not made by uri_logged: should not happen */
        return MHD_NO;
    if (!cs->started) {
        if (start_request(a, cs, mc, url, method))
            return MHD_YES;
        /* Declared too large: answer now instead of reading the body. */
    } else if (*upload_size > 0) {
        take_upload(a, cs, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (cs->req.resp && !cs->finish) /* already answered (early 413); ignore the rest */
        return MHD_YES;
    if (cs->finish) { /* resumed after deferred work, or called again before that */
        if (!atomic_load(&cs->done))
            return MHD_YES;
        http_finish finish = cs->finish;
        cs->finish = NULL;
        log_set_request(cs->req.request_id, cs->req.tenant.id);
        finish(&cs->req, cs->arg);
        log_set_request(NULL, 0);
        if (!cs->req.resp)
            http_reply_err(&cs->req, APP_E_INTERNAL, NULL);
        return respond(cs, mc, method, url);
    }
    http_conn_phase(mc, HTTP_PHASE_BUSY, mono_ms());
    cs->t0 = mono_us();
    snprintf(cs->req.request_id, sizeof cs->req.request_id, "%s%012llx", id_prefix,
             (unsigned long long)atomic_fetch_add(&id_counter, 1));
    log_set_request(cs->req.request_id, 0);
    dispatch(cs, version);
    log_set_request(NULL, 0);
    if (cs->finish && !cs->req.resp) /* deferred: answered when the work is done */
        return MHD_YES;
    return respond(cs, mc, method, url);
}

/* Queues the reply the handler set, counts and logs the request. */
static enum MHD_Result respond(struct conn_state *cs, struct MHD_Connection *mc,
                               const char *method, const char *url)
{
    http_req *r = &cs->req;
    MHD_add_response_header(r->resp, "X-Request-Id", r->request_id);
    http_cors_decorate(r);
    enum MHD_Result ret = MHD_queue_response(mc, r->status, r->resp);
    int64_t spent = mono_us() - cs->t0;
    metrics_observe(r->route ? (int)(r->route - routes) : -1, r->status, spent);
    log_access(r->request_id, method, url, r->status, spent, r->tenant.id);
    return ret;
}

/* The pool thread's side of http_defer: the work, then the connection back to the server. */
static void run_deferred(void *arg)
{
    struct conn_state *cs = arg;
    cs->work(cs->arg);
    atomic_store(&cs->done, true);
    MHD_resume_connection(cs->req.mc);
}

int http_defer(http_req *r, http_work work, http_finish finish, void *arg)
{
    struct conn_state *cs = (struct conn_state *)(void *)r; /* r is its first member */
    cs->work = work;
    cs->finish = finish;
    cs->arg = arg;
    atomic_store(&cs->done, false);
    MHD_suspend_connection(r->mc);
    if (outbound && workpool_submit(outbound, run_deferred, cs))
        return 0;
    /* the pool is full: answer now, without the work */
    cs->finish = NULL;
    MHD_resume_connection(r->mc);
    LOG_W("outbound pool full: a request that needs an outside service was turned away");
    http_reply_error(r, 503, "busy", "The server is busy talking to outside services; try "
                                     "again in a moment.");
    http_add_header(r, "Retry-After", "1");
    return 0;
}

int http_in_flight(void)
{
    return atomic_load(&in_flight);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    struct conn_state *cs = *con_cls;
    if (!cs)
        return;
    http_conn_phase(mc, HTTP_PHASE_HEAD, mono_ms()); /* waiting for the next request */
    if (cs->req.auth_data && cs->req.auth_data_free)
        cs->req.auth_data_free(cs->req.auth_data);
    for (int i = 0; i < cs->req.nvars; i++)
        free(cs->req.vars[i]);
    if (cs->req.resp)
        MHD_destroy_response(cs->req.resp);
    free(cs->body);
    free(cs);
    *con_cls = NULL;
    atomic_fetch_sub(&in_flight, 1);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    if (n > 0 && msg[n - 1] == '\n')
        msg[n - 1] = '\0';
    LOG_W("libmicrohttpd: %s", msg);
}

struct MHD_Daemon *http_start(struct app *a, const struct route *route_table,
                              const http_authenticator auth_table[HTTP_AUTH_COUNT])
{
    const struct config *cfg = a->cfg;
    routes = route_table;
    authenticators = auth_table;
    metrics_routes(route_table);
    /* No listening socket of its own: the gate accepts and hands connections over. */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_USE_NO_LISTEN_SOCKET | MHD_USE_SUSPEND_RESUME;
    if (http_cors_setup(cfg) != 0)
        return NULL;
    unsigned char rnd[4];
    FILE *ur = fopen("/dev/urandom", "r");
    if (!ur || fread(rnd, 1, sizeof rnd, ur) != sizeof rnd)
        memset(rnd, 0, sizeof rnd);
    if (ur)
        fclose(ur);
    snprintf(id_prefix, sizeof id_prefix, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
    if (!http_mhd_errors_active())
        LOG_W("libmicrohttpd's own error pages cannot be replaced: some errors will be HTML");
    if (http_conn_setup(cfg) != 0) {
        http_cors_cleanup();
        return NULL;
    }
    outbound = workpool_new(cfg->outbound_threads, cfg->outbound_queue);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, a, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        /* Request line, headers and their records (bodies are copied out). It must hold a
         * head at the limits of http_internal.h with room to spare; libmicrohttpd zeroes
         * the whole of it for every request, so it is no bigger than that. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_POOL_BYTES,
        MHD_OPTION_URI_LOG_CALLBACK, uri_logged, a, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        NULL, MHD_OPTION_NOTIFY_CONNECTION, http_conn_notify, NULL, MHD_OPTION_END);
    if (!d || http_gate_start(cfg, d) != 0) {
        if (!d)
            LOG_E("cannot start libmicrohttpd");
        else
            MHD_stop_daemon(d);
        http_conn_cleanup();
        http_cors_cleanup();
        workpool_free(outbound);
        outbound = NULL;
        return NULL;
    }
    return d;
}

void http_stop(struct MHD_Daemon *d)
{
    if (!d)
        return;
    /* Drain: stop accepting, let requests in progress finish (bounded), then stop. */
    http_gate_stop();
    for (int i = 0; i < 100 && atomic_load(&in_flight) > 0; i++)
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
    /* requests still waiting on the outside finish their work and resume first: a daemon
     * must not stop with suspended connections */
    workpool_free(outbound);
    outbound = NULL;
    MHD_stop_daemon(d);
    http_conn_cleanup();
    http_cors_cleanup();
}
