/* SPDX-License-Identifier: MIT */
/* Tenant isolation below the application (PETE_BACKEND=sqlite|postgres).
 * PostgreSQL: the pool is opened with the cluster's superuser URL, as an operator might;
 * after db_restrict_role the serving role is neither superuser, BYPASSRLS nor the tables'
 * owner, and row-level security alone keeps a deliberately unfiltered SELECT, UPDATE or
 * DELETE inside tenant A's transaction to A's rows of every tenant table; WITH CHECK refuses
 * rows written for another tenant; with no tenant set nothing is visible. The tenant tables
 * are found in the catalog (every public table with a user_id column), not listed by hand,
 * so a table added by a later migration is covered the day it appears. The one exception,
 * credentials, is kept out of the serving role's reach altogether (no privilege on it;
 * SECURITY DEFINER functions find one account by email), as is schema_migrations.
 * SQLite has no row-level security: there the same data proves that every store read path
 * filters on the tenant. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "core/migrate.h"
#include "rentals/rentals_store.h"
#include "users/users.h"

struct fx {
    struct tu_db t; /* directory, URL and pool */
    int64_t a, b;
    int64_t a_rental, b_rental, b_source;
};

static bool is_pg(void) { return strcmp(tu_backend(), "postgres") == 0; }

/* n rentals, one source and settings for user, through the application's store. */
static void seed(db *d, int64_t user, int n, int64_t *last_rental, int64_t *source)
{
    db_conn *c = NULL;
    struct user_settings s;
    struct rental_source src = {0};
    assert_int_equal(db_acquire(d, &c), DB_OK);
    assert_int_equal(db_begin_tenant_write(c, user), DB_OK);
    for (int i = 0; i < n; i++) {
        struct rental in, out;
        char addr[32];
        snprintf(addr, sizeof addr, "%d Tenant St", i);
        rentals_init(&in);
        rentals_init(&out);
        rentals_set_str(&in.website, "manual");
        rentals_set_str(&in.address, addr);
        in.has_price = true;
        in.price = 1000 + i;
        assert_int_equal(rentals_store_insert(c, user, &in, &out), APP_OK);
        *last_rental = out.id;
        rentals_cleanup(&in);
        rentals_cleanup(&out);
    }
    assert_int_equal(rentals_store_source_insert(c, user, "example.com", "https://example.com/",
                                                 &src),
                     APP_OK);
    *source = src.id;
    rentals_source_cleanup(&src);
    users_settings_defaults(&s);
    assert_int_equal(users_store_settings_put(c, user, &s), APP_OK);
    assert_int_equal(db_commit(c), DB_OK);
    db_release(c);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    int64_t ignored = 0;
    assert_non_null(f);
    tu_db_open_serving(&f->t); /* PostgreSQL: connects as the cluster's superuser */
    f->a = tu_make_user(f->t.d, "rls-a");
    f->b = tu_make_user(f->t.d, "rls-b");
    seed(f->t.d, f->a, 3, &f->a_rental, &ignored);
    seed(f->t.d, f->b, 2, &f->b_rental, &f->b_source);
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

/* Tables with a user_id column that are deliberately not under row-level security, each
 * with the reason and the test that covers it instead:
 *   credentials: read by email before the tenant is known; the serving role has no
 *                privilege on it (test_credentials_out_of_reach). */
#define RLS_ALLOW_LIST "'credentials'"

/* Every ordinary or partitioned table of schema public that has a user_id column. */
#define TENANT_TABLES                                                                     \
    " FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace"                     \
    " WHERE n.nspname = 'public' AND k.relkind IN ('r', 'p')"                             \
    " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.oid"                  \
    "  AND a.attname = 'user_id' AND a.attnum > 0 AND NOT a.attisdropped)"                \
    " AND k.relname NOT IN (" RLS_ALLOW_LIST ")"

#define MAX_TABLES 64

/* Names of the tenant tables (catalog, not a hand list) into names; returns how many. */
static int tenant_tables(db_conn *c, char names[MAX_TABLES][64])
{
    db_res *r = NULL;
    if (db_exec(c, "SELECT k.relname" TENANT_TABLES " ORDER BY 1", NULL, 0, &r) != DB_OK)
        fail_msg("catalog: %s", db_errmsg(c));
    int n = db_res_rows(r);
    assert_true(n <= MAX_TABLES);
    for (int i = 0; i < n; i++)
        snprintf(names[i], 64, "%s", db_res_text(r, i, 0));
    db_res_free(r);
    return n;
}

static db_conn *tenant_tx(struct fx *f, int64_t user)
{
    db_conn *c = NULL;
    assert_int_equal(db_acquire(f->t.d, &c), DB_OK);
    assert_int_equal(db_begin_tenant_write(c, user), DB_OK);
    return c;
}

/* Runs an unfiltered "SELECT user_id FROM table" and checks every row belongs to user;
 * returns the row count. */
static int only_rows_of(db_conn *c, const char *sql, int64_t user)
{
    db_res *r = NULL;
    if (db_exec(c, sql, NULL, 0, &r) != DB_OK)
        fail_msg("%s: %s", sql, db_errmsg(c));
    int n = db_res_rows(r);
    for (int i = 0; i < n; i++)
        assert_int_equal(db_res_int(r, i, 0), user);
    db_res_free(r);
    return n;
}

static void test_unfiltered_select_sees_only_the_tenant(void **state)
{
    struct fx *f = *state;
    if (!is_pg()) {
        /* SQLite: the store is the barrier; its reads never return B's rows to A. */
        struct rental got;
        struct rental_list l = {0};
        struct rental_source_list sl = {0};
        struct rental_filter flt = {.limit = 200};
        rentals_init(&got);
        db_conn *c = tenant_tx(f, f->a);
        assert_int_equal(rentals_store_get(c, f->a, f->b_rental, &got), APP_E_NOTFOUND);
        assert_int_equal(rentals_store_list(c, f->a, &flt, &l), APP_OK);
        assert_int_equal(l.n, 3);
        for (int i = 0; i < l.n; i++)
            assert_int_equal(l.items[i].user_id, f->a);
        rentals_list_cleanup(&l);
        assert_int_equal(rentals_store_available(c, f->a, &l), APP_OK);
        assert_int_equal(l.n, 3);
        rentals_list_cleanup(&l);
        assert_int_equal(rentals_store_by_website(c, f->a, "manual", &l), APP_OK);
        assert_int_equal(l.n, 3);
        rentals_list_cleanup(&l);
        assert_int_equal(rentals_store_source_list(c, f->a, &sl), APP_OK);
        assert_int_equal(sl.n, 1);
        assert_int_equal(sl.items[0].user_id, f->a);
        rentals_source_list_cleanup(&sl);
        assert_int_equal(rentals_store_source_delete(c, f->a, f->b_source), APP_E_NOTFOUND);
        /* ...while the table itself holds both tenants' rows */
        db_res *r = NULL;
        assert_int_equal(db_exec(c, "SELECT count(*) FROM rentals", NULL, 0, &r), DB_OK);
        assert_int_equal(db_res_int(r, 0, 0), 5);
        db_res_free(r);
        db_release(c);
        return;
    }
    char names[MAX_TABLES][64], sql[128];
    db_conn *c = tenant_tx(f, f->a);
    assert_int_equal(only_rows_of(c, "SELECT user_id FROM rentals", f->a), 3);
    assert_int_equal(only_rows_of(c, "SELECT user_id FROM rental_sources", f->a), 1);
    assert_int_equal(only_rows_of(c, "SELECT user_id FROM user_settings", f->a), 1);
    /* and every other tenant table, whatever migrations added */
    int n = tenant_tables(c, names);
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "SELECT user_id FROM \"%.63s\"", names[i]);
        only_rows_of(c, sql, f->a);
    }
    db_release(c);
    c = tenant_tx(f, f->b);
    assert_int_equal(only_rows_of(c, "SELECT user_id FROM rentals", f->b), 2);
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "SELECT user_id FROM \"%.63s\"", names[i]);
        only_rows_of(c, sql, f->b);
    }
    db_release(c);
}

