-- SPDX-License-Identifier: MIT
-- A per-tenant change counter. Every committed change to what a tenant's rental reads show
-- (rentals, rental_sources, user_settings, the account's email) increments
-- users.data_version in the same transaction, whoever makes it: this server, another
-- instance, or an operator at the SQL prompt. Rendered responses are cached against it
-- (src/core/respcache.h): a page is served from the cache only while the counter read at
-- the start of the request still equals the one it was rendered under.
--
-- Lock order: the counter's row is locked by the first change of a transaction. Services
-- that change several rows bump it explicitly before their first change
-- (users_store_bump_version), so two writers of one tenant queue on that row instead of
-- deadlocking on each other's rental rows.

ALTER TABLE users ADD COLUMN data_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION users_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET data_version = data_version + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
        UPDATE users SET data_version = data_version + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER rentals_data_version AFTER INSERT OR UPDATE OR DELETE ON rentals
    FOR EACH ROW EXECUTE FUNCTION users_data_changed();
CREATE TRIGGER rental_sources_data_version AFTER INSERT OR UPDATE OR DELETE ON rental_sources
    FOR EACH ROW EXECUTE FUNCTION users_data_changed();
CREATE TRIGGER user_settings_data_version AFTER INSERT OR UPDATE OR DELETE ON user_settings
    FOR EACH ROW EXECUTE FUNCTION users_data_changed();

CREATE FUNCTION users_email_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.data_version := OLD.data_version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_email_version BEFORE UPDATE OF email ON users
    FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION users_email_changed();

-- TRUNCATE fires no row triggers: emptying a table by hand moves every tenant's counter.
CREATE FUNCTION users_data_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET data_version = data_version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER rentals_truncate_version AFTER TRUNCATE ON rentals
    FOR EACH STATEMENT EXECUTE FUNCTION users_data_truncated();
CREATE TRIGGER rental_sources_truncate_version AFTER TRUNCATE ON rental_sources
    FOR EACH STATEMENT EXECUTE FUNCTION users_data_truncated();
CREATE TRIGGER user_settings_truncate_version AFTER TRUNCATE ON user_settings
    FOR EACH STATEMENT EXECUTE FUNCTION users_data_truncated();
