-- SPDX-License-Identifier: MIT
-- The voice assistant (SPEC §4 agents, calls): each agent is one Vapi assistant answering a
-- tenant's phone, with its own webhook secret (sealed with the master key; shown once); its
-- variables and functions (free-form settings the dashboard edits and sync sends along);
-- and the call log written from Vapi's end-of-call reports, once per Vapi call id. Times are
-- RFC 3339 UTC text, JSON compact text.

CREATE TABLE agents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vapi_assistant_id TEXT CHECK (length(vapi_assistant_id) BETWEEN 1 AND 100),
    agent_name TEXT NOT NULL CHECK (length(agent_name) BETWEEN 1 AND 200),
    is_active INTEGER NOT NULL DEFAULT 1,
    config TEXT NOT NULL DEFAULT '{}',
    webhook_secret_sealed TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
-- An assistant answers for one agent across the whole deployment.
CREATE UNIQUE INDEX agents_vapi_assistant ON agents (vapi_assistant_id);
CREATE INDEX agents_user ON agents (user_id, id);

CREATE TABLE agent_variables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    value TEXT NOT NULL CHECK (length(value) <= 4000),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (agent_id, name)
);

CREATE TABLE agent_functions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    description TEXT CHECK (length(description) <= 1000),
    parameters TEXT NOT NULL DEFAULT '{}',
    is_enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (agent_id, name)
);

CREATE TABLE calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    vapi_call_id TEXT NOT NULL CHECK (length(vapi_call_id) BETWEEN 1 AND 100),
    customer_number TEXT,
    started_at TEXT,
    ended_at TEXT,
    ended_reason TEXT,
    summary TEXT,
    transcript TEXT,
    cost REAL,
    recording_url TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX calls_vapi_call ON calls (vapi_call_id);
CREATE INDEX calls_user ON calls (user_id, id);
