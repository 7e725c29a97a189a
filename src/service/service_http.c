/* SPDX-License-Identifier: MIT */
/* Service endpoints. /health never touches the database (it answers whether the
 * process serves); /ready makes one round trip and answers 503 when it fails. */
#include "service/service.h"

#include "core/log.h"

int service_root(http_req *r)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s], s:{s:s, s:s, s:s}}", "service",
                          "PeteRental", "version", PETE_VERSION, "status", "running", "features",
                          "auth", "users", "settings", "rentals", "multi_tenant", "links",
                          "api_docs", "/docs", "health", "/health", "app", "/app/");
    return http_reply_json_new(r, 200, j);
}

int service_health(http_req *r)
{
    static const char body[] = "{\"status\":\"healthy\",\"service\":\"peterental\"}";
    return http_reply_text(r, 200, "application/json; charset=utf-8", body, sizeof body - 1);
}

int service_ready(http_req *r)
{
    if (db_check(r->app->db) != DB_OK)
        return http_reply_error(r, 503, "database_unavailable",
                                "The database did not answer; try again shortly.");
    return http_reply_json_new(r, 200, json_pack("{s:s, s:s}", "status", "ready", "database",
                                                 db_get_dialect(r->app->db) == DB_POSTGRES
                                                     ? "postgresql"
                                                     : "sqlite"));
}

int service_jwks(http_req *r)
{
    return http_reply_json_new(r, 200, auth_jwks(r->app->auth));
}
