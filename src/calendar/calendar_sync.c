/* SPDX-License-Identifier: MIT */
/* The connected calendar kept in step, from worker threads, and the booking's live re-check:
 *
 * calendar_sync mirrors the provider's events of the window into calendar_busy (one tenant
 * transaction replaces the provider's rows), records the outcome on the connection, puts
 * appointments left "pending" back in the push queue, and schedules the next refresh. A
 * running job holds its dedup key, so the periodic chain alternates two keys ("tick-a" and
 * "tick-b", named in the payload): each run enqueues the other one CALENDAR_SYNC_EVERY_S
 * later unless it is already waiting, so at most one refresh is ever scheduled per tenant and
 * chains started twice merge. Syncs asked for at once (connect, after a push) use the key
 * "now". Without a connection a sync ends and schedules nothing: the chain stops.
 *
 * calendar_push writes the appointment's current state (not the operation that queued it) to
 * the provider, then stores external_event_id and sync_status in a transaction that re-reads
 * the appointment: when it changed during the push, the new state is pushed too (at most
 * PUSH_ROUNDS rounds), so the one push job an appointment may have queued or running at a
 * time (dedup per appointment) never leaves a later change behind; a change that lands after
 * the last round stays "pending" and the next sync re-queues it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar/calendar_store.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"

#define DAY 86400
#define PUSH_ROUNDS 3
#define PENDING_GRACE_S 60 /* a pending appointment older than this lost its push */
#define PENDING_MAX 50

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* ---- enqueueing ------------------------------------------------------------------------- */

app_err calendar_sync_enqueue(db_conn *c, int64_t user)
{
    return jobs_enqueue(c, user, "calendar_sync", "now", NULL, 0, NULL, NULL);
}

app_err calendar_push_job(db_conn *c, int64_t user, int64_t id, const char *op)
{
    char key[48];
    snprintf(key, sizeof key, "appointment-%lld", (long long)id);
    json_t *j = json_pack("{s:I, s:s}", "appointment_id", (json_int_t)id, "op", op);
    app_err rc = jobs_enqueue(c, user, "calendar_push", key, j, 0, NULL, NULL);
    json_decref(j);
    return rc;
}

/* The next periodic refresh after a run whose payload named tick ("a", "b" or none). */
static app_err schedule_next(db_conn *c, int64_t user, const char *tick)
{
    bool a = !tick || strcmp(tick, "a") != 0;
    json_t *j = json_pack("{s:s}", "tick", a ? "a" : "b");
    app_err rc = jobs_enqueue(c, user, "calendar_sync", a ? "tick-a" : "tick-b", j,
                              now_s() + CALENDAR_SYNC_EVERY_S, NULL, NULL);
    json_decref(j);
    return rc;
}

/* ---- calendar_sync ---------------------------------------------------------------------- */

/* The mirror's window for the tenant's settings at now. */
static void sync_window(const struct user_settings *s, int64_t now, int64_t *from, int64_t *to)
{
    int days = s->booking_horizon_days + 1;
    if (days > CALENDAR_SYNC_DAYS_MAX)
        days = CALENDAR_SYNC_DAYS_MAX;
    *from = now - (int64_t)CALENDAR_SYNC_DAYS_BACK * DAY;
    *to = now + (int64_t)days * DAY;
}

/* Appointments whose push was lost go back in the queue (c: the outcome's transaction). */
static app_err requeue_pending(db_conn *c, int64_t user)
{
    int64_t *ids = NULL;
    size_t n = 0;
    app_err rc = calendar_store_pending_ids(c, user, now_s() - PENDING_GRACE_S, PENDING_MAX,
                                            &ids, &n);
    for (size_t i = 0; rc == APP_OK && i < n; i++)
        rc = calendar_push_job(c, user, ids[i], "update");
    free(ids);
    return rc;
}

/* Writes a sync's outcome: the mirror (ok), the connection's status, the re-queued pushes
 * and the next refresh (unless stop), all in one transaction and only while the tenant's
 * connection is still of acct's provider. */
