/* SPDX-License-Identifier: MIT */
/* The rentals store and service on the backend named by PETE_BACKEND (sqlite or postgres,
 * serving as the unprivileged role after db_restrict_role): CRUD, every GET /rentals filter,
 * keyset pages that stay stable while rows are inserted, the scraper upsert's
 * created/changed/unchanged outcomes, status figures, sources, available ordering, the
 * change counters read with a list and the rendered pages behind the response cache, and
 * that tenant B never reaches tenant A's rows. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/migrate.h"
#include "core/respcache.h"
#include "core/tz.h"
#include "rentals/rentals_store.h"
#include "users/users.h"

struct fx {
    struct tu_db t; /* directory, URL and pool */
    struct app app;
    int64_t a, b; /* two tenants */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_db_open_serving(&f->t);
    f->app.db = f->t.d;
    f->a = tu_make_user(f->t.d, "tenant-a");
    f->b = tu_make_user(f->t.d, "tenant-b");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tu_db_close(&f->t);
    free(f);
    return 0;
}

/* A tenant write transaction. */
/* A rental value for tests; strings are copied. */
static void fill(struct rental *r, const char *website, const char *address, double price,
                 int64_t beds, const char *city, const char *desc)
{
    rentals_init(r);
    rentals_set_str(&r->website, website);
    rentals_set_str(&r->address, address);
    rentals_set_str(&r->city, city);
    rentals_set_str(&r->description, desc);
    rentals_set_str(&r->source_type, "manual");
    r->has_price = price >= 0;
    r->price = price;
    r->has_bedrooms = beds >= 0;
    r->bedrooms = beds;
}

static int64_t add(struct fx *f, int64_t user, const char *website, const char *address,
                   double price, int64_t beds, const char *city, const char *desc)
{
    struct rental in, out;
    fill(&in, website, address, price, beds, city, desc);
    rentals_init(&out);
    db_conn *c = tu_tx(f->t.d, user);
    assert_int_equal(rentals_store_insert(c, user, &in, &out), APP_OK);
    tu_commit(c);
    int64_t id = out.id;
    assert_int_equal(out.user_id, user);
    rentals_cleanup(&in);
    rentals_cleanup(&out);
    return id;
}

static void test_crud_and_isolation(void **state)
{
    struct fx *f = *state;
    struct rental in, out, got;
    fill(&in, "manual", "12 Oak Ave", 1250.5, 2, "Austin", NULL);
    in.has_bathrooms = true;
    in.bathrooms = 1.5;
    rentals_set_str(&in.available_date, "2026-03-02");
    in.j_amenities = json_pack("[s]", "pool");
    rentals_init(&out);
    rentals_init(&got);
    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(rentals_store_insert(c, f->a, &in, &out), APP_OK);
    assert_int_equal(rentals_store_insert(c, f->a, &in, &got), APP_E_CONFLICT);
    tu_commit(c);
    assert_true(out.price == 1250.5 && out.bathrooms == 1.5 && out.available);
    assert_string_equal(out.available_date, "2026-03-02");
    assert_string_equal(json_string_value(json_array_get(out.j_amenities, 0)), "pool");
    assert_non_null(out.created_at);
    assert_int_equal(strlen(out.created_at), 20); /* 2026-03-02T15:30:00Z */
    assert_null(out.scraped_at);

    /* Tenant B: the same address is its own business; A's id is not there. */
    c = tu_tx(f->t.d, f->b);
    assert_int_equal(rentals_store_get(c, f->b, out.id, &got), APP_E_NOTFOUND);
    in.id = out.id;
    in.price = 1.0;
    assert_int_equal(rentals_store_update(c, f->b, &in, &got), APP_E_NOTFOUND);
    assert_int_equal(rentals_store_delete(c, f->b, out.id), APP_E_NOTFOUND);
    assert_int_equal(rentals_store_insert(c, f->b, &in, &got), APP_OK);
    assert_int_equal(got.user_id, f->b);
    rentals_cleanup(&got);
    tu_commit(c);

    c = tu_tx(f->t.d, f->a);
    assert_int_equal(rentals_store_get(c, f->a, out.id, &got), APP_OK);
    assert_true(got.price == 1250.5); /* untouched by B */
    rentals_cleanup(&got);
    in.price = 1300;
    assert_int_equal(rentals_store_update(c, f->a, &in, &got), APP_OK);
    assert_true(got.price == 1300.0);
    rentals_cleanup(&got);
    assert_int_equal(rentals_store_delete(c, f->a, out.id), APP_OK);
    assert_int_equal(rentals_store_get(c, f->a, out.id, &got), APP_E_NOTFOUND);
    tu_commit(c);
    rentals_cleanup(&in);
    rentals_cleanup(&out);
}

