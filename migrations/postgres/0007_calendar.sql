-- SPDX-License-Identifier: MIT
-- The built-in calendar (src/calendar/): appointments, the mirror of a connected provider's
-- busy times, the provider connection (one per tenant) and the iCalendar feed token. All four
-- are tenant tables under forced row-level security like every other.
--
-- No two confirmed appointments of one tenant overlap: an exclusion constraint over
-- (user_id, [start, end)) for confirmed rows. It needs btree_gist (for user_id WITH =), a
-- contrib extension marked trusted since PostgreSQL 13: the role applying migrations may
-- create it when it holds CREATE on the database (its owner does); otherwise a superuser runs
-- `CREATE EXTENSION btree_gist;` in the database once, and this file then passes. The store
-- also checks (with the tenant's buffer) before it inserts, after taking the tenant's calendar
-- counter, so writers of one tenant queue; the constraint is the guarantee behind that check.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE appointments (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    rental_id bigint REFERENCES rentals(id) ON DELETE SET NULL,
    property_address text NOT NULL CHECK (length(property_address) BETWEEN 1 AND 300),
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    attendee_name text NOT NULL CHECK (length(attendee_name) BETWEEN 1 AND 200),
    attendee_email text CHECK (length(attendee_email) <= 254),
    attendee_phone text CHECK (length(attendee_phone) <= 40),
    notes text CHECK (length(notes) <= 2000),
    status text NOT NULL DEFAULT 'confirmed'
        CHECK (status IN ('confirmed', 'cancelled', 'completed', 'no_show')),
    source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'vapi', 'dashboard')),
    vapi_call_id text CHECK (length(vapi_call_id) <= 200),
    external_event_id text CHECK (length(external_event_id) <= 1024),
    sync_status text NOT NULL DEFAULT 'none'
        CHECK (sync_status IN ('none', 'pending', 'synced', 'failed')),
    -- raised on every reschedule or status change: the iCalendar SEQUENCE
    sequence integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (end_time > start_time),
    CONSTRAINT appointments_no_overlap EXCLUDE USING gist
        (user_id WITH =, tstzrange(start_time, end_time) WITH &&) WHERE (status = 'confirmed')
);
-- Lists in time order; and, covering what it reads, availability's busy times and the
-- overlap check (a voice caller waits on them).
CREATE INDEX appointments_user_start ON appointments (user_id, start_time, id);
CREATE INDEX appointments_user_busy ON appointments (user_id, status, start_time, end_time);
CREATE INDEX appointments_rental ON appointments (rental_id) WHERE rental_id IS NOT NULL;
ALTER TABLE appointments ENABLE ROW LEVEL SECURITY;
ALTER TABLE appointments FORCE ROW LEVEL SECURITY;
CREATE POLICY appointments_tenant ON appointments
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);

-- Busy times of the connected provider's calendar, mirrored by the worker (availability
-- never waits on a provider). A row blocks unless it is transparent (marked free) or
-- cancelled; keeping those rows lets the mirror be replaced page by page and lets
-- GET /calendar/events show them.
CREATE TABLE calendar_busy (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source text NOT NULL CHECK (source IN ('microsoft', 'google', 'caldav')),
    external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 1024),
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    transparent boolean NOT NULL DEFAULT false,
    cancelled boolean NOT NULL DEFAULT false,
    subject text CHECK (length(subject) <= 1000),
    location text CHECK (length(location) <= 1000),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (end_time >= start_time),
    UNIQUE (user_id, source, external_id)
);
-- Covering what availability and the overlap check read; the events list by start.
CREATE INDEX calendar_busy_user_start ON calendar_busy
    (user_id, start_time, end_time, transparent, cancelled);
ALTER TABLE calendar_busy ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_busy FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_busy_tenant ON calendar_busy
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);

-- The tenant's external calendar (SPEC §4): one provider at a time. secret_sealed holds the
-- provider's credentials (OAuth tokens, or a CalDAV password) as JSON sealed with the master
-- key (core/crypto.h); it is never returned by any endpoint. Empty until a provider connects.
CREATE TABLE calendar_connections (
    user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    provider text NOT NULL CHECK (provider IN ('microsoft', 'google', 'caldav')),
    account_email text CHECK (length(account_email) <= 254),
    calendar_id text CHECK (length(calendar_id) <= 1024),
    calendar_name text CHECK (length(calendar_name) <= 1000),
    calendar_url text CHECK (length(calendar_url) <= 2048),
    username text CHECK (length(username) <= 254),
    secret_sealed text,
    expires_at timestamptz,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'error', 'expired')),
    last_error text CHECK (length(last_error) <= 1000),
    busy_synced_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE calendar_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_connections FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_connections_tenant ON calendar_connections
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);

-- The iCalendar feed's secret: only its SHA-256 (hex) is stored; the token itself is shown
-- once, when POST /calendar/feed-token makes it. The token names its tenant, so the feed is
-- checked inside that tenant's transaction: no lookup crosses tenants. No row: no feed.
CREATE TABLE calendar_feeds (
    user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash text NOT NULL CHECK (length(token_hash) = 64),
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_feeds_tenant ON calendar_feeds
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);

-- The calendar family's change counter (core/versions.h, functions of 0005) moves with every
-- committed change to appointments, the busy mirror and the connection (the feed token shows
-- in no page); TRUNCATE moves every tenant's.
CREATE TRIGGER appointments_calendar AFTER INSERT OR UPDATE OR DELETE ON appointments
    FOR EACH ROW EXECUTE FUNCTION tenant_family_changed('calendar');
CREATE TRIGGER calendar_busy_calendar AFTER INSERT OR UPDATE OR DELETE ON calendar_busy
    FOR EACH ROW EXECUTE FUNCTION tenant_family_changed('calendar');
CREATE TRIGGER calendar_connections_calendar AFTER INSERT OR UPDATE OR DELETE
    ON calendar_connections FOR EACH ROW EXECUTE FUNCTION tenant_family_changed('calendar');
CREATE TRIGGER appointments_calendar_truncate AFTER TRUNCATE ON appointments
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_family_truncated('calendar');
CREATE TRIGGER calendar_busy_calendar_truncate AFTER TRUNCATE ON calendar_busy
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_family_truncated('calendar');
CREATE TRIGGER calendar_connections_calendar_truncate AFTER TRUNCATE ON calendar_connections
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_family_truncated('calendar');
