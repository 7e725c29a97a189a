/* SPDX-License-Identifier: MIT */
/* GET /jobs and GET /jobs/{id}: parse, call the service, reply. A non-numeric, missing and
 * another tenant's id all get the same 404 body; lists hold the tenant's jobs only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs.h"

#define NOT_FOUND_MSG "Job not found."

json_t *jobs_job_json(const struct jobs_job *j)
{
    json_t *j_result = j->result ? json_loads(j->result, JSON_DECODE_ANY, NULL) : NULL;
    return json_pack("{s:I, s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:s?, s:o}", "id",
                     (json_int_t)j->id, "kind", j->kind, "state", j->state, "attempts",
                     j->attempts, "max_attempts", j->max_attempts, "run_after", j->run_after,
                     "created_at", j->created_at, "updated_at", j->updated_at, "last_error",
                     j->last_error, "result", j_result ? j_result : json_null());
}

int jobs_http_get(http_req *r)
{
    struct jobs_job job;
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, NOT_FOUND_MSG);
    app_err e = jobs_get(r->app, r->tenant.id, id, &job);
    if (e != APP_OK)
        return http_reply_err(r, e, e == APP_E_NOTFOUND ? NOT_FOUND_MSG : NULL);
    http_reply_json_new(r, 200, jobs_job_json(&job));
    jobs_job_cleanup(&job);
    return 0;
}

static int reply_param(http_req *r, const char *name, const char *what)
{
    char msg[160];
    snprintf(msg, sizeof msg, "Query parameter '%s' must be %s.", name, what);
    return http_reply_error(r, 400, "invalid_parameter", msg);
}

static bool is_state(const char *s)
{
    return !strcmp(s, "queued") || !strcmp(s, "running") || !strcmp(s, "succeeded") ||
           !strcmp(s, "failed");
}

static bool is_kind_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > JOBS_KIND_MAX)
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Reads the GET /jobs parameters into f; on a bad one answers 400 and returns false. */
static bool parse_filter_or_reply(http_req *r, struct jobs_filter *f)
{
    const char *s;
    memset(f, 0, sizeof *f);
    f->limit = JOBS_LIMIT_DEFAULT;
    if ((s = http_query(r, "state")) && *s) {
        if (!is_state(s))
            return reply_param(r, "state", "queued, running, succeeded or failed"), false;
        f->state = s;
    }
    if ((s = http_query(r, "kind")) && *s) {
        if (!is_kind_name(s))
            return reply_param(r, "kind", "a job kind (1-64 of a-z, 0-9 and _)"), false;
        f->kind = s;
    }
    if ((s = http_query(r, "limit"))) {
        char *end = NULL;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (!*s || *s == ' ' || *s == '+' || *end || errno || v < 1 || v > JOBS_LIMIT_MAX)
            return reply_param(r, "limit", "a whole number from 1 to 200"), false;
        f->limit = (int)v;
    }
    if ((s = http_query(r, "cursor")) && *s && !jobs_cursor_decode(s, &f->before_id)) {
        http_reply_error(r, 400, "invalid_cursor",
                         "The cursor is not valid; start again without one.");
        return false;
    }
    return true;
}

int jobs_http_list(http_req *r)
{
    struct jobs_filter f;
    struct jobs_list l;
    if (!parse_filter_or_reply(r, &f))
        return 0;
    app_err e = jobs_list(r->app, r->tenant.id, &f, &l);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    json_t *j_jobs = json_array();
    for (int i = 0; i < l.n; i++)
        json_array_append_new(j_jobs, jobs_job_json(&l.items[i]));
    char *cursor = l.next_before > 0 ? jobs_cursor_encode(l.next_before) : NULL;
    http_reply_json_new(r, 200, json_pack("{s:o, s:s?}", "jobs", j_jobs, "next_cursor", cursor));
    free(cursor);
    jobs_list_cleanup(&l);
    return 0;
}
