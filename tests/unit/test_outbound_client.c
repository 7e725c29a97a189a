/* SPDX-License-Identifier: MIT */
/* The outbound client against a local stand-in (tests/standins/outbound_standin.py): good
 * JSON, slow answers, 500s, broken connections, oversized and gzip-bomb bodies, redirect
 * chains and loops, method rewriting on redirects, secrets kept from other origins, TLS with
 * and without a trusted CA, the JSON helpers, several threads at once, and the guard on the
 * connected address: a public name redirecting to loopback, a name resolving to loopback,
 * and a name rebinding from public to loopback between two hops. 127.0.0.2 plays the public
 * internet (test_public_ip); names are injected through the resolve option, not DNS. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>

#include "outbound/outbound.h"
#include "test_outbound_standin.h"

#define MIB ((size_t)1 << 20)

static struct standin sv;
static outbound_client *client;
static char *tmp_dir;
static char cert_path[512], key_path[512];

/* ---- fixtures ---- */

static void write_datum(const char *path, const gnutls_datum_t *d)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d->data, 1, d->size, f), d->size);
    fclose(f);
}

/* A self-signed certificate for 127.0.0.1 (its own CA), made here so no tool is needed. */
static void make_cert(void)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    gnutls_datum_t d;
    unsigned char serial[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    unsigned char ip[4] = {127, 0, 0, 1};
    time_t now = time(NULL);
    assert_int_equal(gnutls_global_init(), 0);
    assert_int_equal(gnutls_x509_privkey_init(&key), 0);
    assert_int_equal(gnutls_x509_privkey_generate(
                         key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                     0);
    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    gnutls_x509_crt_set_version(crt, 3);
    gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    gnutls_x509_crt_set_activation_time(crt, now - 3600);
    gnutls_x509_crt_set_expiration_time(crt, now + 86400);
    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "127.0.0.1", 9);
    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_SET);
    gnutls_x509_crt_set_basic_constraints(crt, 1, -1);
    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN);
    assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
    assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
    assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), 0);
    write_datum(cert_path, &d);
    gnutls_free(d.data);
    assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d), 0);
    write_datum(key_path, &d);
    gnutls_free(d.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    gnutls_global_deinit();
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp_dir = tu_tempdir();
    snprintf(cert_path, sizeof cert_path, "%s/cert.pem", tmp_dir);
    snprintf(key_path, sizeof key_path, "%s/key.pem", tmp_dir);
    make_cert();
    if (!standin_start(&sv, cert_path, key_path))
        return -1;
    client = outbound_new(&(struct outbound_setup){.public_url = "https://pete.example"});
    return client ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    standin_stop(&sv);
    outbound_free(client);
    tu_rmtree(tmp_dir);
    free(tmp_dir);
    curl_global_cleanup();
    return 0;
}

/* http://ADDR:port/PATH on the stand-in. */
static const char *at(const char *addr, const char *path)
{
    static _Thread_local char url[512];
    snprintf(url, sizeof url, "http://%s:%d%s", addr, sv.port, path);
    return url;
}

/* GET path on 127.0.0.1 with the guard lifted (the stand-in is local). */
static outbound_err get_local(const char *path, struct outbound_result *r)
{
    return outbound_request(client, at("127.0.0.1", path),
                            &(struct outbound_opts){.allow_private = true}, r);
}

/* ---- plain answers ---- */

static void test_json_ok(void **state)
{
    (void)state;
    struct outbound_result r;
    assert_int_equal(get_local("/json", &r), OUTBOUND_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"ok\": true"));
    assert_int_equal(r.len, strlen(r.body));
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.final_url, at("127.0.0.1", "/json"));
    assert_string_equal(r.connected_ip, "127.0.0.1");
    assert_string_equal(r.message, "");
    assert_int_equal(r.redirects, 0);
    assert_true(r.elapsed_s > 0 && r.elapsed_s < 10);
    outbound_result_cleanup(&r);
    assert_null(r.body); /* cleanup zeroes */
}

