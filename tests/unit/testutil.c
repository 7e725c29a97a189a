/* SPDX-License-Identifier: MIT */
/* Shared helpers for the unit tests: temporary directories and a fresh empty database of the
 * backend named by PETE_BACKEND. PostgreSQL databases are created on the throwaway cluster at
 * PETE_TEST_PG_URL under random names and dropped when the test program exits. */
#include "testutil.h"

#include <ftw.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define TEST_POOL 4

static pthread_mutex_t created_mu = PTHREAD_MUTEX_INITIALIZER;
static char **created;
static size_t ncreated;

char *tu_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/pete-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl))
        fail_msg("mkdtemp(%s) failed", tmpl);
    char *dir = strdup(tmpl);
    assert_non_null(dir);
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

static void drop_created(void)
{
    pthread_mutex_lock(&created_mu);
    PGconn *a = ncreated ? PQconnectdb(admin_url()) : NULL;
    for (size_t i = 0; i < ncreated; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", created[i]);
        if (a && PQstatus(a) == CONNECTION_OK)
            admin_run(a, sql);
        free(created[i]);
    }
    PQfinish(a);
    free(created);
    created = NULL;
    ncreated = 0;
    pthread_mutex_unlock(&created_mu);
}

static void remember(const char *name)
{
    pthread_mutex_lock(&created_mu);
    if (!created)
        atexit(drop_created);
    char **grown = realloc(created, (ncreated + 1) * sizeof *created);
    assert_non_null(grown);
    created = grown;
    created[ncreated] = strdup(name);
    assert_non_null(created[ncreated]);
    ncreated++;
    pthread_mutex_unlock(&created_mu);
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
    remember(name);
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
