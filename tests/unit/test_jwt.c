/* SPDX-License-Identifier: MIT */
/* Token verification (src/core/auth*.c): the built-in issuer, external issuers by PEM and
 * by JWKS URL (served by a libmicrohttpd stand-in on 127.0.0.1), every rejection rule of
 * SPEC §3, and the verified-token cache. Keys are generated at run time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <rhonabwy.h>
#include <sodium.h>

#include "testutil.h"

#include "core/auth.h"
#include "core/auth_internal.h"
#include "core/config.h"
#include "core/log.h"

#define EXT_ISS "https://idp.example.test"
#define BUILTIN_ISS "http://127.0.0.1:8000"

/* ---- keys generated once per run ------------------------------------------------- */

static jwk_t *rsa_priv, *rsa_pub;   /* external issuer, kid "rsa-1" */
static jwk_t *rsa2_priv, *rsa2_pub; /* rotated-in key, kid "rsa-2" */
static jwk_t *ec_priv, *ec_pub;     /* a stranger's ES256 key */
static jwk_t *ed_priv, *ed_pub;     /* an Ed25519 key, kid "ed-1" */
static char rsa_pem[4096];

static void keypair(jwk_t **priv, jwk_t **pub, int type, unsigned bits, const char *kid)
{
    assert_int_equal(r_jwk_init(priv), RHN_OK);
    assert_int_equal(r_jwk_init(pub), RHN_OK);
    assert_int_equal(r_jwk_generate_key_pair(*priv, *pub, type, bits, kid), RHN_OK);
}

static int group_setup(void **state)
{
    (void)state;
    size_t len = sizeof(rsa_pem) - 1;
    if (sodium_init() < 0)
        return -1;
    log_setup(getenv("TEST_LOG_LEVEL") ? getenv("TEST_LOG_LEVEL") : "error", "text");
    keypair(&rsa_priv, &rsa_pub, R_KEY_TYPE_RSA, 2048, "rsa-1");
    keypair(&rsa2_priv, &rsa2_pub, R_KEY_TYPE_RSA, 2048, "rsa-2");
    keypair(&ec_priv, &ec_pub, R_KEY_TYPE_EC, 256, "ec-1");
    keypair(&ed_priv, &ed_pub, R_KEY_TYPE_EDDSA, 256, "ed-1");
    if (r_jwk_export_to_pem_der(rsa_pub, R_FORMAT_PEM, (unsigned char *)rsa_pem, &len, 0) !=
        RHN_OK)
        return -1;
    rsa_pem[len] = '\0';
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    r_jwk_free(rsa_priv);
    r_jwk_free(rsa_pub);
    r_jwk_free(rsa2_priv);
    r_jwk_free(rsa2_pub);
    r_jwk_free(ec_priv);
    r_jwk_free(ec_pub);
    r_jwk_free(ed_priv);
    r_jwk_free(ed_pub);
    return 0;
}

/* ---- a JWKS server on 127.0.0.1 -------------------------------------------------- */

struct jwks_stub {
    struct MHD_Daemon *d;
    pthread_mutex_t lock;
    char *body; /* current JWKS */
    int hits;
    char url[64];
};

static enum MHD_Result stub_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload, size_t *upload_size, void **con_cls)
{
    struct jwks_stub *s = cls;
    struct MHD_Response *resp;
    enum MHD_Result rc;
    (void)url, (void)method, (void)version, (void)upload, (void)upload_size, (void)con_cls;