static void test_serving_role_is_unprivileged(void **state)
{
    struct fx *f = *state;
    db_conn *c = NULL;
    db_res *r = NULL;
    assert_int_equal(db_acquire(f->t.d, &c), DB_OK);
    if (!is_pg()) {
        assert_int_equal(db_conn_dialect(c), DB_SQLITE);
        db_release(c);
        return;
    }
    static const char q[] =
        "SELECT r.rolsuper, r.rolbypassrls,"
        " (SELECT count(*)" TENANT_TABLES " AND k.relowner = r.oid),"
        " (SELECT count(*)" TENANT_TABLES ")"
        " FROM pg_roles r WHERE r.rolname = current_user";
    /* tenant tables missing any of: RLS enabled, RLS forced, a policy */
    static const char unprotected[] =
        "SELECT string_agg(k.relname::text, ', ')" TENANT_TABLES
        " AND NOT (k.relrowsecurity AND k.relforcerowsecurity"
        "  AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = k.oid))";
    assert_int_equal(db_exec(c, q, NULL, 0, &r), DB_OK);
    assert_int_equal(db_res_rows(r), 1);
    assert_false(db_res_bool(r, 0, 0));
    assert_false(db_res_bool(r, 0, 1));
    assert_int_equal(db_res_int(r, 0, 2), 0); /* owns none of them */
    /* the catalog query finds the tables this test seeds, at least */
    assert_true(db_res_int(r, 0, 3) >= 3);
    db_res_free(r);
    assert_int_equal(db_exec(c, unprotected, NULL, 0, &r), DB_OK);
    if (!db_res_isnull(r, 0, 0))
        fail_msg("tenant tables without enabled+forced row-level security and a policy: %s",
                 db_res_text(r, 0, 0));
    db_res_free(r);
    db_release(c);
}

