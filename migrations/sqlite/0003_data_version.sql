-- SPDX-License-Identifier: MIT
-- A per-tenant change counter. Every committed change to what a tenant's rental reads show
-- (rentals, rental_sources, user_settings, the account's email) increments
-- users.data_version in the same transaction, whoever makes it: this server, another
-- instance, or an operator at the SQL prompt. Rendered responses are cached against it
-- (src/core/respcache.h): a page is served from the cache only while the counter read at
-- the start of the request still equals the one it was rendered under.

ALTER TABLE users ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER rentals_ins_version AFTER INSERT ON rentals BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER rentals_upd_version AFTER UPDATE ON rentals BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER rentals_del_version AFTER DELETE ON rentals BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id = OLD.user_id;
END;

CREATE TRIGGER rental_sources_ins_version AFTER INSERT ON rental_sources BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER rental_sources_upd_version AFTER UPDATE ON rental_sources BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER rental_sources_del_version AFTER DELETE ON rental_sources BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id = OLD.user_id;
END;

CREATE TRIGGER user_settings_ins_version AFTER INSERT ON user_settings BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER user_settings_upd_version AFTER UPDATE ON user_settings BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER user_settings_del_version AFTER DELETE ON user_settings BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id = OLD.user_id;
END;

CREATE TRIGGER users_email_version AFTER UPDATE OF email ON users
    WHEN OLD.email IS NOT NEW.email BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id = NEW.id;
END;
