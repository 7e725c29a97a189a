/* SPDX-License-Identifier: MIT */
/* All SQL for rentals and rental_sources, in both dialects (SL_* and PG_* pairs chosen with
 * db_sql). Every statement is a static string with bound parameters and filters on the
 * tenant's user_id; optional filters are "(param IS NULL OR ...)" terms of one fixed
 * statement, never SQL built from input. PostgreSQL statements cast every parameter
 * explicitly so the meaning does not depend on how the driver types its parameters, and
 * format times as RFC 3339 UTC text (SQLite stores that text already). The caller holds a
 * tenant transaction on the connection. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/versions.h"
#include "rentals/rentals_store.h"

/* ---- statements ----------------------------------------------------------------------- */

#define SL_NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
#define PG_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Column order read by row_to_rental. */
#define SL_COLS                                                                           \
    "id, user_id, website, source_url, rental_id, address, unit, city, state, zip, "      \
    "bedrooms, bathrooms, square_feet, price, property_type, available_date, available, " \
    "amenities, images, description, contact_info, source_type, extra_data, scraped_at, " \
    "created_at, updated_at"
#define PG_COLS                                                                           \
    "id, user_id, website, source_url, rental_id, address, unit, city, state, zip, "      \
    "bedrooms, bathrooms, square_feet, price, property_type, "                            \
    "to_char(available_date, 'YYYY-MM-DD'), available, amenities::text, images::text, "   \
    "description, contact_info, source_type, extra_data::text, " PG_TS("scraped_at") ", " \
    PG_TS("created_at") ", " PG_TS("updated_at")

/* The tenant's change counters (core/versions.h; 0 for a family never changed), read in the
 * same statement as the rows they describe: the first two columns of every list statement
 * (rentals_page.c stamps what it renders with them), and the profile counter last in the
 * totals. Uncorrelated, so both dialects evaluate each once per statement. */
#define COUNTER(uid, family)                                                              \
    "COALESCE((SELECT version FROM tenant_versions WHERE user_id = " uid                  \
    " AND family = '" family "'), 0)"
#define SL_COUNTERS COUNTER("$1", VERSIONS_LISTINGS) ", " COUNTER("$1", VERSIONS_PROFILE) ", "
#define PG_UID "CAST($1 AS bigint)"
#define PG_COUNTERS                                                                       \
    COUNTER(PG_UID, VERSIONS_LISTINGS) ", " COUNTER(PG_UID, VERSIONS_PROFILE) ", "
#define LIST_COL0 2   /* the rental columns of a list statement start here */
#define RENTAL_COLS 26 /* how many: SL_COLS, PG_COLS */

/* Parameter layout shared by insert, update and upsert: $1 user_id, $2 website or id,
 * $3 address, $4..$22 the listing columns below. */
#define DATA_COLS                                                                         \
    "source_url, rental_id, unit, city, state, zip, bedrooms, bathrooms, square_feet, "   \
    "price, property_type, available_date, available, amenities, images, description, "   \
    "contact_info, source_type, extra_data"
#define SL_DATA_VALS                                                                      \
    "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22"
#define PG_DATA_VALS                                                                      \
    "CAST($4 AS text), CAST($5 AS text), CAST($6 AS text), CAST($7 AS text), "            \
    "CAST($8 AS text), CAST($9 AS text), CAST($10 AS integer), CAST($11 AS numeric(4,1)), " \
    "CAST($12 AS integer), CAST($13 AS numeric(12,2)), CAST($14 AS text), "               \
    "CAST($15 AS date), CAST($16 AS boolean), CAST($17 AS jsonb), CAST($18 AS jsonb), "   \
    "CAST($19 AS text), CAST($20 AS text), CAST($21 AS text), CAST($22 AS jsonb)"
#define SL_SET                                                                            \
    "source_url = $4, rental_id = $5, unit = $6, city = $7, state = $8, zip = $9, "       \
    "bedrooms = $10, bathrooms = $11, square_feet = $12, price = $13, "                   \
    "property_type = $14, available_date = $15, available = $16, amenities = $17, "       \
    "images = $18, description = $19, contact_info = $20, source_type = $21, "            \
    "extra_data = $22"
#define PG_SET                                                                            \
    "(" DATA_COLS ") = (" PG_DATA_VALS ")"
#define SL_DIFF                                                                           \
    "(source_url IS DISTINCT FROM $4 OR rental_id IS DISTINCT FROM $5 OR "                \
    "unit IS DISTINCT FROM $6 OR city IS DISTINCT FROM $7 OR state IS DISTINCT FROM $8 OR " \
    "zip IS DISTINCT FROM $9 OR bedrooms IS DISTINCT FROM $10 OR "                        \
    "bathrooms IS DISTINCT FROM $11 OR square_feet IS DISTINCT FROM $12 OR "              \
    "price IS DISTINCT FROM $13 OR property_type IS DISTINCT FROM $14 OR "                \
    "available_date IS DISTINCT FROM $15 OR available IS DISTINCT FROM $16 OR "           \
    "amenities IS DISTINCT FROM $17 OR images IS DISTINCT FROM $18 OR "                   \
    "description IS DISTINCT FROM $19 OR contact_info IS DISTINCT FROM $20 OR "           \
    "source_type IS DISTINCT FROM $21 OR extra_data IS DISTINCT FROM $22)"
#define PG_DIFF "((" DATA_COLS ") IS DISTINCT FROM (" PG_DATA_VALS "))"

static const char SL_INSERT[] =
    "INSERT INTO rentals (user_id, website, address, " DATA_COLS ", scraped_at) "
    "VALUES ($1, $2, $3, " SL_DATA_VALS ", CASE WHEN $21 = 'scraped' THEN " SL_NOW " END) "
    "ON CONFLICT (user_id, website, address) DO NOTHING RETURNING " SL_COLS;
static const char PG_INSERT[] =
    "INSERT INTO rentals (user_id, website, address, " DATA_COLS ", scraped_at) "
    "VALUES (CAST($1 AS bigint), CAST($2 AS text), CAST($3 AS text), " PG_DATA_VALS ", "
    "CASE WHEN CAST($21 AS text) = 'scraped' THEN now() END) "
    "ON CONFLICT (user_id, website, address) DO NOTHING RETURNING " PG_COLS;

static const char SL_GET[] =
    "SELECT " SL_COLS " FROM rentals WHERE user_id = $1 AND id = $2";
static const char PG_GET[] =
    "SELECT " PG_COLS " FROM rentals "
    "WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint)";

