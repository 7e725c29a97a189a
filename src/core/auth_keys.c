/* SPDX-License-Identifier: MIT */
/* Issuer keys: the built-in ES256 key pair kept in DATA_DIR/issuer.jwk, PEM keys of
 * external issuers, and JWKS documents fetched with libcurl (lazily, cached, refreshed at
 * most once per AUTH_REFRESH_SECONDS per issuer when a token names an unknown kid; a
 * failed fetch keeps the previous keyset). Keysets are immutable once built: a refresh
 * builds a new one and swaps the pointer under the issuer's mutex. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <rhonabwy.h>
#include <sodium.h>

#include "core/auth_internal.h"
#include "core/b64.h"
#include "core/files.h"
#include "core/log.h"

void auth_keyset_free(struct auth_keyset *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->keys[i].kid);
        free(ks->keys[i].json);
    }
    free(ks->keys);
    free(ks);
}

static unsigned alg_bit(const char *alg)
{
    if (!alg)
        return 0;
    if (strcmp(alg, "RS256") == 0)
        return AUTH_ALG_RS256;
    if (strcmp(alg, "ES256") == 0)
        return AUTH_ALG_ES256;
    if (strcmp(alg, "EdDSA") == 0)
        return AUTH_ALG_EDDSA;
    return ~0u; /* names an algorithm we never accept */
}

/* Classifies a public key jwk into one of the families we verify and the exact length of
 * its signatures; 0 when unusable. */
static int key_family(jwk_t *jwk, struct auth_key_info *info)
{
    unsigned int bits = 0;
    int t = r_jwk_key_type(jwk, &bits, R_FLAG_IGNORE_REMOTE);
    const char *crv = r_jwk_get_property_str(jwk, "crv");

    if (!(t & R_KEY_TYPE_PUBLIC))
        return 0;
    if ((t & R_KEY_TYPE_RSA) && bits >= 2048 && bits <= 8192) {
        info->kty = AUTH_KTY_RSA;
        info->sig_bytes = (bits + 7) / 8;
        return 1;
    }
    if ((t & R_KEY_TYPE_EC) && crv && strcmp(crv, "P-256") == 0) {
        info->kty = AUTH_KTY_EC256;
        info->sig_bytes = 64; /* r || s, 32 bytes each (RFC 7518 §3.4) */
        return 1;
    }
    if ((t & R_KEY_TYPE_EDDSA) && crv && strcmp(crv, "Ed25519") == 0) {
        info->kty = AUTH_KTY_ED25519;
        info->sig_bytes = 64;
        return 1;
    }
    return 0;
}

/* Members of a public JWK that reach Rhonabwy's importer, with the longest base64url text
 * accepted for each (0: a plain string). Other members (x5c, x5t, key_ops...) are dropped
 * before the import; private members make the key unusable (a JWKS publishes public keys). */
static const struct {
    const char *name;
    size_t b64_max;
} jwk_members[] = {
    {"kty", 0}, {"use", 0}, {"alg", 0}, {"kid", 0}, {"crv", 0},
    {"n", AUTH_SIG_MAX_CHARS}, {"e", 16}, {"x", 64}, {"y", 64},
};
static const char *const jwk_private[] = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"};

json_t *auth_keys_jwk_sanitized(const json_t *j_key)
{
    if (!json_is_object(j_key))
        return NULL;
    for (size_t i = 0; i < sizeof jwk_private / sizeof jwk_private[0]; i++)
        if (json_object_get(j_key, jwk_private[i]))
            return NULL;
    json_t *j_out = json_object();
    for (size_t i = 0; j_out && i < sizeof jwk_members / sizeof jwk_members[0]; i++) {
        const json_t *j_v = json_object_get(j_key, jwk_members[i].name);
        size_t max = jwk_members[i].b64_max, len = json_string_length(j_v);
        if (!j_v)
            continue;
        if (!json_is_string(j_v) || len > (max ? max : 256) ||
            (max && (len == 0 || !b64url_canonical(json_string_value(j_v), len)))) {
            json_decref(j_out);
            return NULL;
        }
        json_object_set_new(j_out, jwk_members[i].name, json_string(json_string_value(j_v)));
    }
    return j_out;
}

