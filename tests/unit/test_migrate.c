/* SPDX-License-Identifier: MIT */
/* Migrations on the backend named by PETE_BACKEND: applying a list, idempotence, refusal of
 * an edited applied file, rollback of a failing file, two servers migrating at once, and the
 * embedded migrations of the real schema. */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/migrate.h"


static const struct migration list_a[] = {
    {"0001_a.sql", "CREATE TABLE a (x INTEGER);\n"},
    {"0002_b.sql", "CREATE TABLE b (y INTEGER);\nINSERT INTO b (y) VALUES (1);\n"},
    {NULL, NULL},
};

/* SELECT COUNT(*) ...: the count, or -1 when the statement fails (e.g. no such table). */
static int64_t count(db *d, const char *sql)
{
    db_conn *c = NULL;
    db_res *r = NULL;
    assert_int_equal(db_acquire(d, &c), DB_OK);
    int64_t n = db_exec(c, sql, NULL, 0, &r) == DB_OK ? db_res_int(r, 0, 0) : -1;
    db_res_free(r);
    db_release(c);
    return n;
}

static void test_apply_then_nothing(void **state)
{
    struct tu_db *f = *state;
    int n = -1;
    assert_int_equal(migrate_run(f->d, list_a, &n), APP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM a"), 0);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM b"), 1);

    db_conn *c = NULL;
    db_res *r = NULL;
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    assert_int_equal(db_exec(c, "SELECT name, checksum, applied_at FROM schema_migrations"
                                " ORDER BY name", NULL, 0, &r), DB_OK);
    assert_int_equal(db_res_rows(r), 2);
    assert_string_equal(db_res_text(r, 0, 0), "0001_a.sql");
    assert_string_equal(db_res_text(r, 1, 0), "0002_b.sql");
    assert_int_equal(strlen(db_res_text(r, 0, 1)), 64);
    assert_true(strspn(db_res_text(r, 0, 1), "0123456789abcdef") == 64);
    assert_string_not_equal(db_res_text(r, 0, 1), db_res_text(r, 1, 1));
    const char *at = db_res_text(r, 0, 2);
    assert_int_equal(strlen(at), 20); /* 2026-01-02T03:04:05Z */
    assert_int_equal(at[19], 'Z');
    db_res_free(r);
    db_release(c);

    assert_int_equal(migrate_run(f->d, list_a, &n), APP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(migrate_run(f->d, list_a, NULL), APP_OK);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM b"), 1);
}

/* Runs migrate_run with stderr captured into buf. */
static app_err run_capturing(db *d, const struct migration *list, int *n, char *buf, size_t cap)
{
    char path[] = "/tmp/pete-migrate-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    app_err e = migrate_run(d, list, n);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t got = pread(fd, buf, cap - 1, 0);
    buf[got > 0 ? got : 0] = '\0';
    close(fd);
    unlink(path);
    return e;
}

static void test_edited_refused(void **state)
{
    struct tu_db *f = *state;
    assert_int_equal(migrate_run(f->d, list_a, NULL), APP_OK);
    const struct migration edited[] = {
        {"0001_a.sql", "CREATE TABLE a (x INTEGER, extra TEXT);\n"},
        {"0002_b.sql", list_a[1].sql},
        {"0003_c.sql", "CREATE TABLE c (z INTEGER);\n"},
        {NULL, NULL},
    };
    char log[8192];
    int n = -1;
    assert_int_equal(run_capturing(f->d, edited, &n, log, sizeof log), APP_E_INTERNAL);
    assert_int_equal(n, 0);
    assert_non_null(strstr(log, "migration 0001_a.sql was changed after it was applied "
                                "(checksum mismatch); restore it or add a new migration"));
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM c"), -1);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM schema_migrations"), 2);
    /* Restoring the file lets the new one through. */
    const struct migration restored[] = {list_a[0], list_a[1], edited[2], {NULL, NULL}};
    assert_int_equal(migrate_run(f->d, restored, &n), APP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM c"), 0);
}

static void test_failure_rolls_back(void **state)
{
    struct tu_db *f = *state;
    const struct migration broken[] = {
        list_a[0],
        {"0002_d.sql", "CREATE TABLE d (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n"},
        {"0003_e.sql", "CREATE TABLE e (x INTEGER);\n"},
        {NULL, NULL},
    };
    int n = -1;
    assert_int_equal(migrate_run(f->d, broken, &n), APP_E_DB);
    assert_int_equal(n, 1);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM d"), -1); /* its first part undone */
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM e"), -1);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM schema_migrations"), 1);
    const struct migration fixed[] = {
        list_a[0],
        {"0002_d.sql", "CREATE TABLE d (x INTEGER);\n"},
        broken[2],
        {NULL, NULL},
    };
    assert_int_equal(migrate_run(f->d, fixed, &n), APP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM e"), 0);
}

struct racer {
    db *d;
    app_err e;
    int n;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    r->e = migrate_run(r->d, list_a, &r->n);
    return NULL;
}

/* Two servers (two pools) migrating the same database at once: each file applied once. */
static void test_concurrent_servers(void **state)
{
    struct tu_db *f = *state;
    char path[4096];
    snprintf(path, sizeof path, "%s/pete.db", f->dir);
    db *other = NULL;
    assert_int_equal(db_open(f->url, path, 2, &other), DB_OK);
    struct racer r[2] = {{.d = f->d}, {.d = other}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(r[0].e, APP_OK);
    assert_int_equal(r[1].e, APP_OK);
    assert_int_equal(r[0].n + r[1].n, 2);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM b"), 1);
    db_close(other);
}

static void test_embedded(void **state)
{
    struct tu_db *f = *state;
    bool pg = db_get_dialect(f->d) == DB_POSTGRES;
    const struct migration *list = pg ? migrations_postgres : migrations_sqlite;
    int want = 0;
    while (list[want].name)
        want++;
    int n = -1;
    assert_int_equal(migrate_run(f->d, NULL, &n), APP_OK);
    assert_int_equal(n, want);
    assert_int_equal(count(f->d, "SELECT COUNT(*) FROM schema_migrations"), want);
    assert_int_equal(migrate_run(f->d, NULL, &n), APP_OK);
    assert_int_equal(n, 0);
    /* The real schema leaves the serving role usable (PostgreSQL; a no-op on SQLite). */
    assert_int_equal(db_restrict_role(f->d), DB_OK);
}

/* Each test gets an empty database of the selected backend. */
#define DB_TEST(fn) cmocka_unit_test_setup_teardown(fn, tu_db_setup, tu_db_teardown)

int main(void)
{
    printf("backend: %s (PETE_BACKEND)\n", tu_backend());
    const struct CMUnitTest tests[] = {
        DB_TEST(test_apply_then_nothing),
        DB_TEST(test_edited_refused),
        DB_TEST(test_failure_rolls_back),
        DB_TEST(test_concurrent_servers),
        DB_TEST(test_embedded),
    };
    return cmocka_run_group_tests_name("migrate", tests, NULL, NULL);
}
