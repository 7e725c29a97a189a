/* SPDX-License-Identifier: MIT */
/* `peterental scrape URL [--user ID] [--dry-run]`: what the scraper finds at a URL, without a
 * server. It crawls through the same client, robots.txt cache, per-host spacing and
 * extractors as the job, and prints JSON: the listings (no --user, or --dry-run), or, with
 * --user, the result of syncing them into that tenant's rentals (the source row is created
 * when the tenant does not track the URL yet). Hidden options for tests and benchmarks:
 * --max-pages N, --max-details N (0: none), and --file PATH [--charset CS] [--repeat N],
 * which extracts a saved page (the URL is then only the address it stands for) N times and
 * reports the median extraction time and the process's peak RSS on stderr. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/mem.h"
#include "core/mono.h"
#include "core/tz.h"
#include "rentals/rentals.h"
#include "scrape/scrape.h"
#include "users/users.h"

#define CLI_BUDGET_MS 300000 /* a whole crawl, as a job's attempt */
#define REPEAT_MAX 10000

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: peterental scrape URL [--user ID] [--dry-run]\n"
            "Fetches URL as a source sync would (robots.txt honoured, one request per second\n"
            "per host, next pages and detail pages followed, the address guard applied:\n"
            "SCRAPE_ALLOW_PRIVATE=true lets it reach loopback and private addresses) and\n"
            "prints what it found as JSON on stdout.\n"
            "  --user ID   the tenant (users.id, as GET /users/me shows user_id): dates are\n"
            "              read in its time zone and, without --dry-run, the listings are\n"
            "              synced into its rentals (the source is created if missing) and\n"
            "              the sync's counts are printed instead\n"
            "  --dry-run   only print the listings, change nothing\n"
            "Exits 0 on success, 1 when the page could not be fetched or saved, 2 on a usage\n"
            "error.\n");
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || !end || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Reads one numeric option into *dst; false after printing the problem. */
static bool opt_int(const char *name, long lo, long hi, int *dst, FILE *err)
{
    long v = 0;
    if (!parse_int(optarg, lo, hi, &v)) {
        fprintf(err, "scrape: --%s must be a whole number from %ld to %ld\n", name, lo, hi);
        return false;
    }
    *dst = (int)v;
    return true;
}

int scrape_cli_args(int argc, char **argv, struct scrape_cli_args *args, FILE *out, FILE *err)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},    {"dry-run", no_argument, NULL, 'd'},
        {"file", required_argument, NULL, 'f'},    {"charset", required_argument, NULL, 'c'},
        {"repeat", required_argument, NULL, 'r'},  {"max-pages", required_argument, NULL, 'p'},
        {"max-details", required_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    long user = 0;
    int ch;
    bool ok = true;
    *args = (struct scrape_cli_args){.repeat = 1, .max_pages = -1, .max_details = -1};
    optind = 1;
    opterr = 0;
    while (ok && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'u':
            ok = parse_int(optarg, 1, 0x7fffffffffffffffL, &user);
            if (!ok)
                fprintf(err, "scrape: --user must be a user id (a positive whole number)\n");
            args->user_id = user;
            break;
        case 'd': args->dry_run = true; break;
        case 'f': args->file = optarg; break;
        case 'c': args->charset = optarg; break;
        case 'r': ok = opt_int("repeat", 1, REPEAT_MAX, &args->repeat, err); break;
        case 'p': ok = opt_int("max-pages", 1, SCRAPE_MAX_PAGES, &args->max_pages, err); break;
        case 'D':
            ok = opt_int("max-details", 0, SCRAPE_MAX_DETAILS, &args->max_details, err);
            break;
        case 'h': usage(out); return -1;
        default:
            fprintf(err, "scrape: unknown option (see peterental scrape --help)\n");
            return 2;
        }
    }
    if (!ok)
        return 2;
    if (optind + 1 != argc) {
        usage(err);
        return 2;
    }
    args->url = argv[optind];
    if (args->file && args->user_id && !args->dry_run) {
        fprintf(err, "scrape: --file only extracts; it cannot sync (add --dry-run)\n");
        return 2;
    }
    return 0;
}

/* ---- running ------------------------------------------------------------------------------- */

static int64_t deadline_left(const void *ctx)
{
    return *(const int64_t *)ctx - mono_ms();
}

/* Today in the tenant's zone (--user) or the default zone. */
static bool cli_today(struct app *a, int64_t user_id, char out[CIVIL_DATE_SIZE], FILE *err)
{
    struct user_settings st = {0};
    const char *zone = USERS_DEFAULT_ZONE;
    if (user_id) {
        struct users_user u;
        app_err e = users_get(a, user_id, &u);
        if (e == APP_OK)
            e = users_settings_get(a, user_id, &st);
        if (e != APP_OK) {
            fprintf(err, "scrape: %s\n", e == APP_E_NOTFOUND ? "no user has that id"
                                                              : "the database could not be read");
            return false;
        }
        if (st.timezone[0])
            zone = st.timezone;
    }
    civil_format_date(tz_today(zone), out, CIVIL_DATE_SIZE);
    return true;
}

static void print_json(FILE *out, json_t *j)
{
    json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(j);
}