/* Appends the public key jwk to ks; 0 when the key is unusable or memory ran out. */
static int keyset_add(struct auth_keyset *ks, jwk_t *jwk)
{
    struct auth_key_info info = {0};
    const char *kid = r_jwk_get_property_str(jwk, "kid");
    unsigned alg = alg_bit(r_jwk_get_property_str(jwk, "alg"));
    char *text = NULL;
    struct auth_key *keys;

    if (!key_family(jwk, &info) || alg == ~0u)
        return 0;
    info.alg = alg;
    keys = realloc(ks->keys, (ks->n + 1) * sizeof(*keys));
    if (!keys)
        return 0;
    ks->keys = keys;
    text = r_jwk_export_to_json_str(jwk, 0);
    keys[ks->n].json = text ? strdup(text) : NULL;
    r_free(text);
    keys[ks->n].kid = kid ? strdup(kid) : NULL;
    if (!keys[ks->n].json || (kid && !keys[ks->n].kid)) {
        free(keys[ks->n].json);
        free(keys[ks->n].kid);
        return 0;
    }
    keys[ks->n].info = info;
    ks->n++;
    return 1;
}

struct auth_keyset *auth_keys_from_jwks(const char *text, size_t len)
{
    json_t *j_doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *j_keys = json_object_get(j_doc, "keys");
    struct auth_keyset *ks = calloc(1, sizeof(*ks));
    json_t *j_key;
    size_t i;

    if (!ks || !json_is_array(j_keys))
        goto fail;
    json_array_foreach(j_keys, i, j_key) {
        const char *use = json_string_value(json_object_get(j_key, "use"));
        jwk_t *jwk = NULL;
        json_t *j_clean = NULL;
        if (!json_is_object(j_key) || (use && strcmp(use, "sig") != 0) ||
            !(j_clean = auth_keys_jwk_sanitized(j_key)))
            continue;
        if (r_jwk_init(&jwk) == RHN_OK && r_jwk_import_from_json_t(jwk, j_clean) == RHN_OK)
            keyset_add(ks, jwk);
        r_jwk_free(jwk);
        json_decref(j_clean);
    }
    if (ks->n == 0)
        goto fail;
    json_decref(j_doc);
    return ks;
fail:
    json_decref(j_doc);
    auth_keyset_free(ks);
    return NULL;
}

