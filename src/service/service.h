/* SPDX-License-Identifier: MIT */
/* Service endpoints that need no tenant: /, /health, /ready, the built-in issuer's JWKS. */
#ifndef PETE_SERVICE_H
#define PETE_SERVICE_H

#include "core/http.h"

int service_root(http_req *r);
int service_health(http_req *r);
int service_ready(http_req *r);
int service_jwks(http_req *r);

#endif