/* Ids of a page joined as text, e.g. "3,5". */
static void page_ids(const struct rental_list *l, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; i < l->n; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%lld", i ? "," : "",
                 (long long)l->items[i].id);
}

static void list_ids(struct fx *f, int64_t user, const struct rental_filter *flt, char *buf,
                     size_t len)
{
    struct rental_list l = {0};
    assert_int_equal(rentals_list(&f->app, user, flt, &l), APP_OK);
    page_ids(&l, buf, len);
    rentals_list_cleanup(&l);
}

static void test_filters(void **state)
{
    struct fx *f = *state;
    int64_t id[6];
    char want[128], got[128];
    id[0] = add(f, f->a, "manual", "1 Oak Ave", 900, 1, "Austin", "Sunny 100% quiet");
    id[1] = add(f, f->a, "manual", "2 Elm St", 1500, 2, "Dallas", "Near OAK park, asap");
    id[2] = add(f, f->a, "zillow.com", "3 Pine Rd", 2100, 3, "austin", NULL);
    id[3] = add(f, f->a, "zillow.com", "4 Birch Ln", 1200, 2, "Houston", "has_pool, 10 min");
    id[4] = add(f, f->a, "manual", "5 Maple Dr", -1, -1, NULL, NULL);
    id[5] = add(f, f->b, "manual", "1 Oak Ave", 900, 1, "Austin", "tenant B");
    (void)id[5];
    struct rental_filter flt = {.limit = 50};
    list_ids(f, f->a, &flt, got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld,%lld", (long long)id[0], (long long)id[1],
             (long long)id[2], (long long)id[3], (long long)id[4]);
    assert_string_equal(got, want);

    struct rental_filter price = {.limit = 50, .has_min_price = true, .min_price = 1000,
                                  .has_max_price = true, .max_price = 1500};
    list_ids(f, f->a, &price, got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld", (long long)id[1], (long long)id[3]);
    assert_string_equal(got, want);

    struct rental_filter beds = {.limit = 50, .has_bedrooms = true, .bedrooms = 2,
                                 .website = "zillow.com"};
    list_ids(f, f->a, &beds, got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)id[3]);
    assert_string_equal(got, want);

    struct rental_filter minb = {.limit = 50, .has_min_bedrooms = true, .min_bedrooms = 2};
    list_ids(f, f->a, &minb, got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld,%lld", (long long)id[1], (long long)id[2],
             (long long)id[3]);
    assert_string_equal(got, want);

    /* q: case-insensitive on address, city and description; % and _ are literal */
    struct rental_filter q = {.limit = 50, .q = "oak"};
    list_ids(f, f->a, &q, got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld", (long long)id[0], (long long)id[1]);
    assert_string_equal(got, want);
    q.q = "AUSTIN";
    list_ids(f, f->a, &q, got, sizeof got);
    snprintf(want, sizeof want, "%lld,%lld", (long long)id[0], (long long)id[2]);
    assert_string_equal(got, want);
    q.q = "0%";
    list_ids(f, f->a, &q, got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)id[0]);
    assert_string_equal(got, want);
    q.q = "s_p";
    list_ids(f, f->a, &q, got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)id[3]);
    assert_string_equal(got, want);

    /* available=false, after marking one unavailable */
    struct rental cur, upd;
    rentals_init(&cur);
    rentals_init(&upd);
    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(rentals_store_get(c, f->a, id[2], &cur), APP_OK);
    cur.available = false;
    assert_int_equal(rentals_store_update(c, f->a, &cur, &upd), APP_OK);
    tu_commit(c);
    rentals_cleanup(&cur);
    rentals_cleanup(&upd);
    struct rental_filter av = {.limit = 50, .has_available = true, .available = false};
    list_ids(f, f->a, &av, got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)id[2]);
    assert_string_equal(got, want);
    av.available = true;
    av.q = "austin";
    list_ids(f, f->a, &av, got, sizeof got);
    snprintf(want, sizeof want, "%lld", (long long)id[0]);
    assert_string_equal(got, want);
}

