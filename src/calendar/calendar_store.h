/* SPDX-License-Identifier: MIT */
/* What only the calendar service (and its tests) calls: all SQL of the calendar tables
 * (calendar_store.c), both dialects. The caller holds a tenant transaction on c (a write
 * transaction for the writers); every statement also filters on user. */
#ifndef PETE_CALENDAR_STORE_H
#define PETE_CALENDAR_STORE_H

#include "calendar/calendar.h"
#include "calendar/calendar_remote.h"

/* Opens a write transaction for user on d that holds the tenant's calendar counter
 * (versions_bump) before anything else: every writer of appointments, the connection or
 * the busy mirror starts here, so two of one tenant queue on that row instead of taking row
 * locks in opposite orders (a deadlock on PostgreSQL). APP_E_NOTFOUND: the tenant is gone. */
app_err calendar_store_begin_write(db *d, int64_t user, db_conn **out);

/* Inserts in (status, source, sync_status as given; sequence 0) into *out (zeroed).
 * APP_E_CONFLICT when it overlaps a confirmed appointment (PostgreSQL's exclusion
 * constraint); APP_E_NOTFOUND when in->rental_id vanished meanwhile. */
app_err calendar_store_insert(db_conn *c, int64_t user, const struct calendar_appt *in,
                              struct calendar_appt *out);
app_err calendar_store_get(db_conn *c, int64_t user, int64_t id, struct calendar_appt *out);
/* Writes every changeable column of in (by in->id): rental_id, property_address, times,
 * attendee fields, notes, status, sequence; updated_at moves. Errors as insert. */
app_err calendar_store_update(db_conn *c, int64_t user, const struct calendar_appt *in,
                              struct calendar_appt *out);
/* Whether [from, to) overlaps a confirmed appointment other than except_id (0: none) or a
 * blocking mirrored busy time (neither transparent nor cancelled). */
app_err calendar_store_taken(db_conn *c, int64_t user, int64_t from, int64_t to,
                             int64_t except_id, bool *taken);
/* One page by (start, id) of f, fetching one more row to know whether there is a next. */
app_err calendar_store_list(db_conn *c, int64_t user, const struct calendar_filter *f,
                            struct calendar_appt_list *out);
/* The busy intervals overlapping [from, to): confirmed appointments and blocking mirrored
 * busy times, in one statement. *out (free()) holds *n intervals, unsorted. */
app_err calendar_store_busy(db_conn *c, int64_t user, int64_t from, int64_t to,
                            struct calendar_busy **out, size_t *n);
/* Mirrored busy rows (not cancelled) overlapping [from, to), by start, at most max. */
app_err calendar_store_mirror(db_conn *c, int64_t user, int64_t from, int64_t to, int max,
                              struct calendar_mirror_list *out);
/* Sets the appointment's sync_status. */
app_err calendar_store_set_sync(db_conn *c, int64_t user, int64_t id, const char *sync_status);
/* The tenant's connection into *out (out->has false when there is none). */
app_err calendar_store_connection(db_conn *c, int64_t user, struct calendar_connection *out);

/* The feed token's hash (64 hex characters): set (replacing), delete, check. */
app_err calendar_store_feed_put(db_conn *c, int64_t user, const char *hash);
app_err calendar_store_feed_delete(db_conn *c, int64_t user);
/* APP_OK when hash is the tenant's current one, else APP_E_NOTFOUND. */
app_err calendar_store_feed_check(db_conn *c, int64_t user, const char *hash);

/* ---- external calendars (calendar_store_conn.c) ----------------------------------------- */

/* A connection as stored, with its sealed secret. Strings owned (NULL = none). */
struct calendar_conn_row {
    char provider[16];
    char *account_email, *calendar_id, *calendar_name, *calendar_url, *username;
    char *secret_sealed;
    int64_t expires_at; /* 0 = none */
};
void calendar_conn_row_cleanup(struct calendar_conn_row *r);
/* The tenant's connection row into *out (zeroed); APP_E_NOTFOUND without one. */
app_err calendar_store_conn_read(db_conn *c, int64_t user, struct calendar_conn_row *out);
/* Writes in as the tenant's connection (replacing any, whatever its provider), active, with
 * no error and no sync yet. */
app_err calendar_store_conn_put(db_conn *c, int64_t user, const struct calendar_conn_row *in);
/* New sealed tokens and expiry, when the connection is still of provider. */
app_err calendar_store_conn_tokens(db_conn *c, int64_t user, const char *provider,
                                   const char *sealed, int64_t expires_at);
/* A sync's or push's outcome on the connection of provider: status (active | error |
 * expired), last_error (NULL clears it), and with synced busy_synced_at = now. */
app_err calendar_store_conn_outcome(db_conn *c, int64_t user, const char *provider,
                                    const char *status, const char *last_error, bool synced);
/* Removes the connection and every mirrored row; *deleted says whether there was one. */
app_err calendar_store_conn_delete(db_conn *c, int64_t user, bool *deleted);
/* Replaces the mirror of source with the n events (duplicates of an id keep the first), then
 * drops mirrored rows that are the tenant's own pushed events (an appointment's
 * external_event_id: the appointment blocks already). */
app_err calendar_store_mirror_replace(db_conn *c, int64_t user, const char *source,
                                      const struct calendar_remote_event *items, size_t n);
/* Sets the appointment's external_event_id (NULL clears it) and sync_status; a mirrored row
 * with that id goes (it is the appointment's own event). */
app_err calendar_store_set_external(db_conn *c, int64_t user, int64_t id, const char *ext_id,
                                    const char *sync_status);
/* The external_event_ids of the tenant's appointments overlapping [from, to) (any status):
 * *ids (each free(), then the array) holds *n. */
app_err calendar_store_external_ids(db_conn *c, int64_t user, int64_t from, int64_t to,
                                    char ***ids, size_t *n);
/* Up to max appointments whose sync_status is pending and that were last changed before
 * before (Unix seconds): their ids into *ids (free()), *n of them. */
app_err calendar_store_pending_ids(db_conn *c, int64_t user, int64_t before, int max,
                                   int64_t **ids, size_t *n);

/* A consent in flight (oauth_states). */
struct calendar_state_row {
    char provider[16];
    char *verifier_sealed, *redirect_url; /* owned; redirect_url NULL when none */
    int64_t expires_at;
};
void calendar_state_row_cleanup(struct calendar_state_row *r);
/* Stores a consent; expired consents of the tenant (before now) go first. */
app_err calendar_store_state_put(db_conn *c, int64_t user, const char *hash,
                                 const struct calendar_state_row *in, int64_t now);
/* Deletes the consent of hash and returns it into *out (zeroed): APP_E_NOTFOUND when there
 * is none (never made, already used, or another tenant's). */
app_err calendar_store_state_take(db_conn *c, int64_t user, const char *hash,
                                  struct calendar_state_row *out);

#endif