/* Credentials in a URL are used, never shown back. */
static void test_userinfo_not_shown(void **state)
{
    (void)state;
    struct outbound_result r;
    char url[128];
    snprintf(url, sizeof url, "http://manager:hunter2@127.0.0.1:%d/echo", sv.port);
    assert_int_equal(outbound_request(client, url, &(struct outbound_opts){.allow_private = true},
                                      &r),
                     OUTBOUND_OK);
    assert_non_null(strstr(r.body, "\"authorization\": \"Basic ")); /* sent to the server */
    assert_string_equal(r.final_url, at("127.0.0.1", "/echo"));
    outbound_result_cleanup(&r);
}

static void test_identity_headers(void **state)
{
    (void)state;
    struct outbound_result r;
    assert_int_equal(get_local("/echo", &r), OUTBOUND_OK);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    const json_t *j_h = json_object_get(j, "headers");
    assert_string_equal(json_string_value(json_object_get(j_h, "user-agent")),
                        "PeteRental/" PETE_VERSION " (+https://pete.example)");
    assert_non_null(strstr(json_string_value(json_object_get(j_h, "accept-encoding")), "gzip"));
    json_decref(j);
    outbound_result_cleanup(&r);
}

static void test_gzip_is_decoded(void **state)
{
    (void)state;
    struct outbound_result r;
    assert_int_equal(get_local("/gzip-json", &r), OUTBOUND_OK);
    assert_string_equal(r.body, "{\"ok\": true, \"gzip\": true}");
    outbound_result_cleanup(&r);
    assert_int_equal(get_local("/gzip?bytes=1000", &r), OUTBOUND_OK);
    assert_int_equal(r.len, 1000);
    outbound_result_cleanup(&r);
}

static void test_server_error_is_a_status(void **state)
{
    (void)state;
    struct outbound_result r;
    assert_int_equal(get_local("/status?code=500", &r), OUTBOUND_OK);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "{\"status\": 500}");
    outbound_result_cleanup(&r);
}

static void test_connection_dropped(void **state)
{
    (void)state;
    struct outbound_result r;
    assert_int_equal(get_local("/drop", &r), OUTBOUND_E_OTHER);
    assert_int_equal(r.status, 200);
    assert_null(r.body);
    assert_non_null(strstr(r.message, "broke mid-response"));
    outbound_result_cleanup(&r);
}

static void test_connect_refused(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7F000001)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd); /* nothing listens there now */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    struct outbound_result r;
    assert_int_equal(outbound_request(client, url, &(struct outbound_opts){.allow_private = true},
                                      &r),
                     OUTBOUND_E_CONNECT);
    assert_non_null(strstr(r.message, "cannot connect"));
    outbound_result_cleanup(&r);
}

/* ---- deadlines ---- */

static void test_timeout(void **state)
{
    (void)state;
    struct outbound_result r;
    int64_t t0 = mono_ms();
    assert_int_equal(outbound_request(client, at("127.0.0.1", "/delay?s=5"),
                                      &(struct outbound_opts){.allow_private = true,
                                                              .timeout_ms = 1000},
                                      &r),
                     OUTBOUND_E_TIMEOUT);
    assert_true(mono_ms() - t0 < 10000);
    assert_non_null(strstr(r.message, "timed out"));
    assert_null(r.body);
    outbound_result_cleanup(&r);
    /* a slow answer inside the default deadline is fine */
    assert_int_equal(get_local("/delay?s=1", &r), OUTBOUND_OK);
    assert_int_equal(r.status, 200);
    outbound_result_cleanup(&r);
}

/* ---- size caps ---- */

static void expect_too_large(const char *path, size_t max)
{
    struct outbound_result r;
    int64_t t0 = mono_ms();
    outbound_request(client, at("127.0.0.1", path),
                     &(struct outbound_opts){.allow_private = true, .max_bytes = max}, &r);
    if (r.err != OUTBOUND_E_TOO_LARGE) {
        print_error("%s: %s (%s)\n", path, outbound_err_name(r.err), r.message);
        fail();
    }
    assert_true(mono_ms() - t0 < 10000);
    assert_null(r.body);
    assert_non_null(strstr(r.message, "larger than"));
    outbound_result_cleanup(&r);
}

