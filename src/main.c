/* SPDX-License-Identifier: MIT */
/* The peterental command line: serve, migrate, worker, token, fetch, version. Each subcommand
 * loads the configuration (environment, or --config FILE) and owns what it builds. libcurl's
 * global state is set up here, once, before any thread starts (curl_global_init). */
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/crypto.h"
#include "core/files.h"
#include "core/http.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/respcache.h"
#include "jobs/jobs.h"
#include "outbound/outbound.h"
#include "service/service.h"
#include "users/users.h"
#include "accounts/accounts.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: peterental [--config FILE] COMMAND [OPTIONS]\n\n"
            "Commands:\n"
            "  serve     apply pending migrations, then serve the API on HOST:PORT\n"
            "  migrate   apply pending migrations and exit\n"
            "  worker    run background jobs until SIGTERM: worker [--threads N]\n"
            "  token     print a JWT signed by the built-in issuer:\n"
            "              token --sub ID [--email E] [--name \"First Last\"] [--ttl SECONDS]\n"
            "  fetch     fetch a URL through the outbound client and address guard:\n"
            "              fetch [--timeout MS] URL\n"
            "  version   print the version\n\n"
            "`peterental COMMAND --help` describes one command.\n\n");
    config_help(out);
}

/* Opens the database and applies migrations. */
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
    /* Migrations may build indexes or wait for another server's: no request is waiting. */
    db_set_timeout(*out, 600000);
    int applied = 0;
    if (migrate_run(*out, NULL, &applied) != APP_OK) {
        db_close(*out);
        *out = NULL;
        return -1;
    }
    db_set_timeout(*out, cfg->db_timeout_ms);
    LOG_I("migrations: %d applied", applied);
    return 0;
}

static int cmd_migrate(const struct config *cfg)
{
    db *d = NULL;
    if (open_store(cfg, &d) != 0)
        return 1;
    db_close(d);
    return 0;
}

static int cmd_serve(const struct config *cfg)
{
    struct app a = {.cfg = cfg, .issuer = cfg->public_url};
    struct MHD_Daemon *daemon = NULL;
    struct jobs_settings js = {0};
    int rc = 1;
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* threads inherit; we sigwait below */
    signal(SIGPIPE, SIG_IGN);
    if (jobs_settings_read(&js) != 0 ||
        crypto_master_key_load(cfg->master_key, cfg->data_dir, a.master_key) != APP_OK)
        goto out;
    if (open_store(cfg, &a.db) != 0 || db_restrict_role(a.db) != DB_OK)
        goto out;
    db_warm(a.db);
    if (auth_new(cfg, a.issuer, &a.auth) != APP_OK)
        goto out;
    a.cache = respcache_new((size_t)cfg->cache_mb << 20);
    users_refresh_start(&a);
    accounts_revocations_start(&a);
    service_metrics_start();
    if (!(daemon = http_start(&a)))
        goto out;
    if (js.in_serve && jobs_worker_start(&a, jobs_kinds, js.threads, NULL) != 0) {
        http_stop(daemon);
        goto out;
    }
    LOG_I("PeteRental %s listening on http://%s:%d (%s)", PETE_VERSION, cfg->host, cfg->port,
          cfg->database_url ? "PostgreSQL" : "SQLite");
    printf("PeteRental is running at http://%s:%d\n"
           "Get a token:  build/peterental token --sub you@example.com --email you@example.com\n"
           "Then:         curl -H \"Authorization: Bearer $TOKEN\" http://%s:%d/users/me\n",
           cfg->host, cfg->port, cfg->host, cfg->port);
    fflush(stdout);
    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    LOG_I("signal %d: draining and stopping", sig);
    http_stop(daemon);
    jobs_worker_stop(js.drain_seconds);
    rc = 0;
out:
    accounts_revocations_stop();
    users_refresh_stop();
    respcache_free(a.cache);
    auth_free(a.auth);
    db_close(a.db);
    return rc;
}

static int cmd_token(const struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"sub", required_argument, NULL, 's'},
                                         {"email", required_argument, NULL, 'e'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"ttl", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *sub = NULL, *email = NULL, *name = NULL;
    long ttl = 3600;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': sub = optarg; break;
        case 'e': email = optarg; break;
        case 'n': name = optarg; break;
        case 't': {
            char *end = NULL;
            ttl = strtol(optarg, &end, 10);
            if (!end || *end || ttl < 1 || ttl > 31536000) {
                fprintf(stderr, "token: --ttl must be 1..31536000 seconds\n");
                return 2;
            }
            break;
        }
        case 'h':
            printf("Usage: peterental token --sub ID [--email E] [--name \"First Last\"] "
                   "[--ttl SECONDS]\nPrints a JWT signed by the built-in issuer (default ttl "
                   "3600).\n");
            return 0;
        default: return 2;
        }
    }
    if (!sub || !*sub) {
        fprintf(stderr, "token: --sub is required\n");
        return 2;
    }
    char first[128] = "", *last = NULL;
    if (name) {
        snprintf(first, sizeof first, "%s", name);
        char *sp = strchr(first, ' ');
        if (sp) {
            *sp = '\0';
            last = sp + 1;
        }
    }
    auth *au = NULL;
    if (auth_new(cfg, cfg->public_url, &au) != APP_OK)
        return 1;
    char *tok = auth_sign(au, sub, email, name ? first : NULL, last, ttl);
    auth_free(au);
    if (!tok)
        return 1;
    printf("%s\n", tok);
    free(tok);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cfg_file = NULL;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
        cfg_file = argv[i + 1];
        i += 2;
    }
    if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
        !strcmp(argv[i], "help")) {
        usage(stdout);
        return i >= argc ? 2 : 0;
    }
    const char *cmd = argv[i];
    bool help = i + 1 < argc && strcmp(argv[i + 1], "--help") == 0;
    if (!strcmp(cmd, "version")) {
        printf("peterental %s\n", PETE_VERSION);
        return 0;
    }
    if (help && strcmp(cmd, "token") != 0 && strcmp(cmd, "fetch") != 0 &&
        strcmp(cmd, "worker") != 0) {
        if (!strcmp(cmd, "serve"))
            printf("Usage: peterental serve\nApplies pending migrations, then serves the API.\n\n");
        else if (!strcmp(cmd, "migrate"))
            printf("Usage: peterental migrate\nApplies pending migrations and exits.\n\n");
        config_help(stdout);
        return 0;
    }
    struct config cfg;
    if (config_load(&cfg, cfg_file) != 0)
        return 2;
    log_setup(cfg.log_level, cfg.log_format);
    if (crypto_setup() != 0) {
        fprintf(stderr, "libsodium failed to initialise\n");
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (!strcmp(cmd, "serve"))
        rc = cmd_serve(&cfg);
    else if (!strcmp(cmd, "migrate"))
        rc = cmd_migrate(&cfg);
    else if (!strcmp(cmd, "worker"))
        rc = jobs_cli_worker(&cfg, argc - i, argv + i);
    else if (!strcmp(cmd, "token"))
        rc = cmd_token(&cfg, argc - i, argv + i);
    else if (!strcmp(cmd, "fetch"))
        rc = outbound_cli_main(&(struct outbound_setup){.public_url = cfg.public_url,
                                                        .allow_private = cfg.scrape_allow_private},
                               argc - i, argv + i, stdout, stderr);
    else {
        fprintf(stderr, "peterental: unknown command \"%s\" (see --help)\n", cmd);
        rc = 2;
    }
    config_cleanup(&cfg);
    curl_global_cleanup();
    return rc;
}
