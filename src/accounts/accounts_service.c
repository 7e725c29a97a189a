/* SPDX-License-Identifier: MIT */
/* Built-in accounts: sign-up rules, Argon2id hashing and verification, and the sign-up and
 * failed-login limits. Both routes need no token, so their cost is capped in this process
 * (a local resource cap, not shared state): hashing takes ARGON_MEMLIMIT of memory and a
 * core, so at most max(2, cores/2) hashes run at once and a request waits at most
 * HASH_WAIT_MS for a slot; and at most ADMIT_PER_SLOT requests per slot (never more than
 * half the HTTP worker threads) are inside sign-up or login at all, database work included;
 * the rest are turned away at once (503 + Retry-After). A burst of sign-ups or logins
 * therefore never holds every worker thread, and each blocks its worker briefly (libmicrohttpd
 * serves the connections a worker accepted one after another, /health included). No
 * database connection is held while a hash runs. An unknown email is verified against a
 * dummy hash so the answer takes as long as a wrong password. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "core/log.h"
#include "core/mono.h"
#include "core/ratelimit.h"

#define ARGON_OPSLIMIT 2
#define ARGON_MEMLIMIT ((size_t)19 * 1024 * 1024)
#define HASH_WAIT_MS 500
#define ADMIT_PER_SLOT 2

static pthread_once_t slots_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t hash_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cv; /* timed on core/mono.h, set up by slots_init */
static int hash_slots;
static int hash_busy, admitted; /* under hash_mu */

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void slots_init(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    hash_slots = cores / 2 > 2 ? (int)(cores / 2) : 2;
    mono_cond_init(&hash_cv);
}

/* Lets a sign-up or login in unless ADMIT_PER_SLOT per hashing slot (at most half of the
 * worker threads) are already inside; false: turn it away now. leave() when done. */
static bool admit(const struct app *a)
{
    pthread_once(&slots_once, slots_init);
    int threads = a->cfg && a->cfg->threads > 0 ? a->cfg->threads : 1;
    int max = ADMIT_PER_SLOT * hash_slots;
    if (max > threads / 2)
        max = threads / 2 > 0 ? threads / 2 : 1;
    pthread_mutex_lock(&hash_mu);
    bool ok = admitted < max;
    if (ok)
        admitted++;
    pthread_mutex_unlock(&hash_mu);
    return ok;
}

static void leave(void)
{
    pthread_mutex_lock(&hash_mu);
    admitted--;
    pthread_mutex_unlock(&hash_mu);
}

/* Takes a hashing slot: false when none freed up within HASH_WAIT_MS. Only admitted
 * requests wait here, so the number of waiters is bounded too. */
static bool slot_take(void)
{
    bool ok;
    pthread_once(&slots_once, slots_init);
    struct timespec until = mono_deadline(HASH_WAIT_MS);
    pthread_mutex_lock(&hash_mu);
    int rc = 0;
    while (hash_busy >= hash_slots && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&hash_cv, &hash_mu, &until);
    ok = hash_busy < hash_slots;
    if (ok)
        hash_busy++;
    pthread_mutex_unlock(&hash_mu);
    return ok;
}

static void slot_give(void)
{
    pthread_mutex_lock(&hash_mu);
    hash_busy--;
    pthread_cond_signal(&hash_cv);
    pthread_mutex_unlock(&hash_mu);
}

static int argon(const char *pw, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str_alg(out, pw, strlen(pw), ARGON_OPSLIMIT, ARGON_MEMLIMIT,
                                 crypto_pwhash_ALG_ARGON2ID13);
}

/* 0 on success, -1 when hashing failed (out of memory), -2 when no slot was free. */
static int hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
    if (!slot_take())
        return -2;
    int rc = argon(pw, out) == 0 ? 0 : -1;
    slot_give();
    return rc;
}

/* Once per process, outside the slots: a busy moment must not leave the dummy empty (an
 * unknown email would then answer faster than a wrong password from then on). */
static void make_dummy(void)
{
    unsigned char rnd[24];
    char pw[2 * sizeof rnd + 1];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(pw, sizeof pw, rnd, sizeof rnd);
    if (argon(pw, dummy_hash) != 0)
        dummy_hash[0] = '\0';
}

/* 1 when pw matches hash, 0 when not (with hash NULL: after the same work), -1 when no
 * hashing slot was free (nothing checked). */
static int verify_password(const char *hash, const char *pw)
{
    if (!hash) {
        pthread_once(&dummy_once, make_dummy);
        hash = dummy_hash;
    }
    if (!slot_take())
        return -1;
    bool ok = hash[0] && crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
    slot_give();
    return ok && hash != dummy_hash ? 1 : 0;
}

void accounts_session_cleanup(struct accounts_session *s)
{
    free(s->token);
    s->token = NULL;
}

bool accounts_signup_open(const struct app *a)
{
    return !a->cfg->signup || strcmp(a->cfg->signup, "closed") != 0;
}