static const char SL_UPDATE[] =
    "UPDATE rentals SET " SL_SET ", updated_at = " SL_NOW " "
    "WHERE user_id = $1 AND id = $2 AND address = $3 RETURNING " SL_COLS;
static const char PG_UPDATE[] =
    "UPDATE rentals SET " PG_SET ", updated_at = now() "
    "WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint) "
    "AND address = CAST($3 AS text) RETURNING " PG_COLS;

static const char SL_DELETE[] = "DELETE FROM rentals WHERE user_id = $1 AND id = $2";
static const char PG_DELETE[] =
    "DELETE FROM rentals WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint)";

/* $1 user, $2 after id, $3 available, $4 min price, $5 max price, $6 bedrooms,
 * $7 min bedrooms, $8 website, $9 q with LIKE metacharacters escaped by '\', $10 limit. */
static const char SL_LIST[] =
    "SELECT " SL_COUNTERS SL_COLS " FROM rentals WHERE user_id = $1 AND id > $2 "
    "AND ($3 IS NULL OR available = $3) "
    "AND ($4 IS NULL OR price >= $4) AND ($5 IS NULL OR price <= $5) "
    "AND ($6 IS NULL OR bedrooms = $6) AND ($7 IS NULL OR bedrooms >= $7) "
    "AND ($8 IS NULL OR website = $8) "
    "AND ($9 IS NULL OR lower(address) LIKE '%' || lower($9) || '%' ESCAPE '\\' "
    "OR lower(city) LIKE '%' || lower($9) || '%' ESCAPE '\\' "
    "OR lower(description) LIKE '%' || lower($9) || '%' ESCAPE '\\') "
    "ORDER BY id LIMIT $10";
static const char PG_LIST[] =
    "SELECT " PG_COUNTERS PG_COLS " FROM rentals WHERE user_id = CAST($1 AS bigint) "
    "AND id > CAST($2 AS bigint) "
    "AND (CAST($3 AS boolean) IS NULL OR available = CAST($3 AS boolean)) "
    "AND (CAST($4 AS numeric) IS NULL OR price >= CAST($4 AS numeric)) "
    "AND (CAST($5 AS numeric) IS NULL OR price <= CAST($5 AS numeric)) "
    "AND (CAST($6 AS integer) IS NULL OR bedrooms = CAST($6 AS integer)) "
    "AND (CAST($7 AS integer) IS NULL OR bedrooms >= CAST($7 AS integer)) "
    "AND (CAST($8 AS text) IS NULL OR website = CAST($8 AS text)) "
    "AND (CAST($9 AS text) IS NULL "
    "OR address ILIKE '%' || CAST($9 AS text) || '%' ESCAPE '\\' "
    "OR city ILIKE '%' || CAST($9 AS text) || '%' ESCAPE '\\' "
    "OR description ILIKE '%' || CAST($9 AS text) || '%' ESCAPE '\\') "
    "ORDER BY id LIMIT CAST($10 AS integer)";

/* The voice assistant's search (rentals_search): the best max rows of the available ones
 * matching the filters, and how many match in all (the last column). The order and the count
 * are found on the narrow rows first; only the rows kept are read whole.
 * $1 user, $2 min price, $3 max price, $4 min bedrooms, $5 q (escaped), $6 free by (a date),
 * $7 pets (any: must mention pets, dogs or cats), $8 the bedroom count asked for, $9 max. */
#define SEARCH_WHERE(q)                                                                   \
    "WHERE user_id = $1 AND available AND ($2 IS NULL OR price >= $2) "                   \
    "AND ($3 IS NULL OR price <= $3) AND ($4 IS NULL OR bedrooms >= $4) "                 \
    "AND ($5 IS NULL OR " q ") "                                                          \
    "AND ($6 IS NULL OR available_date IS NULL OR available_date <= $6) "                 \
    "AND ($7 IS NULL OR lower(coalesce(description, '') || ' ' || "                       \
    "coalesce(amenities, '')) LIKE '%pet%' OR lower(coalesce(description, '') || ' ' || " \
    "coalesce(amenities, '')) LIKE '%dog%' OR lower(coalesce(description, '') || ' ' || " \
    "coalesce(amenities, '')) LIKE '%cat%') "
#define SEARCH_ORDER(prefix)                                                              \
    prefix "k, " prefix "unpriced, " prefix "sprice, " prefix "sid"
#define SEARCH_SQL(counters, cols, where)                                                 \
    "SELECT " counters cols ", s.total FROM (SELECT id AS sid, count(*) OVER () AS total, " \
    "CASE WHEN $8 IS NOT NULL AND bedrooms IS NOT NULL AND bedrooms <> $8 THEN 1 ELSE 0 " \
    "END AS k, price IS NULL AS unpriced, price AS sprice FROM rentals " where                       \
    "ORDER BY " SEARCH_ORDER("") " LIMIT $9) s JOIN rentals r ON r.id = s.sid "           \
    "ORDER BY " SEARCH_ORDER("s.")
static const char SL_SEARCH[] = SEARCH_SQL(
    SL_COUNTERS, SL_COLS,
    SEARCH_WHERE("lower(address) LIKE '%' || lower($5) || '%' ESCAPE '\\' "
                 "OR lower(city) LIKE '%' || lower($5) || '%' ESCAPE '\\' "
                 "OR lower(description) LIKE '%' || lower($5) || '%' ESCAPE '\\'"));
/* PostgreSQL: the same, each parameter given its type once (a typed CTE) */
static const char PG_SEARCH[] =
    "WITH a AS (SELECT CAST($1 AS bigint) AS uid, CAST($2 AS numeric) AS lo, "
    "CAST($3 AS numeric) AS hi, CAST($4 AS integer) AS beds_min, CAST($5 AS text) AS q, "
    "CAST($6 AS date) AS free_by, CAST($7 AS boolean) AS pets, CAST($8 AS integer) AS beds, "
    "CAST($9 AS integer) AS lim) "
    "SELECT " PG_COUNTERS PG_COLS ", s.total FROM a, LATERAL (SELECT id AS sid, "
    "count(*) OVER () AS total, CASE WHEN a.beds IS NOT NULL AND bedrooms IS NOT NULL "
    "AND bedrooms <> a.beds THEN 1 ELSE 0 END AS k, price IS NULL AS unpriced, price AS sprice "
    "FROM rentals WHERE user_id = a.uid AND available "
    "AND (a.lo IS NULL OR price >= a.lo) AND (a.hi IS NULL OR price <= a.hi) "
    "AND (a.beds_min IS NULL OR bedrooms >= a.beds_min) "
    "AND (a.q IS NULL OR address ILIKE '%' || a.q || '%' ESCAPE '\\' "
    "OR city ILIKE '%' || a.q || '%' ESCAPE '\\' "
    "OR description ILIKE '%' || a.q || '%' ESCAPE '\\') "
    "AND (a.free_by IS NULL OR available_date IS NULL OR available_date <= a.free_by) "
    "AND (a.pets IS NULL OR concat_ws(' ', description, amenities::text) ~* '(pet|dog|cat)') "
    "ORDER BY " SEARCH_ORDER("") " LIMIT a.lim) s JOIN rentals r ON r.id = s.sid "
    "ORDER BY " SEARCH_ORDER("s.");

