-- SPDX-License-Identifier: MIT
-- Rate limits belong to core now (src/core/ratelimit.h): the failed-login and sign-up
-- counters were their first users; the webhook and OAuth count there too.
ALTER TABLE login_failures RENAME TO rate_limits;

-- Change counters per data family, instead of one per tenant (0003's users.data_version):
-- a cached page is stamped with the counters of the families it shows, so a change to one
-- family leaves the others' pages alone, and writers take their family's row, never the
-- users row. Families: listings (rentals, and what defines a source: its website, url,
-- whether it is active; not a scrape's bookkeeping), profile (settings and the account's
-- email and names). Later domains add theirs. Tables that only record work (jobs,
-- revocations, deliveries) have no trigger.
CREATE TABLE tenant_versions (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, family)
);

DROP TRIGGER rentals_ins_version;
DROP TRIGGER rentals_upd_version;
DROP TRIGGER rentals_del_version;
DROP TRIGGER rental_sources_ins_version;
DROP TRIGGER rental_sources_upd_version;
DROP TRIGGER rental_sources_del_version;
DROP TRIGGER user_settings_ins_version;
DROP TRIGGER user_settings_upd_version;
DROP TRIGGER user_settings_del_version;
DROP TRIGGER users_email_version;
ALTER TABLE users DROP COLUMN data_version;

-- A row deleted with its tenant (ON DELETE CASCADE) has no counter left to move.
CREATE TRIGGER rentals_ins_listings AFTER INSERT ON rentals BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'listings', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER rentals_upd_listings AFTER UPDATE ON rentals BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'listings', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'listings', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id) AND NEW.user_id <> OLD.user_id
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER rentals_del_listings AFTER DELETE ON rentals BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'listings', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER rental_sources_ins_listings AFTER INSERT ON rental_sources BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'listings', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER rental_sources_upd_listings AFTER UPDATE OF user_id, website, url, is_active ON rental_sources BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'listings', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'listings', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id) AND NEW.user_id <> OLD.user_id
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER rental_sources_del_listings AFTER DELETE ON rental_sources BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'listings', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER user_settings_ins_profile AFTER INSERT ON user_settings BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'profile', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER user_settings_upd_profile AFTER UPDATE ON user_settings BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'profile', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'profile', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id) AND NEW.user_id <> OLD.user_id
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER user_settings_del_profile AFTER DELETE ON user_settings BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'profile', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER users_profile AFTER UPDATE OF email, first_name, last_name ON users
    WHEN OLD.email IS NOT NEW.email OR OLD.first_name IS NOT NEW.first_name
      OR OLD.last_name IS NOT NEW.last_name BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.id, 'profile', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;
