/* SPDX-License-Identifier: MIT */
/* The outbound HTTP client: one libcurl easy handle per call, reused across the call's
 * redirect hops (so a same-origin hop may reuse its checked connection) and never shared
 * between threads. Redirects are followed here, not by libcurl, so every hop's URL passes
 * the pre-check of outbound_guard.c and every connection libcurl opens passes the guard in
 * open_socket() (CURLOPT_OPENSOCKETFUNCTION), which sees the address actually about to be
 * connected whatever the name resolved to. The body is collected through a write callback
 * that counts decoded bytes, so a compressed body that inflates past the cap is stopped. */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "core/mem.h"
#include "core/mono.h"
#include "outbound/outbound_internal.h"

struct outbound_client {
    char *user_agent;
    char *ca_file;
    bool allow_private;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_bytes;
};

/* The body of the current hop, capped while it streams. */
struct sink {
    char *buf;
    size_t len, cap, max;
    bool too_large;
};

/* One call's settled options and the state its hops share. */
struct call {
    const outbound_client *c;
    const struct outbound_opts *o;
    bool allow_private, follow;
    struct outbound_ip test_ip;
    bool has_test_ip;
    long connect_ms;
    int64_t deadline_ms;
    int max_redirects;
    const char *method; /* changes when a redirect turns the request into a GET */
    const char *body;
    size_t body_len;
    bool body_dropped;  /* Content-Type goes with the body */
    bool cross_origin;  /* a hop left the first URL's origin: secrets stay behind */
    char *origin;
    int hop;
    struct sink sink;
    int opened;   /* sockets handed to libcurl in this hop */
    bool refused; /* the guard refused an address in this hop */
    outbound_class refused_class;
    char refused_msg[OUTBOUND_MESSAGE_MAX];
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *headers, *resolve;
    char *visited[OUTBOUND_MAX_REDIRECTS + 1]; /* URLs requested so far, to name a loop */
};

static const char *const err_names[] = {
    [OUTBOUND_OK] = "ok",
    [OUTBOUND_E_URL] = "bad_url",
    [OUTBOUND_E_REQUEST] = "bad_request",
    [OUTBOUND_E_BLOCKED] = "blocked",
    [OUTBOUND_E_DNS] = "dns",
    [OUTBOUND_E_CONNECT] = "connect",
    [OUTBOUND_E_TIMEOUT] = "timeout",
    [OUTBOUND_E_TOO_LARGE] = "too_large",
    [OUTBOUND_E_REDIRECTS] = "too_many_redirects",
    [OUTBOUND_E_TLS] = "tls",
    [OUTBOUND_E_NOT_JSON] = "not_json",
    [OUTBOUND_E_OTHER] = "other",
};

const char *outbound_err_name(outbound_err e)
{
    if ((unsigned)e >= sizeof err_names / sizeof err_names[0])
        return "unknown";
    return err_names[e];
}

outbound_client *outbound_new(const struct outbound_setup *s)
{
    static const struct outbound_setup none;
    s = s ? s : &none;
    if (s->connect_timeout_ms < 0 || s->timeout_ms < 0 ||
        s->connect_timeout_ms > OUTBOUND_LIMIT_MS || s->timeout_ms > OUTBOUND_LIMIT_MS ||
        s->max_bytes > OUTBOUND_LIMIT_BYTES)
        return NULL;
    outbound_client *c = mem_zalloc(1, sizeof *c);
    char ua[400], url[300];
    outbound_text_safe(url, sizeof url, s->public_url);
    if (url[0])
        snprintf(ua, sizeof ua, "PeteRental/%s (+%s)", PETE_VERSION, url);
    else
        snprintf(ua, sizeof ua, "PeteRental/%s", PETE_VERSION);
    c->user_agent = mem_strdup(ua);
    c->ca_file = s->ca_file && s->ca_file[0] ? mem_strdup(s->ca_file) : NULL;
    c->allow_private = s->allow_private;
    c->connect_timeout_ms = s->connect_timeout_ms ? s->connect_timeout_ms
                                                  : OUTBOUND_CONNECT_TIMEOUT_MS;
    c->timeout_ms = s->timeout_ms ? s->timeout_ms : OUTBOUND_TIMEOUT_MS;
    c->max_bytes = s->max_bytes ? s->max_bytes : OUTBOUND_MAX_BYTES;
    return c;
}