static const char SL_BY_WEBSITE[] =
    "SELECT " SL_COUNTERS SL_COLS " FROM rentals WHERE user_id = $1 AND website = $2 "
    "ORDER BY id";
static const char PG_BY_WEBSITE[] =
    "SELECT " PG_COUNTERS PG_COLS " FROM rentals WHERE user_id = CAST($1 AS bigint) "
    "AND website = CAST($2 AS text) ORDER BY id";

static const char SL_AVAILABLE[] =
    "SELECT " SL_COUNTERS SL_COLS " FROM rentals WHERE user_id = $1 AND available = 1 "
    "ORDER BY id";
static const char PG_AVAILABLE[] =
    "SELECT " PG_COUNTERS PG_COLS " FROM rentals WHERE user_id = CAST($1 AS bigint) "
    "AND available ORDER BY id";

static const char SL_TOTALS[] =
    "SELECT count(*), coalesce(sum(available), 0), max(updated_at), "
    COUNTER("$1", VERSIONS_PROFILE) " FROM rentals WHERE user_id = $1";
static const char PG_TOTALS[] =
    "SELECT count(*), count(*) FILTER (WHERE available), " PG_TS("max(updated_at)") ", "
    COUNTER(PG_UID, VERSIONS_PROFILE) " FROM rentals WHERE user_id = CAST($1 AS bigint)";

/* Websites seen in rentals or sources: count of rentals, latest scrape of either. */
static const char SL_SITES[] =
    "SELECT website, sum(n), max(ls) FROM ("
    "SELECT website, count(*) AS n, max(scraped_at) AS ls FROM rentals WHERE user_id = $1 "
    "GROUP BY website UNION ALL "
    "SELECT website, 0, max(last_scraped_at) FROM rental_sources WHERE user_id = $1 "
    "GROUP BY website) GROUP BY website ORDER BY website";
static const char PG_SITES[] =
    "SELECT website, sum(n), " PG_TS("max(ls)") " FROM ("
    "SELECT website, count(*) AS n, max(scraped_at) AS ls FROM rentals "
    "WHERE user_id = CAST($1 AS bigint) GROUP BY website UNION ALL "
    "SELECT website, 0, max(last_scraped_at) FROM rental_sources "
    "WHERE user_id = CAST($1 AS bigint) GROUP BY website) t "
    "GROUP BY website ORDER BY website";

/* The scraper's upsert (a 23rd parameter, $23, is the source's id): it writes scraped rows
 * only; a manual row at the same key is left alone (no step returns it).
 * Step 1: update a scraped row whose listing columns differ. */
static const char SL_UPSERT_CHANGE[] =
    "UPDATE rentals SET " SL_SET ", source_id = $23, scraped_at = " SL_NOW ", "
    "updated_at = " SL_NOW " WHERE user_id = $1 AND website = $2 AND address = $3 "
    "AND source_type = 'scraped' AND " SL_DIFF " RETURNING id";
static const char PG_UPSERT_CHANGE[] =
    "UPDATE rentals SET " PG_SET ", source_id = CAST($23 AS bigint), scraped_at = now(), "
    "updated_at = now() WHERE user_id = CAST($1 AS bigint) AND website = CAST($2 AS text) "
    "AND address = CAST($3 AS text) AND source_type = 'scraped' AND " PG_DIFF " RETURNING id";
/* Step 2: insert a new row. */
static const char SL_UPSERT_INSERT[] =
    "INSERT INTO rentals (user_id, website, address, " DATA_COLS ", source_id, scraped_at) "
    "VALUES ($1, $2, $3, " SL_DATA_VALS ", $23, " SL_NOW ") "
    "ON CONFLICT (user_id, website, address) DO NOTHING RETURNING id";
static const char PG_UPSERT_INSERT[] =
    "INSERT INTO rentals (user_id, website, address, " DATA_COLS ", source_id, scraped_at) "
    "VALUES (CAST($1 AS bigint), CAST($2 AS text), CAST($3 AS text), " PG_DATA_VALS ", "
    "CAST($23 AS bigint), now()) "
    "ON CONFLICT (user_id, website, address) DO NOTHING RETURNING id";
/* Step 3: the scraped row exists unchanged; only note that it was seen, and by whom ($4). */
static const char SL_UPSERT_SEEN[] =
    "UPDATE rentals SET scraped_at = " SL_NOW ", source_id = $4 "
    "WHERE user_id = $1 AND website = $2 AND address = $3 AND source_type = 'scraped' "
    "RETURNING id";
static const char PG_UPSERT_SEEN[] =
    "UPDATE rentals SET scraped_at = now(), source_id = CAST($4 AS bigint) "
    "WHERE user_id = CAST($1 AS bigint) AND website = CAST($2 AS text) "
    "AND address = CAST($3 AS text) AND source_type = 'scraped' RETURNING id";

/* Every row of a website, as a sync compares against: column order read by scraped_rows. */
static const char SL_SITE_ROWS[] =
    "SELECT id, address, available_date, source_type = 'scraped', available, "
    "COALESCE(source_id, 0) FROM rentals WHERE user_id = $1 AND website = $2";
static const char PG_SITE_ROWS[] =
    "SELECT id, address, to_char(available_date, 'YYYY-MM-DD'), source_type = 'scraped', "
    "available, COALESCE(source_id, 0) FROM rentals "
    "WHERE user_id = CAST($1 AS bigint) AND website = CAST($2 AS text)";

/* Sources; the column order is read by row_to_source. */
#define SL_SRC_COLS                                                                       \
    "s.id, s.user_id, s.website, s.url, s.is_active, s.last_scraped_at, s.last_status, "  \
    "s.last_error, (SELECT count(*) FROM rentals r WHERE r.user_id = s.user_id "          \
    "AND r.website = s.website), s.created_at"
