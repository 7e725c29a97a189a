/* SPDX-License-Identifier: MIT */
/* Service endpoints: /, /health, /ready, the built-in issuer's JWKS, the API description
 * (/openapi.json and the /docs page rendering it), /metrics and the web dashboard (/app/). */
#ifndef PETE_SERVICE_H
#define PETE_SERVICE_H

#include "core/http.h"

int service_root(http_req *r);
int service_health(http_req *r);
int service_ready(http_req *r);
int service_jwks(http_req *r);
int service_openapi(http_req *r);
int service_docs(http_req *r);
int service_metrics(http_req *r);
int service_app(http_req *r); /* GET /app/...: the embedded web/ folder */
/* Notes the start time /metrics reports; serve calls it once before the daemon starts. */
void service_metrics_start(void);

#endif
