/* SPDX-License-Identifier: MIT */
/* Rate limits any domain can use: fixed-window event counters kept in the database
 * (rate_limits: key, window_start, count), so every instance counts together. A window
 * opens at a key's first event and lasts the caller's window seconds; the first event after
 * it opens a new one. Keys are the caller's ("login:email:...", "signup:ip:...",
 * "vapi:agent:..."): short, never a secret. The statements run on the caller's connection,
 * inside or outside a transaction; ratelimit_take() is the one-call form. */
#ifndef PETE_CORE_RATELIMIT_H
#define PETE_CORE_RATELIMIT_H

#include <stdint.h>

#include "core/db.h"
#include "core/err.h"

/* Counts one event of key at now, atomically; *count and *window_start receive the counter
 * after it (either may be NULL). */
app_err ratelimit_hit(db_conn *c, const char *key, int64_t now, int64_t window, int64_t *count,
                      int64_t *window_start);
/* Reads key's counter in the window still open at now (*count 0 and *window_start = now
 * when none). */
app_err ratelimit_count(db_conn *c, const char *key, int64_t now, int64_t window,
                        int64_t *count, int64_t *window_start);
app_err ratelimit_clear(db_conn *c, const char *key);
/* Drops counters whose window opened at or before `before`. */
app_err ratelimit_prune(db_conn *c, int64_t before);

/* One event of key against a limit of max per window seconds, on a connection of its own:
 * APP_OK when it is within the limit, APP_E_RATE with *retry_after (seconds until the window
 * ends) when past it, or the database's error. */
app_err ratelimit_take(db *d, const char *key, int64_t max, int64_t window,
                       long *retry_after);

#endif
