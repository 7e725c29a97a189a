-- SPDX-License-Identifier: MIT
-- The built-in calendar (src/calendar/): appointments, the mirror of a connected provider's
-- busy times, the provider connection (one per tenant) and the iCalendar feed token.
-- Times are RFC 3339 UTC text of one fixed shape ("2026-03-02T15:30:00Z", checked below),
-- so comparing them as text compares the instants; every writer, including the provider
-- sync that fills calendar_busy, must write that shape.
--
-- No two confirmed appointments of one tenant overlap. SQLite has no exclusion constraint:
-- the store checks and inserts inside one write transaction (BEGIN IMMEDIATE: one writer at
-- a time), after taking the tenant's calendar counter (tenant_versions), as on PostgreSQL.

CREATE TABLE appointments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    rental_id INTEGER REFERENCES rentals(id) ON DELETE SET NULL,
    property_address TEXT NOT NULL CHECK (length(property_address) BETWEEN 1 AND 300),
    start_time TEXT NOT NULL
        CHECK (start_time GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'),
    end_time TEXT NOT NULL
        CHECK (end_time GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'),
    attendee_name TEXT NOT NULL CHECK (length(attendee_name) BETWEEN 1 AND 200),
    attendee_email TEXT CHECK (length(attendee_email) <= 254),
    attendee_phone TEXT CHECK (length(attendee_phone) <= 40),
    notes TEXT CHECK (length(notes) <= 2000),
    status TEXT NOT NULL DEFAULT 'confirmed'
        CHECK (status IN ('confirmed', 'cancelled', 'completed', 'no_show')),
    source TEXT NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'vapi', 'dashboard')),
    vapi_call_id TEXT CHECK (length(vapi_call_id) <= 200),
    external_event_id TEXT CHECK (length(external_event_id) <= 1024),
    sync_status TEXT NOT NULL DEFAULT 'none'
        CHECK (sync_status IN ('none', 'pending', 'synced', 'failed')),
    -- raised on every reschedule or status change: the iCalendar SEQUENCE
    sequence INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK (end_time > start_time)
);
-- Lists in time order; and, covering what it reads, availability's busy times and the
-- overlap check (a voice caller waits on them).
CREATE INDEX appointments_user_start ON appointments (user_id, start_time, id);
CREATE INDEX appointments_user_busy ON appointments (user_id, status, start_time, end_time);
CREATE INDEX appointments_rental ON appointments (rental_id) WHERE rental_id IS NOT NULL;

-- Busy times of the connected provider's calendar, mirrored by the worker (availability
-- never waits on a provider). A row blocks unless it is transparent (marked free) or
-- cancelled; keeping those rows lets the mirror be replaced page by page and lets
-- GET /calendar/events show them.
CREATE TABLE calendar_busy (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('microsoft', 'google', 'caldav')),
    external_id TEXT NOT NULL CHECK (length(external_id) BETWEEN 1 AND 1024),
    start_time TEXT NOT NULL
        CHECK (start_time GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'),
    end_time TEXT NOT NULL
        CHECK (end_time GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'),
    transparent INTEGER NOT NULL DEFAULT 0 CHECK (transparent IN (0, 1)),
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    subject TEXT CHECK (length(subject) <= 1000),
    location TEXT CHECK (length(location) <= 1000),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK (end_time >= start_time),
    UNIQUE (user_id, source, external_id)
);
-- Covering what availability and the overlap check read; the events list by start.
CREATE INDEX calendar_busy_user_start ON calendar_busy
    (user_id, start_time, end_time, transparent, cancelled);

-- The tenant's external calendar (SPEC §4): one provider at a time. secret_sealed holds the
-- provider's credentials (OAuth tokens, or a CalDAV password) as JSON sealed with the master
-- key (core/crypto.h); it is never returned by any endpoint. Empty until a provider connects.
CREATE TABLE calendar_connections (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('microsoft', 'google', 'caldav')),
    account_email TEXT CHECK (length(account_email) <= 254),
    calendar_id TEXT CHECK (length(calendar_id) <= 1024),
    calendar_name TEXT CHECK (length(calendar_name) <= 1000),
    calendar_url TEXT CHECK (length(calendar_url) <= 2048),
    username TEXT CHECK (length(username) <= 254),
    secret_sealed TEXT,
    expires_at TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'error', 'expired')),
    last_error TEXT CHECK (length(last_error) <= 1000),
    busy_synced_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- The iCalendar feed's secret: only its SHA-256 (hex) is stored; the token itself is shown
-- once, when POST /calendar/feed-token makes it. No row: no feed.
CREATE TABLE calendar_feeds (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL CHECK (length(token_hash) = 64),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- The calendar family's change counter (core/versions.h) moves with every committed change to
-- appointments, the busy mirror and the connection (the feed token shows in no page). A row
-- deleted with its tenant has no counter left to move.
CREATE TRIGGER appointments_ins_calendar AFTER INSERT ON appointments BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER appointments_upd_calendar AFTER UPDATE ON appointments BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id) AND NEW.user_id <> OLD.user_id
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER appointments_del_calendar AFTER DELETE ON appointments BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER calendar_busy_ins_calendar AFTER INSERT ON calendar_busy BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER calendar_busy_upd_calendar AFTER UPDATE ON calendar_busy BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id) AND NEW.user_id <> OLD.user_id
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER calendar_busy_del_calendar AFTER DELETE ON calendar_busy BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER calendar_connections_ins_calendar AFTER INSERT ON calendar_connections BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER calendar_connections_upd_calendar AFTER UPDATE ON calendar_connections BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT NEW.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id) AND NEW.user_id <> OLD.user_id
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;

CREATE TRIGGER calendar_connections_del_calendar AFTER DELETE ON calendar_connections BEGIN
    INSERT INTO tenant_versions (user_id, family, version)
        SELECT OLD.user_id, 'calendar', 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
        ON CONFLICT (user_id, family) DO UPDATE SET version = tenant_versions.version + 1;
END;