#define PG_SRC_COLS                                                                       \
    "s.id, s.user_id, s.website, s.url, s.is_active, " PG_TS("s.last_scraped_at") ", "    \
    "s.last_status, s.last_error, (SELECT count(*) FROM rentals r "                       \
    "WHERE r.user_id = s.user_id AND r.website = s.website), " PG_TS("s.created_at")

static const char SL_SRC_INSERT[] =
    "INSERT INTO rental_sources (user_id, website, url) VALUES ($1, $2, $3) "
    "ON CONFLICT (user_id, url) DO NOTHING RETURNING id";
static const char PG_SRC_INSERT[] =
    "INSERT INTO rental_sources (user_id, website, url) "
    "VALUES (CAST($1 AS bigint), CAST($2 AS text), CAST($3 AS text)) "
    "ON CONFLICT (user_id, url) DO NOTHING RETURNING id";
static const char SL_SRC_LIST[] =
    "SELECT " SL_SRC_COLS " FROM rental_sources s WHERE s.user_id = $1 ORDER BY s.id";
static const char PG_SRC_LIST[] =
    "SELECT " PG_SRC_COLS " FROM rental_sources s WHERE s.user_id = CAST($1 AS bigint) "
    "ORDER BY s.id";
static const char SL_SRC_GET[] =
    "SELECT " SL_SRC_COLS " FROM rental_sources s WHERE s.user_id = $1 AND s.id = $2";
static const char PG_SRC_GET[] =
    "SELECT " PG_SRC_COLS " FROM rental_sources s WHERE s.user_id = CAST($1 AS bigint) "
    "AND s.id = CAST($2 AS bigint)";
static const char SL_SRC_BY_URL[] =
    "SELECT " SL_SRC_COLS " FROM rental_sources s WHERE s.user_id = $1 AND s.url = $2";
static const char PG_SRC_BY_URL[] =
    "SELECT " PG_SRC_COLS " FROM rental_sources s WHERE s.user_id = CAST($1 AS bigint) "
    "AND s.url = CAST($2 AS text)";
static const char SL_SRC_DELETE[] =
    "DELETE FROM rental_sources WHERE user_id = $1 AND id = $2";
static const char PG_SRC_DELETE[] =
    "DELETE FROM rental_sources WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint)";

/* Scrape bookkeeping. VANISHED: the available scraped rows of website $2 owned by source $3
 * (or by none) whose ids are not in the JSON array $4 become unavailable. */
static const char SL_VANISHED[] =
    "UPDATE rentals SET available = 0, updated_at = " SL_NOW " "
    "WHERE user_id = $1 AND website = $2 AND source_type = 'scraped' AND available = 1 "
    "AND (source_id = $3 OR source_id IS NULL) "
    "AND id NOT IN (SELECT value FROM json_each($4))";
static const char PG_VANISHED[] =
    "UPDATE rentals SET available = false, updated_at = now() "
    "WHERE user_id = CAST($1 AS bigint) AND website = CAST($2 AS text) "
    "AND source_type = 'scraped' AND available "
    "AND (source_id = CAST($3 AS bigint) OR source_id IS NULL) "
    "AND id NOT IN (SELECT CAST(jsonb_array_elements_text(CAST($4 AS jsonb)) AS bigint))";
/* A sync's outcome: $3 status, $4 error; SYNCED also $5 listings found and the scrape time.
 * Either way the next refresh is due a day later. */
#define SL_DAY_LATER "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+1 day')"
static const char SL_SRC_SYNCED[] =
    "UPDATE rental_sources SET last_scraped_at = " SL_NOW ", last_status = $3, "
    "last_error = $4, rental_count = $5, next_scrape_at = " SL_DAY_LATER ", "
    "updated_at = " SL_NOW " WHERE user_id = $1 AND id = $2";
static const char PG_SRC_SYNCED[] =
    "UPDATE rental_sources SET last_scraped_at = now(), last_status = CAST($3 AS text), "
    "last_error = CAST($4 AS text), rental_count = CAST($5 AS integer), "
    "next_scrape_at = now() + interval '1 day', updated_at = now() "
    "WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint)";
static const char SL_SRC_FAILED[] =
    "UPDATE rental_sources SET last_status = $3, last_error = $4, "
    "next_scrape_at = " SL_DAY_LATER ", updated_at = " SL_NOW " "
    "WHERE user_id = $1 AND id = $2";
static const char PG_SRC_FAILED[] =
    "UPDATE rental_sources SET last_status = CAST($3 AS text), last_error = CAST($4 AS text), "
    "next_scrape_at = now() + interval '1 day', updated_at = now() "
    "WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint)";
/* A sync was enqueued: the automatic one is due a day later. */
static const char SL_SRC_SCHEDULE[] =
    "UPDATE rental_sources SET next_scrape_at = " SL_DAY_LATER " "
    "WHERE user_id = $1 AND id = $2";
static const char PG_SRC_SCHEDULE[] =
    "UPDATE rental_sources SET next_scrape_at = now() + interval '1 day' "
    "WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint)";
/* Every tenant's active sources due for their refresh, oldest first, at most $1. Crosses
 * tenants: on PostgreSQL through the SECURITY DEFINER function of migration 0009. */
static const char SL_SRC_DUE[] =
    "SELECT user_id, id FROM rental_sources WHERE is_active = 1 "
    "AND (next_scrape_at IS NULL OR next_scrape_at <= " SL_NOW ") "
    "ORDER BY next_scrape_at IS NOT NULL, next_scrape_at, id LIMIT $1";
static const char PG_SRC_DUE[] =
    "SELECT source_user_id, source_id FROM rental_sources_due(CAST($1 AS integer))";

#define SQL(c, name) db_sql((c), SL_##name, PG_##name)

/* ---- helpers ------------------------------------------------------------------------ */

static char *dup_cell(const db_res *res, int row, int col)
{
    const char *s = db_res_text(res, row, col);
    return s ? mem_strdup(s) : NULL;
}

static json_t *json_cell(const db_res *res, int row, int col)
{
    const char *s = db_res_text(res, row, col);
    return s ? json_loads(s, 0, NULL) : NULL;
}

