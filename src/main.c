/* SPDX-License-Identifier: MIT */
/* The peterental command line: one table of commands, read top to bottom. Each command
 * gets the loaded configuration (environment, or --config FILE) and builds what it needs
 * with app_open (src/app_open.h). libcurl's and libxml2's global state is set up here, once,
 * before any thread starts. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <getopt.h>

#include "accounts/accounts.h"
#include "app_open.h"
#include "core/auth.h"
#include "core/crypto.h"
#include "core/http.h"
#include "core/log.h"
#include "jobs/jobs.h"
#include "outbound/outbound.h"
#include "routes.h"
#include "scrape/scrape.h"
#include "service/service.h"

struct command {
    const char *name;
    const char *synopsis; /* the line of `peterental --help` */
    const char *help;     /* `peterental COMMAND --help`; NULL: the command answers it */
    int (*run)(const struct config *cfg, int argc, char **argv);
};

static int cmd_serve(const struct config *cfg, int argc, char **argv);
static int cmd_migrate(const struct config *cfg, int argc, char **argv);
static int cmd_token(const struct config *cfg, int argc, char **argv);
static int cmd_fetch(const struct config *cfg, int argc, char **argv);
static int cmd_worker(const struct config *cfg, int argc, char **argv);
static int cmd_user(const struct config *cfg, int argc, char **argv);
static int cmd_scrape(const struct config *cfg, int argc, char **argv);

