-- SPDX-License-Identifier: MIT
-- Tokens revoked before they expire (POST /auth/logout), shared by every instance: each one
-- keeps the unexpired ids in memory, reads what other instances added every second, and
-- refuses those tokens. A row may go once its token has expired.
-- Svix deliveries already applied (POST /webhooks/clerk), kept for the signature window, so
-- a replayed delivery is acknowledged without being applied twice.
-- Neither table names a tenant: tokens and deliveries come before one is known.

CREATE TABLE revoked_tokens (
    token_id   TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_revoked_at ON revoked_tokens (revoked_at);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

CREATE TABLE webhook_deliveries (
    delivery_id TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (received_at);
