/* SPDX-License-Identifier: MIT */
/* Time zones and civil dates, once for every domain.
 *
 * tz.c: IANA zones read straight from the system tzdata (TZif files, RFC 8536, with the
 * POSIX TZ footer for instants past the last transition): the zone-name check, the UTC
 * offset at an instant, local wall-clock time to UTC, "today" in a zone and a formatter.
 * It keeps no shared state (no process-wide TZ as localtime_r has, no libical zone table,
 * which is not thread-safe): a loaded zone is an immutable value that any thread may read.
 *
 * civil.c: the proleptic Gregorian calendar without zones: day numbers (days since
 * 1970-01-01) to and from year-month-day, weekdays, RFC 3339 and the spoken formats.
 *
 * Instants are Unix seconds (int64_t, UTC). "Local seconds" are wall-clock readings counted
 * the same way: the seconds since 1970-01-01T00:00 of the local calendar, so
 * local = utc + offset and civil_day_of(local) is the local date. */
#ifndef PETE_CORE_TZ_H
#define PETE_CORE_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- civil dates (civil.c) ----------------------------------------------------------- */

/* Formats with their terminating NUL. */
#define CIVIL_DATE_SIZE 11    /* "2026-03-02" */
#define CIVIL_RFC3339_SIZE 21 /* "2026-03-02T15:30:00Z" */
#define CIVIL_DAY_SIZE 32     /* "September 30, 2026" */
#define CIVIL_WHEN_SIZE 48    /* "Wednesday, September 30 at 12:30 PM" */

/* Day number of a proleptic Gregorian date (m 1-12, d 1-31; not range-checked: d 0 is the
 * day before the 1st). Exact for |y| < 2^40. */
int64_t civil_days_from_ymd(int64_t y, int m, int d);
/* The date of day number days. Exact for |days| < 2^45. */
void civil_ymd_from_days(int64_t days, int64_t *y, int *m, int *d);
/* The day number holding the second t (floor division, also before 1970). */
int64_t civil_day_of(int64_t t);
/* Weekday of a day number: 0 = Monday ... 6 = Sunday (the order of users' business hours). */
int civil_weekday(int64_t days);
/* "Monday" ... "Sunday" for weekday 0-6; "January" ... "December" for m 1-12. Static
 * strings; "" for an argument out of range. */
const char *civil_weekday_name(int weekday);
const char *civil_month_name(int m);
/* Days in month m (1-12) of year y; 0 for a bad month. */
int civil_days_in_month(int64_t y, int m);

/* Strict "YYYY-MM-DD" naming a real date (years 0001-9999) into *days; false otherwise
 * (*days untouched). */
bool civil_parse_date(const char *s, int64_t *days);
/* Day number of a "YYYY-MM-DD" the caller has validated (a stored date); 0 (1970-01-01)
 * when it is not one. */
int64_t civil_date_days(const char *date);
/* RFC 3339 date-time "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('t' or a space may
 * replace the T, 'z' the Z; the fraction is dropped; second 60 counts as the next second).
 * Without an offset the text is a local wall-clock time: *t receives local seconds and
 * *zoned false, for the caller to convert with tz_to_utc. With one, *t is UTC and *zoned
 * true. false (outputs untouched) for anything else, including years outside 0001-9999. */
bool civil_parse_rfc3339(const char *s, int64_t *t, bool *zoned);

/* Writers; buf is always NUL-terminated (truncated to len). Years outside 0001-9999 are
 * written with as many digits (and sign) as they need. */
/* "2026-03-02" for a day number. */
void civil_format_date(int64_t days, char *buf, size_t len);
/* "2026-03-02T15:30:00Z" for an instant. */
void civil_format_rfc3339(int64_t t, char *buf, size_t len);
/* "November 27, 2026" for a day number (SPEC /database/available). */
void civil_format_day(int64_t days, char *buf, size_t len);
/* "Tuesday, March 03 at 02:30 PM" for local seconds (SPEC availability formatted_time). */
void civil_format_when(int64_t local, char *buf, size_t len);

/* ---- zones (tz.c) -------------------------------------------------------------------- */

/* Zone names are shorter than this (user_settings.timezone is char[64]). */
#define TZ_NAME_MAX 64

/* true when name is a zone a tenant may choose: a plain relative name below TZ_NAME_MAX
 * (letters, digits, '_', '-', '+', '/'; no "..", no leading '/' or '-'; not localtime,
 * posixrules, posix/..., right/...) naming a regular file that starts with the TZif magic
 * under $TZDIR (default /usr/share/zoneinfo). */
bool tz_valid(const char *name);

/* A zone read into memory; immutable after tz_load, so one may be shared by threads. */
struct tz_zone;

/* Reads and checks zone name (the name rules of tz_valid) from $TZDIR. NULL when the name
 * is refused or the file is missing, larger than 256 KiB or not a well-formed TZif file.
 * The caller releases it with tz_free. */
struct tz_zone *tz_load(const char *name);
/* Accepts NULL. */
void tz_free(struct tz_zone *z);
/* The zone's name as given to tz_load (borrowed, lives as long as z). */
const char *tz_name(const struct tz_zone *z);

/* UTC offset in seconds (east positive) in force at instant t. Instants past the last
 * transition follow the file's POSIX TZ rule when it has one. */
long tz_offset_at(const struct tz_zone *z, int64_t t);
/* Local seconds at instant t: t + tz_offset_at(z, t). */
int64_t tz_local(const struct tz_zone *z, int64_t t);
/* Convenience: loads name, reads the offset at t into *off, frees. false when the zone
 * cannot be loaded (*off untouched). */
bool tz_offset(const char *name, int64_t t, long *off);

/* What a local wall-clock time is in a zone. */
enum tz_local_kind {
    TZ_LOCAL_UNIQUE,  /* exactly one instant reads so */
    TZ_LOCAL_GAP,     /* none: the clocks jumped over it (spring forward) */
    TZ_LOCAL_OVERLAP, /* two: the clocks went back over it (autumn) */
};
/* The instant at which the zone's clocks read local seconds local. Policy, as RFC 5545
 * (3.3.5) and Python's zoneinfo with fold=0 have it:
 *  - overlap: the earlier instant (the first time the clock shows it, the offset in force
 *    before the change; New York 2026-11-01 01:30 -> 05:30Z, not 06:30Z);
 *  - gap: the time read with the offset in force before the gap, i.e. moved forward by the
 *    gap's length (New York 2026-03-08 02:30 -> 07:30Z, which reads 03:30 EDT).
 * *kind (may be NULL) says which case it was, for callers that rather skip such times.
 * Assumes no two transitions within two days of local, true of every zone since 1970. */
int64_t tz_to_utc(const struct tz_zone *z, int64_t local, enum tz_local_kind *kind);

/* Today in zone name as a day number (days since 1970-01-01 of the local date), from the
 * system clock; UTC's today when the zone cannot be loaded. Thread-safe. */
int64_t tz_today(const char *name);
/* "Tuesday, March 03 at 02:30 PM": instant t read in zone z. */
void tz_format_when(const struct tz_zone *z, int64_t t, char *buf, size_t len);

#endif
