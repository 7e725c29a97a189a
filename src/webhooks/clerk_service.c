/* SPDX-License-Identifier: MIT */
/* The Clerk webhook's rule on deliveries: each verified Svix delivery is applied once. */
#include <time.h>

#include "core/app.h"
#include "webhooks/clerk.h"

app_err clerk_delivery(struct app *a, const char *id, bool claim, bool *fresh)
{
    db_conn *c = NULL;
    app_err e = db_tx_begin(a->db, 0, true, &c);
    if (e != APP_OK)
        return e;
    e = claim ? clerk_store_claim(c, id, (int64_t)time(NULL), fresh) : clerk_store_forget(c, id);
    return db_tx_end(c, e);
}
