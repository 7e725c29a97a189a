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

-- Change counters per data family, instead of one per tenant (0003's users.data_version):
-- a cached page is stamped with the counters of the families it shows, so a change to one
-- family leaves the others' pages alone, and writers take their family's row, never the
-- users row. Families: listings (rentals, and what defines a source: its website, url,
-- whether it is active; not a scrape's bookkeeping), profile (settings and the account's
-- email and names). Later domains add theirs. Tables that only record work (jobs,
-- revocations, deliveries) have no trigger.
CREATE TABLE tenant_versions (
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family text NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, family)
);
ALTER TABLE tenant_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_versions_tenant ON tenant_versions
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);

DROP TRIGGER rentals_data_version ON rentals;
DROP TRIGGER rental_sources_data_version ON rental_sources;
DROP TRIGGER user_settings_data_version ON user_settings;
DROP TRIGGER users_email_version ON users;
DROP TRIGGER rentals_truncate_version ON rentals;
DROP TRIGGER rental_sources_truncate_version ON rental_sources;
DROP TRIGGER user_settings_truncate_version ON user_settings;
DROP FUNCTION users_data_changed();
DROP FUNCTION users_email_changed();
DROP FUNCTION users_data_truncated();
ALTER TABLE users DROP COLUMN data_version;

-- Moves one counter; nothing for a tenant being deleted (its rows go with ON DELETE CASCADE).
CREATE FUNCTION tenant_version_bump(p_user bigint, p_family text) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT p_user, p_family, 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = p_user)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1 $$;

-- Row trigger: the family is the trigger's argument.
CREATE FUNCTION tenant_family_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM tenant_version_bump(OLD.user_id, TG_ARGV[0]);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
        PERFORM tenant_version_bump(NEW.user_id, TG_ARGV[0]);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rentals_listings AFTER INSERT OR UPDATE OR DELETE ON rentals
    FOR EACH ROW EXECUTE FUNCTION tenant_family_changed('listings');
CREATE TRIGGER rental_sources_listings AFTER INSERT OR DELETE ON rental_sources
    FOR EACH ROW EXECUTE FUNCTION tenant_family_changed('listings');
CREATE TRIGGER rental_sources_listings_upd AFTER UPDATE OF user_id, website, url, is_active
    ON rental_sources FOR EACH ROW EXECUTE FUNCTION tenant_family_changed('listings');
CREATE TRIGGER user_settings_profile AFTER INSERT OR UPDATE OR DELETE ON user_settings
    FOR EACH ROW EXECUTE FUNCTION tenant_family_changed('profile');

-- The registry row changes outside any tenant's transaction (a Clerk webhook): the counter
-- is moved as that tenant, and the transaction's own tenant setting is put back.
CREATE FUNCTION users_profile_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev text := current_setting('app.user_id', true);
BEGIN
    PERFORM set_config('app.user_id', NEW.id::text, true);
    PERFORM tenant_version_bump(NEW.id, 'profile');
    PERFORM set_config('app.user_id', COALESCE(prev, ''), true);
    RETURN NULL;
END $$;
CREATE TRIGGER users_profile AFTER UPDATE OF email, first_name, last_name ON users
    FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email
                       OR OLD.first_name IS DISTINCT FROM NEW.first_name
                       OR OLD.last_name IS DISTINCT FROM NEW.last_name)
    EXECUTE FUNCTION users_profile_changed();

-- TRUNCATE fires no row triggers: every tenant's counter of the family moves (an operator's
-- statement; it runs with the operator's rights).
CREATE FUNCTION tenant_family_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT id, TG_ARGV[0], 1 FROM users
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER rentals_listings_truncate AFTER TRUNCATE ON rentals
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_family_truncated('listings');
CREATE TRIGGER rental_sources_listings_truncate AFTER TRUNCATE ON rental_sources
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_family_truncated('listings');
CREATE TRIGGER user_settings_profile_truncate AFTER TRUNCATE ON user_settings
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_family_truncated('profile');