    pthread_mutex_lock(&s->lock);
    s->hits++;
    resp = MHD_create_response_from_buffer(strlen(s->body), s->body, MHD_RESPMEM_MUST_COPY);
    pthread_mutex_unlock(&s->lock);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Sets the served JWKS to the public keys given (NULL-terminated). */
static void stub_serve(struct jwks_stub *s, jwk_t *k1, jwk_t *k2)
{
    jwks_t *set = NULL;
    assert_int_equal(r_jwks_init(&set), RHN_OK);
    r_jwks_append_jwk(set, k1);
    if (k2)
        r_jwks_append_jwk(set, k2);
    char *text = r_jwks_export_to_json_str(set, 0);
    assert_non_null(text);
    pthread_mutex_lock(&s->lock);
    free(s->body);
    s->body = strdup(text);
    pthread_mutex_unlock(&s->lock);
    r_free(text);
    r_jwks_free(set);
}

static void stub_start(struct jwks_stub *s)
{
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    pthread_mutex_init(&s->lock, NULL);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            stub_handler, s, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    assert_non_null(s->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u/jwks.json", info->port);
}

static void stub_stop(struct jwks_stub *s)
{
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->lock);
    free(s->body);
}

static int stub_hits(struct jwks_stub *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->hits;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- fixture: a verifier over a temporary DATA_DIR ------------------------------- */

struct fx {
    char *dir;
    struct config cfg;
    auth *a;
};

static void clear_env(void)
{
    static const char *keys[] = { "AUTH_1_JWKS_URL", "AUTH_1_PEM", "AUTH_1_AUDIENCE",
                                  "AUTH_1_AUTHORIZED_PARTIES", "AUTH_2_JWKS_URL", "AUTH_2_PEM",
                                  "AUTH_2_AUDIENCE", "AUTH_2_AUTHORIZED_PARTIES" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        unsetenv(keys[i]);
}

static void fx_open(struct fx *f, const char *issuers)
{
    if (!f->dir)
        f->dir = tu_tempdir();
    f->cfg.data_dir = f->dir;
    f->cfg.auth_issuers = (char *)issuers;
    assert_int_equal(auth_new(&f->cfg, BUILTIN_ISS, &f->a), APP_OK);
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    clear_env();
    *state = f;
    return f ? 0 : -1;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    auth_free(f->a);
    clear_env();
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* The built-in private key, read back from DATA_DIR/issuer.jwk. */
static jwk_t *builtin_key(const struct fx *f)
{
    char path[512];
    jwk_t *k = NULL;
    snprintf(path, sizeof(path), "%s/issuer.jwk", f->dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    assert_int_equal(r_jwk_init(&k), RHN_OK);
    assert_int_equal(r_jwk_import_from_json_str(k, buf), RHN_OK);
    return k;
}

/* Signs claims (stolen) with key under alg; kid NULL: the key's own kid; "": no kid. */
static char *sign_with(jwk_t *key, jwa_alg alg, const char *kid, json_t *j_claims)
{
    jwt_t *jwt = NULL;
    assert_int_equal(r_jwt_init(&jwt), RHN_OK);
    assert_int_equal(r_jwt_set_sign_alg(jwt, alg), RHN_OK);
    jwk_t *nokid = NULL;
    if (!kid)
        kid = r_jwk_get_property_str(key, "kid");
    if (kid && *kid) {
        r_jwt_set_header_str_value(jwt, "kid", kid);
    } else { /* Rhonabwy copies the key's kid into the header: sign with a kid-less copy */
        nokid = r_jwk_copy(key);
        assert_non_null(nokid);
        r_jwk_delete_property_str(nokid, "kid");
        key = nokid;
    }
    assert_int_equal(r_jwt_set_full_claims_json_t(jwt, j_claims), RHN_OK);
    json_decref(j_claims);
    char *tok = r_jwt_serialize_signed(jwt, key, 0);
    assert_non_null(tok);
    char *out = strdup(tok);
    r_free(tok);
    r_jwt_free(jwt);
    r_jwk_free(nokid);
    if (!(kid && *kid)) { /* make sure the header really carries no kid */
        jwt_t *check = NULL;
        assert_int_equal(r_jwt_init(&check), RHN_OK);
        assert_int_equal(r_jwt_parse(check, out, 0), RHN_OK);
        assert_null(r_jwt_get_header_str_value(check, "kid"));
        r_jwt_free(check);
    }
    return out;
}

static json_t *claims(const char *iss, const char *sub, long exp_in)
{
    long now = (long)time(NULL);
    return json_pack("{s:s,s:s,s:I,s:I}", "iss", iss, "sub", sub, "iat", (json_int_t)now,
                     "exp", (json_int_t)(now + exp_in));
}

/* Signs claims with the built-in key of f. */
static char *builtin_token(const struct fx *f, json_t *j_claims)
{
    jwk_t *k = builtin_key(f);
    char *t = sign_with(k, R_JWA_ALG_ES256, NULL, j_claims);
    r_jwk_free(k);
    return t;
}

static app_err verify(struct fx *f, const char *token, struct auth_claims *c)
{
    memset(c, 0, sizeof(*c));
    return auth_verify(f->a, token, c);
}

static void expect_reject(struct fx *f, char *token)
{
    struct auth_claims c;
    assert_int_equal(verify(f, token, &c), APP_E_AUTH);
    assert_string_equal(c.subject, ""); /* out untouched */
    free(token);
}

static void expect_accept(struct fx *f, char *token, const char *subject)
{
    struct auth_claims c;
    assert_int_equal(verify(f, token, &c), APP_OK);
    assert_string_equal(c.subject, subject);
    free(token);
}

static char *b64url(const char *s)
{
    size_t n = sodium_base64_encoded_len(strlen(s), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(n);
    sodium_bin2base64(out, n, (const unsigned char *)s, strlen(s),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* ---- built-in issuer --------------------------------------------------------------- */

static void builtin_valid(void **state)
{
    struct fx *f = *state;
    struct auth_claims c;
    struct stat st;
    char path[512];

    fx_open(f, NULL);
    char *tok = auth_sign(f->a, "user-42", "ann@example.com", "Ann", "Lee Smith", 600);
    assert_non_null(tok);
    assert_int_equal(verify(f, tok, &c), APP_OK);
    assert_string_equal(c.issuer, BUILTIN_ISS);
    assert_string_equal(c.subject, "user-42");
    assert_string_equal(c.email, "ann@example.com");
    assert_string_equal(c.first_name, "Ann");
    assert_string_equal(c.last_name, "Lee Smith");
    assert_true(c.exp > (int64_t)time(NULL) + 590 && c.iat > 0);

    /* the key file is private, and the JWKS publishes its public half */
    snprintf(path, sizeof(path), "%s/issuer.jwk", f->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    json_t *j_jwks = auth_jwks(f->a);
    const json_t *j_key = json_array_get(json_object_get(j_jwks, "keys"), 0);
    assert_string_equal(json_string_value(json_object_get(j_key, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(j_key, "use")), "sig");
    assert_string_equal(json_string_value(json_object_get(j_key, "kty")), "EC");
    assert_null(json_object_get(j_key, "d"));
    jwk_t *pub = NULL;
    r_jwk_init(&pub);
    assert_int_equal(r_jwk_import_from_json_t(pub, (json_t *)j_key), RHN_OK);
    char *thumb = r_jwk_thumbprint(pub, R_JWK_THUMB_SHA256, 0);
    assert_string_equal(json_string_value(json_object_get(j_key, "kid")), thumb);
    r_free(thumb);
    r_jwk_free(pub);
    json_decref(j_jwks);

    /* a second start reuses the key: the old token still verifies (uncached) */
    auth_free(f->a);
    fx_open(f, NULL);
    assert_int_equal(verify(f, tok, &c), APP_OK);
    assert_int_equal(auth_test_cache_hits(f->a), 0);
    free(tok);
}

static void data_dir_created_private(void **state)
{
    struct fx *f = *state;
    struct stat st;
    char *base = tu_tempdir();
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/nested/data", base);
    f->dir = strdup(dir);
    fx_open(f, NULL);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    auth_free(f->a);
    f->a = NULL;
    free(f->dir);
    f->dir = base; /* teardown removes the whole tree */
}

static void *start_one(void *arg)
{
    struct fx *f = arg;
    auth *a = NULL;
    if (auth_new(&f->cfg, BUILTIN_ISS, &a) != APP_OK)
        return NULL;
    return a;
}

static void first_start_race(void **state)
{
    struct fx *f = *state;
    pthread_t th[3];
    auth *a[3];
    f->dir = tu_tempdir();
    f->cfg.data_dir = f->dir;
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, start_one, f), 0);
    for (int i = 0; i < 3; i++) {
        void *res = NULL;
        assert_int_equal(pthread_join(th[i], &res), 0);
        a[i] = res;
        assert_non_null(a[i]);
    }
    /* whoever wrote first, all three ended up with the same key */
    char *tok = auth_sign(a[0], "u1", NULL, NULL, NULL, 60);
    for (int i = 0; i < 3; i++) {
        struct auth_claims c;
        assert_int_equal(auth_verify(a[i], tok, &c), APP_OK);
        auth_free(a[i]);
    }
    free(tok);
}

static void expired(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    expect_reject(f, builtin_token(f, claims(BUILTIN_ISS, "u1", -5)));
    json_t *j = claims(BUILTIN_ISS, "u1", 60);
    json_object_del(j, "exp");
    expect_reject(f, builtin_token(f, j)); /* exp is required */
}

static void nbf_future(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    json_t *j = claims(BUILTIN_ISS, "u1", 600);
    json_object_set_new(j, "nbf", json_integer((json_int_t)time(NULL) + 120));
    expect_reject(f, builtin_token(f, j));
    j = claims(BUILTIN_ISS, "u1", 600);
    json_object_set_new(j, "nbf", json_integer((json_int_t)time(NULL) + 30)); /* within skew */
    expect_accept(f, builtin_token(f, j), "u1");
}

static void iat_future(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    json_t *j = claims(BUILTIN_ISS, "u1", 600);
    json_object_set_new(j, "iat", json_integer((json_int_t)time(NULL) + 120));
    expect_reject(f, builtin_token(f, j));
    j = claims(BUILTIN_ISS, "u1", 600);
    json_object_set_new(j, "iat", json_integer((json_int_t)time(NULL) + 30));
    expect_accept(f, builtin_token(f, j), "u1");
}

static void wrong_iss(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    expect_reject(f, builtin_token(f, claims("https://evil.example", "u1", 600)));
    json_t *j = claims(BUILTIN_ISS, "u1", 600);
    json_object_del(j, "iss");
    expect_reject(f, builtin_token(f, j));
}

static void foreign_key_same_kid(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    jwk_t *mine = builtin_key(f);
    const char *kid = r_jwk_get_property_str(mine, "kid");
    /* a stranger's P-256 key, presenting the built-in kid */
    expect_reject(f, sign_with(ec_priv, R_JWA_ALG_ES256, kid, claims(BUILTIN_ISS, "u1", 600)));
    /* the built-in issuer accepts ES256 only */
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, kid, claims(BUILTIN_ISS, "u1", 600)));
    r_jwk_free(mine);
}

static void embedded_jwk_ignored(void **state)
{
    struct fx *f = *state;
    jwt_t *jwt = NULL;
    fx_open(f, NULL);
    jwk_t *mine = builtin_key(f);
    json_t *j_claims = claims(BUILTIN_ISS, "u1", 600);
    json_t *j_pub = r_jwk_export_to_json_t(ec_pub);
    /* signed by a stranger who ships the verifying key in the header, with our kid */
    assert_int_equal(r_jwt_init(&jwt), RHN_OK);
    r_jwt_set_sign_alg(jwt, R_JWA_ALG_ES256);
    r_jwt_set_header_str_value(jwt, "kid", r_jwk_get_property_str(mine, "kid"));
    r_jwt_set_header_json_t_value(jwt, "jwk", j_pub);
    r_jwt_set_header_str_value(jwt, "jku", "http://127.0.0.1:9/jwks.json");
    r_jwt_set_full_claims_json_t(jwt, j_claims);
    char *tok = r_jwt_serialize_signed(jwt, ec_priv, 0);
    assert_non_null(tok);
    expect_reject(f, strdup(tok));
    r_free(tok);
    r_jwt_free(jwt);
    json_decref(j_pub);
    json_decref(j_claims);
    r_jwk_free(mine);
}

static void alg_none(void **state)
{
    struct fx *f = *state;
    char kid_hdr[256], buf[2048];
    fx_open(f, NULL);
    jwk_t *mine = builtin_key(f);
    snprintf(kid_hdr, sizeof(kid_hdr), "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
             r_jwk_get_property_str(mine, "kid"));
    r_jwk_free(mine);
    char *h = b64url(kid_hdr);
    json_t *j = claims(BUILTIN_ISS, "u1", 600);
    char *claims_text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *p = b64url(claims_text);
    snprintf(buf, sizeof(buf), "%s.%s.", h, p);
    expect_reject(f, strdup(buf));
    snprintf(buf, sizeof(buf), "%s.%s", h, p);
    expect_reject(f, strdup(buf));
    free(h);
    free(p);
    free(claims_text);
}

/* ---- malformed tokens -------------------------------------------------------------- */

static void tampered_payload(void **state)
{
    struct fx *f = *state;
    char buf[4096];
    fx_open(f, NULL);
    char *tok = auth_sign(f->a, "victim", NULL, NULL, NULL, 600);
    char *dot1 = strchr(tok, '.'), *dot2 = strrchr(tok, '.');
    json_t *j = claims(BUILTIN_ISS, "attacker", 600);
    char *text = json_dumps(j, JSON_COMPACT);
    char *p = b64url(text);
    snprintf(buf, sizeof(buf), "%.*s.%s%s", (int)(dot1 - tok), tok, p, dot2);
    expect_reject(f, strdup(buf));
    /* flipping one signature character also fails */
    size_t n = strlen(tok);
    tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A';
    expect_reject(f, tok);
    json_decref(j);
    free(text);
    free(p);
}

static void truncated(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    char *tok = auth_sign(f->a, "u1", NULL, NULL, NULL, 600);
    size_t n = strlen(tok);
    char *cut = strndup(tok, n - 12);
    expect_reject(f, cut);
    cut = strndup(tok, (size_t)(strrchr(tok, '.') - tok)); /* no signature part */
    expect_reject(f, cut);
    cut = strndup(tok, (size_t)(strchr(tok, '.') - tok)); /* header only */
    expect_reject(f, cut);
    expect_accept(f, tok, "u1");
}

static void garbage(void **state)
{
    struct fx *f = *state;
    struct auth_claims c;
    fx_open(f, NULL);
    static const char *bad[] = { "", "abc", "!!!.@@@.###", "a.b.c", "....", "eyJ.eyJ.eyJ",
                                 "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(verify(f, bad[i], &c), APP_E_AUTH);
    assert_int_equal(auth_verify(f->a, NULL, &c), APP_E_AUTH);
    char *huge = malloc(70000);
    memset(huge, 'A', 69999);
    huge[69999] = '\0';
    expect_reject(f, huge);
}

/* ---- claims ------------------------------------------------------------------------ */

static void user_id_preferred(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    json_t *j = claims(BUILTIN_ISS, "sess_abc", 600);
    json_object_set_new(j, "user_id", json_string("user_2abc"));
    expect_accept(f, builtin_token(f, j), "user_2abc");
    j = claims(BUILTIN_ISS, "sess_abc", 600);
    json_object_del(j, "sub");
    expect_reject(f, builtin_token(f, j)); /* no subject at all */
    j = claims(BUILTIN_ISS, "", 600);
    expect_reject(f, builtin_token(f, j));
}

static void name_split(void **state)
{
    struct fx *f = *state;
    struct auth_claims c;
    fx_open(f, NULL);
    json_t *j = claims(BUILTIN_ISS, "u1", 600);
    json_object_set_new(j, "name", json_string("Mary Ann Smith"));
    json_object_set_new(j, "email", json_string("mary@example.com"));
    char *tok = builtin_token(f, j);
    assert_int_equal(verify(f, tok, &c), APP_OK);
    assert_string_equal(c.first_name, "Mary");
    assert_string_equal(c.last_name, "Ann Smith");
    assert_string_equal(c.email, "mary@example.com");
    free(tok);

    j = claims(BUILTIN_ISS, "u2", 600);
    json_object_set_new(j, "name", json_string("Cher"));
    tok = builtin_token(f, j);
    assert_int_equal(verify(f, tok, &c), APP_OK);
    assert_string_equal(c.first_name, "Cher");
    assert_string_equal(c.last_name, "");
    free(tok);

    j = claims(BUILTIN_ISS, "u3", 600); /* explicit fields win over name */
    json_object_set_new(j, "name", json_string("Wrong Name"));
    json_object_set_new(j, "first_name", json_string("Jo"));
    json_object_set_new(j, "last_name", json_string("Doe"));
    tok = builtin_token(f, j);
    assert_int_equal(verify(f, tok, &c), APP_OK);
    assert_string_equal(c.first_name, "Jo");
    assert_string_equal(c.last_name, "Doe");
    free(tok);
}

/* ---- external issuer by PEM ------------------------------------------------------ */

/* The PEM with its newlines written as the two characters \n, as in an .env file. */
static char *escaped_pem(void)
{
    char *out = malloc(strlen(rsa_pem) * 2 + 1), *w = out;
    for (const char *p = rsa_pem; *p; p++) {
        if (*p == '\n') {
            *w++ = '\\';
            *w++ = 'n';
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return out;
}

static void open_pem_issuer(struct fx *f, const char *aud, const char *parties)
{
    char *pem = escaped_pem();
    setenv("AUTH_1_PEM", pem, 1);
    free(pem);
    if (aud)
        setenv("AUTH_1_AUDIENCE", aud, 1);
    if (parties)
        setenv("AUTH_1_AUTHORIZED_PARTIES", parties, 1);
    fx_open(f, " " EXT_ISS " ");
}

static void pem_rs256_accepted(void **state)
{
    struct fx *f = *state;
    struct auth_claims c;
    open_pem_issuer(f, NULL, NULL);
    char *tok = sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "ext-1", 600));
    assert_int_equal(verify(f, tok, &c), APP_OK);
    assert_string_equal(c.issuer, EXT_ISS);
    assert_string_equal(c.subject, "ext-1");
    free(tok);
    /* the built-in issuer keeps working next to it */
    expect_accept(f, auth_sign(f->a, "local", NULL, NULL, NULL, 60), "local");
    /* another RSA key under the same issuer fails */
    expect_reject(f, sign_with(rsa2_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "x", 600)));
}

static void hs256_confusion(void **state)
{
    struct fx *f = *state;
    jwk_t *hmac = NULL;
    open_pem_issuer(f, NULL, NULL);
    /* the classic attack: HMAC keyed with the issuer's public PEM */
    assert_int_equal(r_jwk_init(&hmac), RHN_OK);
    assert_int_equal(r_jwk_import_from_symmetric_key(hmac, (unsigned char *)rsa_pem,
                                                     strlen(rsa_pem)),
                     RHN_OK);
    expect_reject(f, sign_with(hmac, R_JWA_ALG_HS256, "rsa-1", claims(EXT_ISS, "x", 600)));
    r_jwk_free(hmac);
    /* PS256 with the right key is not on the allow-list either */
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_PS256, NULL, claims(EXT_ISS, "x", 600)));
}

static void wrong_aud(void **state)
{
    struct fx *f = *state;
    open_pem_issuer(f, "api://pete", NULL);
    json_t *j = claims(EXT_ISS, "u1", 600);
    json_object_set_new(j, "aud", json_string("api://other"));
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, j));
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "u1", 600)));
    j = claims(EXT_ISS, "u1", 600);
    json_object_set_new(j, "aud", json_pack("[ss]", "api://other", "api://pete"));
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, j), "u1");
    j = claims(EXT_ISS, "u2", 600);
    json_object_set_new(j, "aud", json_string("api://pete"));
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, j), "u2");
}

