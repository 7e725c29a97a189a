/* SPDX-License-Identifier: MIT */
/* Application error codes. Every service and store function returns one of
 * these; the HTTP layer maps them to status codes in one place (http.c). */
#ifndef PETE_CORE_ERR_H
#define PETE_CORE_ERR_H

typedef enum {
    APP_OK = 0,
    APP_E_PARAM,       /* bad input: 400 (or 422 with a field list) */
    APP_E_VALIDATION,  /* valid JSON failing validation: 422 */
    APP_E_AUTH,        /* missing or invalid credentials: 401 */
    APP_E_NOTFOUND,    /* missing, or another tenant's: 404 */
    APP_E_CONFLICT,    /* unique violation, taken slot: 409 */
    APP_E_RATE,        /* rate limited: 429 */
    APP_E_DB,          /* unexpected database error: 500 */
    APP_E_UNAVAILABLE, /* database unreachable or pool exhausted: 503 */
    APP_E_UPSTREAM,    /* outside service failed: 502 */
    APP_E_INTERNAL     /* anything else: 500 */
} app_err;

/* Default HTTP status for an error code. */
unsigned app_err_status(app_err e);
/* Default snake_case code for an error code. */
const char *app_err_code(app_err e);

#endif
