/* SPDX-License-Identifier: MIT */
/* The diagnostic kind "noop": does nothing, or sleeps and/or fails as its payload asks. It
 * lets an operator check that workers run (enqueue one and watch GET /jobs/{id}), and it is
 * what the queue's tests and benchmark run. Its payload is checked like any input. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/mono.h"
#include "jobs/jobs.h"

#define STEP_MS 20     /* the sleep looks at its time left this often */
#define FAIL_MAX 500   /* bytes of a "fail" message */

/* Reads the payload into *sleep_ms and *fail; false with run->error set when it is bad. */
static bool read_payload(struct jobs_run *run, json_int_t *sleep_ms, const char **fail)
{
    const char *key;
    const json_t *j_v;
    *sleep_ms = 0;
    *fail = NULL;
    json_object_foreach((json_t *)run->j_payload, key, j_v) {
        if (strcmp(key, "sleep_ms") == 0) {
            if (!json_is_integer(j_v) || json_integer_value(j_v) < 0 ||
                json_integer_value(j_v) > JOBS_SLEEP_MAX_MS) {
                snprintf(run->error, sizeof run->error,
                         "payload: sleep_ms must be a whole number from 0 to %d",
                         JOBS_SLEEP_MAX_MS);
                return false;
            }
            *sleep_ms = json_integer_value(j_v);
        } else if (strcmp(key, "fail") == 0) {
            if (!json_is_string(j_v) || json_string_length(j_v) > FAIL_MAX ||
                strlen(json_string_value(j_v)) != json_string_length(j_v)) {
                snprintf(run->error, sizeof run->error,
                         "payload: fail must be a text of at most %d bytes", FAIL_MAX);
                return false;
            }
            *fail = json_string_value(j_v);
        } else {
            snprintf(run->error, sizeof run->error,
                     "payload: unknown member (only sleep_ms and fail are read)");
            return false;
        }
    }
    return true;
}

jobs_outcome jobs_noop_run(struct jobs_run *run)
{
    json_int_t sleep_ms = 0;
    const char *fail = NULL;
    if (!read_payload(run, &sleep_ms, &fail))
        return JOBS_FAIL;
    int64_t end = mono_ms() + (int64_t)sleep_ms;
    for (int64_t now = mono_ms(); now < end; now = mono_ms()) {
        int64_t left = jobs_run_ms_left(run);
        if (left <= 0) {
            if (jobs_stopping())
                return JOBS_INTERRUPTED;
            snprintf(run->error, sizeof run->error, "timed out after %lld of %lld ms",
                     (long long)(sleep_ms - (end - now)), (long long)sleep_ms);
            return JOBS_RETRY;
        }
        int64_t step = end - now < STEP_MS ? end - now : STEP_MS;
        if (step > left)
            step = left;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (fail) {
        snprintf(run->error, sizeof run->error, "%s", fail);
        return JOBS_RETRY;
    }
    run->j_result = json_pack("{s:I, s:i, s:s}", "slept_ms", sleep_ms, "attempt", run->attempt,
                              "worker", run->worker_id);
    return JOBS_DONE;
}
