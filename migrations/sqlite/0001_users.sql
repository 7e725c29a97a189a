-- SPDX-License-Identifier: MIT
-- Tenants (users), their settings, built-in accounts, deletion tombstones and login
-- rate-limit counters. Times are RFC 3339 UTC text ("2026-03-02T15:30:00Z").
--
-- Every tenant-owned table added by later migrations MUST carry
--   user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE
-- so that deleting the users row (DELETE /users/me, Clerk user.deleted) erases all
-- of the tenant's data in one statement.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    full_name TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (issuer, subject)
);

CREATE TABLE user_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    timezone TEXT NOT NULL,
    theme TEXT NOT NULL CHECK (theme IN ('light', 'dark', 'system')),
    notify_email INTEGER NOT NULL,
    notify_sms INTEGER NOT NULL,
    notification_email TEXT,
    business_hours TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    buffer_minutes INTEGER NOT NULL CHECK (buffer_minutes BETWEEN 0 AND 240),
    min_notice_minutes INTEGER NOT NULL CHECK (min_notice_minutes BETWEEN 0 AND 10080),
    booking_horizon_days INTEGER NOT NULL CHECK (booking_horizon_days BETWEEN 1 AND 365),
    vapi_api_key_sealed TEXT,
    vapi_api_key_last4 TEXT,
    updated_at TEXT NOT NULL
);

-- Built-in accounts (POST /auth/signup). email is stored lower-cased. (PostgreSQL keeps
-- this table out of the serving role's reach behind credentials_find/credentials_create;
-- SQLite has no roles, the store uses plain SQL here.)
CREATE TABLE credentials (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);

-- Tombstones: a token issued at or before deleted_at (epoch seconds) for this identity
-- is refused, so an erased tenant is not silently re-created by an old token.
CREATE TABLE deleted_users (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    deleted_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
);

-- Rate-limit counters in fixed windows starting at window_start (epoch seconds): failed
-- logins ("email:x", "ip:1.2.3.4", "ip:2001:db8:1:2::/64") and sign-up attempts
-- ("signup:ip:..."); kept here so every instance sees the same counts.
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL
);
CREATE INDEX login_failures_window ON login_failures (window_start);
