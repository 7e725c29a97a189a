/* SPDX-License-Identifier: MIT */
/* /openapi.json and /docs. Placeholder answers until the embedded description lands. */
#include "service/service.h"

int service_openapi(http_req *r)
{
    return http_reply_error(r, 404, "not_found", "The API description is not built yet.");
}

int service_docs(http_req *r)
{
    return http_reply_error(r, 404, "not_found", "The API documentation is not built yet.");
}
