/* SPDX-License-Identifier: MIT */
/* Building and tearing down the process-wide context (core/app.h) for a command: the one
 * place that knows which parts each command needs and in which order they start. */
#ifndef PETE_APP_OPEN_H
#define PETE_APP_OPEN_H

#include "core/app.h"

enum app_part {
    APP_STORE = 1,       /* the database, migrated, serving as the unprivileged role */
    APP_AUTH = 2,        /* the token verifier and built-in issuer */
    APP_BACKGROUND = 4,  /* the page cache and the threads a server runs beside requests */
    APP_OUTBOUND = 8,    /* the outbound HTTP client */
};

/* Fills *a with the parts asked for (the master key always), in order; on failure logs
 * why, closes what was opened and returns -1. *a must start zeroed. */
int app_open(struct app *a, const struct config *cfg, unsigned parts);
/* Stops and frees what app_open started, in reverse order; accepts a partly opened app. */
void app_close(struct app *a);

#endif