static void lower(const char *in, char out[256])
{
    size_t i = 0;
    for (; in[i] && i < 255; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

static void check_signup(const struct accounts_signup_in *in, struct vcheck *v)
{
    if (!in->email)
        vcheck_fail(v, "email", "is required");
    else if (!users_email_plausible(in->email))
        vcheck_fail(v, "email", "must be an email address");
    if (!in->password)
        vcheck_fail(v, "password", "is required");
    else if (strlen(in->password) < ACCOUNTS_PASSWORD_MIN)
        vcheck_fail(v, "password", "must be at least 10 characters");
    else if (strlen(in->password) > ACCOUNTS_PASSWORD_MAX)
        vcheck_fail(v, "password", "must be at most 1024 characters");
    if (in->first_name && strlen(in->first_name) > 100)
        vcheck_fail(v, "first_name", "must be at most 100 characters");
    if (in->last_name && strlen(in->last_name) > 100)
        vcheck_fail(v, "last_name", "must be at most 100 characters");
}

/* Signs the session token for u into out. */
static app_err issue(struct app *a, const struct users_user *u, struct accounts_session *out)
{
    out->token = auth_sign(a->auth, u->subject, u->email, u->first_name, u->last_name,
                           ACCOUNTS_SESSION_SECONDS);
    if (!out->token)
        return APP_E_INTERNAL;
    out->user = *u;
    return APP_OK;
}

/* Inserts the users and credentials rows in one transaction; *u receives the user. */
static app_err create_account(struct app *a, const struct accounts_signup_in *in,
                              const char *email, const char *hash, struct users_user *u)
{
    db_conn *c = NULL;
    char subject[64];
    char *tok = crypto_random_token(16);
    if (!tok)
        return APP_E_INTERNAL;
    snprintf(subject, sizeof subject, "usr_%s", tok);
    free(tok);
    app_err e = db_tx_begin(a->db, 0, true, &c);
    if (e != APP_OK)
        return e;
    e = users_create_in(c, a->issuer, subject, email, in->first_name, in->last_name, u);
    if (e == APP_OK)
        e = accounts_store_create(c, u->id, email, hash);
    return db_tx_end(c, e);
}

/* The rate-limit key of a client address: prefix + the IPv4 address, or + the IPv6 /64
 * ("2001:db8:1:2::/64": one IPv6 client commonly holds a whole /64), or + "unknown". */
static void ip_key(const char *prefix, const char *ip, char *out, size_t len)
{
    struct in6_addr a6;
    char net[INET6_ADDRSTRLEN];
    if (ip && strchr(ip, ':') && inet_pton(AF_INET6, ip, &a6) == 1) {
        memset(a6.s6_addr + 8, 0, 8);
        inet_ntop(AF_INET6, &a6, net, sizeof net);
        snprintf(out, len, "%s%s/64", prefix, net);
    } else {
        snprintf(out, len, "%s%s", prefix, ip && *ip ? ip : "unknown");
    }
}

/* Counts this sign-up attempt of ip; APP_E_RATE with *retry_after past the limit. The count
 * and the check are one statement, so concurrent attempts cannot slip past it. */
static app_err signup_allowed(struct app *a, const char *ip, long *retry_after)
{
    char key[96];
    int64_t now = (int64_t)time(NULL), count = 0, start = now;
    db_conn *c = NULL;
    ip_key("signup:ip:", ip, key, sizeof key);
    app_err e = db_tx_begin(a->db, 0, true, &c);
    if (e != APP_OK)
        return e;
    e = ratelimit_hit(c, key, now, ACCOUNTS_SIGNUP_WINDOW, &count, &start);
    if (e == APP_OK && count == 1) /* a new window: a good moment to drop closed ones */
        e = ratelimit_prune(c, now - ACCOUNTS_SIGNUP_WINDOW);
    e = db_tx_end(c, e);
    if (e == APP_OK && count > ACCOUNTS_SIGNUP_MAX_IP) {
        long left = (long)(start + ACCOUNTS_SIGNUP_WINDOW - now);
        *retry_after = left > 0 ? left : 1;
        e = APP_E_RATE;
    }
    return e;
}

static app_err signup(struct app *a, const struct accounts_signup_in *in, const char *ip,
                      struct accounts_session *out, long *retry_after)
{
    char email[256], hash[crypto_pwhash_STRBYTES];
    struct users_user u;
    app_err e = signup_allowed(a, ip, retry_after);
    if (e != APP_OK)
        return e;
    lower(in->email, email);
    int rc = hash_password(in->password, hash);
    if (rc == -2) {
        *retry_after = ACCOUNTS_BUSY_RETRY;
        return APP_E_UNAVAILABLE;
    }
    if (rc != 0) {
        LOG_E("password hashing failed (out of memory?)");
        return APP_E_UNAVAILABLE;
    }
    e = create_account(a, in, email, hash, &u);
    if (e == APP_OK)
        e = issue(a, &u, out);
    if (e == APP_OK)
        LOG_I("account created for user %lld", (long long)u.id);
    return e;
}

app_err accounts_signup(struct app *a, const struct accounts_signup_in *in, const char *ip,
                        struct vcheck *v, struct accounts_session *out, long *retry_after)
{
    check_signup(in, v);
    if (!vcheck_ok(v))
        return APP_E_VALIDATION;
    if (!admit(a)) {
        *retry_after = ACCOUNTS_BUSY_RETRY;
        return APP_E_UNAVAILABLE;
    }
    app_err e = signup(a, in, ip, out, retry_after);
    leave();
    return e;
}

/* APP_E_RATE with *retry_after when key is over its limit. */
static app_err check_limit(db_conn *c, const char *key, int64_t max, int64_t now,
                           long *retry_after)
{
    int64_t count = 0, start = now;
    app_err e = ratelimit_count(c, key, now, ACCOUNTS_FAIL_WINDOW, &count, &start);
    if (e == APP_OK && count >= max) {
        long left = (long)(start + ACCOUNTS_FAIL_WINDOW - now);
        *retry_after = left > 0 ? left : 1;
        e = APP_E_RATE;
    }
    return e;
}

/* Looks the account up when neither key is over its limit; APP_E_NOTFOUND when unknown. */
static app_err login_lookup(struct app *a, const char *ekey, const char *ikey,
                            const char *email, int64_t now, long *retry_after,
                            int64_t *user_id, char hash[ACCOUNTS_HASH_MAX])
{
    db_conn *c = NULL;
    app_err e = db_tx_begin(a->db, 0, false, &c);
    if (e != APP_OK)
        return e;
    e = check_limit(c, ekey, ACCOUNTS_FAIL_MAX_EMAIL, now, retry_after);
    if (e == APP_OK)
        e = check_limit(c, ikey, ACCOUNTS_FAIL_MAX_IP, now, retry_after);
    if (e == APP_OK) {
        db_last_statement(c);
        e = accounts_store_find(c, email, user_id, hash);
    }
    return db_tx_end(c, e); /* reads only: ending it either way changes nothing */
}

/* After the password check: counts a failure, or clears the email's counter and loads u. */
static app_err login_finish(struct app *a, bool ok, const char *ekey, const char *ikey,
                            int64_t now, int64_t user_id, struct users_user *u)
{
    db_conn *c = NULL;
    app_err e = db_tx_begin(a->db, 0, true, &c);
    if (e != APP_OK)
        return e;
    if (!ok) {
        e = ratelimit_hit(c, ekey, now, ACCOUNTS_FAIL_WINDOW, NULL, NULL);
        if (e == APP_OK)
            e = ratelimit_hit(c, ikey, now, ACCOUNTS_FAIL_WINDOW, NULL, NULL);
        if (e == APP_OK)
            e = ratelimit_prune(c, now - ACCOUNTS_SIGNUP_WINDOW);
        /* the failure is counted (committed) and the answer is a refusal */
        e = db_tx_end(c, e);
        return e == APP_OK ? APP_E_AUTH : e;
    }
    e = ratelimit_clear(c, ekey);
    if (e == APP_OK)
        e = users_get_in(c, user_id, u);
    return db_tx_end(c, e);
}

static app_err login(struct app *a, const char *email_in, const char *password,
                     const char *ip, struct accounts_session *out, long *retry_after)
{
    char email[256], ekey[300], ikey[80], hash[ACCOUNTS_HASH_MAX];
    int64_t user_id = 0, now = (int64_t)time(NULL);
    struct users_user u;
    lower(email_in, email);
    snprintf(ekey, sizeof ekey, "email:%s", email);
    ip_key("ip:", ip, ikey, sizeof ikey);
    app_err e = login_lookup(a, ekey, ikey, email, now, retry_after, &user_id, hash);
    if (e != APP_OK && e != APP_E_NOTFOUND)
        return e;
    int ok = verify_password(e == APP_OK ? hash : NULL, password);
    sodium_memzero(hash, sizeof hash);
    if (ok < 0) {
        *retry_after = ACCOUNTS_BUSY_RETRY;
        return APP_E_UNAVAILABLE;
    }
    e = login_finish(a, ok == 1, ekey, ikey, now, user_id, &u);
    if (e == APP_OK)
        e = issue(a, &u, out);
    return e;
}

app_err accounts_login(struct app *a, const char *email, const char *password, const char *ip,
                       struct accounts_session *out, long *retry_after)
{
    if (!admit(a)) {
        *retry_after = ACCOUNTS_BUSY_RETRY;
        return APP_E_UNAVAILABLE;
    }
    app_err e = login(a, email, password, ip, out, retry_after);
    leave();
    return e;
}

app_err accounts_user_of(struct app *a, const char *email_in, int64_t *user_id)
{
    char email[256], hash[ACCOUNTS_HASH_MAX];
    db_conn *c = NULL;
    if (!email_in || strlen(email_in) >= sizeof email)
        return APP_E_NOTFOUND;
    lower(email_in, email);
    app_err e = db_tx_begin(a->db, 0, false, &c);
    if (e != APP_OK)
        return e;
    db_last_statement(c);
    e = db_tx_end(c, accounts_store_find(c, email, user_id, hash));
    sodium_memzero(hash, sizeof hash);
    return e;
}