static void test_size_caps(void **state)
{
    (void)state;
    expect_too_large("/big?bytes=6291456&length=1", 0); /* refused on Content-Length */
    expect_too_large("/big?bytes=6291456&length=0", 0); /* stopped while streaming */
    expect_too_large("/big?bytes=5242881&length=0", 0); /* one byte over */
    expect_too_large("/gzip?bytes=8388608", 0);          /* 8 KiB inflating to 8 MiB */
    expect_too_large("/big?bytes=101&length=0", 100);   /* a per-call cap */
    struct outbound_result r;
    assert_int_equal(get_local("/big?bytes=5242880&length=0", &r), OUTBOUND_OK);
    assert_int_equal(r.len, 5 * MIB);
    assert_int_equal(r.body[r.len], '\0');
    outbound_result_cleanup(&r);
}

/* ---- redirects ---- */

static void test_redirects_followed(void **state)
{
    (void)state;
    struct outbound_result r;
    assert_int_equal(get_local("/redirect?to=/json", &r), OUTBOUND_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.redirects, 1);
    assert_string_equal(r.final_url, at("127.0.0.1", "/json"));
    outbound_result_cleanup(&r);
    assert_int_equal(get_local("/chain?n=5", &r), OUTBOUND_OK);
    assert_int_equal(r.redirects, 5);
    outbound_result_cleanup(&r);
    assert_int_equal(get_local("/chain?n=6", &r), OUTBOUND_E_REDIRECTS);
    assert_non_null(strstr(r.message, "too many redirects (more than 5)"));
    outbound_result_cleanup(&r);
    assert_int_equal(outbound_request(client, at("127.0.0.1", "/chain?n=3"),
                                      &(struct outbound_opts){.allow_private = true,
                                                              .max_redirects = 2},
                                      &r),
                     OUTBOUND_E_REDIRECTS);
    outbound_result_cleanup(&r);
    assert_int_equal(outbound_request(client, at("127.0.0.1", "/redirect?to=/json"),
                                      &(struct outbound_opts){.allow_private = true,
                                                              .max_redirects =
                                                                  OUTBOUND_NO_REDIRECTS},
                                      &r),
                     OUTBOUND_OK);
    assert_int_equal(r.status, 302);
    assert_int_equal(r.redirects, 0);
    outbound_result_cleanup(&r);
}

static void test_redirect_loop(void **state)
{
    (void)state;
    struct outbound_result r;
    int64_t t0 = mono_ms();
    assert_int_equal(get_local("/loop", &r), OUTBOUND_E_REDIRECTS);
    assert_true(mono_ms() - t0 < 10000);
    assert_non_null(strstr(r.message, "redirect loop"));
    assert_int_equal(r.redirects, 5);
    outbound_result_cleanup(&r);
}

static void test_redirect_scheme_refused(void **state)
{
    (void)state;
    static const char *const paths[] = {"/redirect?to=file:///etc/passwd",
                                        "/redirect?to=gopher://127.0.0.1:70/x",
                                        "/redirect?to=ftp://127.0.0.1/"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct outbound_result r;
        assert_int_equal(get_local(paths[i], &r), OUTBOUND_E_URL);
        assert_non_null(strstr(r.message, "only http and https"));
        assert_int_equal(r.redirects, 1);
        outbound_result_cleanup(&r);
    }
}

/* The method and body the stand-in saw after a redirect with code from method. */
static void check_rewrite(const char *method, int code, const char *want_method, bool body)
{
    char path[96];
    struct outbound_result r;
    snprintf(path, sizeof path, "/redirect?to=/echo&code=%d", code);
    outbound_request(client, at("127.0.0.1", path),
                     &(struct outbound_opts){.allow_private = true, .method = method,
                                             .body = "payload", .body_len = 7,
                                             .headers = (const char *const[]){
                                                 "Content-Type: text/plain", NULL}},
                     &r);
    assert_int_equal(r.err, OUTBOUND_OK);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "method")), want_method);
    assert_string_equal(json_string_value(json_object_get(j, "body")), body ? "payload" : "");
    const json_t *j_ct = json_object_get(json_object_get(j, "headers"), "content-type");
    assert_true(body ? j_ct != NULL : j_ct == NULL);
    json_decref(j);
    outbound_result_cleanup(&r);
}

static void test_redirect_methods(void **state)
{
    (void)state;
    check_rewrite("POST", 303, "GET", false);
    check_rewrite("POST", 302, "GET", false);
    check_rewrite("POST", 301, "GET", false);
    check_rewrite("POST", 307, "POST", true);
    check_rewrite("POST", 308, "POST", true);
    check_rewrite("PUT", 303, "GET", false);
    check_rewrite("PUT", 302, "PUT", true);
    check_rewrite("DELETE", 307, "DELETE", true);
}