static void azp_mismatch(void **state)
{
    struct fx *f = *state;
    open_pem_issuer(f, NULL, "https://app.example, https://admin.example");
    json_t *j = claims(EXT_ISS, "u1", 600);
    json_object_set_new(j, "azp", json_string("https://evil.example"));
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, j));
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "u1", 600)));
    j = claims(EXT_ISS, "u1", 600);
    json_object_set_new(j, "azp", json_string("https://admin.example"));
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, j), "u1");
}

static void clerk_shorthand(void **state)
{
    struct fx *f = *state;
    f->cfg.clerk_issuer = "https://clerk.example.test";
    f->cfg.clerk_jwt_key = rsa_pem;
    f->cfg.clerk_authorized_parties = "https://app.example";
    fx_open(f, NULL);
    json_t *j = claims("https://clerk.example.test", "sess_1", 600);
    json_object_set_new(j, "user_id", json_string("user_1"));
    json_object_set_new(j, "azp", json_string("https://app.example"));
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, j), "user_1");
}

static void bad_config_refused(void **state)
{
    struct fx *f = *state;
    auth *a = NULL;
    f->dir = tu_tempdir();
    f->cfg.data_dir = f->dir;
    f->cfg.auth_issuers = EXT_ISS; /* neither AUTH_1_JWKS_URL nor AUTH_1_PEM */
    assert_int_not_equal(auth_new(&f->cfg, BUILTIN_ISS, &a), APP_OK);
    setenv("AUTH_1_PEM", "-----BEGIN PUBLIC KEY-----\\nnope\\n-----END PUBLIC KEY-----", 1);
    assert_int_not_equal(auth_new(&f->cfg, BUILTIN_ISS, &a), APP_OK);
    unsetenv("AUTH_1_PEM");
    setenv("AUTH_1_JWKS_URL", "file:///etc/passwd", 1);
    assert_int_not_equal(auth_new(&f->cfg, BUILTIN_ISS, &a), APP_OK);
    f->cfg.auth_issuers = NULL;
    f->cfg.clerk_jwks_url = "https://clerk.example.test/.well-known/jwks.json";
    assert_int_not_equal(auth_new(&f->cfg, BUILTIN_ISS, &a), APP_OK); /* no CLERK_ISSUER */
    assert_null(a);
}

