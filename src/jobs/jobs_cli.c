/* SPDX-License-Identifier: MIT */
/* The arguments of `peterental worker` (src/main.c runs it: the store opened as serve opens
 * it, the worker until SIGTERM or SIGINT, then drained). Any number of workers may share one
 * PostgreSQL database (or, on one machine, one SQLite file). */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: peterental worker [--threads N]\n"
               "Runs the background jobs queued in the database (every kind this build knows)\n"
               "until SIGTERM or SIGINT, then lets running jobs finish for WORKER_DRAIN_SECONDS\n"
               "and exits 0.\n"
               "Applies pending migrations first, like serve. Any number of workers may share\n"
               "one PostgreSQL database; run serve with WORKER=off when dedicated workers run.\n"
               "  --threads N   jobs run at once, 1..64 (default WORKER_THREADS, else 2)\n");
}

/* Reads --threads into *threads; 0 to go on, -1 after --help, else the exit status. */
static int parse_args(int argc, char **argv, int *threads)
{
    static const struct option opts[] = {{"threads", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return -1;
        }
        char *end = NULL;
        long v = ch == 't' ? strtol(optarg, &end, 10) : 0;
        if (ch != 't' || !end || *end || v < 1 || v > 64) {
            fprintf(stderr, "worker: %s (see peterental worker --help)\n",
                    ch == 't' ? "--threads must be 1..64" : "unknown option");
            return 2;
        }
        *threads = (int)v;
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

int jobs_cli_args(int argc, char **argv, int *threads)
{
    return parse_args(argc, argv, threads);
}
