/* SPDX-License-Identifier: MIT */
/* Configuration table: one row per key drives defaults, the environment, --config FILE,
 * validation and --help. Filled once at start-up; read-only afterwards. */
#include "core/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

typedef enum { CFG_STR, CFG_INT, CFG_BOOL, CFG_LONG } cfg_type;

struct cfg_def {
    const char *key;
    cfg_type type;
    const char *def; /* NULL: unset */
    long min, max;
    size_t off;
    const char *help;
};

#define F(x) offsetof(struct config, x)
static const struct cfg_def defs[] = {
    {"HOST", CFG_STR, "127.0.0.1", 0, 0, F(host), "listen address"},
    {"PORT", CFG_INT, "8000", 1, 65535, F(port), "listen port"},
    {"DATA_DIR", CFG_STR, "./data", 0, 0, F(data_dir), "SQLite file, issuer keys, master key"},
    {"DATABASE_URL", CFG_STR, NULL, 0, 0, F(database_url), "postgres://user:pass@host:port/db (unset: SQLite)"},
    {"PUBLIC_URL", CFG_STR, NULL, 0, 0, F(public_url), "public base URL (default http://HOST:PORT)"},
    {"FRONTEND_URL", CFG_STR, NULL, 0, 0, F(frontend_url), "where OAuth callbacks return (default PUBLIC_URL/app)"},
    {"CORS_ORIGINS", CFG_STR, NULL, 0, 0, F(cors_origins), "comma list of allowed origins (unset: same-origin only)"},
    {"TRUSTED_PROXIES", CFG_STR, NULL, 0, 0, F(trusted_proxies), "comma list of load balancer IPs; from these, the client address is the right-most X-Forwarded-For entry not in the list (unset: the header is ignored)"},
    {"AUTH_ISSUERS", CFG_STR, NULL, 0, 0, F(auth_issuers), "comma list of external issuers; AUTH_<N>_JWKS_URL|PEM, _AUDIENCE, _AUTHORIZED_PARTIES"},
    {"CLERK_JWKS_URL", CFG_STR, NULL, 0, 0, F(clerk_jwks_url), "Clerk JWKS URL"},
    {"CLERK_JWT_KEY", CFG_STR, NULL, 0, 0, F(clerk_jwt_key), "Clerk PEM public key"},
    {"CLERK_ISSUER", CFG_STR, NULL, 0, 0, F(clerk_issuer), "Clerk issuer (iss)"},
    {"CLERK_AUTHORIZED_PARTIES", CFG_STR, NULL, 0, 0, F(clerk_authorized_parties), "Clerk azp allow-list"},
    {"CLERK_WEBHOOK_SECRET", CFG_STR, NULL, 0, 0, F(clerk_webhook_secret), "Svix secret (whsec_...) for /webhooks/clerk"},
    {"SIGNUP", CFG_STR, "open", 0, 0, F(signup), "built-in sign-up: open or closed"},
    {"MASTER_KEY", CFG_STR, NULL, 0, 0, F(master_key), "base64 32-byte key for secrets at rest (default: DATA_DIR/master.key)"},
    {"MICROSOFT_CLIENT_ID", CFG_STR, NULL, 0, 0, F(microsoft_client_id), "Outlook OAuth application (client) id (unset: Outlook cannot be connected)"},
    {"MICROSOFT_CLIENT_SECRET", CFG_STR, NULL, 0, 0, F(microsoft_client_secret), "Outlook OAuth client secret"},
    {"MICROSOFT_TENANT_ID", CFG_STR, "common", 0, 0, F(microsoft_tenant_id), "Microsoft Entra tenant of the Outlook application"},
    {"MICROSOFT_AUTH_URL", CFG_STR, "https://login.microsoftonline.com", 0, 0, F(microsoft_auth_url), "Microsoft identity platform base URL (authorize and token endpoints)"},
    {"MICROSOFT_GRAPH_URL", CFG_STR, "https://graph.microsoft.com/v1.0", 0, 0, F(microsoft_graph_url), "Microsoft Graph base URL"},
    {"GOOGLE_CLIENT_ID", CFG_STR, NULL, 0, 0, F(google_client_id), "Google OAuth client id (unset: Google Calendar cannot be connected)"},
    {"GOOGLE_CLIENT_SECRET", CFG_STR, NULL, 0, 0, F(google_client_secret), "Google OAuth client secret"},
    {"GOOGLE_AUTH_URL", CFG_STR, "https://accounts.google.com", 0, 0, F(google_auth_url), "Google consent page base URL (GOOGLE_AUTH_URL/o/oauth2/v2/auth)"},
    {"GOOGLE_TOKEN_URL", CFG_STR, NULL, 0, 0, F(google_token_url), "Google token endpoint (default https://oauth2.googleapis.com/token, or GOOGLE_AUTH_URL/token when that is set)"},
    {"GOOGLE_API_URL", CFG_STR, "https://www.googleapis.com", 0, 0, F(google_api_url), "Google APIs base URL (Calendar v3, userinfo)"},
    {"VAPI_API_KEY", CFG_STR, NULL, 0, 0, F(vapi_api_key), "global Vapi key"},
    {"VAPI_API_URL", CFG_STR, "https://api.vapi.ai", 0, 0, F(vapi_api_url), "Vapi API base URL"},
    {"SCRAPE_ALLOW_PRIVATE", CFG_BOOL, "false", 0, 0, F(scrape_allow_private), "allow scraping private addresses (tests only)"},
    {"LOG_LEVEL", CFG_STR, "info", 0, 0, F(log_level), "debug, info, warn, error"},
    {"LOG_FORMAT", CFG_STR, NULL, 0, 0, F(log_format), "text or json (default: text on a TTY, else json)"},
    {"MAX_BODY_BYTES", CFG_LONG, "1048576", 1, 1L << 30, F(max_body_bytes), "larger request bodies get 413"},
    {"THREADS", CFG_INT, "16", 1, 256, F(threads), "HTTP worker threads"},
    {"DB_POOL", CFG_INT, "16", 1, 256, F(db_pool), "database connections"},
    {"DB_TIMEOUT", CFG_INT, "3000", 100, 600000, F(db_timeout_ms),
     "milliseconds a request waits for the database (a statement's answer, a lock, a new connection) before its 503"},
    {"CACHE_MB", CFG_INT, "16", 0, 4096, F(cache_mb),
     "MiB of rendered rental pages kept, checked against the database on every request; 0 = off"},
    {"MAX_CONNECTIONS", CFG_INT, "4000", 16, 100000, F(max_connections),
     "open connections accepted at once, all clients together"},
    {"MAX_CONNECTIONS_PER_IP", CFG_INT, "64", 0, 100000, F(max_connections_per_ip),
     "open connections per client address (IPv6: per /64); TRUSTED_PROXIES are exempt; 0 = no limit"},
    {"HEAD_TIMEOUT", CFG_INT, "10", 1, 3600, F(head_timeout),
     "seconds a connection has to deliver a whole request head (from its opening or its previous response)"},
    {"BODY_TIMEOUT", CFG_INT, "60", 1, 3600, F(body_timeout),
     "seconds a request has to deliver its whole body after its head"},
    {"WORKER", CFG_BOOL, "true", 0, 0, F(worker),
     "serve runs a job worker in-process (turn off when dedicated `peterental worker` processes run)"},
    {"WORKER_THREADS", CFG_INT, "2", 1, 64, F(worker_threads), "jobs a worker runs at once"},
    {"WORKER_DRAIN_SECONDS", CFG_INT, "10", 0, 3600, F(worker_drain_seconds),
     "seconds running jobs may finish after SIGTERM before their leases are released"},
    {"OUTBOUND_THREADS", CFG_INT, "32", 1, 1024, F(outbound_threads),
     "threads that wait on outside services (OAuth, CalDAV, Vapi) so request threads never do"},
    {"OUTBOUND_QUEUE", CFG_INT, "256", 1, 100000, F(outbound_queue),
     "requests waiting for such a thread; past it they get 503 at once"},
};
#undef F