/* Runs auth_new with AUTH_1_JWKS_URL = url; returns whether it succeeded and, on failure,
 * checks that the log line (stderr, captured) names the key. */
static bool jwks_url_accepted(struct fx *f, const char *url)
{
    char path[512], buf[4096] = "";
    auth *a = NULL;
    snprintf(path, sizeof(path), "%s/stderr.txt", f->dir);
    setenv("AUTH_1_JWKS_URL", url, 1);
    log_repeats_reset(); /* each attempt's line is checked, the same line many times */
    fflush(stderr);
    int saved = dup(2);
    FILE *cap = fopen(path, "w+");
    assert_non_null(cap);
    dup2(fileno(cap), 2);
    app_err e = auth_new(&f->cfg, BUILTIN_ISS, &a);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(cap);
    size_t n = fread(buf, 1, sizeof(buf) - 1, cap);
    buf[n] = '\0';
    fclose(cap);
    auth_free(a);
    if (e != APP_OK)
        assert_non_null(strstr(buf, "AUTH_1_JWKS_URL"));
    return e == APP_OK;
}

static void jwks_url_needs_https_off_loopback(void **state)
{
    struct fx *f = *state;
    static const char *const refused[] = {
        "http://idp.example.test/.well-known/jwks.json",
        "HTTP://idp.example.test/jwks.json",
        "http://10.0.0.5/jwks.json",
        "http://127.0.0.1.evil.example/jwks.json", /* a name that merely starts like one */
        "http://127.0.0.1@evil.example/jwks.json", /* userinfo, the host is evil.example */
        "http://[::2]/jwks.json",
        "http://localhost.evil.example/jwks.json",
        "ftp://127.0.0.1/jwks.json",
        "not a url",
    };
    static const char *const accepted[] = {
        "https://idp.example.test/.well-known/jwks.json",
        "http://127.0.0.1:9/jwks.json",
        "http://127.42.0.7/jwks.json",
        "http://localhost:9/jwks.json",
        "http://LOCALHOST/jwks.json",
        "http://[::1]:9/jwks.json",
        "http://user@127.0.0.1:9/jwks.json",
    };
    f->dir = tu_tempdir();
    f->cfg.data_dir = f->dir;
    f->cfg.auth_issuers = EXT_ISS;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (jwks_url_accepted(f, refused[i]))
            fail_msg("accepted %s", refused[i]);
    }
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        if (!jwks_url_accepted(f, accepted[i]))
            fail_msg("refused %s", accepted[i]);
    }
    /* the CLERK_ shorthand follows the same rule */
    f->cfg.auth_issuers = NULL;
    unsetenv("AUTH_1_JWKS_URL");
    f->cfg.clerk_issuer = "https://clerk.example.test";
    f->cfg.clerk_jwks_url = "http://clerk.example.test/.well-known/jwks.json";
    auth *a = NULL;
    assert_int_not_equal(auth_new(&f->cfg, BUILTIN_ISS, &a), APP_OK);
    f->cfg.clerk_jwks_url = "https://clerk.example.test/.well-known/jwks.json";
    assert_int_equal(auth_new(&f->cfg, BUILTIN_ISS, &a), APP_OK);
    auth_free(a);
}

