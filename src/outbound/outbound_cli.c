/* SPDX-License-Identifier: MIT */
/* `peterental fetch URL`: for the operator who asks "why can't my source be read?". It
 * fetches through the same client and guard the server uses, with no server running, and
 * prints what it saw: status, final URL, connected address, byte count and time, or the
 * refusal or error. Any failure, an HTTP status >= 400 included, exits non-zero. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbound/outbound.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: peterental fetch [--timeout MS] URL\n"
               "Fetches URL through the outbound client and its address guard (what scraping\n"
               "and calendar checks use) and prints the status, final URL, connected address,\n"
               "byte count and time, or why it failed. SCRAPE_ALLOW_PRIVATE=true lets it reach\n"
               "loopback and private addresses. Exits 0 on success, 1 on any failure (HTTP\n"
               "status >= 400 included), 2 on a usage error.\n");
}

static void print_facts(const struct outbound_result *r, FILE *out)
{
    if (r->status)
        fprintf(out, "status:     %ld\n", r->status);
    if (r->final_url)
        fprintf(out, "final URL:  %s\n", r->final_url);
    if (r->connected_ip[0])
        fprintf(out, "connected:  %s\n", r->connected_ip);
    fprintf(out, "redirects:  %d\n", r->redirects);
    if (r->err == OUTBOUND_OK) {
        fprintf(out, "bytes:      %zu\n", r->len);
        if (r->content_type)
            fprintf(out, "type:       %s\n", r->content_type);
    }
    fprintf(out, "time:       %.3f s\n", r->elapsed_s);
}

int outbound_cli_fetch(const struct outbound_setup *s, const char *url,
                       const struct outbound_opts *o, FILE *out, FILE *err)
{
    struct outbound_result r;
    outbound_client *c = outbound_new(s);
    int rc = 1;
    if (!c) {
        fprintf(err, "fetch: bad client settings (negative timeout)\n");
        return 1;
    }
    outbound_request(c, url, o, &r);
    print_facts(&r, out);
    if (r.err != OUTBOUND_OK) {
        fprintf(err, "fetch failed (%s): %s\n", outbound_err_name(r.err), r.message);
        if (r.err == OUTBOUND_E_BLOCKED && !(s && s->allow_private))
            fprintf(err, "(SCRAPE_ALLOW_PRIVATE=true lifts the address guard, for tests and "
                         "intranets)\n");
    } else if (r.status >= 400) {
        fprintf(err, "fetch failed: the server answered HTTP %ld\n", r.status);
    } else {
        rc = 0;
    }
    outbound_result_cleanup(&r);
    outbound_free(c);
    return rc;
}

int outbound_cli_main(const struct outbound_setup *s, int argc, char **argv, FILE *out,
                      FILE *err)
{
    static const struct option opts[] = {{"timeout", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct outbound_opts o = {0};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 't': {
            char *end = NULL;
            long ms = strtol(optarg, &end, 10);
            if (!end || *end || ms < 1 || ms > 600000) {
                fprintf(err, "fetch: --timeout must be 1..600000 milliseconds\n");
                return 2;
            }
            o.timeout_ms = ms;
            break;
        }
        case 'h':
            usage(out);
            return 0;
        default:
            fprintf(err, "fetch: unknown option (see peterental fetch --help)\n");
            return 2;
        }
    }
    if (optind + 1 != argc) {
        usage(err);
        return 2;
    }
    return outbound_cli_fetch(s, argv[optind], &o, out, err);
}