/* credentials (allow-listed above) and schema_migrations: the serving role holds no
 * privilege on them, yet sign-up and login work through the SECURITY DEFINER functions, and
 * erasing a tenant still erases its credentials. SQLite: the store's plain SQL works. */
static void test_credentials_out_of_reach(void **state)
{
    struct fx *f = *state;
    db_conn *c = NULL;
    db_res *r = NULL;
    int64_t uid = 0;
    char hash[ACCOUNTS_HASH_MAX];
    assert_int_equal(db_acquire(f->t.d, &c), DB_OK);
    assert_int_equal(db_begin(c), DB_OK);
    assert_int_equal(accounts_store_create(c, f->a, "a@example.com", "$argon2id$a"), APP_OK);
    assert_int_equal(accounts_store_create(c, f->b, "b@example.com", "$argon2id$b"), APP_OK);
    assert_int_equal(db_commit(c), DB_OK);
    assert_int_equal(db_begin(c), DB_OK);
    assert_int_equal(accounts_store_create(c, f->b, "a@example.com", "x"), APP_E_CONFLICT);
    db_release(c);
    assert_int_equal(db_acquire(f->t.d, &c), DB_OK);
    assert_int_equal(accounts_store_find(c, "b@example.com", &uid, hash), APP_OK);
    assert_int_equal(uid, f->b);
    assert_string_equal(hash, "$argon2id$b");
    assert_int_equal(accounts_store_find(c, "nobody@example.com", &uid, hash), APP_E_NOTFOUND);
    if (!is_pg()) {
        db_release(c);
        return;
    }
    static const char privs[] =
        "SELECT has_table_privilege(current_user, 'credentials', 'SELECT'),"
        " has_table_privilege(current_user, 'credentials', 'INSERT'),"
        " has_table_privilege(current_user, 'credentials', 'UPDATE'),"
        " has_table_privilege(current_user, 'credentials', 'DELETE'),"
        " has_table_privilege(current_user, 'schema_migrations', 'INSERT'),"
        " has_table_privilege(current_user, 'schema_migrations', 'UPDATE'),"
        " has_table_privilege(current_user, 'schema_migrations', 'DELETE'),"
        " has_table_privilege(current_user, 'schema_migrations', 'TRUNCATE'),"
        " current_user";
    assert_int_equal(db_exec(c, privs, NULL, 0, &r), DB_OK);
    assert_string_equal(db_res_text(r, 0, 8), "peterental_app");
    for (int i = 0; i < 8; i++)
        if (db_res_bool(r, 0, i))
            fail_msg("serving role holds privilege #%d on credentials/schema_migrations", i);
    db_res_free(r);
    /* and the statements themselves are refused */
    assert_int_not_equal(db_exec(c, "SELECT password_hash FROM credentials", NULL, 0, NULL),
                         DB_OK);
    assert_int_not_equal(db_exec(c, "UPDATE schema_migrations SET checksum = 'x'", NULL, 0,
                                 NULL),
                         DB_OK);
    /* the functions reach one account by exact email, nothing more */
    assert_int_equal(db_exec(c, "SELECT count(*) FROM credentials_find('%')", NULL, 0, &r),
                     DB_OK);
    assert_int_equal(db_res_int(r, 0, 0), 0);
    db_res_free(r);
    /* erasing tenant B as the serving role cascades to its credentials */
    db_param p[1] = {DB_INT(f->b)};
    assert_int_equal(db_begin(c), DB_OK);
    assert_int_equal(db_exec(c, "DELETE FROM users WHERE id = $1::bigint", p, 1, NULL), DB_OK);
    assert_int_equal(db_commit(c), DB_OK);
    assert_int_equal(accounts_store_find(c, "b@example.com", &uid, hash), APP_E_NOTFOUND);
    db_release(c);
    /* a second restriction (another server starting) changes none of this */
    assert_int_equal(db_restrict_role(f->t.d), DB_OK);
    db *d2 = NULL;
    assert_int_equal(db_open(f->t.url, NULL, 2, &d2), DB_OK);
    assert_int_equal(db_restrict_role(d2), DB_OK);
    assert_int_equal(db_acquire(d2, &c), DB_OK);
    assert_int_equal(db_exec(c, privs, NULL, 0, &r), DB_OK);
    assert_string_equal(db_res_text(r, 0, 8), "peterental_app");
    for (int i = 0; i < 8; i++)
        assert_false(db_res_bool(r, 0, i));
    db_res_free(r);
    assert_int_equal(accounts_store_find(c, "a@example.com", &uid, hash), APP_OK);
    assert_int_equal(uid, f->a);
    db_release(c);
    db_close(d2);
}

