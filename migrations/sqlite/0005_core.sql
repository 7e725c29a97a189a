-- SPDX-License-Identifier: MIT
-- Rate limits belong to core now (src/core/ratelimit.h): the failed-login and sign-up
-- counters were their first users; the webhook and OAuth count there too.
ALTER TABLE login_failures RENAME TO rate_limits;
