/* SPDX-License-Identifier: MIT */
/* POST /webhooks/clerk: verifies the Svix signature over the raw body, then applies
 * user.created / user.updated (profile upsert by (CLERK_ISSUER, data.id)) and user.deleted
 * (the tenant is erased and tombstoned, as DELETE /users/me). Other events are
 * acknowledged and ignored so Svix does not retry them. */
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "users/users.h"
#include "webhooks/clerk.h"

/* Svix headers, or their Standard Webhooks spelling. */
static const char *hdr(const http_req *r, const char *svix, const char *std)
{
    const char *v = http_header(r, svix);
    return v ? v : http_header(r, std);
}

/* The primary address of a Clerk user object, else the first one; NULL when none. */
static const char *primary_email(const json_t *j_data)
{
    const json_t *j_list = json_object_get(j_data, "email_addresses");
    const char *primary = json_string_value(json_object_get(j_data, "primary_email_address_id"));
    size_t i;
    const json_t *j_addr;
    json_array_foreach(j_list, i, j_addr) {
        const char *id = json_string_value(json_object_get(j_addr, "id"));
        if (primary && id && strcmp(primary, id) == 0)
            return json_string_value(json_object_get(j_addr, "email_address"));
    }
    return json_string_value(json_object_get(json_array_get(j_list, 0), "email_address"));
}

/* Applies one verified event; replies. */
static int handle_event(http_req *r, const json_t *j_event)
{
    const char *type = json_string_value(json_object_get(j_event, "type"));
    const json_t *j_data = json_object_get(j_event, "data");
    const char *subject = json_string_value(json_object_get(j_data, "id"));
    const char *issuer = r->app->cfg->clerk_issuer;
    bool upsert = type && (!strcmp(type, "user.created") || !strcmp(type, "user.updated"));
    bool erase = type && !strcmp(type, "user.deleted");
    if (!upsert && !erase) {
        LOG_I("clerk event %s ignored", type ? type : "(no type)");
        return http_reply_json_new(r, 200, json_pack("{s:s}", "status", "ignored"));
    }
    if (!subject || !*subject)
        return http_reply_error(r, 400, "invalid_field_type", "Field 'data.id' must be a string.");
    app_err e;
    if (erase) {
        e = users_erase(r->app, issuer, subject);
    } else {
        e = users_upsert_profile(
            r->app, issuer, subject, primary_email(j_data),
            json_string_value(json_object_get(j_data, "first_name")),
            json_string_value(json_object_get(j_data, "last_name")));
    }
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    LOG_I("clerk event %s applied", type);
    return http_reply_json_new(r, 200, json_pack("{s:s}", "status", "ok"));
}

int clerk_http_webhook(http_req *r)
{
    const struct config *cfg = r->app->cfg;
    if (!cfg->clerk_webhook_secret || !*cfg->clerk_webhook_secret || !cfg->clerk_issuer ||
        !*cfg->clerk_issuer)
        return http_reply_error(r, 503, "webhook_not_configured",
                                "The Clerk webhook needs CLERK_WEBHOOK_SECRET and CLERK_ISSUER.");
    int rc = svix_verify(cfg->clerk_webhook_secret, hdr(r, "svix-id", "webhook-id"),
                         hdr(r, "svix-timestamp", "webhook-timestamp"),
                         hdr(r, "svix-signature", "webhook-signature"), r->body ? r->body : "",
                         r->body ? r->body_len : 0, (long)time(NULL));
    if (rc == SVIX_E_SECRET)
        LOG_E("CLERK_WEBHOOK_SECRET is not a whsec_<base64> secret");
    else if (rc != SVIX_OK) /* the reason, never the signature (limited like every line) */
        LOG_I("Security - Clerk webhook refused: %s",
              rc == SVIX_E_HEADER      ? "a Svix header is missing or malformed"
              : rc == SVIX_E_TIMESTAMP ? "the timestamp is outside the tolerance"
                                       : "no signature matches");
    if (rc != SVIX_OK)
        return http_reply_error(r, 401, "invalid_signature",
                                "The webhook signature is missing, invalid or expired.");
    json_t *j_event = json_loadb(r->body, r->body_len, 0, NULL);
    if (!json_is_object(j_event)) {
        json_decref(j_event);
        return http_reply_error(r, 400, "invalid_json", "The body is not a JSON object.");
    }
    const char *id = hdr(r, "svix-id", "webhook-id");
    bool fresh = false;
    app_err e = clerk_delivery(r->app, id, true, &fresh);
    int out;
    if (e != APP_OK) {
        out = http_reply_err(r, e, NULL);
    } else if (!fresh) {
        LOG_I("clerk delivery already applied; acknowledged again");
        out = http_reply_json_new(r, 200, json_pack("{s:s}", "status", "duplicate"));
    } else {
        out = handle_event(r, j_event);
        if (r->status >= 400) /* not applied: let Svix's retry through */
            clerk_delivery(r->app, id, false, &fresh);
    }
    json_decref(j_event);
    return out;
}
