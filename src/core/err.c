/* SPDX-License-Identifier: MIT */
/* The single mapping from app_err to HTTP status and error code. */
#include "core/err.h"

unsigned app_err_status(app_err e)
{
    switch (e) {
    case APP_OK: return 200;
    case APP_E_PARAM: return 400;
    case APP_E_VALIDATION: return 422;
    case APP_E_AUTH: return 401;
    case APP_E_NOTFOUND: return 404;
    case APP_E_CONFLICT: return 409;
    case APP_E_RATE: return 429;
    case APP_E_UNAVAILABLE: return 503;
    case APP_E_UPSTREAM: return 502;
    case APP_E_DB:
    case APP_E_INTERNAL: break;
    }
    return 500;
}

const char *app_err_code(app_err e)
{
    switch (e) {
    case APP_OK: return "ok";
    case APP_E_PARAM: return "bad_request";
    case APP_E_VALIDATION: return "validation_failed";
    case APP_E_AUTH: return "unauthorized";
    case APP_E_NOTFOUND: return "not_found";
    case APP_E_CONFLICT: return "conflict";
    case APP_E_RATE: return "rate_limited";
    case APP_E_UNAVAILABLE: return "service_unavailable";
    case APP_E_UPSTREAM: return "upstream_error";
    case APP_E_DB:
    case APP_E_INTERNAL: break;
    }
    return "internal_error";
}
