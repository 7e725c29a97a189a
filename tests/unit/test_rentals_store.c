/* SPDX-License-Identifier: MIT */
/* The rentals store and service on the backend named by PETE_BACKEND (sqlite or postgres,
 * serving as the unprivileged role after db_restrict_role): CRUD, every GET /rentals filter,
 * keyset pages that stay stable while rows are inserted, the scraper upsert's
 * created/changed/unchanged outcomes, status figures, sources, available ordering, and that
 * tenant B never reaches tenant A's rows. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/migrate.h"
#include "core/tz.h"
#include "rentals/rentals.h"
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
    tu_db_open(&f->t);
    assert_int_equal(migrate_run(f->t.d, NULL, NULL), APP_OK);
    assert_int_equal(db_restrict_role(f->t.d), DB_OK);
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
static db_conn *tx(struct fx *f, int64_t user_id)
{
    db_conn *c = NULL;
    assert_int_equal(db_acquire(f->t.d, &c), DB_OK);
    assert_int_equal(db_begin_tenant_write(c, user_id), DB_OK);
    return c;
}

static void done(db_conn *c)
{
    assert_int_equal(db_commit(c), DB_OK);
    db_release(c);
}

/* A rental value for tests; strings are copied. */
static void fill(struct rental *r, const char *website, const char *address, double price,
                 int64_t beds, const char *city, const char *desc)
{
    rental_init(r);
    rental_set_str(&r->website, website);
    rental_set_str(&r->address, address);
    rental_set_str(&r->city, city);
    rental_set_str(&r->description, desc);
    rental_set_str(&r->source_type, "manual");
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
    rental_init(&out);
    db_conn *c = tx(f, user);
    assert_int_equal(rentals_store_insert(c, user, &in, &out), APP_OK);
    done(c);
    int64_t id = out.id;
    assert_int_equal(out.user_id, user);
    rental_cleanup(&in);
    rental_cleanup(&out);
    return id;
}