void outbound_free(outbound_client *c)
{
    if (!c)
        return;
    free(c->user_agent);
    free(c->ca_file);
    free(c);
}

void outbound_result_cleanup(struct outbound_result *res)
{
    if (!res)
        return;
    free(res->body);
    free(res->content_type);
    free(res->final_url);
    memset(res, 0, sizeof *res);
}

/* ---- callbacks ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct sink *s = arg;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->too_large = true;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 16384;
        while (cap < s->len + n + 1)
            cap = cap > SIZE_MAX / 2 ? s->len + n + 1 : cap * 2;
        if (cap > s->max + 1)
            cap = s->max + 1;
        s->buf = mem_realloc(s->buf, cap);
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    return n;
}

/* Every socket libcurl would connect goes through here: the guard judges the address the
 * resolver (or the URL) produced, so a name that rebinds to an internal address between two
 * lookups is caught at the lookup that counts. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct call *k = arg;
    struct outbound_ip ip;
    const struct sockaddr *sa =
        (const struct sockaddr *)((const char *)a + offsetof(struct curl_sockaddr, addr));
    if (purpose != CURLSOCKTYPE_IPCXN || !outbound_ip_from_sockaddr(sa, a->addrlen, &ip)) {
        if (!k->refused)
            snprintf(k->refused_msg, sizeof k->refused_msg,
                     "refused: a socket of an unexpected kind or family");
        k->refused = true;
        k->refused_class = OUTBOUND_ADDR_RESERVED;
        return CURL_SOCKET_BAD;
    }
    if (!k->allow_private) {
        char msg[OUTBOUND_MESSAGE_MAX];
        outbound_class c = outbound_guard_judge(&ip, k->has_test_ip ? &k->test_ip : NULL, msg,
                                                sizeof msg);
        if (c != OUTBOUND_ADDR_PUBLIC) {
            if (!k->refused) { /* the first refusal is the one reported */
                memcpy(k->refused_msg, msg, sizeof msg);
                k->refused_class = c;
            }
            k->refused = true;
            return CURL_SOCKET_BAD;
        }
    }
    k->opened++;
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ---- settling a call's options ---- */

static bool header_named(const char *h, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(h, name, n) == 0 && h[n] == ':';
}

/* "Name: value" with a token name and no CR or LF anywhere (no header injection); headers
 * libcurl must own (framing, Host) are refused. */