static app_err sync_record(struct app *a, const struct calendar_account *acct,
                           const struct calendar_remote_list *l, const struct calendar_call *k,
                           bool ok, bool stop, const char *tick)
{
    struct calendar_conn_row row = {0};
    db_conn *c = NULL;
    app_err rc = calendar_store_begin_write(a->db, acct->user, &c);
    if (rc != APP_OK)
        return rc;
    rc = calendar_store_conn_read(c, acct->user, &row);
    if (rc == APP_OK && strcmp(row.provider, acct->provider) != 0)
        rc = APP_E_NOTFOUND; /* replaced meanwhile: this sync's result is not its */
    if (rc == APP_OK && ok)
        rc = calendar_store_mirror_replace(c, acct->user, acct->provider, l->items, l->n);
    if (rc == APP_OK)
        rc = calendar_store_conn_outcome(c, acct->user, acct->provider,
                                         ok ? "active" : k->auth_failed ? "expired" : "error",
                                         ok ? NULL : k->error, ok);
    if (rc == APP_OK && ok)
        rc = requeue_pending(c, acct->user);
    if (rc == APP_OK && !stop)
        rc = schedule_next(c, acct->user, tick);
    calendar_conn_row_cleanup(&row);
    rc = db_tx_end(c, rc);
    return rc == APP_E_NOTFOUND ? APP_OK : rc;
}

jobs_outcome calendar_sync_run(struct jobs_run *run)
{
    struct calendar_account acct = {0};
    struct calendar_remote_list l = {0};
    struct user_settings s;
    int64_t from = 0, to = 0;
    const char *tick = json_string_value(json_object_get(run->j_payload, "tick"));
    app_err rc = calendar_account_load(run->app, run->user_id, &acct);
    if (rc == APP_E_NOTFOUND) {
        run->j_result = json_pack("{s:b}", "connected", 0);
        return JOBS_DONE; /* disconnected: the chain ends here */
    }
    if (rc == APP_OK)
        rc = users_settings_get(run->app, run->user_id, &s);
    if (rc != APP_OK) {
        calendar_account_cleanup(&acct);
        snprintf(run->error, sizeof run->error, "database: %s", app_err_code(rc));
        return JOBS_RETRY;
    }
    sync_window(&s, now_s(), &from, &to);
    struct calendar_call k = {.app = run->app, .deadline_ms = run->deadline_ms};
    bool ok = calendar_remote_busy(&k, &acct, from, to, s.timezone, &l);
    rc = sync_record(run->app, &acct, &l, &k, ok, !ok && k.auth_failed, tick);
    jobs_outcome out = JOBS_DONE;
    if (rc != APP_OK) {
        snprintf(run->error, sizeof run->error, "database: %s", app_err_code(rc));
        out = JOBS_RETRY;
    } else if (!ok) {
        LOG_W("calendar sync of tenant %lld (%s) failed: %s", (long long)run->user_id,
              acct.provider, k.error);
        snprintf(run->error, sizeof run->error, "%s", k.error);
        out = k.auth_failed ? JOBS_FAIL : JOBS_RETRY;
    } else {
        run->j_result = json_pack("{s:s, s:I, s:b}", "provider", acct.provider, "events",
                                  (json_int_t)l.n, "truncated", l.truncated);
    }
    calendar_remote_list_cleanup(&l);
    calendar_account_cleanup(&acct);
    return out;
}

/* ---- calendar_push ---------------------------------------------------------------------- */

/* What a push writes of a, as one digest: a change of any of it needs another push. */
static void fingerprint(const struct calendar_appt *a, char out[65])
{
    json_t *j = json_pack("[I, I, s, s?, s?, s?, s?, s?]", (json_int_t)a->start,
                          (json_int_t)a->end, a->status, a->property_address, a->attendee_name,
                          a->attendee_email, a->attendee_phone, a->notes);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    crypto_sha256_hex(text ? text : "", text ? strlen(text) : 0, out);
    free(text);
    json_decref(j);
}

static app_err appt_read(struct app *a, int64_t user, int64_t id, struct calendar_appt *out)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, user, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = db_tx_end(c, calendar_store_get(c, user, id, out));
    if (rc != APP_OK)
        calendar_appt_cleanup(out);
    return rc;
}

/* "appointment-<id>@<PUBLIC_URL's host>", as the feed names it. */
static void appt_uid(const struct app *a, int64_t id, char *buf, size_t len)
{
    const char *u = a->cfg->public_url ? a->cfg->public_url : "";
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    size_t n = strcspn(p, "/?#:[]");
    snprintf(buf, len, "appointment-%lld@%.*s", (long long)id, (int)(n ? n : 9),
             n ? p : "localhost");
}