static void test_keyset_pages_are_stable(void **state)
{
    struct fx *f = *state;
    char addr[32];
    int64_t ids[9];
    for (int i = 0; i < 7; i++) {
        snprintf(addr, sizeof addr, "%d Page St", i);
        ids[i] = add(f, f->a, "manual", addr, 1000 + i, 1, NULL, NULL);
        add(f, f->b, "manual", addr, 1000 + i, 1, NULL, NULL); /* interleaved other tenant */
    }
    struct rental_filter flt = {.limit = 3};
    struct rental_list l = {0};
    assert_int_equal(rentals_list(&f->app, f->a, &flt, &l), APP_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.next_after, ids[2]);
    flt.after_id = l.next_after;
    rentals_list_cleanup(&l);

    /* rows inserted while paging appear once, at the end */
    ids[7] = add(f, f->a, "manual", "7 Page St", 5, 1, NULL, NULL);
    ids[8] = add(f, f->a, "manual", "8 Page St", 5, 1, NULL, NULL);
    int64_t seen[16];
    int nseen = 3;
    for (int page = 0; page < 10 && flt.after_id; page++) {
        assert_int_equal(rentals_list(&f->app, f->a, &flt, &l), APP_OK);
        for (int i = 0; i < l.n; i++) {
            assert_int_equal(l.items[i].user_id, f->a);
            seen[nseen++] = l.items[i].id;
        }
        flt.after_id = l.next_after;
        rentals_list_cleanup(&l);
    }
    assert_int_equal(nseen, 9);
    for (int i = 3; i < 9; i++)
        assert_int_equal(seen[i], ids[i]);
}

