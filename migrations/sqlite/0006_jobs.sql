-- SPDX-License-Identifier: MIT
-- The durable job queue (src/jobs/): background work of a tenant (a scrape, a calendar push)
-- as rows that worker threads and `peterental worker` processes claim with a lease. Times
-- are RFC 3339 UTC text ("2026-03-02T15:30:00Z"), compared as text; run_after and
-- locked_until, which schedule, carry milliseconds ("2026-03-02T15:30:00.250Z"). payload
-- and result hold compact JSON text written by src/jobs/.
--
-- state: queued -> running (claimed: attempts + 1, locked_by = the worker, locked_until =
-- the lease's end) -> succeeded (result) | queued again after a backoff (last_error) | failed
-- (last_error, no attempts left). A running job whose lease expired is claimed again; on its
-- last attempt it is failed instead. max_attempts and lease_seconds are the kind's settings
-- when the job was enqueued. The claim is one write transaction (src/jobs/jobs_store.c).

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    dedup_key TEXT CHECK (length(dedup_key) BETWEEN 1 AND 200),
    payload TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    lease_seconds INTEGER NOT NULL DEFAULT 300 CHECK (lease_seconds BETWEEN 1 AND 86400),
    run_after TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    locked_by TEXT CHECK (length(locked_by) <= 128),
    locked_until TEXT,
    last_error TEXT CHECK (length(last_error) <= 2000),
    result TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK ((state = 'running') = (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);
-- One pending job per (tenant, kind, dedup key): enqueue inserts with ON CONFLICT on it.
CREATE UNIQUE INDEX jobs_dedup ON jobs (user_id, kind, dedup_key)
    WHERE state IN ('queued', 'running');
-- The claim's two scans: due queued jobs in order, and leases that ran out.
CREATE INDEX jobs_due ON jobs (run_after, id) WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running';
-- GET /jobs pages, newest first.
CREATE INDEX jobs_user_id ON jobs (user_id, id);