static void row_to_rental(const db_res *res, int row, struct rental *out)
{
    out->id = db_res_int(res, row, 0);
    out->user_id = db_res_int(res, row, 1);
    out->website = dup_cell(res, row, 2);
    out->source_url = dup_cell(res, row, 3);
    out->rental_id = dup_cell(res, row, 4);
    out->address = dup_cell(res, row, 5);
    out->unit = dup_cell(res, row, 6);
    out->city = dup_cell(res, row, 7);
    out->state = dup_cell(res, row, 8);
    out->zip = dup_cell(res, row, 9);
    out->has_bedrooms = !db_res_isnull(res, row, 10);
    out->bedrooms = db_res_int(res, row, 10);
    out->has_bathrooms = !db_res_isnull(res, row, 11);
    out->bathrooms = db_res_double(res, row, 11);
    out->has_square_feet = !db_res_isnull(res, row, 12);
    out->square_feet = db_res_int(res, row, 12);
    out->has_price = !db_res_isnull(res, row, 13);
    out->price = db_res_double(res, row, 13);
    out->property_type = dup_cell(res, row, 14);
    out->available_date = dup_cell(res, row, 15);
    out->available = db_res_bool(res, row, 16);
    out->j_amenities = json_cell(res, row, 17);
    out->j_images = json_cell(res, row, 18);
    out->description = dup_cell(res, row, 19);
    out->contact_info = dup_cell(res, row, 20);
    out->source_type = dup_cell(res, row, 21);
    out->j_extra = json_cell(res, row, 22);
    out->scraped_at = dup_cell(res, row, 23);
    out->created_at = dup_cell(res, row, 24);
    out->updated_at = dup_cell(res, row, 25);
}