static void test_upsert_outcomes(void **state)
{
    struct fx *f = *state;
    struct rental in, got;
    int64_t id1 = 0, id2 = 0;
    enum rentals_upsert_result res = 0;
    fill(&in, "example.com", "9 Scrape Ct", 1500, 2, "Austin", "desc");
    rentals_set_str(&in.source_type, "scraped");
    in.j_images = json_pack("[s]", "https://example.com/a.jpg");
    rentals_init(&got);
    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(rentals_store_upsert(c, f->a, 0, &in, false, &id1, &res), APP_OK);
    assert_int_equal(res, RENTALS_CREATED);
    assert_int_equal(rentals_store_upsert(c, f->a, 0, &in, true, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_UNCHANGED);
    assert_int_equal(id2, id1);
    in.price = 1450.0;
    assert_int_equal(rentals_store_upsert(c, f->a, 0, &in, true, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_CHANGED);
    assert_int_equal(id2, id1);
    assert_int_equal(rentals_store_upsert(c, f->a, 0, &in, true, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_UNCHANGED);
    json_array_append_new(in.j_images, json_string("https://example.com/b.jpg"));
    assert_int_equal(rentals_store_upsert(c, f->a, 0, &in, true, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_CHANGED);
    assert_int_equal(rentals_store_get(c, f->a, id1, &got), APP_OK);
    assert_true(got.price == 1450.0);
    assert_string_equal(got.source_type, "scraped");
    assert_non_null(got.scraped_at);
    assert_int_equal(json_array_size(got.j_images), 2);
    tu_commit(c);
    rentals_cleanup(&got);

    /* the same listing for tenant B is a separate row (a wrong "exists" hint: same outcome) */
    c = tu_tx(f->t.d, f->b);
    assert_int_equal(rentals_store_upsert(c, f->b, 0, &in, true, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_CREATED);
    assert_true(id2 != id1);
    tu_commit(c);
    rentals_cleanup(&in);
}

static void test_stats_and_sources(void **state)
{
    struct fx *f = *state;
    struct rental_stats st = {0};
    struct rental_source src = {0}, other = {0};
    struct rental_source_list sl = {0};
    add(f, f->a, "manual", "1 A St", 100, 1, NULL, NULL);
    add(f, f->a, "foo.com", "2 A St", 100, 1, NULL, NULL);
    add(f, f->a, "foo.com", "3 A St", 100, 1, NULL, NULL);
    add(f, f->b, "bar.com", "1 B St", 100, 1, NULL, NULL);

    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(rentals_store_source_insert(c, f->a, "foo.com", "https://foo.com/l", &src),
                     APP_OK);
    assert_int_equal(src.rental_count, 2);
    assert_true(src.is_active);
    assert_int_equal(rentals_store_source_insert(c, f->a, "foo.com", "https://foo.com/l",
                                                 &other),
                     APP_E_CONFLICT);
    assert_int_equal(rentals_store_source_insert(c, f->a, "baz.org", "https://baz.org/", &other),
                     APP_OK);
    rentals_source_cleanup(&other);
    tu_commit(c);

    c = tu_tx(f->t.d, f->b);
    assert_int_equal(rentals_store_source_list(c, f->b, &sl), APP_OK);
    assert_int_equal(sl.n, 0);
    rentals_source_list_cleanup(&sl);
    assert_int_equal(rentals_store_source_delete(c, f->b, src.id), APP_E_NOTFOUND);
    assert_int_equal(rentals_store_source_get(c, f->b, src.id, &other), APP_E_NOTFOUND);
    tu_commit(c);

    assert_int_equal(rentals_stats(&f->app, f->a, &st), APP_OK);
    assert_int_equal(st.total_rentals, 3);
    assert_int_equal(st.available_rentals, 3);
    assert_non_null(st.last_updated);
    assert_int_equal(st.nsites, 3); /* baz.org (source), foo.com, manual */
    assert_string_equal(st.sites[0].website, "baz.org");
    assert_int_equal(st.sites[0].rental_count, 0);
    assert_string_equal(st.sites[1].website, "foo.com");
    assert_int_equal(st.sites[1].rental_count, 2);
    rentals_stats_cleanup(&st);

    assert_int_equal(rentals_sources_list(&f->app, f->a, &sl), APP_OK);
    assert_int_equal(sl.n, 2);
    rentals_source_list_cleanup(&sl);
    assert_int_equal(rentals_source_delete(&f->app, f->a, src.id), APP_OK);
    assert_int_equal(rentals_source_delete(&f->app, f->a, src.id), APP_E_NOTFOUND);
    rentals_source_cleanup(&src);

    assert_int_equal(rentals_stats(&f->app, f->b, &st), APP_OK);
    assert_int_equal(st.total_rentals, 1);
    assert_int_equal(st.nsites, 1);
    assert_string_equal(st.sites[0].website, "bar.com");
    rentals_stats_cleanup(&st);
}

static int64_t upsert(db_conn *c, int64_t user, int64_t source, const char *address,
                      double price, enum rentals_upsert_result want)
{
    struct rental in;
    int64_t id = 0;
    enum rentals_upsert_result res = 0;
    fill(&in, "site.example", address, price, 1, NULL, NULL);
    rentals_set_str(&in.source_type, "scraped");
    /* the hint changes the order of the statements, never the outcome */
    assert_int_equal(rentals_store_upsert(c, user, source, &in, want != RENTALS_CREATED, &id,
                                          &res),
                     APP_OK);
    assert_int_equal(res, want);
    rentals_cleanup(&in);
    return id;
}

static bool is_available(struct fx *f, int64_t user, const char *address)
{
    struct rental_filter flt = {.limit = 200, .q = address};
    struct rental_list l = {0};
    assert_int_equal(rentals_list(&f->app, user, &flt, &l), APP_OK);
    assert_int_equal(l.n, 1);
    bool av = l.items[0].available;
    rentals_list_cleanup(&l);
    return av;
}

static void test_scrape_sync_marks_vanished(void **state)
{
    struct fx *f = *state;
    int64_t marked = -1, seen[3];
    struct rental_source src = {0}, other = {0};
    add(f, f->a, "site.example", "4 Manual Way", 100, 1, NULL, NULL);
    db_conn *c = tu_tx(f->t.d, f->b);
    upsert(c, f->b, 0, "3 Scraped Rd", 700, RENTALS_CREATED);
    tu_commit(c);

    c = tu_tx(f->t.d, f->a);
    assert_int_equal(rentals_store_source_insert(c, f->a, "site.example",
                                                 "https://site.example/", &src),
                     APP_OK);
    assert_int_equal(rentals_store_source_insert(c, f->a, "site.example",
                                                 "https://site.example/other", &other),
                     APP_OK);
    seen[0] = upsert(c, f->a, src.id, "1 Scraped Rd", 500, RENTALS_CREATED);
    seen[1] = upsert(c, f->a, src.id, "2 Scraped Rd", 600, RENTALS_CREATED);
    seen[2] = upsert(c, f->a, src.id, "3 Scraped Rd", 700, RENTALS_CREATED);
    /* another source of the same website owns 5 Other Rd: this source's sync leaves it */
    upsert(c, f->a, other.id, "5 Other Rd", 800, RENTALS_CREATED);
    /* the manual rental's key is never written by the scraper */
    assert_int_equal(upsert(c, f->a, src.id, "4 Manual Way", 999, RENTALS_SKIPPED), 0);
    assert_int_equal(rentals_store_mark_vanished(c, f->a, "site.example", src.id, seen, 3,
                                                 &marked),
                     APP_OK);
    assert_int_equal(marked, 0);
    tu_commit(c);

    c = tu_tx(f->t.d, f->a);
    seen[0] = upsert(c, f->a, src.id, "1 Scraped Rd", 500, RENTALS_UNCHANGED);
    seen[1] = upsert(c, f->a, src.id, "2 Scraped Rd", 650, RENTALS_CHANGED);
    assert_int_equal(rentals_store_mark_vanished(c, f->a, "site.example", src.id, seen, 2,
                                                 &marked),
                     APP_OK);
    assert_int_equal(marked, 1);
    /* already unavailable: not counted again */
    assert_int_equal(rentals_store_mark_vanished(c, f->a, "site.example", src.id, seen, 2,
                                                 &marked),
                     APP_OK);
    assert_int_equal(marked, 0);
    assert_int_equal(rentals_store_source_synced(c, f->a, src.id, "ok", NULL, 2), APP_OK);
    assert_int_equal(rentals_store_source_failed(c, f->a, other.id, "error", "HTTP 500"),
                     APP_OK);
    tu_commit(c);
    assert_true(is_available(f, f->a, "1 Scraped"));
    assert_true(is_available(f, f->a, "2 Scraped"));
    assert_false(is_available(f, f->a, "3 Scraped"));
    assert_true(is_available(f, f->a, "4 Manual")); /* manual rentals are never marked */
    assert_true(is_available(f, f->a, "5 Other"));  /* nor another source's */
    assert_true(is_available(f, f->b, "3 Scraped")); /* nor another tenant's */

    c = tu_tx(f->t.d, f->b);
    assert_int_equal(rentals_store_source_synced(c, f->b, src.id, "hijacked", NULL, 0),
                     APP_E_NOTFOUND);
    assert_int_equal(rentals_store_source_failed(c, f->b, src.id, "hijacked", NULL),
                     APP_E_NOTFOUND);
    tu_commit(c);
    int64_t src_id = src.id, other_id = other.id;
    rentals_source_cleanup(&src);
    rentals_source_cleanup(&other);
    c = tu_tx(f->t.d, f->a);
    assert_int_equal(rentals_store_source_get(c, f->a, src_id, &src), APP_OK);
    assert_int_equal(rentals_store_source_get(c, f->a, other_id, &other), APP_OK);
    tu_commit(c);
    assert_string_equal(src.last_status, "ok");
    assert_null(src.last_error);
    assert_non_null(src.last_scraped_at);
    assert_int_equal(src.rental_count, 5); /* live: every rental of the website */
    assert_string_equal(other.last_status, "error"); /* a failure records status and error */
    assert_string_equal(other.last_error, "HTTP 500");
    assert_null(other.last_scraped_at);              /* but it scraped nothing */
    rentals_source_cleanup(&src);
    rentals_source_cleanup(&other);
}

static void date_in(int64_t days, char buf[16])
{
    /* days since epoch -> YYYY-MM-DD through the public formatter's inverse check */
    static const char *const months[12] = {"January", "February", "March", "April", "May",
                                           "June", "July", "August", "September", "October",
                                           "November", "December"};
    char text[48], month[16];
    int d = 0, y = 0, m = 0;
    civil_format_day(days, text, sizeof text);
    assert_int_equal(sscanf(text, "%15s %d, %d", month, &d, &y), 3);
    for (int i = 0; i < 12; i++)
        if (strcmp(months[i], month) == 0)
            m = i + 1;
    assert_true(y > 0 && y < 10000 && m > 0 && d > 0 && d < 32);
    snprintf(buf, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    assert_int_equal(civil_date_days(buf), days);
}

static void test_available_order(void **state)
{
    struct fx *f = *state;
    struct rental in, out;
    char date[16];
    /* default zone of a tenant without settings */
    int64_t today = tz_today("America/Chicago");
    struct { int64_t offset; double price; bool has_date; bool available; } rows[] = {
        {5, 500, true, true}, {5, 400, true, true}, {-3, 900, true, true},
        {0, 800, false, true}, {1, 100, true, true}, {0, 50, false, false},
    };
    int64_t ids[6];
    for (int i = 0; i < 6; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "%d Avail St", i);
        fill(&in, "manual", addr, rows[i].price, 1, NULL, NULL);
        in.available = rows[i].available;
        if (rows[i].has_date) {
            date_in(today + rows[i].offset, date);
            rentals_set_str(&in.available_date, date);
        }
        rentals_init(&out);
        db_conn *c = tu_tx(f->t.d, f->a);
        assert_int_equal(rentals_store_insert(c, f->a, &in, &out), APP_OK);
        tu_commit(c);
        ids[i] = out.id;
        rentals_cleanup(&in);
        rentals_cleanup(&out);
    }
    add(f, f->b, "manual", "B Avail St", 1, 1, NULL, NULL);
    struct rental_list l = {0};
    struct rentals_today seen;
    struct http_tenant t = {.id = f->a}; /* as resolved: no zone saved */
    assert_int_equal(rentals_available(&f->app, f->a, users_tenant_zone(&t), &l, &seen), APP_OK);
    /* days 0: #3 (no date, 800), #2 (past, 900); day 1: #4; day 5: #1 (400), #0 (500) */
    int64_t want_ids[5] = {ids[3], ids[2], ids[4], ids[1], ids[0]};
    int want_days[5] = {0, 0, 1, 5, 5};
    assert_int_equal(l.n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(l.items[i].id, want_ids[i]);
        assert_int_equal(l.days[i], want_days[i]);
    }
    assert_int_equal(seen.day, today);
    assert_string_equal(seen.zone, "America/Chicago"); /* no settings saved */
    rentals_list_cleanup(&l);
}

/* The counters a list read carries describe its rows: they move with a write and are
 * unknown for no rows. */
static void test_list_counters(void **state)
{
    struct fx *f = *state;
    struct rental_filter flt = {.limit = 50};
    struct rental_list l = {0};
    assert_int_equal(rentals_list(&f->app, f->a, &flt, &l), APP_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.listings, -1);
    rentals_list_cleanup(&l);
    add(f, f->a, "manual", "1 Count St", 100, 1, NULL, NULL);
    assert_int_equal(rentals_list(&f->app, f->a, &flt, &l), APP_OK);
    int64_t first = l.listings;
    assert_true(first > 0);
    assert_true(l.profile >= 0);
    rentals_list_cleanup(&l);
    add(f, f->a, "manual", "2 Count St", 100, 1, NULL, NULL);
    assert_int_equal(rentals_list(&f->app, f->a, &flt, &l), APP_OK);
    assert_true(l.listings > first);
    rentals_list_cleanup(&l);
}

/* Rendered pages behind the cache: a repeat is served from it, a write is seen at once, and
 * a page shows the tenant's current email even when the request's tenant (as resolved
 * before the change) is outdated; a page of no rows is not kept. */
static void test_pages_are_current(void **state)
{
    struct fx *f = *state;
    struct rentals_page p1 = {0}, p2 = {0};
    struct respcache_stats st;
    struct rental_filter flt = {.limit = 50};
    struct http_tenant t = {.id = f->a};
    f->app.cache = respcache_new(1 << 20);
    assert_int_equal(users_tenant_reload(&f->app, &t), APP_OK);
    add(f, f->a, "manual", "1 Page St", 100, 1, NULL, NULL);

    assert_int_equal(rentals_list_page(&f->app, &t, &flt, &p1), APP_OK);
    assert_int_equal(rentals_list_page(&f->app, &t, &flt, &p2), APP_OK);
    assert_int_equal(p1.len, p2.len);
    assert_memory_equal(p1.body, p2.body, p1.len);
    respcache_get_stats(f->app.cache, &st);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.hits, 1);
    free(p2.body);
    add(f, f->a, "manual", "2 Page St", 100, 1, NULL, NULL);
    assert_int_equal(rentals_list_page(&f->app, &t, &flt, &p2), APP_OK);
    assert_non_null(strstr(p2.body, "2 Page St"));
    assert_null(strstr(p1.body, "2 Page St"));
    free(p1.body);
    free(p2.body);

    /* the profile changes after t was resolved: the page reads it afresh, then keeps it */
    assert_int_equal(users_upsert_profile(&f->app, "https://issuer.test", "tenant-a",
                                          "renamed@example.com", "Ann", "Lee"),
                     APP_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rentals_website_page(&f->app, &t, "manual", &p1), APP_OK);
        assert_non_null(strstr(p1.body, "\"user_email\":\"renamed@example.com\""));
        assert_non_null(strstr(p1.body, "\"rental_count\":2"));
        free(p1.body);
        assert_int_equal(rentals_status_page(&f->app, &t, &p1), APP_OK);
        assert_non_null(strstr(p1.body, "\"user_email\":\"renamed@example.com\""));
        free(p1.body);
    }
    respcache_get_stats(f->app.cache, &st);
    uint64_t entries = st.entries;
    assert_int_equal(rentals_website_page(&f->app, &t, "none.example", &p1), APP_OK);
    assert_non_null(strstr(p1.body, "\"rental_count\":0"));
    free(p1.body);
    respcache_get_stats(f->app.cache, &st);
    assert_int_equal(st.entries, entries);
    respcache_free(f->app.cache);
    f->app.cache = NULL;
}

int main(void)
{
    /* PETE_BACKEND selects sqlite or postgres (see testutil.h) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crud_and_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyset_pages_are_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_outcomes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_and_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_available_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scrape_sync_marks_vanished, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages_are_current, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