/* Copies pem replacing the two-character sequence \n by a newline. */
static char *pem_unescape(const char *pem)
{
    char *out = malloc(strlen(pem) + 1), *w = out;
    if (!out)
        return NULL;
    for (const char *p = pem; *p; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            *w++ = '\n';
            p++;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return out;
}

struct auth_keyset *auth_keys_from_pem(const char *pem)
{
    char *text = pem_unescape(pem);
    struct auth_keyset *ks = calloc(1, sizeof(*ks));
    jwk_t *jwk = NULL;
    int ok = 0;

    if (text && ks && r_jwk_init(&jwk) == RHN_OK) {
        const unsigned char *in = (const unsigned char *)text;
        size_t len = strlen(text);
        if (r_jwk_import_from_pem_der(jwk, R_X509_TYPE_PUBKEY, R_FORMAT_PEM, in, len) ==
                RHN_OK ||
            r_jwk_import_from_pem_der(jwk, R_X509_TYPE_CERTIFICATE, R_FORMAT_PEM, in, len) ==
                RHN_OK) {
            /* Rhonabwy invents a kid on import; a configured PEM key answers any kid. */
            r_jwk_delete_property_str(jwk, "kid");
            ok = keyset_add(ks, jwk);
        }
    }
    r_jwk_free(jwk);
    free(text);
    if (!ok) {
        auth_keyset_free(ks);
        return NULL;
    }
    return ks;
}

/* ---- built-in key pair ------------------------------------------------------------ */

static char *read_small_file(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t n;
    if (!f)
        return NULL;
    buf = malloc(65536);
    if (buf) {
        n = fread(buf, 1, 65535, f);
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}



/* A new ES256 private JWK (JSON text, free()) whose kid is its RFC 7638 thumbprint. */
static char *generate_key(void)
{
    jwk_t *priv = NULL, *pub = NULL;
    char *kid = NULL, *text = NULL, *out = NULL;

    if (r_jwk_init(&priv) != RHN_OK || r_jwk_init(&pub) != RHN_OK)
        goto out;
    if (r_jwk_generate_key_pair(priv, pub, R_KEY_TYPE_EC, 256, NULL) != RHN_OK)
        goto out;
    kid = r_jwk_thumbprint(pub, R_JWK_THUMB_SHA256, R_FLAG_IGNORE_REMOTE);
    if (!kid || r_jwk_set_property_str(priv, "kid", kid) != RHN_OK ||
        r_jwk_set_property_str(priv, "alg", "ES256") != RHN_OK ||
        r_jwk_set_property_str(priv, "use", "sig") != RHN_OK)
        goto out;
    text = r_jwk_export_to_json_str(priv, 0);
    out = text ? strdup(text) : NULL;
out:
    if (text)
        sodium_memzero(text, strlen(text));
    r_free(text);
    r_free(kid);
    r_jwk_free(priv);
    r_jwk_free(pub);
    return out;
}

/* Imports the private JWK text; fills a->sign_*, the built-in keyset. */
static app_err use_builtin_key(auth *a, const char *text)
{
    jwk_t *priv = NULL, *pub = NULL;
    char *kid = NULL;
    unsigned int bits = 0;
    struct auth_keyset *ks = calloc(1, sizeof(*ks));
    app_err e = APP_E_INTERNAL;

    if (!ks || r_jwk_init(&priv) != RHN_OK || r_jwk_init(&pub) != RHN_OK ||
        r_jwk_import_from_json_str(priv, text) != RHN_OK)
        goto out;
    if ((r_jwk_key_type(priv, &bits, R_FLAG_IGNORE_REMOTE) &
         (R_KEY_TYPE_PRIVATE | R_KEY_TYPE_EC)) != (R_KEY_TYPE_PRIVATE | R_KEY_TYPE_EC) ||
        bits != 256 || r_jwk_extract_pubkey(priv, pub, R_FLAG_IGNORE_REMOTE) != RHN_OK)
        goto out;
    kid = r_jwk_thumbprint(pub, R_JWK_THUMB_SHA256, R_FLAG_IGNORE_REMOTE);
    if (!kid || r_jwk_set_property_str(pub, "kid", kid) != RHN_OK ||
        r_jwk_set_property_str(pub, "alg", "ES256") != RHN_OK ||
        r_jwk_set_property_str(pub, "use", "sig") != RHN_OK || !keyset_add(ks, pub))
        goto out;
    a->sign_jwk = strdup(text);
    a->sign_kid = strdup(kid);
    if (!a->sign_jwk || !a->sign_kid)
        goto out;
    a->issuers[0].keys = ks;
    ks = NULL;
    e = APP_OK;
out:
    r_free(kid);
    r_jwk_free(priv);
    r_jwk_free(pub);
    auth_keyset_free(ks);
    return e;
}

/* Generates the key pair into path; returns its text, or what another process wrote there
 * first, or NULL. */
static char *create_key_file(const char *path)
{
    char *fresh = generate_key();
    int rc = fresh ? files_write_new(path, fresh) : -1;
    if (rc == 0) {
        LOG_I("created the built-in issuer key %s", path);
        return fresh;
    }
    if (fresh) {
        sodium_memzero(fresh, strlen(fresh));
        free(fresh);
    }
    return rc == 1 ? read_small_file(path) : NULL;
}

app_err auth_keys_builtin(auth *a, const char *data_dir)
{
    char path[4096];
    char *text = NULL;
    app_err e;
    struct stat st;

    if (snprintf(path, sizeof(path), "%s/issuer.jwk", data_dir) >= (int)sizeof(path) ||
        files_mkdir_p(data_dir) != 0) {
        LOG_E("cannot create DATA_DIR %s: %s", data_dir, strerror(errno));
        return APP_E_INTERNAL;
    }
    text = read_small_file(path);
    if (!text && errno == ENOENT)
        text = create_key_file(path);
    if (!text) {
        LOG_E("cannot read or create %s: %s", path, strerror(errno));
        return APP_E_INTERNAL;
    }
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        LOG_W("%s is readable by group or others; chmod 600 it", path);
    e = use_builtin_key(a, text);
    if (e != APP_OK)
        LOG_E("%s does not hold an ES256 (P-256) private JWK", path);
    sodium_memzero(text, strlen(text));
    free(text);
    return e;
}

/* ---- JWKS fetching ---------------------------------------------------------------- */

struct body {
    char *buf;
    size_t len;
    int overflow;
};

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct body *b = ud;
    size_t add = size * n;
    char *grown;

    if (b->len + add > AUTH_JWKS_MAX_BYTES) {
        b->overflow = 1;
        return 0; /* aborts the transfer */
    }
    grown = realloc(b->buf, b->len + add + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, data, add);
    b->buf = grown;
    b->len += add;
    b->buf[b->len] = '\0';
    return add;
}

/* GETs url (https, or http to loopback as auth.c checks; no redirects, timeouts, 256 KiB cap); builds a keyset. */
static struct auth_keyset *fetch_jwks(const char *url)
{
    CURL *h = curl_easy_init();
    struct body b = { 0 };
    struct auth_keyset *ks = NULL;
    long status = 0;
    CURLcode rc;

    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 3L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AUTH_JWKS_MAX_BYTES);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "peterental/" PETE_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK)
        LOG_W("JWKS fetch failed (%s): %s", url,
              b.overflow ? "body over 256 KiB" : curl_easy_strerror(rc));
    else if (status != 200)
        LOG_W("JWKS fetch failed (%s): HTTP %ld", url, status);
    else if (!(ks = auth_keys_from_jwks(b.buf ? b.buf : "", b.len)))
        LOG_W("JWKS from %s holds no usable signing key", url);
    curl_easy_cleanup(h);
    free(b.buf);
    return ks;
}