/* Authorization reaches its own origin, even across a same-origin redirect, and never another. */
static void test_secrets_stay_home(void **state)
{
    (void)state;
    static const char *const hdrs[] = {"Authorization: Bearer s3cret", "X-Trace: 7", NULL};
    char path[160];
    struct outbound_result r;
    for (int cross = 0; cross < 2; cross++) {
        if (cross)
            snprintf(path, sizeof path, "/redirect?to=http://127.0.0.2:%d/echo", sv.port);
        else
            snprintf(path, sizeof path, "/redirect?to=/echo");
        outbound_request(client, at("127.0.0.1", path),
                         &(struct outbound_opts){.allow_private = true, .headers = hdrs}, &r);
        assert_int_equal(r.err, OUTBOUND_OK);
        json_t *j = json_loads(r.body, 0, NULL);
        const json_t *j_h = json_object_get(j, "headers");
        assert_string_equal(json_string_value(json_object_get(j_h, "x-trace")), "7");
        if (cross)
            assert_null(json_object_get(j_h, "authorization"));
        else
            assert_string_equal(json_string_value(json_object_get(j_h, "authorization")),
                                "Bearer s3cret");
        assert_null(strstr(r.message, "s3cret"));
        json_decref(j);
        outbound_result_cleanup(&r);
    }
}