static bool header_ok(const char *h)
{
    static const char *const owned[] = {"Host", "Content-Length", "Transfer-Encoding",
                                        "Connection", "Expect", "Accept-Encoding"};
    size_t n = strspn(h, "!#$%&'*+-.^_`|~0123456789"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    if (n == 0 || h[n] != ':' || strlen(h) > 8192 || strpbrk(h, "\r\n"))
        return false;
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (header_named(h, owned[i]))
            return false;
    return true;
}

static bool method_ok(const char *m)
{
    static const char *const known[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "PROPFIND",
                                        "REPORT"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(m, known[i]))
            return true;
    return false;
}

static bool lists_ok(const struct outbound_opts *o)
{
    size_t i = 0;
    for (; o->headers && o->headers[i]; i++)
        if (i >= OUTBOUND_MAX_HEADERS || !header_ok(o->headers[i]))
            return false;
    for (i = 0; o->resolve && o->resolve[i]; i++)
        if (i >= OUTBOUND_MAX_RESOLVE || strlen(o->resolve[i]) > 300 ||
            strpbrk(o->resolve[i], "\r\n") || !strchr(o->resolve[i], ':'))
            return false;
    return true;
}

static const char *call_init(struct call *k, const outbound_client *c,
                             const struct outbound_opts *o)
{
    memset(k, 0, sizeof *k);
    k->c = c;
    k->o = o;
    k->allow_private = c->allow_private || o->allow_private;
    k->method = o->method ? o->method : o->body ? "POST" : "GET";
    k->body = o->body;
    k->body_len = o->body ? o->body_len : 0;
    if (!method_ok(k->method))
        return "unsupported method (GET, POST, PUT, PATCH, DELETE, PROPFIND or REPORT)";
    if (!strcmp(k->method, "GET") && o->body)
        return "a GET carries no body";
    if (o->body_len && !o->body)
        return "body_len without a body";
    if (o->connect_timeout_ms < 0 || o->timeout_ms < 0 || o->max_redirects < -1 ||
        o->connect_timeout_ms > OUTBOUND_LIMIT_MS || o->timeout_ms > OUTBOUND_LIMIT_MS)
        return "timeout or redirect limit out of range";
    if (o->max_bytes > OUTBOUND_LIMIT_BYTES)
        return "max_bytes above 1 GiB";
    if (!lists_ok(o))
        return "bad header (\"Name: value\", no CR/LF, not one libcurl sets) or resolve entry";
    if (o->test_public_ip && !(k->has_test_ip = outbound_ip_parse(o->test_public_ip,
                                                                  &k->test_ip)))
        return "test_public_ip is not an IP address";
    k->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms : c->connect_timeout_ms;
    k->deadline_ms = mono_ms() + (o->timeout_ms ? o->timeout_ms : c->timeout_ms);
    k->follow = o->max_redirects != OUTBOUND_NO_REDIRECTS;
    k->max_redirects = o->max_redirects > 0 && o->max_redirects < OUTBOUND_MAX_REDIRECTS
                           ? o->max_redirects
                           : OUTBOUND_MAX_REDIRECTS;
    k->sink.max = o->max_bytes ? o->max_bytes : c->max_bytes;
    return NULL;
}

static void call_cleanup(struct call *k)
{
    free(k->sink.buf);
    free(k->origin);
    curl_slist_free_all(k->headers);
    curl_slist_free_all(k->resolve);
    for (size_t i = 0; i < sizeof k->visited / sizeof k->visited[0]; i++)
        free(k->visited[i]);
}

/* ---- one hop ---- */

static struct curl_slist *slist_add(struct curl_slist *l, const char *s)
{
    struct curl_slist *n = curl_slist_append(l, s);
    if (!n)
        mem_oom();
    return n;
}

static struct curl_slist *headers_for_hop(const struct call *k)
{
    struct curl_slist *out = NULL;
    for (size_t i = 0; k->o->headers && k->o->headers[i]; i++) {
        const char *h = k->o->headers[i];
        if (k->cross_origin && (header_named(h, "Authorization") || header_named(h, "Cookie") ||
                                header_named(h, "Proxy-Authorization")))
            continue;
        if (k->body_dropped && header_named(h, "Content-Type"))
            continue;
        out = slist_add(out, h);
    }
    if (k->body)
        out = slist_add(out, "Expect:"); /* no 100-continue round trip */
    return out;
}

/* Length of an entry's "name:port" key. */
static size_t resolve_key(const char *e)
{
    const char *c = strchr(e, ':');
    c = c ? strchr(c + 1, ':') : NULL;
    return c ? (size_t)(c - e) : strlen(e);
}

/* The resolve entries for hop number hop: among the entries sharing a "name:port", the
 * hop-th (the last when there are fewer). */
static struct curl_slist *resolve_for_hop(const char *const *list, int hop)
{
    struct curl_slist *out = NULL;
    for (size_t i = 0; list && list[i]; i++) {
        size_t key = resolve_key(list[i]);
        int ordinal = 0, total = 0;
        for (size_t j = 0; list[j]; j++) {
            if (resolve_key(list[j]) != key || strncmp(list[i], list[j], key) != 0)
                continue;
            ordinal += j < i;
            total++;
        }
        if (ordinal == (hop < total ? hop : total - 1))
            out = slist_add(out, list[i]);
    }
    return out;
}

static void set_method(CURL *h, const struct call *k)
{
    bool post = !strcmp(k->method, "POST");
    if (!k->body && !post) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(k->method, "GET") ? k->method : NULL);
        return;
    }
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)k->body_len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, k->body ? k->body : "");
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, post ? NULL : k->method);
}

static void set_common(CURL *h, struct call *k)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* a proxy would hide the real peer from the guard */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (k->c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, k->c->ca_file);
    curl_easy_setopt(h, CURLOPT_USERAGENT, k->c->user_agent);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k->sink.max);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &k->sink);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, k);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, k->errbuf);
}

static outbound_err say(struct outbound_result *res, outbound_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static outbound_err say(struct outbound_result *res, outbound_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
    return e;
}

static bool tls_code(CURLcode rc)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR: case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: case CURLE_SSL_CRL_BADFILE: case CURLE_SSL_CLIENTCERT:
    case CURLE_SSL_ENGINE_NOTFOUND: case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED: case CURLE_SSL_SHUTDOWN_FAILED: case CURLE_USE_SSL_FAILED:
        return true;
    default:
        return false;
    }
}