static const struct command commands[] = {
    {"serve", "apply pending migrations, then serve the API on HOST:PORT",
     "Usage: peterental serve\nApplies pending migrations, then serves the API.\n", cmd_serve},
    {"migrate", "apply pending migrations and exit",
     "Usage: peterental migrate\nApplies pending migrations and exits.\n", cmd_migrate},
    {"worker", "run background jobs until SIGTERM: worker [--threads N]", NULL, cmd_worker},
    {"token", "print a JWT signed by the built-in issuer:\n"
              "              token --sub ID [--email E] [--name \"First Last\"] [--ttl SECONDS]",
     NULL, cmd_token},
    {"scrape", "print the listings found at a URL as JSON, or sync them for a user:\n"
               "              scrape URL [--user ID] [--dry-run]",
     NULL, cmd_scrape},
    {"fetch", "fetch a URL through the outbound client and address guard:\n"
              "              fetch [--timeout MS] URL",
     NULL, cmd_fetch},
    {"user", "built-in accounts: user add --email E [--first F] [--last L] (password on\n"
             "              stdin) | user show (--email E | --id N) | user delete (--email E | --id N)",
     NULL, cmd_user},
    {"version", "print the version", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: peterental [--config FILE] COMMAND [OPTIONS]\n\nCommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(out, "  %-9s %s\n", c->name, c->synopsis);
    fprintf(out, "\n`peterental COMMAND --help` describes one command.\n\n");
    config_help(out);
}

/* Signals SIGINT and SIGTERM are waited for with sigwait: blocked here, before any thread
 * starts, so every thread inherits the mask. */
static void block_stop_signals(sigset_t *sigs)
{
    sigemptyset(sigs);
    sigaddset(sigs, SIGINT);
    sigaddset(sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int cmd_migrate(const struct config *cfg, int argc, char **argv)
{
    struct app a = {0};
    (void)argc;
    (void)argv;
    int rc = app_open(&a, cfg, APP_STORE) == 0 ? 0 : 1;
    app_close(&a);
    return rc;
}

static int cmd_serve(const struct config *cfg, int argc, char **argv)
{
    struct app a = {0};
    struct MHD_Daemon *daemon = NULL;
    int rc = 1;
    sigset_t sigs;
    (void)argc;
    (void)argv;
    block_stop_signals(&sigs);
    if (app_open(&a, cfg, APP_STORE | APP_AUTH | APP_BACKGROUND | APP_OUTBOUND) != 0)
        goto out;
    service_metrics_start();
    if (!(daemon = http_start(&a, app_routes, app_authenticators)))
        goto out;
    jobs_worker_ticks(jobs_ticks);
    if (cfg->worker && jobs_worker_start(&a, jobs_kinds, cfg->worker_threads, NULL) != 0) {
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
    jobs_worker_stop(cfg->worker_drain_seconds);
    rc = 0;
out:
    app_close(&a);
    return rc;
}

/* token --name "First Last": first word and the rest. */
static void split_name(const char *name, char *first, size_t len, const char **last)
{
    snprintf(first, len, "%s", name);
    char *sp = strchr(first, ' ');
    *last = NULL;
    if (sp) {
        *sp = '\0';
        *last = sp + 1;
    }
}

static int cmd_token(const struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"sub", required_argument, NULL, 's'},
                                         {"email", required_argument, NULL, 'e'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"ttl", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *sub = NULL, *email = NULL, *name = NULL, *last = NULL;
    char *end = NULL, first[128] = "";
    long ttl = 3600;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': sub = optarg; break;
        case 'e': email = optarg; break;
        case 'n': name = optarg; break;
        case 't':
            ttl = strtol(optarg, &end, 10);
            if (!end || *end || ttl < 1 || ttl > 31536000) {
                fprintf(stderr, "token: --ttl must be 1..31536000 seconds\n");
                return 2;
            }
            break;
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
    if (name)
        split_name(name, first, sizeof first, &last);
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

static int cmd_user(const struct config *cfg, int argc, char **argv)
{
    struct app a = {0};
    int rc = 1;
    if (argc > 1 && strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0 &&
        app_open(&a, cfg, APP_STORE | APP_AUTH) != 0)
        goto out;
    rc = accounts_cli(&a, argc, argv);
out:
    app_close(&a);
    return rc;
}

static int cmd_worker(const struct config *cfg, int argc, char **argv)
{
    struct app a = {0};
    sigset_t sigs;
    int threads = cfg->worker_threads, sig = 0;
    int rc = jobs_cli_args(argc, argv, &threads);
    if (rc != 0)
        return rc < 0 ? 0 : rc; /* --help, or a usage error */
    block_stop_signals(&sigs);
    rc = 1;
    jobs_worker_ticks(jobs_ticks);
    if (app_open(&a, cfg, APP_STORE | APP_OUTBOUND) != 0 ||
        jobs_worker_start(&a, jobs_kinds, threads, NULL) != 0)
        goto out;
    printf("PeteRental worker running (%d threads, %s)\n", threads,
           cfg->database_url ? "PostgreSQL" : "SQLite");
    fflush(stdout);
    while (sigwait(&sigs, &sig) != 0)
        ;
    LOG_I("signal %d: draining the worker (up to %d s) and stopping", sig,
          cfg->worker_drain_seconds);
    jobs_worker_stop(cfg->worker_drain_seconds);
    rc = 0;
out:
    app_close(&a);
    return rc;
}

static int cmd_fetch(const struct config *cfg, int argc, char **argv)
{
    struct outbound_setup s = {.public_url = cfg->public_url,
                               .allow_private = cfg->scrape_allow_private};
    return outbound_cli_main(&s, argc, argv, stdout, stderr);
}

/* A dry run needs only the outbound client (no DATA_DIR, no database); --user needs the
 * database too; --file needs neither. */
static int cmd_scrape(const struct config *cfg, int argc, char **argv)
{
    struct scrape_cli_args args;
    struct app a = {0};
    int rc = scrape_cli_args(argc, argv, &args, stdout, stderr);
    if (rc != 0)
        return rc < 0 ? 0 : rc; /* --help, or a usage error */
    if (args.user_id) {
        if (app_open(&a, cfg, APP_STORE | (args.file ? 0u : APP_OUTBOUND)) != 0)
            return 1;
        rc = scrape_cli_run(&a, &args, stdout, stderr);
        app_close(&a);
        return rc;
    }
    struct outbound_setup s = {.public_url = cfg->public_url,
                               .allow_private = cfg->scrape_allow_private};
    a.cfg = cfg;
    if (!args.file && !(a.out = outbound_new(&s)))
        return 1;
    rc = scrape_cli_run(&a, &args, stdout, stderr);
    outbound_free(a.out);
    return rc;
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
    const struct command *cmd = commands;
    while (cmd->name && strcmp(cmd->name, argv[i]) != 0)
        cmd++;
    if (!cmd->name) {
        fprintf(stderr, "peterental: unknown command \"%s\" (see --help)\n", argv[i]);
        return 2;
    }
    if (!cmd->run) { /* version */
        printf("peterental %s\n", PETE_VERSION);
        return 0;
    }
    if (cmd->help && i + 1 < argc && strcmp(argv[i + 1], "--help") == 0) {
        printf("%s\n", cmd->help);
        config_help(stdout);
        return 0;
    }
    struct config cfg;
    if (config_load(&cfg, cfg_file) != 0) /* it released what it had read */
        return 2;
    log_setup(cfg.log_level, cfg.log_format);
    if (crypto_setup() != 0) {
        fprintf(stderr, "libsodium failed to initialise\n");
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    scrape_init(); /* libxml2's global state, before any thread */
    int rc = cmd->run(&cfg, argc - i, argv + i);
    config_cleanup(&cfg);
    curl_global_cleanup();
    return rc;
}