static char *dump_or(const json_t *j_val, const char *dflt)
{
    char *s = j_val ? json_dumps(j_val, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    return s ? s : mem_strdup(dflt);
}

/* The $4..$22 listing parameters; JSON columns are serialised into texts[0..2], which the
 * caller frees after the statement. Money is rounded to cents, baths to tenths, so that
 * both dialects store and compare the same value. */
static void bind_data(const struct rental *in, db_param *p, char *texts[3])
{
    texts[0] = dump_or(in->j_amenities, "[]");
    texts[1] = dump_or(in->j_images, "[]");
    texts[2] = dump_or(in->j_extra, "{}");
    p[3] = DB_TEXT(in->source_url);
    p[4] = DB_TEXT(in->rental_id);
    p[5] = DB_TEXT(in->unit);
    p[6] = DB_TEXT(in->city);
    p[7] = DB_TEXT(in->state);
    p[8] = DB_TEXT(in->zip);
    p[9] = in->has_bedrooms ? DB_INT(in->bedrooms) : DB_NULLP;
    p[10] = in->has_bathrooms ? DB_DOUBLE(round(in->bathrooms * 10.0) / 10.0) : DB_NULLP;
    p[11] = in->has_square_feet ? DB_INT(in->square_feet) : DB_NULLP;
    p[12] = in->has_price ? DB_DOUBLE(round(in->price * 100.0) / 100.0) : DB_NULLP;
    p[13] = DB_TEXT(in->property_type);
    p[14] = DB_TEXT(in->available_date);
    p[15] = DB_BOOL(in->available);
    p[16] = DB_TEXT(texts[0]);
    p[17] = DB_TEXT(texts[1]);
    p[18] = DB_TEXT(in->description);
    p[19] = DB_TEXT(in->contact_info);
    p[20] = DB_TEXT(in->source_type ? in->source_type : "manual");
    p[21] = DB_TEXT(texts[2]);
}

static void free_texts(char *texts[3])
{
    for (int i = 0; i < 3; i++)
        free(texts[i]);
}

/* Runs sql with the full 22-parameter layout, and extra as $23 when not NULL; *res receives
 * the result. */
static db_err exec_data_x(db_conn *c, const char *sql, int64_t user_id, db_param second,
                          const struct rental *in, const db_param *extra, db_res **res)
{
    db_param p[23];
    char *texts[3];
    p[0] = DB_INT(user_id);
    p[1] = second;
    p[2] = DB_TEXT(in->address);
    bind_data(in, p, texts);
    if (extra)
        p[22] = *extra;
    db_err e = db_exec(c, sql, p, extra ? 23 : 22, res);
    free_texts(texts);
    return e;
}

static db_err exec_data(db_conn *c, const char *sql, int64_t user_id, db_param second,
                        const struct rental *in, db_res **res)
{
    return exec_data_x(c, sql, user_id, second, in, NULL, res);
}

/* A list item viewing row of res (see struct rental: borrowed strings, JSON lists as
 * stored text, no extra_data): lists are the hot reads, and copying every cell and
 * parsing three JSON columns per row cost more than the query. The rental's columns start at
 * LIST_COL0. */
static void row_view(const db_res *res, int row, struct rental *out)
{
#define COL(n) (LIST_COL0 + (n))
#define VIEW(n) ((char *)db_res_text(res, row, COL(n)))
    out->borrowed = true;
    out->id = db_res_int(res, row, COL(0));
    out->user_id = db_res_int(res, row, COL(1));
    out->website = VIEW(2);
    out->source_url = VIEW(3);
    out->rental_id = VIEW(4);
    out->address = VIEW(5);
    out->unit = VIEW(6);
    out->city = VIEW(7);
    out->state = VIEW(8);
    out->zip = VIEW(9);
    out->has_bedrooms = !db_res_isnull(res, row, COL(10));
    out->bedrooms = db_res_int(res, row, COL(10));
    out->has_bathrooms = !db_res_isnull(res, row, COL(11));
    out->bathrooms = db_res_double(res, row, COL(11));
    out->has_square_feet = !db_res_isnull(res, row, COL(12));
    out->square_feet = db_res_int(res, row, COL(12));
    out->has_price = !db_res_isnull(res, row, COL(13));
    out->price = db_res_double(res, row, COL(13));
    out->property_type = VIEW(14);
    out->available_date = VIEW(15);
    out->available = db_res_bool(res, row, COL(16));
    out->amenities_text = db_res_text(res, row, COL(17));
    out->images_text = db_res_text(res, row, COL(18));
    out->description = VIEW(19);
    out->contact_info = VIEW(20);
    out->source_type = VIEW(21);
    out->scraped_at = VIEW(23);
    out->created_at = VIEW(24);
    out->updated_at = VIEW(25);
#undef COL
#undef VIEW
}

/* Fills out with views of the first max rows (all when max < 0); takes res. */
static void list_fill(db_res *res, int max, struct rental_list *out)
{
    int n = db_res_rows(res);
    if (max >= 0 && n > max)
        n = max;
    out->items = mem_zalloc((size_t)n, sizeof *out->items);
    for (int i = 0; i < n; i++) {
        rentals_init(&out->items[i]);
        row_view(res, i, &out->items[i]);
    }
    out->n = n;
    /* a row past max means there is more: the next page starts after the last item */
    out->next_after = n > 0 && db_res_rows(res) > n ? out->items[n - 1].id : 0;
    out->listings = db_res_rows(res) > 0 ? db_res_int(res, 0, 0) : -1;
    out->profile = db_res_rows(res) > 0 ? db_res_int(res, 0, 1) : -1;
    out->res = res;
}

/* Runs the list statement sql with p[0..n) and fills out with its first max rows (all when
 * max < 0). */
static app_err list_rows(db_conn *c, const char *sql, const db_param *p, int n, int max,
                         const char *what, struct rental_list *out)
{
    db_res *res = NULL;
    db_err e = db_exec(c, sql, p, n, &res);
    if (e != DB_OK)
        return db_fail(c, e, what);
    list_fill(res, max, out);
    return APP_OK;
}

/* ---- rentals ------------------------------------------------------------------------ */

typedef void (*fill_fn)(const db_res *res, int row, void *out);

static void row_to_source(const db_res *res, int row, struct rental_source *out);

static void fill_rental(const db_res *res, int row, void *out)
{
    row_to_rental(res, row, out);
}

static void fill_source(const db_res *res, int row, void *out)
{
    row_to_source(res, row, out);
}

/* Fills out from the single row of res (else answers none); frees res. */
static app_err single(db_res *res, app_err none, fill_fn fill, void *out)
{
    app_err rc = none;
    if (db_res_rows(res) == 1) {
        fill(res, 0, out);
        rc = APP_OK;
    }
    db_res_free(res);
    return rc;
}

/* Runs sql with ($1 user_id, $2 id): with fill, reads the one row into out; without, it is a
 * DELETE that must have removed a row. Another tenant's id is simply not found. */
static app_err by_id(db_conn *c, const char *sql, int64_t user_id, int64_t id, const char *what,
                     fill_fn fill, void *out)
{
    db_param p[2] = {DB_INT(user_id), DB_INT(id)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql, p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, what);
    if (fill)
        return single(res, APP_E_NOTFOUND, fill, out);
    app_err rc = db_res_affected(res) > 0 ? APP_OK : APP_E_NOTFOUND;
    db_res_free(res);
    return rc;
}

app_err rentals_store_insert(db_conn *c, int64_t user_id, const struct rental *in,
                             struct rental *out)
{
    db_res *res = NULL;
    db_err e = exec_data(c, SQL(c, INSERT), user_id, DB_TEXT(in->website), in, &res);
    if (e != DB_OK)
        return db_fail(c, e, "insert rental");
    return single(res, APP_E_CONFLICT, fill_rental, out);
}

app_err rentals_store_get(db_conn *c, int64_t user_id, int64_t id, struct rental *out)
{
    return by_id(c, SQL(c, GET), user_id, id, "get rental", fill_rental, out);
}

app_err rentals_store_update(db_conn *c, int64_t user_id, const struct rental *in,
                             struct rental *out)
{
    db_res *res = NULL;
    db_err e = exec_data(c, SQL(c, UPDATE), user_id, DB_INT(in->id), in, &res);
    if (e != DB_OK)
        return db_fail(c, e, "update rental");
    return single(res, APP_E_NOTFOUND, fill_rental, out);
}

app_err rentals_store_delete(db_conn *c, int64_t user_id, int64_t id)
{
    return by_id(c, SQL(c, DELETE), user_id, id, "delete rental", NULL, NULL);
}

/* q with the LIKE metacharacters %, _ and the escape character itself escaped by '\'. */
static char *like_escape(const char *q)
{
    size_t n = strlen(q);
    char *out = mem_zalloc(2 * n + 1, 1);
    char *w = out;
    for (const char *s = q; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *w++ = '\\';
        *w++ = *s;
    }
    *w = '\0';
    return out;
}

app_err rentals_store_list(db_conn *c, int64_t user_id, const struct rental_filter *f,
                           struct rental_list *out)
{
    char *q = f->q ? like_escape(f->q) : NULL;
    db_param p[10] = {
        DB_INT(user_id),
        DB_INT(f->after_id),
        f->has_available ? DB_BOOL(f->available) : DB_NULLP,
        f->has_min_price ? DB_DOUBLE(f->min_price) : DB_NULLP,
        f->has_max_price ? DB_DOUBLE(f->max_price) : DB_NULLP,
        f->has_bedrooms ? DB_INT(f->bedrooms) : DB_NULLP,
        f->has_min_bedrooms ? DB_INT(f->min_bedrooms) : DB_NULLP,
        DB_TEXT(f->website),
        DB_TEXT(q),
        DB_INT(f->limit + 1),
    };
    app_err rc = list_rows(c, SQL(c, LIST), p, 10, f->limit, "list rentals", out);
    free(q);
    return rc;
}

app_err rentals_store_search(db_conn *c, int64_t user_id, const struct rental_search *q,
                             int max, struct rental_list *out, int64_t *total)
{
    const struct rental_filter *f = &q->f;
    char *like = f->q ? like_escape(f->q) : NULL;
    db_param p[9] = {
        DB_INT(user_id),
        f->has_min_price ? DB_DOUBLE(f->min_price) : DB_NULLP,
        f->has_max_price ? DB_DOUBLE(f->max_price) : DB_NULLP,
        f->has_min_bedrooms ? DB_INT(f->min_bedrooms) : DB_NULLP,
        DB_TEXT(like),
        DB_TEXT(q->available_by),
        q->pets ? DB_BOOL(true) : DB_NULLP,
        q->beds >= 0 ? DB_INT(q->beds) : DB_NULLP,
        DB_INT(max),
    };
    app_err rc = list_rows(c, SQL(c, SEARCH), p, 9, max, "search rentals", out);
    free(like);
    *total = rc == APP_OK && out->n > 0 ? db_res_int(out->res, 0, LIST_COL0 + RENTAL_COLS) : 0;
    out->next_after = 0;
    return rc;
}

app_err rentals_store_by_website(db_conn *c, int64_t user_id, const char *website,
                                 struct rental_list *out)
{
    db_param p[2] = {DB_INT(user_id), DB_TEXT(website)};
    return list_rows(c, SQL(c, BY_WEBSITE), p, 2, -1, "rentals by website", out);
}

app_err rentals_store_available(db_conn *c, int64_t user_id, struct rental_list *out)
{
    db_param p[1] = {DB_INT(user_id)};
    return list_rows(c, SQL(c, AVAILABLE), p, 1, -1, "available rentals", out);
}

app_err rentals_store_stats(db_conn *c, int64_t user_id, struct rental_stats *out)
{
    db_param p[1] = {DB_INT(user_id)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, TOTALS), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "rental totals");
    if (db_res_rows(res) == 1) {
        out->total_rentals = db_res_int(res, 0, 0);
        out->available_rentals = db_res_int(res, 0, 1);
        out->last_updated = dup_cell(res, 0, 2);
        out->profile = db_res_int(res, 0, 3);
    }
    db_res_free(res);
    res = NULL;
    e = db_exec(c, SQL(c, SITES), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "rental websites");
    int n = db_res_rows(res);
    out->sites = mem_zalloc((size_t)n, sizeof *out->sites);
    for (int i = 0; i < n; i++) {
        out->sites[i].website = dup_cell(res, i, 0);
        out->sites[i].rental_count = db_res_int(res, i, 1);
        out->sites[i].last_scraped = dup_cell(res, i, 2);
    }
    out->nsites = n;
    db_res_free(res);
    return APP_OK;
}

