/* SPDX-License-Identifier: MIT */
/* The whole API in one table, read top to bottom. ROUTE_AUTH routes get a verified
 * tenant (r->user_id) before their handler runs; the rest are public by design
 * (SPEC §3 lists which). */
#include "core/http.h"
#include "service/service.h"
#include "accounts/accounts.h"
#include "users/users.h"
#include "jobs/jobs.h"
#include "rentals/rentals.h"
#include "webhooks/clerk.h"

const struct route http_routes[] = {
    /* service */
    {"GET", "/", service_root, ROUTE_PUBLIC},
    {"GET", "/health", service_health, ROUTE_PUBLIC},
    {"GET", "/ready", service_ready, ROUTE_PUBLIC},
    {"GET", "/.well-known/jwks.json", service_jwks, ROUTE_PUBLIC},
    {"GET", "/openapi.json", service_openapi, ROUTE_PUBLIC},
    {"GET", "/docs", service_docs, ROUTE_PUBLIC},
    {"GET", "/metrics", service_metrics, ROUTE_AUTH},

    /* built-in accounts and the Clerk webhook (public: they authenticate themselves) */
    {"POST", "/auth/signup", accounts_http_signup, ROUTE_PUBLIC},
    {"POST", "/auth/login", accounts_http_login, ROUTE_PUBLIC},
    {"POST", "/auth/logout", accounts_http_logout, ROUTE_PUBLIC},
    {"POST", "/webhooks/clerk", clerk_http_webhook, ROUTE_PUBLIC},

    /* users */
    {"GET", "/users/me", users_http_me_get, ROUTE_AUTH},
    {"DELETE", "/users/me", users_http_me_delete, ROUTE_AUTH},
    {"GET", "/users/me/settings", users_http_settings_get, ROUTE_AUTH},
    {"PUT", "/users/me/settings", users_http_settings_put, ROUTE_AUTH},
    {"PATCH", "/users/me/settings", users_http_settings_patch, ROUTE_AUTH},

    /* rentals and the /database views */
    {"GET", "/rentals", rentals_http_list, ROUTE_AUTH},
    {"POST", "/rentals", rentals_http_create, ROUTE_AUTH},
    {"GET", "/rentals/{id}", rentals_http_get, ROUTE_AUTH},
    {"PATCH", "/rentals/{id}", rentals_http_patch, ROUTE_AUTH},
    {"DELETE", "/rentals/{id}", rentals_http_delete, ROUTE_AUTH},
    {"GET", "/database/status", rentals_http_db_status, ROUTE_AUTH},
    {"GET", "/database/rentals/{website}", rentals_http_db_website, ROUTE_AUTH},
    {"GET", "/database/available", rentals_http_db_available, ROUTE_AUTH},
    {"GET", "/database/sources", rentals_http_sources_list, ROUTE_AUTH},
    {"POST", "/database/sources", rentals_http_sources_create, ROUTE_AUTH},
    {"DELETE", "/database/sources/{id}", rentals_http_sources_delete, ROUTE_AUTH},

    /* background jobs */
    {"GET", "/jobs", jobs_http_list, ROUTE_AUTH},
    {"GET", "/jobs/{id}", jobs_http_get, ROUTE_AUTH},

    {NULL, NULL, NULL, 0},
};
