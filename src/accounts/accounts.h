/* SPDX-License-Identifier: MIT */
/* Built-in accounts (SPEC §5 Auth): POST /auth/signup, /auth/login, /auth/logout.
 * Passwords are Argon2id (libsodium); a session is a 7-day token of the built-in issuer,
 * returned in the body and as the HttpOnly `session` cookie. Failed logins are counted per
 * email and per client address in the database (core/ratelimit.h), so every instance
 * agrees. Sign-ups are counted the same way per client address ("signup:ip:..."). The client
 * address is http_client_ip's (TRUSTED_PROXIES decides whether X-Forwarded-For counts); an
 * IPv6 client is counted by its /64. */
#ifndef PETE_ACCOUNTS_ACCOUNTS_H
#define PETE_ACCOUNTS_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/db.h"
#include "core/http.h"
#include "core/valid.h"
#include "users/users.h"

#define ACCOUNTS_SESSION_SECONDS (7L * 24 * 3600)
#define ACCOUNTS_PASSWORD_MIN 10
#define ACCOUNTS_PASSWORD_MAX 1024
#define ACCOUNTS_FAIL_WINDOW 900 /* seconds */
#define ACCOUNTS_FAIL_MAX_EMAIL 5
#define ACCOUNTS_FAIL_MAX_IP 20
#define ACCOUNTS_HASH_MAX 256
#define ACCOUNTS_SIGNUP_WINDOW 3600 /* seconds */
#define ACCOUNTS_SIGNUP_MAX_IP 10   /* sign-up attempts per client address per window */
#define ACCOUNTS_BUSY_RETRY 1       /* Retry-After (seconds) when every hashing slot is taken */

struct accounts_signup_in {
    const char *email;
    const char *password;
    const char *first_name; /* may be NULL */
    const char *last_name;  /* may be NULL */
};

struct accounts_session {
    char *token; /* owned; accounts_session_cleanup frees it */
    struct users_user user;
};

void accounts_session_cleanup(struct accounts_session *s);

/* True unless SIGNUP=closed. */
bool accounts_signup_open(const struct app *a);

/* Creates an account and its tenant. Rule problems go to v (APP_E_VALIDATION); a taken
 * email is APP_E_CONFLICT; APP_E_RATE with *retry_after when ip (may be "") made
 * ACCOUNTS_SIGNUP_MAX_IP valid attempts in the window; APP_E_UNAVAILABLE with *retry_after
 * = ACCOUNTS_BUSY_RETRY when no hashing slot freed up in time. On success *out holds a new
 * session. */
app_err accounts_signup(struct app *a, const struct accounts_signup_in *in, const char *ip,
                        struct vcheck *v, struct accounts_session *out, long *retry_after);

/* Checks email and password. APP_E_AUTH for a wrong password or unknown email (same work
 * either way); APP_E_RATE with *retry_after (seconds) when the email or ip had too many
 * failures in the window; APP_E_UNAVAILABLE with *retry_after = ACCOUNTS_BUSY_RETRY when no
 * hashing slot freed up in time (nothing counted). ip may be "" when unknown. */
app_err accounts_login(struct app *a, const char *email, const char *password, const char *ip,
                       struct accounts_session *out, long *retry_after);

/* The user id of the built-in account with this email (case-insensitive); APP_E_NOTFOUND
 * when there is none. For the operator's `peterental user`. */
app_err accounts_user_of(struct app *a, const char *email, int64_t *user_id);
/* `peterental user add|show|delete` (accounts_cli.c) on an opened app; returns the exit
 * status. argv[0] is "user". */
int accounts_cli(struct app *a, int argc, char **argv);

/* Revokes a session token (POST /auth/logout): when it verifies, its id is stored until it
 * expires, so every instance refuses it from then on (this one at once, others within
 * ACCOUNTS_REVOKE_POLL_MS). A token that does not verify is left alone (APP_OK: there is
 * nothing to revoke). APP_E_UNAVAILABLE when the revocation could not be stored. */
app_err accounts_logout(struct app *a, const char *token);

/* The revocation reader (accounts_revoke.c): loads every unexpired revocation at start, then
 * every ACCOUNTS_REVOKE_POLL_MS those stored since (by any instance) into the verifier, and
 * drops expired rows now and then. */
#define ACCOUNTS_REVOKE_POLL_MS 1000
void accounts_revocations_start(struct app *a);
void accounts_revocations_stop(void);

/* ---- store (accounts_store.c) ---- */

/* Inserts the credentials row; APP_E_CONFLICT when the email is taken. */
app_err accounts_store_create(db_conn *c, int64_t user_id, const char *email, const char *hash);
/* Finds the account of email: APP_E_NOTFOUND when none. hash receives the stored hash. */
app_err accounts_store_find(db_conn *c, const char *email, int64_t *user_id,
                            char hash[ACCOUNTS_HASH_MAX]);
/* Stores a revocation (no error when the id is already stored). */
app_err accounts_store_revoke(db_conn *c, const char *token_id, int64_t expires_at, int64_t now);
/* Revocations stored at or after since that are unexpired at now: rows of (token_id,
 * expires_at, revoked_at) in *out (db_res_free). */
app_err accounts_store_revocations(db_conn *c, int64_t since, int64_t now, db_res **out);
/* Drops revocations whose token has expired. */
app_err accounts_store_revocations_prune(db_conn *c, int64_t now);
/* ---- HTTP handlers (accounts_http.c) ---- */
int accounts_http_signup(http_req *r);
int accounts_http_login(http_req *r);
int accounts_http_logout(http_req *r);

#endif
