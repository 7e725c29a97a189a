/* SPDX-License-Identifier: MIT */
/* Connecting and disconnecting an external calendar: saving a verified connection (sealed
 * secrets, the mirror cleared, the first sync enqueued, all in one tenant transaction), the
 * disconnect, and POST /calendar/caldav/connect (the body read on the request thread, the
 * PROPFIND on the outbound pool, the save back on a server thread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "calendar/calendar_store.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"

#define CALDAV_CHECK_MS 15000
#define CALDAV_URL_MAX 2048
#define CALDAV_USER_MAX 254
#define CALDAV_PASSWORD_MAX 1024

app_err calendar_connection_save(struct app *a, const struct calendar_account *acct)
{
    struct calendar_conn_row row = {.account_email = acct->account_email,
                                    .calendar_id = acct->calendar_id,
                                    .calendar_name = acct->calendar_name,
                                    .calendar_url = acct->calendar_url,
                                    .username = acct->username,
                                    .expires_at = acct->expires_at};
    snprintf(row.provider, sizeof row.provider, "%s", acct->provider);
    char *sealed = calendar_account_seal(a, acct);
    db_conn *c = NULL;
    bool had = false;
    if (!sealed)
        return APP_E_INTERNAL;
    row.secret_sealed = sealed;
    app_err rc = calendar_store_begin_write(a->db, acct->user, &c);
    if (rc != APP_OK) {
        free(sealed);
        return rc;
    }
    rc = calendar_store_conn_delete(c, acct->user, &had); /* the mirror goes with it */
    if (rc == APP_OK)
        rc = calendar_store_conn_put(c, acct->user, &row);
    if (rc == APP_OK)
        rc = calendar_sync_enqueue(c, acct->user);
    rc = db_tx_end(c, rc);
    free(sealed);
    if (rc == APP_OK)
        jobs_wake();
    return rc;
}

app_err calendar_disconnect(struct app *a, int64_t user, const char *provider, bool *had)
{
    struct calendar_conn_row row = {0};
    db_conn *c = NULL;
    *had = false;
    app_err rc = calendar_store_begin_write(a->db, user, &c);
    if (rc != APP_OK)
        return rc;
    rc = calendar_store_conn_read(c, user, &row);
    if (rc == APP_OK && (!provider || !strcmp(row.provider, provider)))
        rc = calendar_store_conn_delete(c, user, had);
    else if (rc == APP_E_NOTFOUND || rc == APP_OK)
        rc = APP_OK;
    calendar_conn_row_cleanup(&row);
    rc = db_tx_end(c, rc);
    if (rc == APP_OK && *had)
        LOG_I("calendar: tenant %lld disconnected its calendar", (long long)user);
    return rc;
}

/* ---- CalDAV ----------------------------------------------------------------------------- */

struct calendar_caldav_connect {
    struct app *app;
    struct calendar_account acct;
    bool verified;
    bool auth_failed;
    char error[CALENDAR_ERROR_SIZE];
};

void calendar_caldav_connect_free(struct calendar_caldav_connect *cc)
{
    if (!cc)
        return;
    calendar_account_cleanup(&cc->acct);
    free(cc);
}

/* A collection URL ends with "/" (event resources are named under it). */
static char *collection_url(const char *url)
{
    size_t n = strlen(url);
    char *u = mem_alloc(n + 2);
    snprintf(u, n + 2, "%s%s", url, n && url[n - 1] == '/' ? "" : "/");
    return u;
}

static void check_text(struct vcheck *v, const json_t *j_body, const char *key, size_t max,
                       const char **out)
{
    *out = NULL;
    if (!vget_str(v, j_body, key, out)) {
        if (!json_object_get(j_body, key) || json_is_null(json_object_get(j_body, key)))
            vcheck_fail(v, key, "Required.");
        return;
    }
    char msg[96];
    if (!**out || strlen(*out) > max || strpbrk(*out, "\r\n")) {
        snprintf(msg, sizeof msg, "Must be 1 to %zu characters on one line.", max);
        vcheck_fail(v, key, msg);
        *out = NULL;
    }
}

app_err calendar_caldav_prepare(struct app *a, int64_t user, const json_t *j_body,
                                struct vcheck *v, struct calendar_caldav_connect **out)
{
    const char *url = NULL, *username = NULL, *password = NULL, *key;
    const json_t *j_v;
    check_text(v, j_body, "url", CALDAV_URL_MAX, &url);
    check_text(v, j_body, "username", CALDAV_USER_MAX, &username);
    check_text(v, j_body, "password", CALDAV_PASSWORD_MAX, &password);
    json_object_foreach((json_t *)j_body, key, j_v) {
        if (strcmp(key, "url") && strcmp(key, "username") && strcmp(key, "password"))
            vcheck_fail(v, key, "Unknown field (url, username and password are read).");
    }
    if (url && strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)) {
        vcheck_fail(v, "url", "Must be an http:// or https:// URL of a calendar collection.");
        url = NULL;
    }
    if (!vcheck_ok(v))
        return APP_E_VALIDATION;
    struct calendar_caldav_connect *cc = mem_zalloc(1, sizeof *cc);
    cc->app = a;
    cc->acct.user = user;
    snprintf(cc->acct.provider, sizeof cc->acct.provider, "caldav");
    cc->acct.calendar_url = collection_url(url);
    cc->acct.calendar_id = mem_strdup(cc->acct.calendar_url);
    cc->acct.username = mem_strdup(username);
    cc->acct.password = mem_strdup(password);
    if (strchr(username, '@'))
        cc->acct.account_email = mem_strdup(username);
    *out = cc;
    return APP_OK;
}

void calendar_caldav_perform(void *arg)
{
    struct calendar_caldav_connect *cc = arg;
    struct calendar_call k = {.app = cc->app, .deadline_ms = mono_ms() + CALDAV_CHECK_MS};
    cc->verified = calendar_caldav_check(&k, &cc->acct);
    cc->auth_failed = k.auth_failed;
    snprintf(cc->error, sizeof cc->error, "%s", k.error);
}

app_err calendar_caldav_finish(struct calendar_caldav_connect *cc, const char **message)
{
    *message = NULL;
    if (cc->auth_failed) {
        *message = "The CalDAV server refused the credentials: wrong username or password.";
        return APP_E_VALIDATION;
    }
    if (!cc->verified) {
        *message = cc->error[0] ? cc->error : "The URL is not a CalDAV calendar.";
        return APP_E_VALIDATION;
    }
    app_err rc = calendar_connection_save(cc->app, &cc->acct);
    if (rc == APP_OK)
        LOG_I("calendar: tenant %lld connected a CalDAV calendar", (long long)cc->acct.user);
    return rc;
}
