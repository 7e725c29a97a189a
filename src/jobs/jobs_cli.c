/* SPDX-License-Identifier: MIT */
/* `peterental worker` and the worker settings. A worker process opens the store as serve
 * does (migrations, then the unprivileged serving role on PostgreSQL, so handlers run under
 * row-level security), loads the master key (handlers decrypt tenants' secrets), runs the
 * worker until SIGTERM or SIGINT, drains it and exits 0. Any number of them may share one
 * PostgreSQL database (or, on one machine, one SQLite file). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/files.h"
#include "core/log.h"
#include "core/migrate.h"
#include "jobs/jobs.h"

/* An integer setting from config_raw(key) into *out (def when unset); -1 naming the key on
 * stderr when it is not a whole number in [lo, hi]. */
static int int_setting(const char *key, int def, int lo, int hi, int *out)
{
    const char *s = config_raw(key);
    if (!s || !*s) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "config: %s must be a whole number from %d to %d\n", key, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int jobs_settings_read(struct jobs_settings *out)
{
    const char *w = config_raw("WORKER");
    if (w && *w && strcmp(w, "on") != 0 && strcmp(w, "off") != 0) {
        fprintf(stderr, "config: WORKER must be on or off\n");
        return -1;
    }
    out->in_serve = !w || !*w || strcmp(w, "on") == 0;
    if (int_setting("WORKER_THREADS", 2, 1, 64, &out->threads) != 0 ||
        int_setting("WORKER_DRAIN_SECONDS", 10, 0, 3600, &out->drain_seconds) != 0)
        return -1;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: peterental worker [--threads N]\n"
               "Runs the background jobs queued in the database (every kind this build knows)\n"
               "until SIGTERM or SIGINT, then lets running jobs finish for WORKER_DRAIN_SECONDS\n"
               "and exits 0.\n"
               "Applies pending migrations first, like serve. Any number of workers may share\n"
               "one PostgreSQL database; run serve with WORKER=off when dedicated workers run.\n"
               "  --threads N   jobs run at once, 1..64 (default WORKER_THREADS, else 2)\n");
}

/* Opens the database, applies migrations and switches to the serving role. */
static int open_store(const struct config *cfg, db **out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/peterental.db", cfg->data_dir);
    if (files_mkdir_p(cfg->data_dir) != 0) {
        LOG_E("cannot create DATA_DIR %s", cfg->data_dir);
        return -1;
    }
    if (db_open(cfg->database_url, path, cfg->db_pool, out) != DB_OK)
        return -1;
    db_set_timeout(*out, 600000); /* migrations may wait for another process's */
    if (migrate_run(*out, NULL, NULL) != APP_OK) {
        db_close(*out);
        *out = NULL;
        return -1;
    }
    db_set_timeout(*out, cfg->db_timeout_ms);
    return db_restrict_role(*out) == DB_OK ? 0 : -1;
}

/* Reads --threads into *threads; 0 to go on, -1 after --help, else the exit status. */
static int parse_args(int argc, char **argv, int *threads)
{
    static const struct option opts[] = {{"threads", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return -1;
        }
        char *end = NULL;
        long v = ch == 't' ? strtol(optarg, &end, 10) : 0;
        if (ch != 't' || !end || *end || v < 1 || v > 64) {
            fprintf(stderr, "worker: %s (see peterental worker --help)\n",
                    ch == 't' ? "--threads must be 1..64" : "unknown option");
            return 2;
        }
        *threads = (int)v;
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

int jobs_cli_worker(const struct config *cfg, int argc, char **argv)
{
    struct jobs_settings js;
    struct app a = {.cfg = cfg, .issuer = cfg->public_url};
    int threads = 0;
    int rc = parse_args(argc, argv, &threads);
    if (rc != 0)
        return rc < 0 ? 0 : rc; /* --help, or a usage error */
    if (jobs_settings_read(&js) != 0)
        return 2;
    if (threads)
        js.threads = threads;
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* threads inherit; sigwait below */
    signal(SIGPIPE, SIG_IGN);
    rc = 1;
    if (crypto_master_key_load(cfg->master_key, cfg->data_dir, a.master_key) != APP_OK ||
        open_store(cfg, &a.db) != 0 || jobs_worker_start(&a, jobs_kinds, js.threads, NULL) != 0)
        goto out;
    printf("PeteRental worker running (%d threads, %s)\n", js.threads,
           cfg->database_url ? "PostgreSQL" : "SQLite");
    fflush(stdout);
    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    LOG_I("signal %d: draining the worker (up to %d s) and stopping", sig, js.drain_seconds);
    jobs_worker_stop(js.drain_seconds);
    rc = 0;
out:
    db_close(a.db);
    return rc;
}
