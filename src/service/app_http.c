/* SPDX-License-Identifier: MIT */
/* GET /app/...: the web dashboard, the files of web/ embedded at build time
 * (cmake/embed_dir.cmake). /app/users is the dashboard's page too: FRONTEND_URL/users is
 * where the calendar providers' sign-in sends the browser back (SPEC §5). */
#include <string.h>

#include "core/http_static.h"
#include "service/service.h"

extern const struct http_static_file service_web_files[]; /* generated from web/ */

int service_app(http_req *r)
{
    const char *rel = r->nvars > 0 ? r->vars[r->nvars - 1] : "";
    if (strcmp(rel, "users") == 0)
        rel = "";
    return http_static_reply(r, service_web_files, rel);
}