static outbound_err map_code(CURLcode rc, const struct call *k, struct outbound_result *res)
{
    char d[CURL_ERROR_SIZE];
    if (rc == CURLE_OK)
        return OUTBOUND_OK;
    outbound_text_safe(d, sizeof d, k->errbuf[0] ? k->errbuf : curl_easy_strerror(rc));
    /* the refusal is the reason when nothing else was even tried */
    if (k->refused && (rc == CURLE_COULDNT_CONNECT || k->opened == 0)) {
        res->refused = k->refused_class;
        return say(res, OUTBOUND_E_BLOCKED, "%s", k->refused_msg);
    }
    if (k->sink.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return say(res, OUTBOUND_E_TOO_LARGE, "the response is larger than the %zu-byte cap",
                   k->sink.max);
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return say(res, OUTBOUND_E_DNS, "the host name did not resolve (%s)", d);
    case CURLE_COULDNT_CONNECT:
        return say(res, OUTBOUND_E_CONNECT, "cannot connect (%s)", d);
    case CURLE_OPERATION_TIMEDOUT:
        return say(res, OUTBOUND_E_TIMEOUT, "timed out (%s)", d);
    case CURLE_URL_MALFORMAT: case CURLE_UNSUPPORTED_PROTOCOL:
        return say(res, OUTBOUND_E_URL, "bad URL (%s)", d);
    case CURLE_PARTIAL_FILE: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        return say(res, OUTBOUND_E_OTHER, "the connection broke mid-response (%s)", d);
    default:
        if (tls_code(rc))
            return say(res, OUTBOUND_E_TLS, "TLS failed (%s)", d);
        return say(res, OUTBOUND_E_OTHER, "%s", d);
    }
}

static outbound_err run_hop(CURL *h, struct call *k, const char *url,
                            struct outbound_result *res)
{
    int64_t left = k->deadline_ms - mono_ms();
    if (left <= 0)
        return say(res, OUTBOUND_E_TIMEOUT, "timed out before redirect %d", res->redirects);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     k->connect_ms < left ? k->connect_ms : (long)left);
    set_method(h, k);
    struct curl_slist *headers = headers_for_hop(k);
    struct curl_slist *resolve = resolve_for_hop(k->o->resolve, k->hop);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    curl_slist_free_all(k->headers);
    curl_slist_free_all(k->resolve);
    k->headers = headers;
    k->resolve = resolve;
    k->sink.len = 0;
    k->sink.too_large = false;
    k->refused = false;
    k->opened = 0;
    k->errbuf[0] = '\0';
    res->status = 0;
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
    char *ip = NULL;
    if ((rc == CURLE_OK || res->status) &&
        curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && ip[0])
        outbound_text_safe(res->connected_ip, sizeof res->connected_ip, ip);
    return map_code(rc, k, res);
}

/* ---- redirects ---- */

static bool is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* "scheme://host:port", lowercased, or NULL when url does not parse. */
static char *origin_of(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    if (!u)
        mem_oom();
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        size_t n = strlen(scheme) + strlen(host) + strlen(port) + 5;
        out = mem_alloc(n);
        snprintf(out, n, "%s://%s:%s", scheme, host, port);
        for (char *p = out; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

/* url without its userinfo, as printable ASCII; NULL when it does not parse. */
static char *shown_url(const char *url)
{
    CURLU *u = curl_url();
    char *plain = NULL, *out = NULL;
    if (!u)
        mem_oom();
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &plain, 0) == CURLUE_OK) {
        size_t cap = strlen(plain) * 3 + 1;
        out = mem_alloc(cap);
        outbound_text_safe(out, cap, plain);
    }
    curl_free(plain);
    curl_url_cleanup(u);
    return out;
}

/* The next hop's URL (the caller frees it), or NULL when this response is the last: not a
 * redirect, or one without Location (then *e stays OK), or a Location that is no URL. */