/* SPEC §3: the kid must match a key of the issuer, also when the issuer has one key. */
static void kid_required(void **state)
{
    struct fx *f = *state;
    struct jwks_stub s = { 0 };
    jwk_t *mine;

    /* built-in issuer (one key) */
    fx_open(f, NULL);
    mine = builtin_key(f);
    expect_reject(f, sign_with(mine, R_JWA_ALG_ES256, "", claims(BUILTIN_ISS, "u1", 600)));
    expect_reject(f, sign_with(mine, R_JWA_ALG_ES256, "other", claims(BUILTIN_ISS, "u1", 600)));
    expect_accept(f, sign_with(mine, R_JWA_ALG_ES256, NULL, claims(BUILTIN_ISS, "u1", 600)), "u1");
    r_jwk_free(mine);
    auth_free(f->a);
    f->a = NULL;

    /* a PEM key has no kid of its own: it answers any kid, but the token must name one */
    open_pem_issuer(f, NULL, NULL);
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, "", claims(EXT_ISS, "p1", 600)));
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, "any-kid", claims(EXT_ISS, "p2", 600)),
                  "p2");
    auth_free(f->a);
    f->a = NULL;
    unsetenv("AUTH_1_PEM");

    /* a JWKS of one key: no kid is refused without fetching anything */
    stub_start(&s);
    stub_serve(&s, rsa_pub, NULL);
    setenv("AUTH_1_JWKS_URL", s.url, 1);
    fx_open(f, EXT_ISS);
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, "", claims(EXT_ISS, "j1", 600)));
    assert_int_equal(stub_hits(&s), 0);
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "j2", 600)), "j2");
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, "", claims(EXT_ISS, "j3", 600)));
    assert_int_equal(stub_hits(&s), 1);
    /* user_id wins over sub for external issuers too */
    json_t *j = claims(EXT_ISS, "sess_9", 600);
    json_object_set_new(j, "user_id", json_string("user_9"));
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, j), "user_9");
    auth_free(f->a);
    f->a = NULL;
    stub_stop(&s);
}

/* ---- external issuer by JWKS URL --------------------------------------------------- */

