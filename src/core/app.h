/* SPDX-License-Identifier: MIT */
/* The process-wide context handed to every handler. Built once at start-up and
 * read-only afterwards; the parts that change (pool, key caches) guard themselves. */
#ifndef PETE_CORE_APP_H
#define PETE_CORE_APP_H

#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"

struct auth;
struct respcache;
struct outbound_client;

struct app {
    const struct config *cfg;
    db *db;
    struct auth *auth;
    unsigned char master_key[CRYPTO_KEY_BYTES];
    const char *issuer; /* the built-in issuer: cfg->public_url */
    struct respcache *cache; /* rendered tenant reads; NULL when CACHE_MB=0 */
    struct outbound_client *out; /* the outbound HTTP client (src/outbound/) */
    unsigned parts;          /* what app_open (src/app_open.h) started */
};

#endif
