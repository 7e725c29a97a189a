/* SPDX-License-Identifier: MIT */
/* Configuration: one table (config.c) drives environment variables, --config FILE
 * (KEY=VALUE lines; the environment wins), validation and --help. The struct is
 * filled once at start-up and read-only afterwards. */
#ifndef PETE_CORE_CONFIG_H
#define PETE_CORE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
    char *host;
    int port;
    char *data_dir;
    char *database_url;     /* NULL: SQLite in data_dir */
    char *public_url;       /* derived from host/port when unset */
    char *frontend_url;     /* derived from public_url when unset */
    char *cors_origins;     /* comma list, NULL = same-origin only */
    char *trusted_proxies;  /* comma list of exact IPs whose X-Forwarded-For is believed */
    char *auth_issuers;     /* comma list of external issuers */
    char *clerk_jwks_url;
    char *clerk_jwt_key;
    char *clerk_issuer;
    char *clerk_authorized_parties;
    char *clerk_webhook_secret;
    char *signup;           /* "open" | "closed" */
    char *master_key;       /* base64; NULL: generated into data_dir */
    char *microsoft_client_id;     /* NULL: Outlook cannot be connected */
    char *microsoft_client_secret;
    char *microsoft_tenant_id;     /* "common" */
    char *microsoft_auth_url;      /* identity platform base, no trailing slash */
    char *microsoft_graph_url;     /* Graph base ("https://graph.microsoft.com/v1.0") */
    char *google_client_id;        /* NULL: Google Calendar cannot be connected */
    char *google_client_secret;
    char *google_auth_url;         /* consent page base */
    char *google_token_url;        /* token endpoint (derived when unset) */
    char *google_api_url;          /* Calendar v3 and userinfo base */
    char *vapi_api_key;
    char *vapi_api_url;
    bool scrape_allow_private;
    char *log_level;
    char *log_format;
    long max_body_bytes;
    int threads;            /* HTTP worker threads */
    int db_pool;            /* database connections */
    int db_timeout_ms;      /* longest wait for the database: a statement, a lock, a connect */
    int cache_mb;           /* response cache budget in MiB; 0 = off */
    int max_connections;    /* open connections, all clients */
    int max_connections_per_ip; /* per client address (IPv6: per /64); 0 = no limit */
    int head_timeout;       /* seconds to deliver a request head */
    int body_timeout;       /* seconds to deliver a request body */
    bool worker;            /* serve runs a job worker in-process */
    int worker_threads;     /* jobs run at once by a worker */
    int worker_drain_seconds; /* how long running jobs may finish after SIGTERM */
    int outbound_threads;   /* threads that wait on outside services for requests */
    int outbound_queue;     /* such requests waiting for a thread */
};

/* Loads defaults, then file (may be NULL), then the environment. On error prints a message
 * naming the key to stderr and returns -1, with nothing left to clean up; on success the
 * caller releases *cfg with config_cleanup. */
int config_load(struct config *cfg, const char *file);
void config_cleanup(struct config *cfg);
/* Prints every key with its default and meaning. */
void config_help(FILE *out);
/* Raw lookup of an arbitrary key (for AUTH_<N>_* families): environment first, then the
 * --config file. Returns a borrowed string or NULL. */
const char *config_raw(const char *key);

#endif
