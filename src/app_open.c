/* SPDX-License-Identifier: MIT */
/* app_open/app_close (app_open.h). */
#include "app_open.h"

#include <stdio.h>

#include "accounts/accounts.h"
#include "core/auth.h"
#include "core/files.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/respcache.h"
#include "outbound/outbound.h"
#include "users/users.h"

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
    if (migrate_run(*out, NULL, &applied) != APP_OK)
        return -1;
    db_set_timeout(*out, cfg->db_timeout_ms);
    LOG_I("migrations: %d applied", applied);
    return 0;
}

int app_open(struct app *a, const struct config *cfg, unsigned parts)
{
    a->cfg = cfg;
    a->issuer = cfg->public_url;
    a->parts = parts;
    if (crypto_master_key_load(cfg->master_key, cfg->data_dir, a->master_key) != APP_OK)
        goto fail;
    if ((parts & APP_STORE) &&
        (open_store(cfg, &a->db) != 0 || db_restrict_role(a->db) != DB_OK))
        goto fail;
    if ((parts & APP_AUTH) && auth_new(cfg, a->issuer, &a->auth) != APP_OK)
        goto fail;
    if (parts & APP_OUTBOUND) {
        struct outbound_setup s = {.public_url = cfg->public_url,
                                   .allow_private = cfg->scrape_allow_private};
        if (!(a->out = outbound_new(&s)))
            goto fail;
    }
    if (parts & APP_BACKGROUND) {
        db_warm(a->db);
        a->cache = respcache_new((size_t)cfg->cache_mb << 20);
        users_refresh_start(a);
        accounts_revocations_start(a);
    }
    return 0;
fail:
    app_close(a);
    return -1;
}

void app_close(struct app *a)
{
    if (a->parts & APP_BACKGROUND) {
        accounts_revocations_stop();
        users_refresh_stop();
    }
    outbound_free(a->out);
    respcache_free(a->cache);
    auth_free(a->auth);
    db_close(a->db);
    a->cache = NULL;
    a->out = NULL;
    a->auth = NULL;
    a->db = NULL;
    a->parts = 0;
}
