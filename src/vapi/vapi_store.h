/* SPDX-License-Identifier: MIT */
/* Private to src/vapi/: the store of agents, their variables and functions, and calls.
 * Every function but vapi_store_agent_by_assistant runs inside the caller's tenant
 * transaction and filters on user_id; another tenant's row is APP_E_NOTFOUND. */
#ifndef PETE_VAPI_STORE_H
#define PETE_VAPI_STORE_H

#include "core/db.h"
#include "vapi/vapi.h"

/* Inserts an agent (secret_sealed: crypto_seal's text); *out receives the stored row.
 * APP_E_CONFLICT when vapi_assistant_id is taken (by any tenant). */
app_err vapi_store_agent_insert(db_conn *c, int64_t user_id, const struct vapi_agent *in,
                                const char *secret_sealed, struct vapi_agent *out);
app_err vapi_store_agent_get(db_conn *c, int64_t user_id, int64_t id, struct vapi_agent *out);
app_err vapi_store_agent_list(db_conn *c, int64_t user_id, struct vapi_agent_list *out);
/* Writes name, assistant id, is_active and config of in (by in->id). APP_E_CONFLICT as
 * insert. */
app_err vapi_store_agent_update(db_conn *c, int64_t user_id, const struct vapi_agent *in,
                                struct vapi_agent *out);
app_err vapi_store_agent_secret(db_conn *c, int64_t user_id, int64_t id,
                                const char *secret_sealed);
/* The sealed secret of agent id into *out (a new string, free()). */
app_err vapi_store_agent_secret_get(db_conn *c, int64_t user_id, int64_t id, char **out);
app_err vapi_store_agent_delete(db_conn *c, int64_t user_id, int64_t id);

/* The agent answering for assistant_id, whichever tenant's (the webhook, before the tenant
 * is known; outside any transaction). APP_E_NOTFOUND when none. */
app_err vapi_store_agent_by_assistant(db_conn *c, const char *assistant_id,
                                      struct vapi_webhook_agent *out);

/* Variables and functions: insert or replace by (agent, name). */
app_err vapi_store_variable_put(db_conn *c, int64_t user_id, int64_t agent_id,
                                const char *name, const char *value, json_t **j_out);
app_err vapi_store_variables(db_conn *c, int64_t user_id, int64_t agent_id, json_t **j_out);
app_err vapi_store_function_put(db_conn *c, int64_t user_id, int64_t agent_id,
                                const char *name, const char *description,
                                const json_t *j_parameters, bool enabled, json_t **j_out);
app_err vapi_store_functions(db_conn *c, int64_t user_id, int64_t agent_id, json_t **j_out);

/* Stores an end-of-call report once per Vapi call id (a repeat changes nothing: *stored
 * false). */
app_err vapi_store_call_insert(db_conn *c, int64_t user_id, int64_t agent_id,
                               const struct vapi_eoc *e, bool *stored);
/* Calls newest first, after before_id (0: from the newest), at most limit + 1 rows. */
app_err vapi_store_calls(db_conn *c, int64_t user_id, int64_t before_id, int limit,
                         json_t **j_out);
app_err vapi_store_call_get(db_conn *c, int64_t user_id, int64_t id, json_t **j_out);

#endif