/* Lines of the --config file, kept for config_raw; written once before threads start. */
static char **file_lines;
static size_t file_nlines;

static const char *file_value(const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < file_nlines; i++)
        if (strncmp(file_lines[i], key, klen) == 0 && file_lines[i][klen] == '=')
            return file_lines[i] + klen + 1;
    return NULL;
}

const char *config_raw(const char *key)
{
    const char *v = getenv(key);
    return v ? v : file_value(key);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "config: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        if (!strchr(s, '=')) {
            fprintf(stderr, "config: %s:%d: expected KEY=VALUE\n", path, lineno);
            fclose(f);
            return -1;
        }
        file_lines = mem_reallocarray(file_lines, file_nlines + 1, sizeof *file_lines);
        file_lines[file_nlines] = mem_strdup(s);
        file_nlines++;
    }
    fclose(f);
    return 0;
}

static int set_value(struct config *cfg, const struct cfg_def *d, const char *v)
{
    char *field = (char *)cfg + d->off;
    if (d->type == CFG_STR) {
        char **dst = (char **)(void *)field;
        free(*dst);
        *dst = (v && *v) ? mem_strdup(v) : NULL;
        return 0;
    }
    if (d->type == CFG_BOOL) {
        bool b;
        if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
            b = true;
        else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
            b = false;
        else {
            fprintf(stderr, "config: %s must be true or false (on/off), got \"%s\"\n", d->key, v);
            return -1;
        }
        *(bool *)(void *)field = b;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || (*v != '-' && (*v < '0' || *v > '9')) ||
        n < d->min || n > d->max) {
        fprintf(stderr, "config: %s must be an integer from %ld to %ld, got \"%s\"\n", d->key,
                d->min, d->max, v);
        return -1;
    }
    if (d->type == CFG_INT)
        *(int *)(void *)field = (int)n;
    else
        *(long *)(void *)field = n;
    return 0;
}