static void test_bad_requests(void **state)
{
    (void)state;
    static const char *const crlf[] = {"X-A: 1\r\nX-Injected: 1", NULL};
    static const char *const host[] = {"Host: elsewhere", NULL};
    static const char *const colon[] = {"No colon here", NULL};
    static const char *const name[] = {"Bad Name: x", NULL};
    const struct outbound_opts bad[] = {
        {.headers = crlf},
        {.headers = host},
        {.headers = colon},
        {.headers = name},
        {.method = "GET", .body = "x", .body_len = 1},
        {.method = "TRACE"},
        {.timeout_ms = -1},
        {.timeout_ms = OUTBOUND_LIMIT_MS + 1},
        {.max_bytes = OUTBOUND_LIMIT_BYTES + 1},
        {.test_public_ip = "not an address"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct outbound_result r;
        assert_int_equal(outbound_request(client, at("127.0.0.1", "/json"), &bad[i], &r),
                         OUTBOUND_E_REQUEST);
        assert_non_null(strstr(r.message, "bad request"));
        outbound_result_cleanup(&r);
    }
    assert_null(outbound_new(&(struct outbound_setup){.timeout_ms = -5}));
}

/* ---- the guard on connected addresses ---- */

static outbound_err get_guarded(const char *url, const char *const *resolve,
                                struct outbound_result *r)
{
    return outbound_request(client, url,
                            &(struct outbound_opts){.test_public_ip = "127.0.0.2",
                                                    .resolve = resolve},
                            r);
}

static void test_guard_direct(void **state)
{
    (void)state;
    struct outbound_result r;
    assert_int_equal(get_guarded(at("127.0.0.2", "/json"), NULL, &r), OUTBOUND_OK);
    assert_string_equal(r.connected_ip, "127.0.0.2");
    outbound_result_cleanup(&r);
    assert_int_equal(get_guarded(at("127.0.0.1", "/json"), NULL, &r), OUTBOUND_E_BLOCKED);
    assert_int_equal(r.refused, OUTBOUND_ADDR_LOOPBACK);
    assert_string_equal(r.message, "refused: 127.0.0.1 is loopback");
    outbound_result_cleanup(&r);
    /* the client's setting lifts it for every call */
    outbound_client *open = outbound_new(&(struct outbound_setup){.allow_private = true});
    assert_int_equal(outbound_request(open, at("127.0.0.1", "/json"), NULL, &r), OUTBOUND_OK);
    outbound_result_cleanup(&r);
    outbound_free(open);
}

static void test_public_name_redirecting_to_loopback(void **state)
{
    (void)state;
    char entry[64];
    snprintf(entry, sizeof entry, "public.test:%d:127.0.0.2", sv.port);
    const char *const resolve[] = {entry, NULL};
    char url[128];
    snprintf(url, sizeof url, "http://public.test:%d/to-loopback", sv.port);
    struct outbound_result r;
    assert_int_equal(get_guarded(url, resolve, &r), OUTBOUND_E_BLOCKED);
    assert_int_equal(r.redirects, 1);
    assert_int_equal(r.refused, OUTBOUND_ADDR_LOOPBACK);
    assert_string_equal(r.message, "refused: 127.0.0.1 is loopback");
    outbound_result_cleanup(&r);
    /* and to the metadata address */
    snprintf(url, sizeof url,
             "http://public.test:%d/redirect?to=http://169.254.169.254/latest/meta-data/",
             sv.port);
    assert_int_equal(get_guarded(url, resolve, &r), OUTBOUND_E_BLOCKED);
    assert_string_equal(r.message, "refused: 169.254.169.254 is link-local (cloud metadata)");
    outbound_result_cleanup(&r);
}

static void test_name_resolving_to_loopback(void **state)
{
    (void)state;
    char entry[64], entry6[64], url[128];
    snprintf(entry, sizeof entry, "internal.test:%d:127.0.0.1", sv.port);
    snprintf(entry6, sizeof entry6, "internal6.test:%d:[::1]", sv.port);
    const char *const resolve[] = {entry, entry6, NULL};
    struct outbound_result r;
    snprintf(url, sizeof url, "http://internal.test:%d/json", sv.port);
    assert_int_equal(get_guarded(url, resolve, &r), OUTBOUND_E_BLOCKED);
    assert_string_equal(r.message, "refused: 127.0.0.1 is loopback");
    assert_string_equal(r.connected_ip, "");
    outbound_result_cleanup(&r);
    snprintf(url, sizeof url, "http://internal6.test:%d/json", sv.port);
    assert_int_equal(get_guarded(url, resolve, &r), OUTBOUND_E_BLOCKED);
    assert_string_equal(r.message, "refused: ::1 is loopback");
    outbound_result_cleanup(&r);
}

/* The same name answers 127.0.0.2 for the first hop and 127.0.0.1 for the second. */
static void test_rebinding(void **state)
{
    (void)state;
    char first[64], second[64], url[128];
    snprintf(first, sizeof first, "rebind.test:%d:127.0.0.2", sv.port);
    snprintf(second, sizeof second, "rebind.test:%d:127.0.0.1", sv.port);
    const char *const resolve[] = {first, second, NULL};
    snprintf(url, sizeof url, "http://rebind.test:%d/redirect?to=/json", sv.port);
    struct outbound_result r;
    assert_int_equal(get_guarded(url, resolve, &r), OUTBOUND_E_BLOCKED);
    assert_int_equal(r.redirects, 1);
    assert_string_equal(r.connected_ip, "127.0.0.2"); /* the first hop's, the only one made */
    assert_string_equal(r.message, "refused: 127.0.0.1 is loopback");
    outbound_result_cleanup(&r);
}

/* A name with a refused and an allowed address: the refused one is skipped, never connected. */
static void test_mixed_answers(void **state)
{
    (void)state;
    char entry[80], url[128];
    snprintf(entry, sizeof entry, "mixed.test:%d:127.0.0.1,127.0.0.2", sv.port);
    const char *const resolve[] = {entry, NULL};
    snprintf(url, sizeof url, "http://mixed.test:%d/json", sv.port);
    struct outbound_result r;
    assert_int_equal(get_guarded(url, resolve, &r), OUTBOUND_OK);
    assert_string_equal(r.connected_ip, "127.0.0.2");
    assert_non_null(strstr(r.body, "\"via\": \"127.0.0.2\""));
    outbound_result_cleanup(&r);
}

/* ---- TLS ---- */

static void test_tls_verified(void **state)
{
    (void)state;
    char url[64];
    struct outbound_result r;
    snprintf(url, sizeof url, "https://127.0.0.1:%d/json", sv.tls_port);
    assert_int_equal(outbound_request(client, url, &(struct outbound_opts){.allow_private = true},
                                      &r),
                     OUTBOUND_E_TLS);
    assert_non_null(strstr(r.message, "TLS"));
    outbound_result_cleanup(&r);
    outbound_client *trusting = outbound_new(
        &(struct outbound_setup){.ca_file = cert_path, .allow_private = true});
    assert_int_equal(outbound_request(trusting, url, NULL, &r), OUTBOUND_OK);
    assert_int_equal(r.status, 200);
    outbound_result_cleanup(&r);
    outbound_free(trusting);
}

/* ---- JSON helpers ---- */

static void test_json_helpers(void **state)
{
    (void)state;
    struct outbound_result r;
    json_t *j = NULL, *j_body = json_pack("{s:s, s:i}", "name", "Oak Ave", "beds", 2);
    const struct outbound_opts o = {
        .allow_private = true,
        .headers = (const char *const[]){"Authorization: Bearer vapi-key", NULL}};
    assert_int_equal(outbound_json_request(client, "POST", at("127.0.0.1", "/echo"), j_body, &o,
                                           &r, &j),
                     OUTBOUND_OK);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(j, "body")),
                        "{\"name\":\"Oak Ave\",\"beds\":2}");
    const json_t *j_h = json_object_get(j, "headers");
    assert_string_equal(json_string_value(json_object_get(j_h, "content-type")),
                        "application/json");
    assert_string_equal(json_string_value(json_object_get(j_h, "accept")), "application/json");
    assert_string_equal(json_string_value(json_object_get(j_h, "authorization")),
                        "Bearer vapi-key");
    json_decref(j);
    json_decref(j_body);
    outbound_result_cleanup(&r);

    assert_int_equal(outbound_json_request(client, NULL, at("127.0.0.1", "/notjson"), NULL, &o,
                                           &r, &j),
                     OUTBOUND_E_NOT_JSON);
    assert_null(j);
    assert_non_null(strstr(r.message, "not JSON"));
    assert_non_null(strstr(r.message, "text/html"));
    assert_non_null(r.body); /* kept for diagnosis */
    outbound_result_cleanup(&r);

    assert_int_equal(outbound_json_request(client, "DELETE", at("127.0.0.1", "/empty"), NULL, &o,
                                           &r, &j),
                     OUTBOUND_OK);
    assert_int_equal(r.status, 204);
    assert_null(j);
    outbound_result_cleanup(&r);

    assert_int_equal(outbound_json_request(client, NULL, at("127.0.0.1", "/status?code=503"),
                                           NULL, &o, &r, &j),
                     OUTBOUND_OK);
    assert_int_equal(r.status, 503);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 503);
    json_decref(j);
    outbound_result_cleanup(&r);

    /* errors of the client come through unchanged, with no JSON */
    assert_int_equal(outbound_json_request(client, NULL, "http://169.254.169.254/", NULL, NULL,
                                           &r, &j),
                     OUTBOUND_E_BLOCKED);
    assert_null(j);
    outbound_result_cleanup(&r);
}