static char *redirect_target(CURL *h, struct outbound_result *res, outbound_err *e)
{
    char *loc = NULL;
    struct curl_header *hd = NULL;
    *e = OUTBOUND_OK;
    if (!is_redirect(res->status))
        return NULL;
    if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc && loc[0])
        return mem_strdup(loc);
    if (curl_easy_header(h, "Location", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK)
        *e = say(res, OUTBOUND_E_URL, "bad URL: HTTP %ld redirects to a Location that is no URL",
                 res->status);
    return NULL;
}

/* The request the next hop makes, as browsers do it: 303 turns any method but GET into a GET
 * without a body, 301 and 302 turn a POST into one; secrets stay behind once the chain leaves
 * the first URL's origin. */
static void prepare_next(struct call *k, long status, const char *next)
{
    bool to_get = (status == 303 && strcmp(k->method, "GET") != 0) ||
                  ((status == 301 || status == 302) && !strcmp(k->method, "POST"));
    if (to_get) {
        k->method = "GET";
        k->body = NULL;
        k->body_len = 0;
        k->body_dropped = true;
    }
    if (!k->cross_origin) {
        char *o = origin_of(next);
        k->cross_origin = !o || !k->origin || strcmp(o, k->origin) != 0;
        free(o);
    }
    k->hop++;
}

static outbound_err too_many(struct call *k, const char *next, struct outbound_result *res)
{
    char shown[200];
    outbound_text_safe(shown, sizeof shown, next);
    for (int i = 0; i <= k->hop; i++)
        if (k->visited[i] && !strcmp(k->visited[i], next))
            return say(res, OUTBOUND_E_REDIRECTS,
                       "redirect loop: after %d redirects the chain comes back to %s",
                       res->redirects, shown);
    return say(res, OUTBOUND_E_REDIRECTS, "too many redirects (more than %d), next %s",
               k->max_redirects, shown);
}

static outbound_err follow(CURL *h, struct call *k, char **cur, struct outbound_result *res)
{
    for (;;) {
        outbound_err e;
        outbound_class cls;
        free(res->final_url);
        res->final_url = shown_url(*cur);
        k->visited[k->hop] = mem_strdup(*cur);
        if (!k->o->test_skip_precheck &&
            (e = outbound_check_url(*cur, k->allow_private, k->o->test_public_ip, &cls,
                                    res->message, sizeof res->message)) != OUTBOUND_OK) {
            res->refused = e == OUTBOUND_E_BLOCKED ? cls : OUTBOUND_ADDR_PUBLIC;
            return e;
        }
        if ((e = run_hop(h, k, *cur, res)) != OUTBOUND_OK || !k->follow)
            return e;
        char *next = redirect_target(h, res, &e);
        if (!next)
            return e;
        if (res->redirects >= k->max_redirects) {
            e = too_many(k, next, res);
            free(next);
            return e;
        }
        res->redirects++;
        prepare_next(k, res->status, next);
        free(*cur);
        *cur = next;
    }
}

outbound_err outbound_request(const outbound_client *c, const char *url,
                              const struct outbound_opts *o, struct outbound_result *res)
{
    static const struct outbound_opts none;
    struct call k;
    CURL *h = NULL;
    char *cur = NULL, *ct = NULL;
    int64_t t0 = mono_us();
    outbound_err e;
    const char *bad;
    memset(res, 0, sizeof *res);
    if ((bad = call_init(&k, c, o ? o : &none)) != NULL) {
        e = say(res, OUTBOUND_E_REQUEST, "bad request: %s", bad);
        goto out;
    }
    if (!(h = curl_easy_init())) {
        e = say(res, OUTBOUND_E_OTHER, "libcurl could not make a handle");
        goto out;
    }
    set_common(h, &k);
    cur = mem_strdup(url ? url : "");
    k.origin = origin_of(cur);
    if ((e = follow(h, &k, &cur, res)) != OUTBOUND_OK)
        goto out;
    if (!k.sink.buf)
        k.sink.buf = mem_alloc(1);
    k.sink.buf[k.sink.len] = '\0';
    res->body = k.sink.buf;
    res->len = k.sink.len;
    k.sink.buf = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) {
        res->content_type = mem_alloc(strlen(ct) * 3 + 1);
        outbound_text_safe(res->content_type, strlen(ct) * 3 + 1, ct);
    }
out:
    res->err = e;
    res->elapsed_s = (double)(mono_us() - t0) / 1e6;
    curl_easy_cleanup(h); /* before call_cleanup: the handle points into k */
    call_cleanup(&k);
    free(cur);
    return e;
}
