/* SPDX-License-Identifier: MIT */
/* Session revocation (POST /auth/logout) and the reader that spreads revocations between
 * instances. A revocation is one row of revoked_tokens (migration 0004): the token's id and
 * expiry. The instance that stores it refuses the token at once; every instance's reader
 * thread loads the unexpired rows at start and then, every second, those stored since its
 * last read (with an overlap for clocks a little apart and for commits that land late), and
 * hands them to the verifier (auth_revoke). Reading costs one indexed statement a second;
 * checking a token costs nothing while nothing is revoked (core/auth_revoked.c). */
#include <stdbool.h>
#include <time.h>

#include "accounts/accounts.h"
#include "core/log.h"
#include "core/ticker.h"

#define OVERLAP_S 30        /* re-read what was stored this long before the last read */
#define PRUNE_EVERY_S 600

app_err accounts_logout(struct app *a, const char *token)
{
    struct auth_claims c;
    db_conn *conn = NULL;
    if (!token || !*token || auth_verify(a->auth, token, &c) != APP_OK)
        return APP_OK;
    app_err e = db_tx_begin(a->db, 0, true, &conn);
    if (e != APP_OK)
        return e;
    db_last_statement(conn);
    e = db_tx_end(conn, accounts_store_revoke(conn, c.token_id, c.exp, (int64_t)time(NULL)));
    if (e == APP_OK)
        auth_revoke(a->auth, c.token_id, c.exp);
    return e;
}

static struct {
    struct ticker ticker;
    int64_t since, last_prune;
} g;

/* Reads the revocations stored since *since into the verifier; moves *since on. */
static void read_since(struct app *a, int64_t *since, bool prune)
{
    db_conn *c = NULL;
    db_res *res = NULL;
    int64_t now = (int64_t)time(NULL);
    if (db_tx_begin(a->db, 0, prune, &c) != APP_OK)
        return; /* logged by the pool; tried again next second */
    app_err e = accounts_store_revocations(c, *since, now, &res);
    if (e == APP_OK) {
        int64_t newest = *since;
        for (int i = 0; i < db_res_rows(res); i++) {
            auth_revoke(a->auth, db_res_text(res, i, 0), db_res_int(res, i, 1));
            if (db_res_int(res, i, 2) > newest)
                newest = db_res_int(res, i, 2);
        }
        /* an empty read still moves on, so the overlap does not grow without end */
        *since = (newest > now ? newest : now) - OVERLAP_S;
    }
    db_res_free(res);
    if (e == APP_OK && prune)
        e = accounts_store_revocations_prune(c, now);
    db_tx_end(c, e); /* a failed prune is logged and tried again next time */
}

/* One tick of the reader thread: the new revocations, and now and then a prune. */
static void reader_tick(void *arg)
{
    int64_t now = (int64_t)time(NULL);
    bool prune = now - g.last_prune >= PRUNE_EVERY_S;
    read_since(arg, &g.since, prune);
    if (prune)
        g.last_prune = now;
}

void accounts_revocations_start(struct app *a)
{
    g.since = g.last_prune = 0;
    if (ticker_start(&g.ticker, ACCOUNTS_REVOKE_POLL_MS, true, reader_tick, a) != 0)
        LOG_E("cannot start the revocation reader: logouts reach other instances only "
              "after a restart");
}

void accounts_revocations_stop(void)
{
    ticker_stop(&g.ticker);
}
