-- SPDX-License-Identifier: MIT
-- Connecting an external calendar (src/calendar/calendar_oauth.c): one row per OAuth consent
-- in flight. GET /calendar/auth/start writes it; the callback deletes it (DELETE ... RETURNING:
-- a state completes at most one connection) and refuses it once expires_at has passed. The
-- state the browser carries names the tenant and is signed with a key derived from the master
-- key; only the SHA-256 (hex) of its random part is stored here. code_verifier_sealed is the
-- PKCE verifier sealed with the master key; redirect_url is where the browser goes back to.
-- expires_at is RFC 3339 UTC text of the fixed shape the other calendar tables use.
CREATE TABLE oauth_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    state_hash TEXT NOT NULL UNIQUE CHECK (length(state_hash) = 64),
    provider TEXT NOT NULL CHECK (provider IN ('microsoft', 'google')),
    code_verifier_sealed TEXT NOT NULL,
    redirect_url TEXT CHECK (length(redirect_url) <= 2048),
    expires_at TEXT NOT NULL
        CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX oauth_states_user ON oauth_states (user_id, expires_at);

-- The push job finds an appointment's external event by id, and the sync leaves the
-- tenant's own pushed events out of the busy mirror (the appointment blocks already).
CREATE INDEX appointments_external ON appointments (user_id, external_event_id)
    WHERE external_event_id IS NOT NULL;
