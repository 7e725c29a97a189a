-- SPDX-License-Identifier: MIT
-- Rate limits belong to core now (src/core/ratelimit.h): the failed-login and sign-up
-- counters were their first users; the webhook and OAuth count there too.
ALTER TABLE login_failures RENAME TO rate_limits;

-- The serving role's rights that belong to one table. db_pg.c grants the role what every
-- table gets (it knows no table by name), then calls each public app_grants_*(role)
-- function: a migration that needs more or less for its tables adds one. Credentials are
-- reached only through their two SECURITY DEFINER functions (0001).
CREATE FUNCTION app_grants_credentials(p_role text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
    AS $$
BEGIN
    EXECUTE format('REVOKE ALL ON TABLE public.credentials FROM %I', p_role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.credentials_find(text),'
                   ' public.credentials_create(bigint, text, text) TO %I', p_role);
END $$;