/* One push of a's state; *ext_id in/out. */
static bool push_once(struct calendar_call *k, struct calendar_account *acct,
                      const struct calendar_appt *a, char **ext_id)
{
    char uid[300];
    const char *addr = a->property_address ? a->property_address : "";
    size_t sn = strlen(CALENDAR_SUBJECT_PREFIX) + strlen(addr) + 1;
    char *subject = mem_alloc(sn);
    snprintf(subject, sn, "%s%s", CALENDAR_SUBJECT_PREFIX, addr);
    const char *notes = a->notes ? a->notes : "", *phone = a->attendee_phone;
    size_t bn = strlen(notes) + (phone ? strlen(phone) : 0) + 16;
    char *body = mem_alloc(bn);
    snprintf(body, bn, "%s%s%s%s", notes, phone && *notes ? "\n" : "", phone ? "Phone: " : "",
             phone ? phone : "");
    appt_uid(k->app, a->id, uid, sizeof uid);
    struct calendar_remote_push p = {.appt = a, .uid = uid, .subject = subject, .body = body,
                                     .organizer_email = acct->account_email};
    bool confirmed = !strcmp(a->status, "confirmed");
    bool ok = true;
    if (confirmed)
        ok = calendar_remote_push(k, acct, &p, false, ext_id);
    else if (!strcmp(a->status, "cancelled") && *ext_id)
        ok = calendar_remote_push(k, acct, &p, true, ext_id);
    free(subject);
    free(body);
    return ok;
}

/* Stores the push's result when the appointment is still as pushed (*same), else only the
 * event id; with last, also asks for a sync. */
static app_err push_record(struct app *a, int64_t user, int64_t id, const char *ext_id,
                           const char *pushed, bool *same, bool last)
{
    struct calendar_appt now = {0};
    char fp[65];
    db_conn *c = NULL;
    app_err rc = calendar_store_begin_write(a->db, user, &c);
    if (rc != APP_OK)
        return rc;
    rc = calendar_store_get(c, user, id, &now);
    if (rc == APP_OK) {
        fingerprint(&now, fp);
        *same = !strcmp(fp, pushed);
        rc = calendar_store_set_external(c, user, id, ext_id, *same ? "synced" : "pending");
    }
    if (rc == APP_OK && (*same || last))
        rc = calendar_sync_enqueue(c, user);
    calendar_appt_cleanup(&now);
    return db_tx_end(c, rc);
}

/* The push failed: on the last attempt the appointment is marked failed; a refused
 * credential marks the connection expired. */
static jobs_outcome push_failed(struct jobs_run *run, const struct calendar_account *acct,
                                const struct calendar_call *k, int64_t id)
{
    db_conn *c = NULL;
    bool last = run->attempt >= run->max_attempts;
    snprintf(run->error, sizeof run->error, "%s", k->error[0] ? k->error : "push failed");
    LOG_W("calendar push of appointment %lld (tenant %lld, %s) failed (attempt %d of %d): %s",
          (long long)id, (long long)run->user_id, acct->provider, run->attempt,
          run->max_attempts, run->error);
    if ((last || k->auth_failed) && calendar_store_begin_write(run->app->db, run->user_id, &c) == APP_OK) {
        app_err rc = APP_OK;
        if (last)
            rc = calendar_store_set_sync(c, run->user_id, id, "failed");
        if (rc == APP_OK && k->auth_failed)
            rc = calendar_store_conn_outcome(c, run->user_id, acct->provider, "expired",
                                             k->error, false);
        db_tx_end(c, rc);
    }
    return JOBS_RETRY;
}

/* The appointment id of the payload, or 0 (payload not ours). */
static int64_t payload_id(const json_t *j)
{
    const json_t *j_id = json_object_get(j, "appointment_id");
    return json_is_integer(j_id) && json_integer_value(j_id) > 0
               ? (int64_t)json_integer_value(j_id)
               : 0;
}