static void test_crud_and_isolation(void **state)
{
    struct fx *f = *state;
    struct rental in, out, got;
    fill(&in, "manual", "12 Oak Ave", 1250.5, 2, "Austin", NULL);
    in.has_bathrooms = true;
    in.bathrooms = 1.5;
    rental_set_str(&in.available_date, "2026-03-02");
    in.j_amenities = json_pack("[s]", "pool");
    rental_init(&out);
    rental_init(&got);
    db_conn *c = tx(f, f->a);
    assert_int_equal(rentals_store_insert(c, f->a, &in, &out), APP_OK);
    assert_int_equal(rentals_store_insert(c, f->a, &in, &got), APP_E_CONFLICT);
    done(c);
    assert_true(out.price == 1250.5 && out.bathrooms == 1.5 && out.available);
    assert_string_equal(out.available_date, "2026-03-02");
    assert_string_equal(json_string_value(json_array_get(out.j_amenities, 0)), "pool");
    assert_non_null(out.created_at);
    assert_int_equal(strlen(out.created_at), 20); /* 2026-03-02T15:30:00Z */
    assert_null(out.scraped_at);

    /* Tenant B: the same address is its own business; A's id is not there. */
    c = tx(f, f->b);
    assert_int_equal(rentals_store_get(c, f->b, out.id, &got), APP_E_NOTFOUND);
    in.id = out.id;
    in.price = 1.0;
    assert_int_equal(rentals_store_update(c, f->b, &in, &got), APP_E_NOTFOUND);
    assert_int_equal(rentals_store_delete(c, f->b, out.id), APP_E_NOTFOUND);
    assert_int_equal(rentals_store_insert(c, f->b, &in, &got), APP_OK);
    assert_int_equal(got.user_id, f->b);
    rental_cleanup(&got);
    done(c);

    c = tx(f, f->a);
    assert_int_equal(rentals_store_get(c, f->a, out.id, &got), APP_OK);
    assert_true(got.price == 1250.5); /* untouched by B */
    rental_cleanup(&got);
    in.price = 1300;
    assert_int_equal(rentals_store_update(c, f->a, &in, &got), APP_OK);
    assert_true(got.price == 1300.0);
    rental_cleanup(&got);
    assert_int_equal(rentals_store_delete(c, f->a, out.id), APP_OK);
    assert_int_equal(rentals_store_get(c, f->a, out.id, &got), APP_E_NOTFOUND);
    done(c);
    rental_cleanup(&in);
    rental_cleanup(&out);
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
    rental_list_cleanup(&l);
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
    rental_init(&cur);
    rental_init(&upd);
    db_conn *c = tx(f, f->a);
    assert_int_equal(rentals_store_get(c, f->a, id[2], &cur), APP_OK);
    cur.available = false;
    assert_int_equal(rentals_store_update(c, f->a, &cur, &upd), APP_OK);
    done(c);
    rental_cleanup(&cur);
    rental_cleanup(&upd);
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
    rental_list_cleanup(&l);

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
        rental_list_cleanup(&l);
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
    rental_set_str(&in.source_type, "scraped");
    in.j_images = json_pack("[s]", "https://example.com/a.jpg");
    rental_init(&got);
    db_conn *c = tx(f, f->a);
    assert_int_equal(rentals_store_upsert(c, f->a, &in, &id1, &res), APP_OK);
    assert_int_equal(res, RENTALS_CREATED);
    assert_int_equal(rentals_store_upsert(c, f->a, &in, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_UNCHANGED);
    assert_int_equal(id2, id1);
    in.price = 1450.0;
    assert_int_equal(rentals_store_upsert(c, f->a, &in, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_CHANGED);
    assert_int_equal(id2, id1);
    assert_int_equal(rentals_store_upsert(c, f->a, &in, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_UNCHANGED);
    json_array_append_new(in.j_images, json_string("https://example.com/b.jpg"));
    assert_int_equal(rentals_store_upsert(c, f->a, &in, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_CHANGED);
    assert_int_equal(rentals_store_get(c, f->a, id1, &got), APP_OK);
    assert_true(got.price == 1450.0);
    assert_string_equal(got.source_type, "scraped");
    assert_non_null(got.scraped_at);
    assert_int_equal(json_array_size(got.j_images), 2);
    done(c);
    rental_cleanup(&got);

    /* the same listing for tenant B is a separate row */
    c = tx(f, f->b);
    assert_int_equal(rentals_store_upsert(c, f->b, &in, &id2, &res), APP_OK);
    assert_int_equal(res, RENTALS_CREATED);
    assert_true(id2 != id1);
    done(c);
    rental_cleanup(&in);
}

static void test_stats_and_sources(void **state)
{
    struct fx *f = *state;
    struct rental_stats st = {0};
    struct rental_source src = {0}, other = {0};
    struct rental_source_list sl = {0};
    char email[256];
    add(f, f->a, "manual", "1 A St", 100, 1, NULL, NULL);
    add(f, f->a, "foo.com", "2 A St", 100, 1, NULL, NULL);
    add(f, f->a, "foo.com", "3 A St", 100, 1, NULL, NULL);
    add(f, f->b, "bar.com", "1 B St", 100, 1, NULL, NULL);

    db_conn *c = tx(f, f->a);
    assert_int_equal(rentals_store_source_insert(c, f->a, "foo.com", "https://foo.com/l", &src),
                     APP_OK);
    assert_int_equal(src.rental_count, 2);
    assert_true(src.is_active);
    assert_int_equal(rentals_store_source_insert(c, f->a, "foo.com", "https://foo.com/l",
                                                 &other),
                     APP_E_CONFLICT);
    assert_int_equal(rentals_store_source_insert(c, f->a, "baz.org", "https://baz.org/", &other),
                     APP_OK);
    rental_source_cleanup(&other);
    done(c);

    c = tx(f, f->b);
    assert_int_equal(rentals_store_source_list(c, f->b, &sl), APP_OK);
    assert_int_equal(sl.n, 0);
    rental_source_list_cleanup(&sl);
    assert_int_equal(rentals_store_source_delete(c, f->b, src.id), APP_E_NOTFOUND);
    assert_int_equal(rentals_store_source_get(c, f->b, src.id, &other), APP_E_NOTFOUND);
    done(c);

    assert_int_equal(rentals_stats(&f->app, f->a, &st, email, sizeof email), APP_OK);
    assert_int_equal(st.total_rentals, 3);
    assert_int_equal(st.available_rentals, 3);
    assert_non_null(st.last_updated);
    assert_int_equal(st.nsites, 3); /* baz.org (source), foo.com, manual */
    assert_string_equal(st.sites[0].website, "baz.org");
    assert_int_equal(st.sites[0].rental_count, 0);
    assert_string_equal(st.sites[1].website, "foo.com");
    assert_int_equal(st.sites[1].rental_count, 2);
    rental_stats_cleanup(&st);

    assert_int_equal(rentals_sources_list(&f->app, f->a, &sl), APP_OK);
    assert_int_equal(sl.n, 2);
    rental_source_list_cleanup(&sl);
    assert_int_equal(rentals_source_delete(&f->app, f->a, src.id), APP_OK);
    assert_int_equal(rentals_source_delete(&f->app, f->a, src.id), APP_E_NOTFOUND);
    rental_source_cleanup(&src);

    assert_int_equal(rentals_stats(&f->app, f->b, &st, email, sizeof email), APP_OK);
    assert_int_equal(st.total_rentals, 1);
    assert_int_equal(st.nsites, 1);
    assert_string_equal(st.sites[0].website, "bar.com");
    rental_stats_cleanup(&st);
}

static void upsert(db_conn *c, int64_t user, const char *address, double price,
                   enum rentals_upsert_result want)
{
    struct rental in;
    int64_t id = 0;
    enum rentals_upsert_result res = 0;
    fill(&in, "site.example", address, price, 1, NULL, NULL);
    rental_set_str(&in.source_type, "scraped");
    assert_int_equal(rentals_store_upsert(c, user, &in, &id, &res), APP_OK);
    assert_int_equal(res, want);
    rental_cleanup(&in);
}

static bool is_available(struct fx *f, int64_t user, const char *address)
{
    struct rental_filter flt = {.limit = 200, .q = address};
    struct rental_list l = {0};
    assert_int_equal(rentals_list(&f->app, user, &flt, &l), APP_OK);
    assert_int_equal(l.n, 1);
    bool av = l.items[0].available;
    rental_list_cleanup(&l);
    return av;
}

static void test_scrape_sync_marks_vanished(void **state)
{
    struct fx *f = *state;
    char since[32];
    int64_t marked = -1;
    struct rental_source src = {0};
    add(f, f->a, "site.example", "4 Manual Way", 100, 1, NULL, NULL);
    db_conn *c = tx(f, f->b);
    upsert(c, f->b, "3 Scraped Rd", 700, RENTALS_CREATED);
    done(c);

    c = tx(f, f->a);
    assert_int_equal(rentals_store_clock(c, since), APP_OK);
    assert_int_equal(strlen(since), 20);
    upsert(c, f->a, "1 Scraped Rd", 500, RENTALS_CREATED);
    upsert(c, f->a, "2 Scraped Rd", 600, RENTALS_CREATED);
    upsert(c, f->a, "3 Scraped Rd", 700, RENTALS_CREATED);
    assert_int_equal(rentals_store_mark_vanished(c, f->a, "site.example", since, &marked),
                     APP_OK);
    assert_int_equal(marked, 0);
    assert_int_equal(rentals_store_source_insert(c, f->a, "site.example",
                                                 "https://site.example/", &src),
                     APP_OK);
    done(c);

    struct timespec ts = {1, 100000000}; /* the clock has one-second resolution */
    nanosleep(&ts, NULL);
    c = tx(f, f->a);
    assert_int_equal(rentals_store_clock(c, since), APP_OK);
    upsert(c, f->a, "1 Scraped Rd", 500, RENTALS_UNCHANGED);
    upsert(c, f->a, "2 Scraped Rd", 650, RENTALS_CHANGED);
    assert_int_equal(rentals_store_mark_vanished(c, f->a, "site.example", since, &marked),
                     APP_OK);
    assert_int_equal(marked, 1);
    assert_int_equal(rentals_store_source_record(c, f->a, src.id, "ok", NULL, 2), APP_OK);
    done(c);
    assert_true(is_available(f, f->a, "1 Scraped"));
    assert_true(is_available(f, f->a, "2 Scraped"));
    assert_false(is_available(f, f->a, "3 Scraped"));
    assert_true(is_available(f, f->a, "4 Manual")); /* manual rentals are never marked */
    assert_true(is_available(f, f->b, "3 Scraped")); /* nor another tenant's */

    c = tx(f, f->b);
    assert_int_equal(rentals_store_source_record(c, f->b, src.id, "hijacked", NULL, 0),
                     APP_E_NOTFOUND);
    done(c);
    int64_t src_id = src.id;
    rental_source_cleanup(&src);
    c = tx(f, f->a);
    assert_int_equal(rentals_store_source_get(c, f->a, src_id, &src), APP_OK);
    done(c);
    assert_string_equal(src.last_status, "ok");
    assert_null(src.last_error);
    assert_non_null(src.last_scraped_at);
    assert_int_equal(src.rental_count, 4); /* live: every rental of the website */
    rental_source_cleanup(&src);
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
    char date[16], email[256];
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
            rental_set_str(&in.available_date, date);
        }
        rental_init(&out);
        db_conn *c = tx(f, f->a);
        assert_int_equal(rentals_store_insert(c, f->a, &in, &out), APP_OK);
        done(c);
        ids[i] = out.id;
        rental_cleanup(&in);
        rental_cleanup(&out);
    }
    add(f, f->b, "manual", "B Avail St", 1, 1, NULL, NULL);
    struct rental_list l = {0};
    struct rentals_today seen;
    assert_int_equal(rentals_available(&f->app, f->a, &l, &seen, email, sizeof email), APP_OK);
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
    rental_list_cleanup(&l);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