static void jwks_url_and_rotation(void **state)
{
    struct fx *f = *state;
    struct jwks_stub s = { 0 };
    stub_start(&s);
    stub_serve(&s, rsa_pub, ec_pub);
    setenv("AUTH_1_JWKS_URL", s.url, 1);
    fx_open(f, EXT_ISS);
    assert_int_equal(stub_hits(&s), 0); /* fetched lazily */

    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "a", 600)), "a");
    expect_accept(f, sign_with(ec_priv, R_JWA_ALG_ES256, NULL, claims(EXT_ISS, "b", 600)), "b");
    assert_int_equal(stub_hits(&s), 1);
    /* ES256 with the RSA key's kid: the alg does not fit the key */
    expect_reject(f, sign_with(ec_priv, R_JWA_ALG_ES256, "rsa-1", claims(EXT_ISS, "c", 600)));

    /* the issuer rotates to rsa-2; 30 s later a token with the new kid triggers a refresh */
    stub_serve(&s, rsa2_pub, NULL);
    auth_test_advance(f->a, AUTH_REFRESH_SECONDS + 1);
    expect_accept(f, sign_with(rsa2_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "d", 600)),
                  "d");
    assert_int_equal(stub_hits(&s), 2);
    /* the retired key is gone from the new keyset */
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "e", 600)));
    auth_free(f->a);
    f->a = NULL;
    stub_stop(&s);
}

static void eddsa_by_jwks(void **state)
{
    struct fx *f = *state;
    struct jwks_stub s = { 0 };
    jwk_t *other_priv, *other_pub;
    stub_start(&s);
    stub_serve(&s, ed_pub, NULL);
    setenv("AUTH_1_JWKS_URL", s.url, 1);
    fx_open(f, EXT_ISS);
    expect_accept(f, sign_with(ed_priv, R_JWA_ALG_EDDSA, NULL, claims(EXT_ISS, "ed", 600)),
                  "ed");
    keypair(&other_priv, &other_pub, R_KEY_TYPE_EDDSA, 256, "ed-1");
    expect_reject(f, sign_with(other_priv, R_JWA_ALG_EDDSA, NULL, claims(EXT_ISS, "x", 600)));
    r_jwk_free(other_priv);
    r_jwk_free(other_pub);
    auth_free(f->a);
    f->a = NULL;
    stub_stop(&s);
}

static void unknown_kid_rate_limited(void **state)
{
    struct fx *f = *state;
    struct jwks_stub s = { 0 };
    stub_start(&s);
    stub_serve(&s, rsa_pub, NULL);
    setenv("AUTH_1_JWKS_URL", s.url, 1);
    fx_open(f, EXT_ISS);
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "a", 600)), "a");
    assert_int_equal(stub_hits(&s), 1);

    auth_test_advance(f->a, AUTH_REFRESH_SECONDS + 1);
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, "nope-1", claims(EXT_ISS, "b", 600)));
    assert_int_equal(stub_hits(&s), 2); /* one refresh attempt */
    assert_int_equal(auth_test_fetches(f->a, EXT_ISS), 2);
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, "nope-2", claims(EXT_ISS, "c", 600)));
    assert_int_equal(stub_hits(&s), 2); /* within 30 s: no second fetch */
    /* the known key keeps working meanwhile */
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "d", 600)), "d");

    /* a failed fetch keeps the old keyset */
    stub_stop(&s);
    auth_test_advance(f->a, AUTH_REFRESH_SECONDS + 1);
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, "nope-3", claims(EXT_ISS, "e", 600)));
    assert_int_equal(auth_test_fetches(f->a, EXT_ISS), 3);
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "f", 600)), "f");
}

static void stale_jwks_refetched(void **state)
{
    struct fx *f = *state;
    struct jwks_stub s = { 0 };
    long ttl = AUTH_JWKS_MAX_AGE * 3;
    stub_start(&s);
    stub_serve(&s, rsa_pub, NULL);
    setenv("AUTH_1_JWKS_URL", s.url, 1);
    fx_open(f, EXT_ISS);
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "a", ttl)), "a");
    /* the issuer retires rsa-1; after an hour the keyset is refetched and rsa-1 refused */
    stub_serve(&s, rsa2_pub, NULL);
    auth_test_advance(f->a, AUTH_JWKS_MAX_AGE + 1);
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "b", ttl)));
    assert_int_equal(stub_hits(&s), 2);
    expect_accept(f, sign_with(rsa2_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "c", ttl)),
                  "c");
    assert_int_equal(stub_hits(&s), 2);
    auth_free(f->a);
    f->a = NULL;
    stub_stop(&s);
}

static void crit_header(void **state)
{
    struct fx *f = *state;
    jwt_t *jwt = NULL;
    fx_open(f, NULL);
    jwk_t *k = builtin_key(f);
    json_t *j_claims = claims(BUILTIN_ISS, "u1", 600);
    assert_int_equal(r_jwt_init(&jwt), RHN_OK);
    r_jwt_set_sign_alg(jwt, R_JWA_ALG_ES256);
    r_jwt_set_header_str_value(jwt, "kid", r_jwk_get_property_str(k, "kid"));
    json_t *j_crit = json_pack("[s]", "x-unknown");
    r_jwt_set_header_json_t_value(jwt, "crit", j_crit);
    json_decref(j_crit);
    r_jwt_set_header_str_value(jwt, "x-unknown", "1");
    r_jwt_set_full_claims_json_t(jwt, j_claims);
    json_decref(j_claims);
    char *tok = r_jwt_serialize_signed(jwt, k, 0);
    assert_non_null(tok);
    expect_reject(f, strdup(tok));
    r_free(tok);
    r_jwt_free(jwt);
    r_jwk_free(k);
}

/* ---- cache ------------------------------------------------------------------------- */

static void cache_hit_and_expiry(void **state)
{
    struct fx *f = *state;
    struct auth_claims c1, c2;
    fx_open(f, NULL);
    char *tok = auth_sign(f->a, "u1", "u1@example.com", "U", "One", 120);
    assert_int_equal(verify(f, tok, &c1), APP_OK);
    assert_int_equal(auth_test_cache_hits(f->a), 0);
    assert_int_equal(verify(f, tok, &c2), APP_OK);
    assert_int_equal(auth_test_cache_hits(f->a), 1);
    assert_memory_equal(&c1, &c2, sizeof(c1));

    /* after clearing, the token is verified again (no hit), then cached again */
    auth_cache_clear(f->a);
    assert_int_equal(verify(f, tok, &c2), APP_OK);
    assert_int_equal(auth_test_cache_hits(f->a), 1);

    /* once expired, the cached entry is not used and the token is rejected */
    auth_test_advance(f->a, 121);
    assert_int_equal(verify(f, tok, &c2), APP_E_AUTH);
    assert_int_equal(auth_test_cache_hits(f->a), 1);
    free(tok);
}