/* Runs one upsert step (keys_only: the 4-parameter "seen" statement); *id receives the
 * returned id, 0 when no row came back. */
static db_err upsert_step(db_conn *c, const char *sql, bool keys_only, int64_t user_id,
                          int64_t source_id, const struct rental *in, int64_t *id)
{
    db_res *res = NULL;
    db_err e;
    db_param src = source_id > 0 ? DB_INT(source_id) : DB_NULLP;
    if (keys_only) {
        db_param p[4] = {DB_INT(user_id), DB_TEXT(in->website), DB_TEXT(in->address), src};
        e = db_exec(c, sql, p, 4, &res);
    } else {
        e = exec_data_x(c, sql, user_id, DB_TEXT(in->website), in, &src, &res);
    }
    *id = (e == DB_OK && db_res_rows(res) > 0) ? db_res_int(res, 0, 0) : 0;
    db_res_free(res);
    return e;
}

app_err rentals_store_upsert(db_conn *c, int64_t user_id, int64_t source_id,
                             const struct rental *in, bool exists, int64_t *id_out,
                             enum rentals_upsert_result *result)
{
    /* Steps 0 change, 1 insert, 2 seen; the likely one first (a round trip each). */
    static const int likely_new[3] = {1, 0, 2}, likely_old[3] = {0, 2, 1};
    static const enum rentals_upsert_result outcome[3] = {RENTALS_CHANGED, RENTALS_CREATED,
                                                          RENTALS_UNCHANGED};
    const char *steps[3] = {SQL(c, UPSERT_CHANGE), SQL(c, UPSERT_INSERT), SQL(c, UPSERT_SEEN)};
    const int *order = exists ? likely_old : likely_new;
    for (int k = 0; k < 3; k++) {
        int i = order[k];
        int64_t id = 0;
        db_err e = upsert_step(c, steps[i], i == 2, user_id, source_id, in, &id);
        if (e != DB_OK)
            return db_fail(c, e, "upsert rental");
        if (id > 0) {
            *id_out = id;
            *result = outcome[i];
            return APP_OK;
        }
    }
    /* The key is taken by a manual rental (or the row was deleted between the steps by a
     * concurrent transaction): nothing was written. */
    *id_out = 0;
    *result = RENTALS_SKIPPED;
    return APP_OK;
}

static int site_row_cmp(const void *pa, const void *pb)
{
    const struct rentals_site_row *a = pa, *b = pb;
    return strcmp(a->address, b->address);
}

app_err rentals_store_site_rows(db_conn *c, int64_t user_id, const char *website,
                                struct rentals_site_rows *out)
{
    db_param p[2] = {DB_INT(user_id), DB_TEXT(website)};
    db_res *res = NULL;
    memset(out, 0, sizeof *out);
    db_err e = db_exec(c, SQL(c, SITE_ROWS), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "rentals of a website");
    int n = db_res_rows(res);
    out->rows = mem_zalloc((size_t)(n > 0 ? n : 1), sizeof *out->rows);
    for (int i = 0; i < n; i++) {
        struct rentals_site_row *r = &out->rows[i];
        r->id = db_res_int(res, i, 0);
        r->address = db_res_text(res, i, 1) ? db_res_text(res, i, 1) : "";
        r->available_date = db_res_text(res, i, 2);
        r->scraped = db_res_bool(res, i, 3);
        r->available = db_res_bool(res, i, 4);
        r->source_id = db_res_int(res, i, 5);
    }
    out->n = n;
    out->res = res;
    qsort(out->rows, (size_t)n, sizeof *out->rows, site_row_cmp);
    return APP_OK;
}

const struct rentals_site_row *rentals_site_rows_find(const struct rentals_site_rows *rows,
                                                      const char *address)
{
    struct rentals_site_row key = {.address = address};
    if (!rows->n || !address)
        return NULL;
    return bsearch(&key, rows->rows, (size_t)rows->n, sizeof key, site_row_cmp);
}

void rentals_site_rows_cleanup(struct rentals_site_rows *rows)
{
    free(rows->rows);
    db_res_free(rows->res);
    memset(rows, 0, sizeof *rows);
}

/* ---- sources ------------------------------------------------------------------------ */

static void row_to_source(const db_res *res, int row, struct rental_source *out)
{
    out->id = db_res_int(res, row, 0);
    out->user_id = db_res_int(res, row, 1);
    out->website = dup_cell(res, row, 2);
    out->url = dup_cell(res, row, 3);
    out->is_active = db_res_bool(res, row, 4);
    out->last_scraped_at = dup_cell(res, row, 5);
    out->last_status = dup_cell(res, row, 6);
    out->last_error = dup_cell(res, row, 7);
    out->rental_count = db_res_int(res, row, 8);
    out->created_at = dup_cell(res, row, 9);
}

app_err rentals_store_source_insert(db_conn *c, int64_t user_id, const char *website,
                                    const char *url, struct rental_source *out)
{
    db_param p[3] = {DB_INT(user_id), DB_TEXT(website), DB_TEXT(url)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, SRC_INSERT), p, 3, &res);
    if (e != DB_OK)
        return db_fail(c, e, "insert source");
    int64_t id = db_res_rows(res) == 1 ? db_res_int(res, 0, 0) : 0;
    db_res_free(res);
    if (id == 0)
        return APP_E_CONFLICT;
    return rentals_store_source_get(c, user_id, id, out);
}

