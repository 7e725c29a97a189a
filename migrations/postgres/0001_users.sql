-- SPDX-License-Identifier: MIT
-- Tenants (users), their settings, built-in accounts, deletion tombstones and login
-- rate-limit counters.
--
-- Every tenant-owned table added by later migrations MUST carry
--   user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE
-- plus the row-level security policy shown on user_settings below, so that deleting
-- the users row (DELETE /users/me, Clerk user.deleted) erases all of the tenant's data.
--
-- users has no row-level security: it is the tenant registry, looked up by
-- (issuer, subject) before the tenant is known.

CREATE TABLE users (
    id bigserial PRIMARY KEY,
    issuer text NOT NULL,
    subject text NOT NULL,
    email text,
    first_name text,
    last_name text,
    full_name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, subject)
);

CREATE TABLE user_settings (
    user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    timezone text NOT NULL,
    theme text NOT NULL CHECK (theme IN ('light', 'dark', 'system')),
    notify_email boolean NOT NULL,
    notify_sms boolean NOT NULL,
    notification_email text,
    business_hours text NOT NULL,
    slot_minutes integer NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    buffer_minutes integer NOT NULL CHECK (buffer_minutes BETWEEN 0 AND 240),
    min_notice_minutes integer NOT NULL CHECK (min_notice_minutes BETWEEN 0 AND 10080),
    booking_horizon_days integer NOT NULL CHECK (booking_horizon_days BETWEEN 1 AND 365),
    vapi_api_key_sealed text,
    vapi_api_key_last4 text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE user_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY user_settings_tenant ON user_settings
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);

-- Built-in accounts (POST /auth/signup). email is stored lower-cased. No row-level
-- security: login finds the account by email before the tenant is known. Instead the
-- serving role (peterental_app) has no rights on the table at all (db_restrict_role
-- revokes them): it reaches one account at a time, by exact email, through the two
-- SECURITY DEFINER functions below, which run as the role that applied this migration.
CREATE TABLE credentials (
    user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL
);

CREATE FUNCTION credentials_find(p_email text)
    RETURNS TABLE (user_id bigint, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ SELECT c.user_id, c.password_hash FROM public.credentials c
          WHERE c.email = p_email $$;

CREATE FUNCTION credentials_create(p_user_id bigint, p_email text, p_hash text)
    RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ INSERT INTO public.credentials (user_id, email, password_hash)
          VALUES (p_user_id, p_email, p_hash) $$;

REVOKE ALL ON FUNCTION credentials_find(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION credentials_create(bigint, text, text) FROM PUBLIC;

-- Tombstones: a token issued at or before deleted_at (epoch seconds) for this identity
-- is refused, so an erased tenant is not silently re-created by an old token.
CREATE TABLE deleted_users (
    issuer text NOT NULL,
    subject text NOT NULL,
    deleted_at bigint NOT NULL,
    PRIMARY KEY (issuer, subject)
);

-- Rate-limit counters in fixed windows starting at window_start (epoch seconds): failed
-- logins ("email:x", "ip:1.2.3.4", "ip:2001:db8:1:2::/64") and sign-up attempts
-- ("signup:ip:..."); kept here so every instance sees the same counts.
CREATE TABLE login_failures (
    key text PRIMARY KEY,
    window_start bigint NOT NULL,
    count integer NOT NULL
);
CREATE INDEX login_failures_window ON login_failures (window_start);
