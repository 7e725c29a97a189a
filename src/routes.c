/* SPDX-License-Identifier: MIT */
/* The whole API in one table, read top to bottom, and who may call each route. BEARER
 * routes run their handler only after users_http_authenticate has verified the token (or
 * session cookie) and put the tenant on the request (r->tenant); FEED routes after
 * calendar_http_feed_authenticate has found the tenant whose feed token the URL carries;
 * OAUTH routes (the calendar consent's callbacks) after calendar_http_oauth_authenticate has
 * consumed the signed single-use state the URL carries, which names the tenant;
 * PUBLIC routes are public by design (SPEC §3 lists which). */
#include "routes.h"
#include "service/service.h"
#include "accounts/accounts.h"
#include "calendar/calendar.h"
#include "users/users.h"
#include "jobs/jobs.h"
#include "rentals/rentals.h"
#include "vapi/vapi.h"
#include "webhooks/clerk.h"

const struct route app_routes[] = {
    /* service */
    {"GET", "/", service_root, HTTP_AUTH_PUBLIC},
    {"GET", "/health", service_health, HTTP_AUTH_PUBLIC},
    {"GET", "/ready", service_ready, HTTP_AUTH_PUBLIC},
    {"GET", "/.well-known/jwks.json", service_jwks, HTTP_AUTH_PUBLIC},
    {"GET", "/openapi.json", service_openapi, HTTP_AUTH_PUBLIC},
    {"GET", "/docs", service_docs, HTTP_AUTH_PUBLIC},
    {"GET", "/metrics", service_metrics, HTTP_AUTH_BEARER},
    {"GET", "/app/*", service_app, HTTP_AUTH_PUBLIC},

    /* built-in accounts and the Clerk webhook (public: they authenticate themselves) */
    {"POST", "/auth/signup", accounts_http_signup, HTTP_AUTH_PUBLIC},
    {"POST", "/auth/login", accounts_http_login, HTTP_AUTH_PUBLIC},
    {"POST", "/auth/logout", accounts_http_logout, HTTP_AUTH_PUBLIC},
    {"POST", "/webhooks/clerk", clerk_http_webhook, HTTP_AUTH_PUBLIC},

    /* users */
    {"GET", "/users/me", users_http_me_get, HTTP_AUTH_BEARER},
    {"DELETE", "/users/me", users_http_me_delete, HTTP_AUTH_BEARER},
    {"GET", "/users/me/settings", users_http_settings_get, HTTP_AUTH_BEARER},
    {"PUT", "/users/me/settings", users_http_settings_put, HTTP_AUTH_BEARER},
    {"PATCH", "/users/me/settings", users_http_settings_patch, HTTP_AUTH_BEARER},

    /* rentals and the /database views */
    {"GET", "/rentals", rentals_http_list, HTTP_AUTH_BEARER},
    {"POST", "/rentals", rentals_http_create, HTTP_AUTH_BEARER},
    {"GET", "/rentals/{id}", rentals_http_get, HTTP_AUTH_BEARER},
    {"PATCH", "/rentals/{id}", rentals_http_patch, HTTP_AUTH_BEARER},
    {"DELETE", "/rentals/{id}", rentals_http_delete, HTTP_AUTH_BEARER},
    {"GET", "/database/status", rentals_http_db_status, HTTP_AUTH_BEARER},
    {"GET", "/database/rentals/{website}", rentals_http_db_website, HTTP_AUTH_BEARER},
    {"GET", "/database/available", rentals_http_db_available, HTTP_AUTH_BEARER},
    {"GET", "/database/sources", rentals_http_sources_list, HTTP_AUTH_BEARER},
    {"POST", "/database/sources", rentals_http_sources_create, HTTP_AUTH_BEARER},
    {"DELETE", "/database/sources/{id}", rentals_http_sources_delete, HTTP_AUTH_BEARER},
    {"POST", "/database/sources/{id}/scrape", rentals_http_sources_scrape, HTTP_AUTH_BEARER},

    /* the built-in calendar and appointments */
    {"GET", "/appointments", calendar_http_appts_list, HTTP_AUTH_BEARER},
    {"POST", "/appointments", calendar_http_appts_create, HTTP_AUTH_BEARER},
    {"GET", "/appointments/{id}", calendar_http_appt_get, HTTP_AUTH_BEARER},
    {"PATCH", "/appointments/{id}", calendar_http_appt_patch, HTTP_AUTH_BEARER},
    {"GET", "/calendar/availability", calendar_http_availability, HTTP_AUTH_BEARER},
    {"GET", "/calendar/events", calendar_http_events_list, HTTP_AUTH_BEARER},
    {"POST", "/calendar/events", calendar_http_events_create, HTTP_AUTH_BEARER},
    {"GET", "/calendar/auth/status", calendar_http_auth_status, HTTP_AUTH_BEARER},
    {"GET", "/calendar/auth/start", calendar_http_auth_start, HTTP_AUTH_BEARER},
    {"GET", "/calendar/auth/callback", calendar_http_auth_callback, HTTP_AUTH_OAUTH},
    {"DELETE", "/calendar/auth/disconnect", calendar_http_auth_disconnect, HTTP_AUTH_BEARER},
    {"GET", "/calendar/google/auth/status", calendar_http_google_auth_status, HTTP_AUTH_BEARER},
    {"GET", "/calendar/google/auth/start", calendar_http_google_auth_start, HTTP_AUTH_BEARER},
    {"GET", "/calendar/google/auth/callback", calendar_http_auth_callback, HTTP_AUTH_OAUTH},
    {"DELETE", "/calendar/google/auth/disconnect", calendar_http_google_auth_disconnect,
     HTTP_AUTH_BEARER},
    {"POST", "/calendar/caldav/connect", calendar_http_caldav_connect, HTTP_AUTH_BEARER},
    {"POST", "/calendar/feed-token", calendar_http_feed_rotate, HTTP_AUTH_BEARER},
    {"DELETE", "/calendar/feed-token", calendar_http_feed_revoke, HTTP_AUTH_BEARER},
    {"GET", "/calendar/feed.ics", calendar_http_feed, HTTP_AUTH_FEED},

    /* the voice assistant */
    {"GET", "/vapi/assistants", vapi_http_assistants, HTTP_AUTH_BEARER},
    {"POST", "/vapi/webhook", vapi_http_webhook, HTTP_AUTH_VAPI},
    {"GET", "/agents", vapi_http_agents_list, HTTP_AUTH_BEARER},
    {"POST", "/agents", vapi_http_agents_create, HTTP_AUTH_BEARER},
    {"GET", "/agents/{id}", vapi_http_agents_get, HTTP_AUTH_BEARER},
    {"PATCH", "/agents/{id}", vapi_http_agents_patch, HTTP_AUTH_BEARER},
    {"DELETE", "/agents/{id}", vapi_http_agents_delete, HTTP_AUTH_BEARER},
    {"POST", "/agents/{id}/rotate-secret", vapi_http_agents_rotate, HTTP_AUTH_BEARER},
    {"POST", "/agents/{id}/sync", vapi_http_agents_sync, HTTP_AUTH_BEARER},
    {"POST", "/agents/{id}/try", vapi_http_agents_try, HTTP_AUTH_BEARER},
    {"GET", "/agents/{id}/variables", vapi_http_variables_list, HTTP_AUTH_BEARER},
    {"POST", "/agents/{id}/variables", vapi_http_variables_put, HTTP_AUTH_BEARER},
    {"GET", "/agents/{id}/functions", vapi_http_functions_list, HTTP_AUTH_BEARER},
    {"POST", "/agents/{id}/functions", vapi_http_functions_put, HTTP_AUTH_BEARER},
    {"GET", "/calls", vapi_http_calls_list, HTTP_AUTH_BEARER},
    {"GET", "/calls/{id}", vapi_http_calls_get, HTTP_AUTH_BEARER},

    /* background jobs */
    {"GET", "/jobs", jobs_http_list, HTTP_AUTH_BEARER},
    {"GET", "/jobs/{id}", jobs_http_get, HTTP_AUTH_BEARER},

    {NULL, NULL, NULL, 0},
};

const http_authenticator app_authenticators[HTTP_AUTH_COUNT] = {
    [HTTP_AUTH_BEARER] = users_http_authenticate,
    [HTTP_AUTH_VAPI] = vapi_http_authenticate,
    [HTTP_AUTH_OAUTH] = calendar_http_oauth_authenticate,
    [HTTP_AUTH_FEED] = calendar_http_feed_authenticate,
};
