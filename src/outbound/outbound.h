/* SPDX-License-Identifier: MIT */
/* The one outbound HTTP client and its SSRF guard. Every call to the outside world (a
 * tenant's listing site, a CalDAV server, Microsoft, Google, Vapi) goes through
 * outbound_request() or the JSON helpers: one libcurl easy handle per call, connect and total
 * deadlines, a cap on the decoded body enforced while it streams, gzip, at most 5 redirects
 * followed here (each hop's URL re-checked, each connection's address checked as it is about
 * to be made, so DNS rebinding and redirects to internal addresses are refused), TLS
 * verification always on, http and https only.
 *
 * The calls block: run them on the worker or on the outbound pool, never on a request thread.
 * curl_global_init() is done once, in main(), before any thread starts; nothing here does
 * global initialisation. An outbound_client is immutable once made, so any number of threads
 * may share one. */
#ifndef PETE_OUTBOUND_H
#define PETE_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define OUTBOUND_CONNECT_TIMEOUT_MS 5000L
#define OUTBOUND_TIMEOUT_MS 10000L
#define OUTBOUND_MAX_BYTES ((size_t)5 << 20)
#define OUTBOUND_MAX_REDIRECTS 5
#define OUTBOUND_NO_REDIRECTS (-1)
/* Limits on what a caller passes (a bug, not an input, when exceeded: OUTBOUND_E_REQUEST). */
#define OUTBOUND_MAX_HEADERS 32
#define OUTBOUND_MAX_RESOLVE 16
#define OUTBOUND_MAX_URL 8192
#define OUTBOUND_LIMIT_MS 600000L                 /* timeouts above 10 minutes */
#define OUTBOUND_LIMIT_BYTES ((size_t)1 << 30)   /* body caps above 1 GiB */

typedef enum {
    OUTBOUND_OK = 0,
    OUTBOUND_E_URL,       /* not a URL, a scheme other than http/https, a bad host */
    OUTBOUND_E_REQUEST,   /* the caller's request is malformed (method, header, option) */
    OUTBOUND_E_BLOCKED,   /* the SSRF guard refused the address (result.refused says why) */
    OUTBOUND_E_DNS,       /* the host name did not resolve */
    OUTBOUND_E_CONNECT,   /* connection refused or unreachable */
    OUTBOUND_E_TIMEOUT,   /* the connect or the total deadline passed */
    OUTBOUND_E_TOO_LARGE, /* the decoded body passed the cap */
    OUTBOUND_E_REDIRECTS, /* more redirects than allowed, or a redirect loop */
    OUTBOUND_E_TLS,       /* TLS handshake or certificate verification failed */
    OUTBOUND_E_NOT_JSON,  /* JSON helpers: the response body is not JSON */
    OUTBOUND_E_OTHER      /* the connection broke mid-response, bad gzip, anything else */
} outbound_err;

/* Address classes, as the guard names them in refusals. */
typedef enum {
    OUTBOUND_ADDR_PUBLIC = 0,
    OUTBOUND_ADDR_LOOPBACK,      /* 127/8, ::1, "localhost" */
    OUTBOUND_ADDR_UNSPECIFIED,   /* 0/8 ("this network"), :: */
    OUTBOUND_ADDR_PRIVATE,       /* RFC 1918: 10/8, 172.16/12, 192.168/16 */
    OUTBOUND_ADDR_CGNAT,         /* 100.64/10 shared address space */
    OUTBOUND_ADDR_LINK_LOCAL,    /* 169.254/16, fe80::/10 (cloud metadata lives here) */
    OUTBOUND_ADDR_MULTICAST,     /* 224/4, ff00::/8 */
    OUTBOUND_ADDR_BROADCAST,     /* 255.255.255.255 */
    OUTBOUND_ADDR_ULA,           /* fc00::/7 */
    OUTBOUND_ADDR_DOCUMENTATION, /* 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32,
                                    3fff::/20 */
    OUTBOUND_ADDR_RESERVED       /* 240/4, 192.0.0/24, 198.18/15, IPv6 outside 2000::/3 ... */
} outbound_class;

/* Process-wide settings, copied by outbound_new(). Zero fields take the defaults above. */
struct outbound_setup {
    const char *public_url; /* PUBLIC_URL, named in the User-Agent; NULL: left out */
    const char *ca_file;    /* PEM bundle trusted instead of the system's (tests); NULL: system */
    bool allow_private;     /* SCRAPE_ALLOW_PRIVATE: the guard refuses nothing */
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_bytes;
};

/* Per-call options; a zeroed struct (or NULL) means GET with the client's settings. */
struct outbound_opts {
    const char *method;          /* GET, POST, PUT, PATCH, DELETE, or PROPFIND and REPORT
                                    (CalDAV); NULL: GET, POST with a body */
    const char *body;            /* request body (not with GET); NULL: none */
    size_t body_len;
    const char *const *headers;  /* NULL-terminated "Name: value" list; NULL: none */
    long connect_timeout_ms;     /* 0: the client's */
    long timeout_ms;             /* 0: the client's; covers every hop of the call */
    size_t max_bytes;            /* 0: the client's */
    int max_redirects;           /* 0: 5; OUTBOUND_NO_REDIRECTS: return the 3xx; at most 5 */
    bool allow_private;          /* lifts the guard for this call only */
    /* Test hooks, never set from configuration: */
    const char *const *resolve;  /* NULL-terminated "name:port:addr" (CURLOPT_RESOLVE); when a
                                    name:port repeats, redirect hop k uses its k-th entry (the
                                    last when fewer), as a DNS server changing its answer would */
    const char *test_public_ip;  /* this one address counts as public (e.g. "127.0.0.2") */
    bool test_skip_precheck;     /* skip the URL pre-check, to show the connect check alone */
};

