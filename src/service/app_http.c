/* SPDX-License-Identifier: MIT */
/* GET /app/...: the web dashboard, the files of web/ embedded at build time
 * (cmake/embed_dir.cmake). */
#include "core/http_static.h"
#include "service/service.h"

extern const struct http_static_file service_web_files[]; /* generated from web/ */

int service_app(http_req *r)
{
    return http_static_reply(r, service_web_files, r->nvars > 0 ? r->vars[r->nvars - 1] : "");
}
