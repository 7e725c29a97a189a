/* SPDX-License-Identifier: MIT */
/* The Clerk webhook's rule on deliveries: each verified Svix delivery is applied once. */
#include <time.h>

#include "core/app.h"
#include "webhooks/clerk.h"

app_err clerk_delivery(struct app *a, const char *id, bool claim, bool *fresh)
{
    db_conn *c = NULL;
    db_err de = db_acquire(a->db, &c);
    if (de != DB_OK)
        return db_app_err(de);
    app_err e = claim ? clerk_store_claim(c, id, (int64_t)time(NULL), fresh)
                      : clerk_store_forget(c, id);
    db_release(c);
    return e;
}
