/* SPDX-License-Identifier: MIT */
/* Every kind of background job, in one table read top to bottom (like src/routes.c): its
 * handler, how often it is tried, how long a claim holds it, how long one attempt may run,
 * and the base of its retry delay. Jobs are enqueued with jobs_enqueue (src/jobs/jobs.h)
 * inside the transaction that makes them necessary; workers run the kinds of this table.
 * A job row keeps the attempts and lease of its kind as they were when it was enqueued.
 * Below it, the worker's periodic tasks (jobs_ticks), run by every worker process. */
#include "calendar/calendar.h"
#include "jobs/jobs.h"
#include "rentals/rentals.h"
#include "scrape/scrape_jobs.h"

const struct jobs_kind jobs_kinds[] = {
    /* name    handler         attempts lease s  timeout s  backoff s */
    /* diagnostic: succeeds, or sleeps and/or fails as its payload says (jobs_noop_run) */
    {"noop", jobs_noop_run, 3, 90, 60, 1},
    /* sync one listing source (src/scrape/scrape_sync.c): crawl, then upsert its rentals;
     * pages and details at one request per second per host fit well inside the timeout */
    {RENTALS_SYNC_KIND, scrape_sync_job, 3, 360, 300, 60},
    /* a connected calendar's busy times into the mirror; reschedules itself while connected
     * (calendar_sync_run) */
    {"calendar_sync", calendar_sync_run, 3, 180, 120, 30},
    /* an appointment written to the connected calendar; sync_status failed after the last
     * attempt (calendar_push_run) */
    {"calendar_push", calendar_push_run, 5, 120, 60, 5},

    {NULL, NULL, 0, 0, 0, 0},
};

const struct jobs_tick jobs_ticks[] = {
    /* name          task               period s */
    /* enqueue the daily refresh of every active source whose turn came */
    {"scrape_sweep", scrape_sweep_tick, 60},

    {NULL, NULL, 0},
};