/* What a crawl found, as printed without --user or with --dry-run. New reference. */
static json_t *found_json(const char *url, const struct scrape_crawl *c)
{
    json_t *j = json_pack("{s:s, s:s, s:s?, s:i, s:i, s:i, s:b, s:b, s:b}", "url", url,
                          "final_url", c->final_url ? c->final_url : url, "family",
                          c->r.family, "pages", c->pages, "details_followed",
                          c->details_followed, "details_failed", c->details_failed, "complete",
                          c->complete, "says_none", c->r.says_none && c->r.n == 0, "truncated",
                          c->r.truncated);
    if (!c->complete && c->error[0])
        json_object_set_new(j, "note", json_string(c->error));
    json_object_set_new(j, "listings", scrape_result_to_json(&c->r));
    return j;
}

/* The process's peak resident set in KiB (Linux: VmHWM), or -1 when unknown. */
static long peak_rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return a < b ? -1 : a > b;
}

/* --file: extracts the saved page args->repeat times; prints the last extraction. */
static int run_file(const struct scrape_cli_args *args, const char *today, FILE *out, FILE *err)
{
    FILE *f = fopen(args->file, "rb");
    if (!f) {
        fprintf(err, "scrape: cannot open %s\n", args->file);
        return 1;
    }
    char *body = mem_alloc((size_t)SCRAPE_MAX_BODY + 1);
    size_t len = fread(body, 1, (size_t)SCRAPE_MAX_BODY + 1, f);
    fclose(f);
    int64_t *us = mem_zalloc((size_t)args->repeat, sizeof *us);
    struct scrape_crawl c = {.pages = 1, .complete = true, .ok = true};
    app_err e = APP_OK;
    for (int i = 0; i < args->repeat && e == APP_OK; i++) {
        scrape_result_cleanup(&c.r);
        int64_t t0 = mono_us();
        e = scrape_extract(body, len, args->charset, args->url, today, &c.r);
        us[i] = mono_us() - t0;
    }
    int rc = 1;
    if (e != APP_OK) {
        fprintf(err, "scrape: %s could not be extracted (over %u bytes, or the URL is not "
                     "http(s))\n", args->file, SCRAPE_MAX_BODY);
    } else {
        qsort(us, (size_t)args->repeat, sizeof *us, cmp_i64);
        fprintf(err, "extract: %d runs of %zu bytes, %zu listings, median %.3f ms, min %.3f "
                     "ms, peak RSS %ld KiB\n", args->repeat, len, c.r.n,
                (double)us[args->repeat / 2] / 1000.0, (double)us[0] / 1000.0,
                peak_rss_kib());
        print_json(out, found_json(args->url, &c));
        rc = 0;
    }
    scrape_crawl_cleanup(&c);
    free(us);
    free(body);
    return rc;
}

/* --user without --dry-run: the sync. */
static int run_sync(struct app *a, const struct scrape_cli_args *args,
                    const struct scrape_budget *b, FILE *out, FILE *err)
{
    struct vcheck v;
    struct rental_source src = {0};
    bool created = false;
    char error[JOBS_ERROR_MAX + 1];
    json_t *j_result = NULL;
    vcheck_init(&v);
    app_err e = rentals_source_ensure(a, args->user_id, args->url, &v, &src, &created);
    vcheck_cleanup(&v);
    if (e != APP_OK) {
        fprintf(err, "scrape: %s\n", e == APP_E_VALIDATION
                                         ? "the URL must be an http(s) URL of at most 2048 "
                                           "characters"
                                         : "the source could not be saved");
        return 1;
    }
    enum scrape_sync_end end =
        scrape_sync_source(a, args->user_id, src.id, b, &j_result, error, sizeof error);
    rentals_source_cleanup(&src);
    if (end != SCRAPE_SYNC_DONE) {
        fprintf(err, "scrape: %s\n", error[0] ? error : "the sync failed");
        return 1;
    }
    json_object_set_new(j_result, "source_created", json_boolean(created));
    print_json(out, j_result);
    return 0;
}

int scrape_cli_run(struct app *a, const struct scrape_cli_args *args, FILE *out, FILE *err)
{
    char today[CIVIL_DATE_SIZE];
    int64_t deadline = mono_ms() + CLI_BUDGET_MS;
    struct scrape_budget b = {.ms_left = deadline_left, .ctx = &deadline};
    if (!cli_today(a, args->user_id, today, err))
        return 1;
    if (args->file)
        return run_file(args, today, out, err);
    if (args->user_id && !args->dry_run)
        return run_sync(a, args, &b, out, err);
    struct scrape_crawl_opts o = {
        .client = a->out, .today = today, .budget = b,
        .max_pages = args->max_pages > 0 ? args->max_pages : 0,
        .max_details = args->max_details < 0 ? 0 : args->max_details == 0 ? -1 : args->max_details};
    struct scrape_crawl c;
    scrape_crawl_run(&o, args->url, &c);
    int rc = 0;
    if (!c.ok) {
        fprintf(err, "scrape: %s\n", c.error);
        rc = 1;
    } else {
        print_json(out, found_json(args->url, &c));
    }
    scrape_crawl_cleanup(&c);
    return rc;
}
