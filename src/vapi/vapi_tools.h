/* SPDX-License-Identifier: MIT */
/* Private to src/vapi/: what the tools of vapi_tools.c (listings) and vapi_tools_cal.c
 * (viewings) share: reading arguments, the tenant's listings matched by address, and the
 * calendar tools' entry points for vapi_tool_run's table. */
#ifndef PETE_VAPI_TOOLS_H
#define PETE_VAPI_TOOLS_H

#include "rentals/rentals.h"
#include "vapi/vapi.h"

/* Writes a sentence into out; returns false (the call's answer is an error entry). */
bool vapi_tool_fail(char *out, size_t cap, const char *sentence);
/* A number argument given as a number or a numeric string ("$1,250" is not one; "1250" is);
 * 0: absent or null, 1: read into *out, -1: present but not a finite number. */
int vapi_arg_num(const json_t *j_args, const char *key, double *out);
/* A string argument (borrowed); NULL when absent or null; *bad set when present but not a
 * string. */
const char *vapi_arg_str(const json_t *j_args, const char *key, bool *bad);
/* The tenant's today in its zone (America/Chicago when it never saved settings; UTC when
 * the settings cannot be read). */
struct vapi_date vapi_tenant_today(struct app *a, int64_t tenant);

#define VAPI_LISTINGS_MAX 2000 /* listings matched by address */

/* The tenant's listings' addresses (up to VAPI_LISTINGS_MAX), with the text each is matched
 * on: its property_address, with its city, state and zip added when the address has no comma
 * (a listing typed in by hand keeps those apart, and callers say them). */
struct vapi_listings {
    struct rentals_place_list places;
    char **cands; /* owned, one per place */
};
/* Loads into *L the listings addr may name (zeroed first; release with vapi_listings_free,
 * which also takes a zeroed one): when addr starts with a house number, only the listings
 * that can have it. Errors: those of rentals_places (nothing to free then). */
app_err vapi_listings_load(const struct vapi_tool_ctx *ctx, const char *addr,
                           struct vapi_listings *L);
void vapi_listings_free(struct vapi_listings *L);
/* The one listing addr names (borrowed from L); NULL with a sentence in out: none there, or
 * several ("Which one do you mean?"). */
const struct rentals_place *vapi_listing_named(const struct vapi_listings *L, const char *addr,
                                               char *out, size_t cap);

/* The viewing tools (vapi_tools_cal.c), as vapi_tool_run calls them. */
bool vapi_tool_get_availability(const struct vapi_tool_ctx *ctx, const json_t *j, char *out,
                                size_t cap);
bool vapi_tool_set_appointment(const struct vapi_tool_ctx *ctx, const json_t *j, char *out,
                               size_t cap);
bool vapi_tool_cancel_appointment(const struct vapi_tool_ctx *ctx, const json_t *j, char *out,
                                  size_t cap);

#endif