app_err rentals_store_source_list(db_conn *c, int64_t user_id, struct rental_source_list *out)
{
    db_param p[1] = {DB_INT(user_id)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, SRC_LIST), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "list sources");
    int n = db_res_rows(res);
    out->items = mem_zalloc((size_t)n, sizeof *out->items);
    for (int i = 0; i < n; i++)
        row_to_source(res, i, &out->items[i]);
    out->n = n;
    db_res_free(res);
    return APP_OK;
}

app_err rentals_store_source_get(db_conn *c, int64_t user_id, int64_t id,
                                 struct rental_source *out)
{
    return by_id(c, SQL(c, SRC_GET), user_id, id, "get source", fill_source, out);
}

app_err rentals_store_source_by_url(db_conn *c, int64_t user_id, const char *url,
                                    struct rental_source *out)
{
    db_param p[2] = {DB_INT(user_id), DB_TEXT(url)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, SRC_BY_URL), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "source by url");
    return single(res, APP_E_NOTFOUND, fill_source, out);
}

app_err rentals_store_source_delete(db_conn *c, int64_t user_id, int64_t id)
{
    return by_id(c, SQL(c, SRC_DELETE), user_id, id, "delete source", NULL, NULL);
}

/* ---- scrape bookkeeping ---------------------------------------------------------------- */

app_err rentals_store_mark_vanished(db_conn *c, int64_t user_id, const char *website,
                                    int64_t source_id, const int64_t *seen, int nseen,
                                    int64_t *marked)
{
    /* The ids as one JSON array parameter: a fixed statement whatever their number. */
    size_t cap = 3 + (size_t)nseen * 21;
    char *ids = mem_alloc(cap);
    size_t len = 0;
    ids[len++] = '[';
    for (int i = 0; i < nseen; i++)
        len += (size_t)snprintf(ids + len, cap - len, "%s%lld", i ? "," : "",
                                (long long)seen[i]);
    snprintf(ids + len, cap - len, "]");
    db_param p[4] = {DB_INT(user_id), DB_TEXT(website), DB_INT(source_id), DB_TEXT(ids)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, VANISHED), p, 4, &res);
    free(ids);
    if (e != DB_OK)
        return db_fail(c, e, "mark vanished rentals");
    *marked = db_res_affected(res);
    db_res_free(res);
    return APP_OK;
}

/* Runs a source UPDATE of ($1 user, $2 id, more...); APP_E_NOTFOUND when no row changed. */
static app_err source_update(db_conn *c, const char *sql, const db_param *p, int n,
                             const char *what)
{
    db_res *res = NULL;
    db_err e = db_exec(c, sql, p, n, &res);
    if (e != DB_OK)
        return db_fail(c, e, what);
    app_err rc = db_res_affected(res) > 0 ? APP_OK : APP_E_NOTFOUND;
    db_res_free(res);
    return rc;
}

app_err rentals_store_source_synced(db_conn *c, int64_t user_id, int64_t id, const char *status,
                                    const char *error, int64_t rental_count)
{
    db_param p[5] = {DB_INT(user_id), DB_INT(id), DB_TEXT(status), DB_TEXT(error),
                     DB_INT(rental_count)};
    return source_update(c, SQL(c, SRC_SYNCED), p, 5, "record source sync");
}

app_err rentals_store_source_failed(db_conn *c, int64_t user_id, int64_t id, const char *status,
                                    const char *error)
{
    db_param p[4] = {DB_INT(user_id), DB_INT(id), DB_TEXT(status), DB_TEXT(error)};
    return source_update(c, SQL(c, SRC_FAILED), p, 4, "record source failure");
}

app_err rentals_store_source_schedule(db_conn *c, int64_t user_id, int64_t id)
{
    db_param p[2] = {DB_INT(user_id), DB_INT(id)};
    return source_update(c, SQL(c, SRC_SCHEDULE), p, 2, "schedule source");
}

app_err rentals_store_sources_due(db_conn *c, int limit, struct rentals_due *out, int *n)
{
    db_param p[1] = {DB_INT(limit)};
    db_res *res = NULL;
    *n = 0;
    db_err e = db_exec(c, SQL(c, SRC_DUE), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "sources due");
    for (int i = 0; i < db_res_rows(res) && i < limit; i++) {
        out[i].user_id = db_res_int(res, i, 0);
        out[i].source_id = db_res_int(res, i, 1);
        (*n)++;
    }
    db_res_free(res);
    return APP_OK;
}

/* ---- places ------------------------------------------------------------------------------ */

/* $3: "1000%" for house number 1000 (digits only, so LIKE has nothing to escape), or NULL. */
static const char SL_PLACES[] =
    "SELECT id, address, unit, city, state, zip FROM rentals WHERE user_id = $1 "
    "AND ($3 IS NULL OR address LIKE $3 OR substr(address, 1, 1) NOT BETWEEN '0' AND '9') "
    "ORDER BY id LIMIT $2";
static const char PG_PLACES[] =
    "SELECT id, address, unit, city, state, zip FROM rentals WHERE user_id = $1 "
    "AND (CAST($3 AS text) IS NULL OR address LIKE CAST($3 AS text) "
    "OR substr(address, 1, 1) NOT BETWEEN '0' AND '9') "
    "ORDER BY id LIMIT $2";

app_err rentals_store_places(db_conn *c, int64_t user_id, const char *number, size_t max,
                             struct rentals_place_list *out)
{
    char like[24];
    bool narrow = number && *number && strlen(number) < sizeof like - 1 &&
                  strspn(number, "0123456789") == strlen(number);
    if (narrow)
        snprintf(like, sizeof like, "%s%%", number);
    const char *pattern = narrow ? like : NULL;
    db_param p[] = {DB_INT(user_id), DB_INT((int64_t)max), DB_TEXT(pattern)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, PLACES), p, 3, &res);
    if (e != DB_OK)
        return db_fail(c, e, "list rental addresses");
    out->n = (size_t)db_res_rows(res);
    out->items = out->n ? mem_zalloc(out->n, sizeof *out->items) : NULL;
    for (size_t i = 0; i < out->n; i++) {
        struct rentals_place *pl = &out->items[i];
        char **fields[] = {&pl->address, &pl->unit, &pl->city, &pl->state, &pl->zip};
        pl->id = db_res_int(res, (int)i, 0);
        for (int k = 0; k < 5; k++)
            *fields[k] = db_res_isnull(res, (int)i, k + 1)
                             ? NULL
                             : mem_strdup(db_res_text(res, (int)i, k + 1));
    }
    db_res_free(res);
    return APP_OK;
}