static void cache_many_tokens(void **state)
{
    struct fx *f = *state;
    struct auth_claims c;
    char sub[32];
    enum { N = 300 };
    char *toks[N];
    fx_open(f, NULL);
    for (int i = 0; i < N; i++) {
        snprintf(sub, sizeof(sub), "tenant-%d", i);
        toks[i] = auth_sign(f->a, sub, NULL, NULL, NULL, 600);
        assert_int_equal(verify(f, toks[i], &c), APP_OK);
    }
    for (int i = 0; i < N; i++) {
        snprintf(sub, sizeof(sub), "tenant-%d", i);
        assert_int_equal(verify(f, toks[i], &c), APP_OK);
        assert_string_equal(c.subject, sub);
        free(toks[i]);
    }
    /* every second pass was answered from the cache (a 4-way set may evict a few) */
    assert_true(auth_test_cache_hits(f->a) >= N - 8);
}

/* ---- threads ---------------------------------------------------------------------- */

struct worker {
    auth *a;
    char **toks;
    size_t n;
    int ok, bad;
};

static void *verify_loop(void *arg)
{
    struct worker *w = arg;
    struct auth_claims c;
    for (int round = 0; round < 40; round++) {
        for (size_t i = 0; i < w->n; i++) {
            if (auth_verify(w->a, w->toks[i], &c) == APP_OK)
                w->ok++;
            else
                w->bad++;
        }
        if (round % 10 == 9)
            auth_cache_clear(w->a);
    }
    return NULL;
}

static void concurrent_verify(void **state)
{
    struct fx *f = *state;
    struct jwks_stub s = { 0 };
    enum { NT = 4, NTOK = 8 };
    char *toks[NTOK];
    pthread_t th[NT];
    struct worker w[NT];
    stub_start(&s);
    stub_serve(&s, rsa_pub, rsa2_pub);
    setenv("AUTH_1_JWKS_URL", s.url, 1);
    fx_open(f, EXT_ISS);
    for (size_t i = 0; i < NTOK; i++) {
        char sub[16];
        snprintf(sub, sizeof(sub), "t%zu", i);
        if (i % 4 == 3) /* one in four names a kid the issuer never published */
            toks[i] = sign_with(rsa_priv, R_JWA_ALG_RS256, "ghost", claims(EXT_ISS, sub, 600));
        else if (i % 2)
            toks[i] = sign_with(rsa2_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, sub, 600));
        else
            toks[i] = auth_sign(f->a, sub, NULL, NULL, NULL, 600);
    }
    for (int t = 0; t < NT; t++) {
        w[t] = (struct worker){ f->a, toks, NTOK, 0, 0 };
        assert_int_equal(pthread_create(&th[t], NULL, verify_loop, &w[t]), 0);
    }
    for (int t = 0; t < NT; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(w[t].ok, 40 * 6);
        assert_int_equal(w[t].bad, 40 * 2);
    }
    assert_int_equal(stub_hits(&s), 1); /* the ghost kids asked once, then were rate-limited */
    for (size_t i = 0; i < NTOK; i++)
        free(toks[i]);
    auth_free(f->a);
    f->a = NULL;
    stub_stop(&s);
}

/* ---- token shape, before any library decodes it ------------------------------------- */

/* tok with its signature segment replaced by sig (tok is freed). */
static char *with_signature(char *tok, const char *sig)
{
    size_t head = (size_t)(strrchr(tok, '.') - tok) + 1;
    char *out = malloc(head + strlen(sig) + 1);
    memcpy(out, tok, head);
    strcpy(out + head, sig);
    free(tok);
    return out;
}

static char *repeat(char c, size_t n, const char *tail)
{
    char *s = malloc(n + strlen(tail) + 1);
    memset(s, c, n);
    strcpy(s + n, tail);
    return s;
}

/* The outside probe's token: an ES256 signature segment ending in "=" or "==" (liborcania
 * wrote past its buffer decoding it). Rejected before Rhonabwy sees it, as are other
 * paddings and non-canonical spellings. */
static void padded_segments(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    char *good = auth_sign(f->a, "u1", NULL, NULL, NULL, 600);
    const char *sig = strrchr(good, '.') + 1;
    static const struct {
        size_t n;
        const char *tail;
    } pads[] = {{84, "=="}, {85, "="}, {86, "=="}, {86, "="}, {84, "=A"}, {83, "==="}};
    for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++) {
        char *s = repeat('A', pads[i].n, pads[i].tail);
        expect_reject(f, with_signature(strdup(good), s));
        free(s);
    }
    char *padded = malloc(strlen(sig) + 3);
    sprintf(padded, "%s==", sig); /* the real signature, padded */
    expect_reject(f, with_signature(strdup(good), padded));
    free(padded);
    /* padding or foreign characters in the header or the claims */
    char *t = strdup(good);
    char *dot = strchr(t, '.');
    size_t hlen = (size_t)(dot - t);
    char *h = malloc(strlen(t) + 3);
    memcpy(h, t, hlen);
    sprintf(h + hlen, "=%s", dot);
    expect_reject(f, h);
    t[1] = '+';
    expect_reject(f, t);
    /* the signature's last character with spare bits set: the same bytes, spelt otherwise */
    char *odd = strdup(good);
    char *last = odd + strlen(odd) - 1; /* 86 characters: 4 spare bits in the last one */
    *last = (char)(*last + 1); /* A, Q, g, w (spare bits zero) become B, R, h, x */
    expect_reject(f, odd);
    expect_accept(f, good, "u1");
}

/* A signature segment whose length does not encode exactly the key's signature size is
 * refused before verification: ES256 wants 64 bytes (86 characters), RS256 the modulus. */
static void signature_length_exact(void **state)
{
    struct fx *f = *state;
    fx_open(f, NULL);
    char *good = auth_sign(f->a, "u1", NULL, NULL, NULL, 600);
    assert_int_equal(strlen(strrchr(good, '.') + 1), 86);
    static const size_t lens[] = {84, 87, 88, 171, 1366, 1367};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char *s = repeat('A', lens[i], "");
        expect_reject(f, with_signature(strdup(good), s));
        free(s);
    }
    free(good);
    auth_free(f->a);
    f->a = NULL;
    open_pem_issuer(f, NULL, NULL);
    char *rs = sign_with(rsa_priv, R_JWA_ALG_RS256, "any", claims(EXT_ISS, "r", 600));
    assert_int_equal(strlen(strrchr(rs, '.') + 1), 342); /* 256 bytes */
    char *cut = strdup(rs);
    cut[strlen(cut) - 2] = '\0'; /* 340 characters: 255 bytes */
    expect_reject(f, cut);
    char *s = repeat('A', 344, "");
    expect_reject(f, with_signature(strdup(rs), s));
    free(s);
    expect_accept(f, rs, "r");
}

