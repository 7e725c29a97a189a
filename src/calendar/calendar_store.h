/* SPDX-License-Identifier: MIT */
/* What only the calendar service (and its tests) calls: all SQL of the calendar tables
 * (calendar_store.c), both dialects. The caller holds a tenant transaction on c (a write
 * transaction for the writers); every statement also filters on user. */
#ifndef PETE_CALENDAR_STORE_H
#define PETE_CALENDAR_STORE_H

#include "calendar/calendar.h"

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

#endif
