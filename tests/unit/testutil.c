/* SPDX-License-Identifier: MIT */
/* Shared helpers for the unit tests: temporary directories and a fresh empty database of the
 * backend named by PETE_BACKEND. PostgreSQL databases are created on the throwaway cluster at
 * PETE_TEST_PG_URL under random names. Databases and temporary directories still present when
 * the test program exits (a failed test skips its teardown) are removed then. */
#include "testutil.h"

#include <ftw.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/migrate.h"
#include "users/users.h"

#define TEST_POOL 4

/* Under leftovers_mu: what to remove at exit. */
static pthread_mutex_t leftovers_mu = PTHREAD_MUTEX_INITIALIZER;
static bool cleanup_registered;
static char **created_dbs, **temp_dirs;
static size_t ncreated_dbs, ntemp_dirs;

static void cleanup_at_exit(void);

/* Appends a copy of s to *list (under leftovers_mu). */
static void remember(char ***list, size_t *n, const char *s)
{
    pthread_mutex_lock(&leftovers_mu);
    if (!cleanup_registered)
        atexit(cleanup_at_exit);
    cleanup_registered = true;
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    assert_non_null(grown);
    *list = grown;
    (*list)[*n] = strdup(s);
    assert_non_null((*list)[*n]);
    (*n)++;
    pthread_mutex_unlock(&leftovers_mu);
}

char *tu_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/pete-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl))
        fail_msg("mkdtemp(%s) failed", tmpl);
    char *dir = strdup(tmpl);
    assert_non_null(dir);
    remember(&temp_dirs, &ntemp_dirs, dir);
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tu_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tu_backend(void)
{
    const char *b = getenv("PETE_BACKEND");
    return b && *b ? b : "sqlite";
}

static const char *admin_url(void)
{
    const char *u = getenv("PETE_TEST_PG_URL");
    if (!u || !*u)
        fail_msg("PETE_BACKEND=postgres needs PETE_TEST_PG_URL (see scripts/pg-cluster)");
    return u;
}

/* The admin URL with its database path replaced by name; caller free()s. */
static char *url_with_db(const char *admin, const char *name)
{
    const char *host = strstr(admin, "://");
    assert_non_null(host);
    host += 3;
    size_t hostlen = strcspn(host, "/?");
    const char *query = strchr(host + hostlen, '?');
    size_t n = (size_t)(host - admin) + hostlen + strlen(name) + (query ? strlen(query) : 0) + 2;
    char *url = malloc(n);
    assert_non_null(url);
    snprintf(url, n, "%.*s/%s%s", (int)((size_t)(host - admin) + hostlen), admin, name,
             query ? query : "");
    return url;
}

static void admin_run(PGconn *a, const char *sql)
{
    PGresult *r = PQexec(a, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "testutil: %s: %s", sql, PQerrorMessage(a));
    PQclear(r);
}

static void drop_databases(void)
{
    PGconn *a = ncreated_dbs ? PQconnectdb(admin_url()) : NULL;
    for (size_t i = 0; i < ncreated_dbs; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", created_dbs[i]);
        if (a && PQstatus(a) == CONNECTION_OK)
            admin_run(a, sql);
        free(created_dbs[i]);
    }
    PQfinish(a);
    free(created_dbs);
    created_dbs = NULL;
    ncreated_dbs = 0;
}

static void cleanup_at_exit(void)
{
    pthread_mutex_lock(&leftovers_mu);
    drop_databases();
    for (size_t i = 0; i < ntemp_dirs; i++) {
        tu_rmtree(temp_dirs[i]); /* usually gone already */
        free(temp_dirs[i]);
    }
    free(temp_dirs);
    temp_dirs = NULL;
    ntemp_dirs = 0;
    pthread_mutex_unlock(&leftovers_mu);
}

/* Creates an empty database with a random name; returns its URL (free()). */
static char *create_pg_db(void)
{
    unsigned char rnd[8];
    assert_int_equal(getrandom(rnd, sizeof rnd, 0), (ssize_t)sizeof rnd);
    char name[40] = "pete_t_";
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(name + strlen(name), 3, "%02x", rnd[i]);

    PGconn *a = PQconnectdb(admin_url());
    if (PQstatus(a) != CONNECTION_OK)
        fail_msg("cannot reach PETE_TEST_PG_URL: %s", PQerrorMessage(a));
    char sql[96];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name); /* name: [a-z0-9_] only */
    PGresult *r = PQexec(a, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        fprintf(stderr, "testutil: CREATE DATABASE: %s", PQerrorMessage(a));
        PQfinish(a);
        fail();
    }
    PQfinish(a);
    remember(&created_dbs, &ncreated_dbs, name);
    return url_with_db(admin_url(), name);
}

db *tu_open_db(const char *dir, char **url_out)
{
    db *d = NULL;
    if (url_out)
        *url_out = NULL;
    if (!strcmp(tu_backend(), "postgres")) {
        char *url = create_pg_db();
        assert_int_equal(db_open(url, NULL, TEST_POOL, &d), DB_OK);
        if (url_out)
            *url_out = url;
        else
            free(url);
        return d;
    }
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/pete.db", dir);
    assert_int_equal(db_open(NULL, path, TEST_POOL, &d), DB_OK);
    return d;
}

void tu_db_open(struct tu_db *t)
{
    t->dir = tu_tempdir();
    t->d = tu_open_db(t->dir, &t->url);
    assert_non_null(t->d);
}

void tu_db_close(struct tu_db *t)
{
    db_close(t->d);
    tu_rmtree(t->dir);
    free(t->dir);
    free(t->url);
    memset(t, 0, sizeof *t);
}

int tu_db_setup(void **state)
{
    struct tu_db *t = calloc(1, sizeof *t);
    assert_non_null(t);
    tu_db_open(t);
    *state = t;
    return 0;
}

int tu_db_teardown(void **state)
{
    tu_db_close(*state);
    free(*state);
    return 0;
}

int64_t tu_make_user(db *d, const char *subject)
{
    db_conn *c = NULL;
    int64_t id = 0, deleted = 0;
    assert_int_equal(db_acquire(d, &c), DB_OK);
    assert_int_equal(db_begin(c), DB_OK);
    assert_int_equal(users_store_insert(c, "https://issuer.test", subject, "", "", ""), APP_OK);
    assert_int_equal(users_store_lookup(c, "https://issuer.test", subject, &id, &deleted),
                     APP_OK);
    assert_int_equal(db_commit(c), DB_OK);
    db_release(c);
    assert_true(id > 0);
    return id;
}

db_conn *tu_tx(db *d, int64_t user)
{
    db_conn *c = NULL;
    assert_int_equal(db_acquire(d, &c), DB_OK);
    assert_int_equal(db_begin_tenant_write(c, user), DB_OK);
    return c;
}

void tu_commit(db_conn *c)
{
    assert_int_equal(db_commit(c), DB_OK);
    db_release(c);
}

void tu_db_open_serving(struct tu_db *t)
{
    tu_db_open(t);
    assert_int_equal(migrate_run(t->d, NULL, NULL), APP_OK);
    assert_int_equal(db_restrict_role(t->d), DB_OK);
}