/* ---- key lookup ------------------------------------------------------------------- */

static const struct auth_key *keyset_lookup(const struct auth_keyset *ks, const char *kid)
{
    if (!ks || !kid)
        return NULL; /* a token must name its key (SPEC §3), even to a one-key issuer */
    for (size_t i = 0; i < ks->n; i++) {
        if (ks->keys[i].kid && strcmp(ks->keys[i].kid, kid) == 0)
            return &ks->keys[i];
    }
    /* A configured PEM key has no kid of its own: it is the issuer's only key and answers
     * whatever kid the token names. The signature check decides. */
    if (ks->n == 1 && !ks->keys[0].kid)
        return &ks->keys[0];
    return NULL;
}

/* Copies the key's text and family out under is->lock; *stale (may be NULL) tells
 * whether a fetched keyset is older than AUTH_JWKS_MAX_AGE. */
static char *copy_key(auth *a, struct auth_issuer *is, const char *kid,
                      struct auth_key_info *info, bool *stale)
{
    char *json = NULL;
    pthread_mutex_lock(&is->lock);
    const struct auth_key *k = keyset_lookup(is->keys, kid);
    if (k) {
        json = strdup(k->json);
        *info = k->info;
    }
    if (stale)
        *stale = is->jwks_url && is->keys && auth_mono(a) - is->keys_at > AUTH_JWKS_MAX_AGE;
    pthread_mutex_unlock(&is->lock);
    return json;
}

/* Fetches is->jwks_url unless an attempt happened within AUTH_REFRESH_SECONDS.
 * Caller holds is->fetch_lock. */
static void refresh(auth *a, struct auth_issuer *is)
{
    int64_t now = auth_mono(a);
    struct auth_keyset *ks, *old = NULL;

    pthread_mutex_lock(&is->lock);
    if (is->last_fetch != 0 && now - is->last_fetch < AUTH_REFRESH_SECONDS) {
        pthread_mutex_unlock(&is->lock);
        LOG_D("JWKS refresh for %s rate-limited", is->iss);
        return;
    }
    is->last_fetch = now;
    is->fetches++;
    pthread_mutex_unlock(&is->lock);

    ks = fetch_jwks(is->jwks_url); /* no lock held: verifications go on meanwhile */
    if (!ks)
        return; /* keep the old keyset */
    pthread_mutex_lock(&is->lock);
    old = is->keys;
    is->keys = ks;
    is->keys_at = auth_mono(a);
    pthread_mutex_unlock(&is->lock);
    auth_keyset_free(old);
}

char *auth_keys_find(auth *a, struct auth_issuer *is, const char *kid,
                     struct auth_key_info *info)
{
    bool stale = false;
    if (!kid)
        return NULL; /* no JWKS fetch for a token that names no key */
    char *json = copy_key(a, is, kid, info, &stale);

    if (json && stale && pthread_mutex_trylock(&is->fetch_lock) == 0) {
        /* An old keyset is refetched by one request; others go on with the old keys. */
        refresh(a, is);
        pthread_mutex_unlock(&is->fetch_lock);
        free(json);
        return copy_key(a, is, kid, info, NULL);
    }
    if (json || !is->jwks_url)
        return json;
    pthread_mutex_lock(&is->fetch_lock);
    json = copy_key(a, is, kid, info, NULL); /* another thread may just have fetched */
    if (!json) {
        refresh(a, is);
        json = copy_key(a, is, kid, info, NULL);
    }
    pthread_mutex_unlock(&is->fetch_lock);
    return json;
}
