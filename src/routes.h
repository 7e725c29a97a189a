/* SPDX-License-Identifier: MIT */
/* The application's two tables, given to the server at start (core/http.h): every route,
 * and the authenticator each kind of route needs. */
#ifndef PETE_ROUTES_H
#define PETE_ROUTES_H

#include "core/http.h"

extern const struct route app_routes[];                        /* ends with {NULL} */
extern const http_authenticator app_authenticators[HTTP_AUTH_COUNT];

#endif