static void stub_set_body(struct jwks_stub *s, const char *text)
{
    pthread_mutex_lock(&s->lock);
    free(s->body);
    s->body = strdup(text);
    pthread_mutex_unlock(&s->lock);
}

/* The public JWK of key as a JSON object, with member name set to value (NULL: unchanged). */
static json_t *jwk_json_with(jwk_t *key, const char *name, const char *value)
{
    json_t *j = r_jwk_export_to_json_t(key);
    assert_non_null(j);
    if (name)
        json_object_set_new(j, name, json_string(value));
    return j;
}

/* JWKS members reach Rhonabwy only checked: a padded modulus makes the key unusable, an
 * unknown member (x5c) is dropped and the key still works, a private member refuses it. */
static void jwks_members_checked(void **state)
{
    struct fx *f = *state;
    struct jwks_stub s = {0};
    stub_start(&s);
    json_t *j_pub = jwk_json_with(rsa_pub, NULL, NULL);
    char *n_padded = malloc(json_string_length(json_object_get(j_pub, "n")) + 3);
    sprintf(n_padded, "%s==", json_string_value(json_object_get(j_pub, "n")));
    json_t *j_set = json_pack("{s:[o]}", "keys", jwk_json_with(rsa_pub, "n", n_padded));
    char *text = json_dumps(j_set, 0);
    stub_set_body(&s, text);
    free(text);
    json_decref(j_set);
    setenv("AUTH_1_JWKS_URL", s.url, 1);
    fx_open(f, EXT_ISS);
    expect_reject(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "a", 600)));

    j_set = json_pack("{s:[o]}", "keys", jwk_json_with(rsa_pub, "x5c", "MIIBIjANBgkq"));
    text = json_dumps(j_set, 0);
    stub_set_body(&s, text);
    free(text);
    json_decref(j_set);
    auth_test_advance(f->a, AUTH_REFRESH_SECONDS + 1);
    expect_accept(f, sign_with(rsa_priv, R_JWA_ALG_RS256, NULL, claims(EXT_ISS, "b", 600)), "b");

    json_t *j_priv = jwk_json_with(rsa_pub, "d", "AAAA");
    assert_null(auth_keys_jwk_sanitized(j_priv));
    json_decref(j_priv);
    json_t *j_in = jwk_json_with(rsa_pub, "x5c", "MIIB");
    json_t *j_clean = auth_keys_jwk_sanitized(j_in);
    assert_non_null(j_clean);
    assert_null(json_object_get(j_clean, "x5c"));
    assert_string_equal(json_string_value(json_object_get(j_clean, "n")),
                        json_string_value(json_object_get(j_pub, "n")));
    json_decref(j_clean);
    json_decref(j_in);
    json_decref(j_pub);
    free(n_padded);
    auth_free(f->a);
    f->a = NULL;
    stub_stop(&s);
}

/* A revoked token is refused, also when its verification is cached; other tokens of the
 * same subject are not; an id is per token (jti), and a revocation ends with the token. */
static void revoked_tokens(void **state)
{
    struct fx *f = *state;
    struct auth_claims c1, c2, c3;
    fx_open(f, NULL);
    char *t1 = auth_sign(f->a, "u1", NULL, NULL, NULL, 600);
    char *t2 = auth_sign(f->a, "u1", NULL, NULL, NULL, 600);
    assert_int_equal(verify(f, t1, &c1), APP_OK); /* now cached */
    assert_int_equal(verify(f, t2, &c2), APP_OK);
    assert_int_equal(strlen(c1.token_id), 22);
    assert_string_not_equal(c1.token_id, c2.token_id);
    auth_revoke(f->a, c1.token_id, c1.exp);
    assert_int_equal(verify(f, t1, &c3), APP_E_AUTH);
    assert_int_equal(verify(f, t2, &c3), APP_OK);
    /* a revocation whose token already expired is not kept */
    auth_revoke(f->a, c2.token_id, auth_now(f->a) - 1);
    assert_int_equal(verify(f, t2, &c3), APP_OK);
    /* a token without jti is known by its text */
    char *t3 = builtin_token(f, claims(BUILTIN_ISS, "u2", 600));
    assert_int_equal(verify(f, t3, &c3), APP_OK);
    auth_revoke(f->a, c3.token_id, c3.exp);
    expect_reject(f, t3);
    /* many revocations: the set grows and still answers */
    for (int i = 0; i < 5000; i++) {
        char id[24];
        snprintf(id, sizeof id, "id-%d", i);
        auth_revoke(f->a, id, auth_now(f->a) + 60);
    }
    assert_int_equal(verify(f, t2, &c3), APP_OK);
    expect_reject(f, t1);
    /* once the revoked token has expired, its entry goes as the set grows */
    auth_test_advance(f->a, 700);
    for (int i = 0; i < 100; i++) {
        char id[24];
        snprintf(id, sizeof id, "later-%d", i);
        auth_revoke(f->a, id, auth_now(f->a) + 60);
    }
    free(t2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(builtin_valid),        T(data_dir_created_private), T(first_start_race),
        T(expired),
        T(nbf_future),           T(iat_future),               T(wrong_iss),
        T(foreign_key_same_kid), T(alg_none),                 T(tampered_payload),
        T(truncated),            T(garbage),                  T(user_id_preferred),
        T(name_split),           T(pem_rs256_accepted),       T(hs256_confusion),
        T(wrong_aud),            T(azp_mismatch),             T(clerk_shorthand),
        T(bad_config_refused),   T(jwks_url_and_rotation),    T(unknown_kid_rate_limited),
        T(stale_jwks_refetched), T(crit_header),               T(embedded_jwk_ignored),
        T(eddsa_by_jwks),        T(concurrent_verify),
        T(jwks_url_needs_https_off_loopback), T(kid_required),
        T(cache_hit_and_expiry), T(cache_many_tokens),
        T(padded_segments),      T(signature_length_exact),   T(jwks_members_checked),
        T(revoked_tokens),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