/* ---- threads ---- */

static void *worker(void *arg)
{
    int *failures = arg;
    for (int i = 0; i < 4; i++) {
        struct outbound_result r;
        const char *path = i % 2 ? "/delay?s=0.2" : "/json";
        if (get_local(path, &r) != OUTBOUND_OK || r.status != 200)
            (*failures)++;
        outbound_result_cleanup(&r);
    }
    return NULL;
}

static void test_threads_share_a_client(void **state)
{
    (void)state;
    pthread_t t[8];
    int failures[8] = {0};
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &failures[i]), 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(failures[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_ok),
        cmocka_unit_test(test_userinfo_not_shown),
        cmocka_unit_test(test_identity_headers),
        cmocka_unit_test(test_gzip_is_decoded),
        cmocka_unit_test(test_server_error_is_a_status),
        cmocka_unit_test(test_connection_dropped),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_size_caps),
        cmocka_unit_test(test_redirects_followed),
        cmocka_unit_test(test_redirect_loop),
        cmocka_unit_test(test_redirect_scheme_refused),
        cmocka_unit_test(test_redirect_methods),
        cmocka_unit_test(test_secrets_stay_home),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_guard_direct),
        cmocka_unit_test(test_public_name_redirecting_to_loopback),
        cmocka_unit_test(test_name_resolving_to_loopback),
        cmocka_unit_test(test_rebinding),
        cmocka_unit_test(test_mixed_answers),
        cmocka_unit_test(test_tls_verified),
        cmocka_unit_test(test_json_helpers),
        cmocka_unit_test(test_threads_share_a_client),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