static void test_writes_stay_in_the_tenant(void **state)
{
    struct fx *f = *state;
    if (!is_pg()) {
        struct rental in, out;
        rentals_init(&in);
        rentals_init(&out);
        db_conn *c = tenant_tx(f, f->a);
        in.id = f->b_rental;
        rentals_set_str(&in.address, "0 Tenant St");
        assert_int_equal(rentals_store_update(c, f->a, &in, &out), APP_E_NOTFOUND);
        assert_int_equal(rentals_store_delete(c, f->a, f->b_rental), APP_E_NOTFOUND);
        db_release(c);
        rentals_cleanup(&in);
        return;
    }
    db_param p[1] = {DB_INT(f->b)};
    db_res *r = NULL;
    db_conn *c = tenant_tx(f, f->a);
    /* WITH CHECK: A's transaction cannot write a row for B */
    assert_int_not_equal(db_exec(c, "INSERT INTO rentals (user_id, website, address)"
                                    " VALUES ($1::bigint, 'manual', 'planted')", p, 1, NULL),
                         DB_OK);
    db_release(c);
    c = tenant_tx(f, f->a);
    assert_int_not_equal(db_exec(c, "UPDATE rentals SET user_id = $1::bigint", p, 1, NULL), DB_OK);
    db_release(c);
    /* unfiltered UPDATE and DELETE reach only A's rows */
    c = tenant_tx(f, f->a);
    assert_int_equal(db_exec(c, "UPDATE rentals SET price = 1", NULL, 0, &r), DB_OK);
    assert_int_equal(db_res_affected(r), 3);
    db_res_free(r);
    assert_int_equal(db_exec(c, "DELETE FROM rental_sources", NULL, 0, &r), DB_OK);
    assert_int_equal(db_res_affected(r), 1);
    db_res_free(r);
    assert_int_equal(db_commit(c), DB_OK);
    db_release(c);
    c = tenant_tx(f, f->b);
    assert_int_equal(db_exec(c, "SELECT count(*) FROM rentals WHERE price = 1", NULL, 0, &r),
                     DB_OK);
    assert_int_equal(db_res_int(r, 0, 0), 0);
    db_res_free(r);
    assert_int_equal(only_rows_of(c, "SELECT user_id FROM rental_sources", f->b), 1);
    db_release(c);
}

static void test_no_tenant_sees_nothing(void **state)
{
    struct fx *f = *state;
    db_conn *c = NULL;
    db_res *r = NULL;
    if (!is_pg()) {
        struct rental_list l = {0};
        struct rental_filter flt = {.limit = 200};
        c = tenant_tx(f, 0);
        assert_int_equal(rentals_store_list(c, 0, &flt, &l), APP_OK);
        assert_int_equal(l.n, 0);
        rentals_list_cleanup(&l);
        db_release(c);
        return;
    }
    assert_int_equal(db_acquire(f->t.d, &c), DB_OK);
    assert_int_equal(db_begin(c), DB_OK);
    char names[MAX_TABLES][64], sql[128];
    int n = tenant_tables(c, names);
    assert_true(n >= 3);
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%.63s\"", names[i]);
        assert_int_equal(db_exec(c, sql, NULL, 0, &r), DB_OK);
        if (db_res_int(r, 0, 0) != 0)
            fail_msg("%s: rows visible without a tenant", names[i]);
        db_res_free(r);
    }
    db_release(c);
}

int main(void)
{
    /* PETE_BACKEND selects sqlite or postgres (see testutil.h) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unfiltered_select_sees_only_the_tenant, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_serving_role_is_unprivileged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_out_of_reach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_stay_in_the_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_tenant_sees_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