static int derive(struct config *cfg)
{
    if (strcmp(cfg->signup, "open") && strcmp(cfg->signup, "closed")) {
        fprintf(stderr, "config: SIGNUP must be open or closed, got \"%s\"\n", cfg->signup);
        return -1;
    }
    if (!cfg->public_url) {
        size_t n = strlen(cfg->host) + 32;
        cfg->public_url = mem_alloc(n);
        snprintf(cfg->public_url, n, "http://%s:%d", cfg->host, cfg->port);
    }
    size_t pl = strlen(cfg->public_url);
    while (pl > 0 && cfg->public_url[pl - 1] == '/')
        cfg->public_url[--pl] = '\0';
    if (!cfg->frontend_url) {
        cfg->frontend_url = mem_alloc(pl + 5);
        snprintf(cfg->frontend_url, pl + 5, "%s/app", cfg->public_url);
    }
    for (const char *p = cfg->trusted_proxies; p && *p;) {
        const char *comma = strchr(p, ',');
        int n = comma ? (int)(comma - p) : (int)strlen(p);
        char ip[64];
        unsigned char bin[16];
        snprintf(ip, sizeof ip, "%.*s", n, p);
        char *t = trim(ip);
        if (n >= (int)sizeof ip ||
            (inet_pton(AF_INET, t, bin) != 1 && inet_pton(AF_INET6, t, bin) != 1)) {
            fprintf(stderr, "config: TRUSTED_PROXIES must list IP addresses, got \"%.*s\"\n",
                    n, p);
            return -1;
        }
        p = comma ? comma + 1 : NULL;
    }
    static const size_t urls[] = {offsetof(struct config, microsoft_auth_url),
                                  offsetof(struct config, microsoft_graph_url),
                                  offsetof(struct config, google_auth_url),
                                  offsetof(struct config, google_token_url),
                                  offsetof(struct config, google_api_url)};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char *u = *(char **)(void *)((char *)cfg + urls[i]);
        for (size_t n = u ? strlen(u) : 0; n > 0 && u[n - 1] == '/'; n--)
            u[n - 1] = '\0';
    }
    if (!cfg->google_token_url && cfg->google_auth_url) {
        bool real = !strcmp(cfg->google_auth_url, "https://accounts.google.com");
        size_t n = strlen(cfg->google_auth_url) + 8;
        cfg->google_token_url = mem_alloc(real ? 40 : n);
        if (real)
            snprintf(cfg->google_token_url, 40, "https://oauth2.googleapis.com/token");
        else
            snprintf(cfg->google_token_url, n, "%s/token", cfg->google_auth_url);
    }
    if (cfg->cors_origins && strstr(cfg->cors_origins, "*")) {
        fprintf(stderr, "config: CORS_ORIGINS must list origins; \"*\" is not allowed\n");
        return -1;
    }
    return 0;
}

int config_load(struct config *cfg, const char *file)
{
    memset(cfg, 0, sizeof *cfg);
    int rc = file ? read_file(file) : 0;
    for (size_t i = 0; rc == 0 && i < sizeof defs / sizeof defs[0]; i++) {
        const char *v = config_raw(defs[i].key);
        if (!v || !*v)
            v = defs[i].def;
        if (v)
            rc = set_value(cfg, &defs[i], v);
    }
    if (rc == 0)
        rc = derive(cfg);
    if (rc != 0) /* what was set before the bad value, and the file's lines */
        config_cleanup(cfg);
    return rc;
}

void config_cleanup(struct config *cfg)
{
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        if (defs[i].type != CFG_STR)
            continue;
        char **p = (char **)(void *)((char *)cfg + defs[i].off);
        free(*p);
        *p = NULL;
    }
    for (size_t i = 0; i < file_nlines; i++)
        free(file_lines[i]);
    free(file_lines);
    file_lines = NULL;
    file_nlines = 0;
}

void config_help(FILE *out)
{
    fprintf(out, "Configuration (environment variables, or KEY=VALUE lines in --config FILE):\n");
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        fprintf(out, "  %-26s %s%s%s\n", defs[i].key, defs[i].help,
                defs[i].def ? "; default " : "", defs[i].def ? defs[i].def : "");
}