#define OUTBOUND_MESSAGE_MAX 512
#define OUTBOUND_IP_MAX 46

/* What a call returns. Request headers (Authorization...) never appear in it. */
struct outbound_result {
    outbound_err err;
    char message[OUTBOUND_MESSAGE_MAX]; /* a sentence when err != OUTBOUND_OK, else "" */
    long status;                /* the last HTTP status received; 0 when none */
    char *body;                 /* NUL-terminated; set when err is OK or NOT_JSON, else NULL */
    size_t len;                 /* body bytes (decoded), excluding the NUL */
    char *content_type;         /* the final response's, or NULL */
    char *final_url;            /* the last URL requested, without userinfo; NULL when unparsed */
    char connected_ip[OUTBOUND_IP_MAX]; /* the last address connected; "" when none */
    outbound_class refused;     /* err == OUTBOUND_E_BLOCKED: the refused address's class */
    int redirects;              /* redirects followed */
    double elapsed_s;           /* the whole call, every hop */
};

typedef struct outbound_client outbound_client;

/* ---- client (outbound_client.c) ---- */

/* Copies the settings into a new client; it stores them and does nothing global. Errors:
 * NULL when a timeout is negative or above OUTBOUND_LIMIT_MS, or max_bytes is above
 * OUTBOUND_LIMIT_BYTES. The caller frees it with outbound_free(). */
outbound_client *outbound_new(const struct outbound_setup *s);
void outbound_free(outbound_client *c);

/* Performs one request to url, following redirects (see outbound_opts). Always fills *res
 * (zeroed first) and returns res->err; an HTTP status >= 400 is OUTBOUND_OK with the status
 * set, for the caller to judge. Redirects: 303 turns any method but GET into GET without a
 * body, 301 and 302 turn POST into GET (as browsers do), 307 and 308 keep method and body;
 * Authorization, Cookie and Proxy-Authorization headers are dropped once a hop leaves the
 * first URL's origin. Environment proxies are ignored (the guard must see the real peer).
 * The caller releases *res with outbound_result_cleanup(), whatever the outcome. */
outbound_err outbound_request(const outbound_client *c, const char *url,
                              const struct outbound_opts *o, struct outbound_result *res);
/* Frees what *res owns and zeroes it; NULL is fine. */
void outbound_result_cleanup(struct outbound_result *res);
/* "blocked", "timeout"... a static string naming e. */
const char *outbound_err_name(outbound_err e);

/* ---- JSON helpers (outbound_json.c) ---- */

/* outbound_request() with j_body (may be NULL) serialised as the body with Content-Type
 * application/json and Accept application/json added (unless o->headers names them);
 * o->method and o->body are ignored in favour of method (NULL: GET, or POST with a body).
 * On OUTBOUND_OK, *j_out receives the parsed response body (a new reference, the caller
 * json_decref()s it), whatever the status; a 204 or an empty 2xx body gives *j_out NULL.
 * A body that is not JSON gives OUTBOUND_E_NOT_JSON with res->body kept for diagnosis.
 * *j_out is NULL on every error. The caller cleans *res up as for outbound_request(). */
outbound_err outbound_json_request(const outbound_client *c, const char *method,
                                   const char *url, const json_t *j_body,
                                   const struct outbound_opts *o, struct outbound_result *res,
                                   json_t **j_out);

/* ---- SSRF guard (outbound_guard.c) ---- */

/* The class of a binary address: family AF_INET with 4 bytes or AF_INET6 with 16 bytes, in
 * network order. IPv6 forms that embed an IPv4 address (mapped ::ffff:0:0/96, translated
 * ::ffff:0:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32)
 * take the class of the address they embed. Unknown families are RESERVED. */
outbound_class outbound_classify(int family, const unsigned char *addr);
/* The class of an IP address written as text (dotted IPv4 or IPv6, no brackets); false when
 * text is not one. */
bool outbound_classify_text(const char *text, outbound_class *out);
/* "link-local", "private (RFC 1918)"... a static string naming c. */
const char *outbound_class_name(outbound_class c);
/* Checks url before any connection is made: parses it with libcurl's parser, allows only
 * http and https, bounds the host name, and classifies a host that is an IP address in any
 * form libcurl or the resolver would accept (decimal, octal, hex, short, trailing dots,
 * bracketed IPv6) or "localhost". Returns OUTBOUND_OK for a host name (the connect check
 * decides) or a public address, OUTBOUND_E_URL, or OUTBOUND_E_BLOCKED with *cls (may be
 * NULL) set; msg (cap bytes, may be NULL) receives the reason. allow_private lifts the
 * refusal; test_public_ip (may be NULL) is one address that counts as public. */
outbound_err outbound_check_url(const char *url, bool allow_private, const char *test_public_ip,
                                outbound_class *cls, char *msg, size_t cap);

/* ---- `peterental fetch` (outbound_cli.c) ---- */

/* `peterental fetch [--timeout MS] URL` (argv[0] is "fetch"): fetches URL through a client
 * made from *s and prints the status, final URL, connected address, byte count and time to
 * out, or the refusal or error to err. Returns 0 on success, 1 on any failure (an HTTP status
 * >= 400 included), 2 on a usage error. */
int outbound_cli_main(const struct outbound_setup *s, int argc, char **argv, FILE *out,
                      FILE *err);
/* The report alone, for one URL and per-call options (may be NULL); returns 0 or 1 as above. */
int outbound_cli_fetch(const struct outbound_setup *s, const char *url,
                       const struct outbound_opts *o, FILE *out, FILE *err);

#endif
