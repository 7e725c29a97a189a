-- SPDX-License-Identifier: MIT
-- Connecting an external calendar (src/calendar/calendar_oauth.c): one row per OAuth consent
-- in flight. GET /calendar/auth/start writes it; the callback deletes it (DELETE ... RETURNING:
-- a state completes at most one connection) and refuses it once expires_at has passed. The
-- state the browser carries names the tenant and is signed with a key derived from the master
-- key; only the SHA-256 (hex) of its random part is stored here. code_verifier_sealed is the
-- PKCE verifier sealed with the master key; redirect_url is where the browser goes back to.
-- A tenant table under forced row-level security like every other.
CREATE TABLE oauth_states (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    state_hash text NOT NULL UNIQUE CHECK (length(state_hash) = 64),
    provider text NOT NULL CHECK (provider IN ('microsoft', 'google')),
    code_verifier_sealed text NOT NULL,
    redirect_url text CHECK (length(redirect_url) <= 2048),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_states_user ON oauth_states (user_id, expires_at);
ALTER TABLE oauth_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_states FORCE ROW LEVEL SECURITY;
CREATE POLICY oauth_states_tenant ON oauth_states
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);

-- The push job finds an appointment's external event by id, and the sync leaves the
-- tenant's own pushed events out of the busy mirror (the appointment blocks already).
CREATE INDEX appointments_external ON appointments (user_id, external_event_id)
    WHERE external_event_id IS NOT NULL;
