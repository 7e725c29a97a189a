/* SPDX-License-Identifier: MIT */
/* The whole API in one table, read top to bottom. ROUTE_AUTH routes get a verified
 * tenant (r->user_id) before their handler runs; the rest are public by design
 * (SPEC §3 lists which). */
#include "core/http.h"
#include "service/service.h"

const struct route http_routes[] = {
    /* service */
    {"GET", "/", service_root, ROUTE_PUBLIC},
    {"GET", "/health", service_health, ROUTE_PUBLIC},
    {"GET", "/ready", service_ready, ROUTE_PUBLIC},
    {"GET", "/.well-known/jwks.json", service_jwks, ROUTE_PUBLIC},

    {NULL, NULL, NULL, 0},
};