jobs_outcome calendar_push_run(struct jobs_run *run)
{
    struct calendar_account acct = {0};
    int64_t id = payload_id(run->j_payload);
    if (!id) {
        snprintf(run->error, sizeof run->error, "payload: appointment_id must be a positive "
                                                "whole number");
        return JOBS_FAIL;
    }
    app_err rc = calendar_account_load(run->app, run->user_id, &acct);
    jobs_outcome out = JOBS_DONE;
    bool same = false;
    for (int round = 0; rc == APP_OK && !same && round < PUSH_ROUNDS; round++) {
        struct calendar_appt a = {0};
        char fp[65];
        if ((rc = appt_read(run->app, run->user_id, id, &a)) != APP_OK)
            break;
        fingerprint(&a, fp);
        char *ext = a.external_event_id ? mem_strdup(a.external_event_id) : NULL;
        struct calendar_call k = {.app = run->app, .deadline_ms = run->deadline_ms};
        if (!push_once(&k, &acct, &a, &ext))
            out = push_failed(run, &acct, &k, id);
        else
            rc = push_record(run->app, run->user_id, id, ext, fp, &same,
                             round + 1 == PUSH_ROUNDS);
        free(ext);
        calendar_appt_cleanup(&a);
        if (out != JOBS_DONE)
            break;
    }
    calendar_account_cleanup(&acct);
    if (rc == APP_E_NOTFOUND) /* no connection, or no appointment (tenant erased) */
        return JOBS_DONE;
    if (rc != APP_OK) {
        snprintf(run->error, sizeof run->error, "database: %s", app_err_code(rc));
        return JOBS_RETRY;
    }
    if (out == JOBS_DONE)
        run->j_result = json_pack("{s:I, s:b}", "appointment_id", (json_int_t)id, "synced", same);
    return out;
}

/* ---- the live re-check ------------------------------------------------------------------ */

struct calendar_live {
    struct app *app;
    struct calendar_account acct;
    int64_t from, to;
    char zone[TZ_NAME_MAX];
    char **own; /* external ids of the tenant's appointments around the window */
    size_t nown;
    enum calendar_live_verdict verdict;
};

void calendar_live_free(struct calendar_live *h)
{
    if (!h)
        return;
    calendar_account_cleanup(&h->acct);
    for (size_t i = 0; i < h->nown; i++)
        free(h->own[i]);
    free(h->own);
    free(h);
}

app_err calendar_live_prepare(struct app *a, int64_t user, int64_t start, int64_t end,
                              int64_t except_appointment, struct calendar_live **out)
{
    struct user_settings s;
    db_conn *c = NULL;
    (void)except_appointment; /* its event is among the window's own ids when it overlaps */
    struct calendar_live *h = mem_zalloc(1, sizeof *h);
    h->app = a;
    h->verdict = CALENDAR_LIVE_UNKNOWN;
    app_err rc = calendar_account_load(a, user, &h->acct);
    if (rc == APP_OK)
        rc = users_settings_get(a, user, &s);
    if (rc == APP_OK) {
        int64_t pad = (int64_t)s.buffer_minutes * 60;
        h->from = start - pad;
        h->to = (end > start ? end : start + (int64_t)s.slot_minutes * 60) + pad;
        snprintf(h->zone, sizeof h->zone, "%s", s.timezone);
        rc = db_tx_begin(a->db, user, false, &c);
    }
    if (rc == APP_OK) {
        db_last_statement(c);
        rc = db_tx_end(c, calendar_store_external_ids(c, user, h->from - DAY, h->to + DAY,
                                                      &h->own, &h->nown));
    }
    if (rc != APP_OK) {
        calendar_live_free(h);
        return rc;
    }
    *out = h;
    return APP_OK;
}

static bool is_own(const struct calendar_live *h, const char *id)
{
    for (size_t i = 0; i < h->nown; i++)
        if (h->own[i] && !strcmp(h->own[i], id))
            return true;
    return false;
}

void calendar_live_perform(void *arg)
{
    struct calendar_live *h = arg;
    struct calendar_remote_list l = {0};
    struct calendar_call k = {.app = h->app, .deadline_ms = mono_ms() + CALENDAR_LIVE_TIMEOUT_MS};
    if (!calendar_remote_busy(&k, &h->acct, h->from, h->to, h->zone, &l)) {
        h->verdict = CALENDAR_LIVE_UNKNOWN;
        LOG_W("calendar: the live check of tenant %lld (%s) got no answer (%s); the booking "
              "goes by the mirrored busy times",
              (long long)h->acct.user, h->acct.provider, k.error);
        return;
    }
    h->verdict = CALENDAR_LIVE_FREE;
    for (size_t i = 0; i < l.n; i++) {
        const struct calendar_remote_event *e = &l.items[i];
        if (!e->transparent && !e->cancelled && e->end > h->from && e->start < h->to &&
            e->end > e->start && !is_own(h, e->id)) {
            h->verdict = CALENDAR_LIVE_BUSY;
            break;
        }
    }
    calendar_remote_list_cleanup(&l);
}

enum calendar_live_verdict calendar_live_busy(const struct calendar_live *h)
{
    return h ? h->verdict : CALENDAR_LIVE_UNKNOWN;
}
