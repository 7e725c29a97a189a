/* SPDX-License-Identifier: MIT */
/* The rental reads' use of the response cache (core/respcache.h): the tenant's change
 * counters (listings, profile) are read in one round trip before anything else, a rendering
 * stamped with the same counter is served as is, and a fresh rendering is kept under the
 * counter read before its data. /database/available also depends on the day in the tenant's
 * zone: its entries carry "<day> <zone>" and stop matching at the zone's midnight. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/respcache.h"
#include "core/versions.h"
#include "core/tz.h"
#include "rentals/rentals.h"
#include "users/users.h"

#define JSON_CT "application/json; charset=utf-8"

/* The stamp of the tenant's listings and profile (the pages show rentals and the email and
 * zone): both change counters, 32 bits each. False when caching is off or they cannot be
 * read. */
static bool current_version(http_req *r, int64_t *version)
{
    static const char *const families[] = {VERSIONS_LISTINGS, VERSIONS_PROFILE};
    int64_t v[2];
    db_conn *c = NULL;
    if (!r->app->cache || db_tx_begin(r->app->db, r->tenant.id, false, &c) != APP_OK)
        return false;
    db_last_statement(c);
    app_err rc = db_tx_end(c, versions_read(c, r->tenant.id, families, 2, v));
    if (rc != APP_OK)
        return false;
    *version = (int64_t)(((uint64_t)v[0] << 32) | ((uint64_t)v[1] & 0xffffffffu));
    return true;
}

/* "<day> <zone>" of an available entry into day and zone; false when malformed. */
static bool parse_today(const char *aux, int64_t *day, char *zone, size_t zone_len)
{
    char *end = NULL;
    long long d = strtoll(aux, &end, 10);
    if (!end || end == aux || *end != ' ' || strlen(end + 1) >= zone_len)
        return false;
    *day = d;
    memcpy(zone, end + 1, strlen(end + 1) + 1);
    return true;
}

bool rentals_cache_reply(http_req *r, const char *key, bool zone_today, int64_t *version)
{
    char aux[96] = "", zone[64];
    size_t len = 0;
    int64_t day = 0;
    if (!current_version(r, version)) {
        *version = -1;
        return false;
    }
    char *body = respcache_get(r->app->cache, r->tenant.id, key, *version, &len, aux, sizeof aux);
    if (!body)
        return false;
    if (zone_today &&
        (!parse_today(aux, &day, zone, sizeof zone) || tz_today(zone) != day)) {
        free(body); /* counted on another day: the next rendering replaces it */
        return false;
    }
    http_reply_text_owned(r, 200, JSON_CT, body, len);
    return true;
}

void rentals_cache_keep(http_req *r, const char *key, int64_t version,
                        const struct rentals_today *today, const char *body, size_t len)
{
    char aux[96];
    if (version < 0)
        return;
    if (today)
        snprintf(aux, sizeof aux, "%" PRId64 " %s", today->day, today->zone);
    respcache_put(r->app->cache, r->tenant.id, key, version, today ? aux : NULL, body, len);
}
