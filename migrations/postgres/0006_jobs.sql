-- SPDX-License-Identifier: MIT
-- The durable job queue (src/jobs/): background work of a tenant (a scrape, a calendar push)
-- as rows that any number of `peterental worker` processes claim with a lease.
--
-- state: queued -> running (claimed: attempts + 1, locked_by = the worker, locked_until =
-- the lease's end) -> succeeded (result) | queued again after a backoff (last_error) | failed
-- (last_error, no attempts left). A running job whose lease expired is claimed again; on its
-- last attempt it is failed instead. max_attempts and lease_seconds are the kind's settings
-- when the job was enqueued.
--
-- A tenant table: row-level security keyed on app.user_id like every other one, so requests
-- and job handlers (run in the job's tenant) see their own jobs only. Two things must cross
-- tenants: claiming the next due job and counting the queue for /metrics. They run through
-- the SECURITY DEFINER functions below, which return no more than that, and see every row
-- through the policy jobs_queue: it applies only to the role that applied this migration
-- (the functions' owner; never the serving role peterental_app) and only while one of these
-- functions runs (each sets app.jobs_queue for its own statements and clears it before it
-- returns; an error aborts the transaction, setting and all). The serving role is granted
-- EXECUTE on them by app_grants_jobs, which db_restrict_role (src/core/db_pg.c) calls.

CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    dedup_key text CHECK (length(dedup_key) BETWEEN 1 AND 200),
    payload jsonb NOT NULL DEFAULT '{}',
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    lease_seconds integer NOT NULL DEFAULT 300 CHECK (lease_seconds BETWEEN 1 AND 86400),
    run_after timestamptz NOT NULL DEFAULT now(),
    locked_by text CHECK (length(locked_by) <= 128),
    locked_until timestamptz,
    last_error text CHECK (length(last_error) <= 2000),
    result jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
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

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_tenant ON jobs
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);
DO $$ BEGIN
    EXECUTE format('CREATE POLICY jobs_queue ON jobs TO %I'
                   ' USING (current_setting(''app.jobs_queue'', true) = ''on'')'
                   ' WITH CHECK (current_setting(''app.jobs_queue'', true) = ''on'')',
                   current_user);
END $$;

-- Claims one due job of the given kinds (a JSON array of names) for worker p_worker and
-- returns it, or no row. First, jobs whose lease ran out on their last allowed attempt are
-- failed; then a job whose lease ran out is claimed again before queued jobs, oldest first.
-- SKIP LOCKED: concurrent claims never wait on each other nor take the same job.
CREATE FUNCTION jobs_claim(p_worker text, p_kinds jsonb)
    RETURNS TABLE (job_id bigint, job_user_id bigint, job_kind text, job_payload text,
                   job_attempts integer, job_max_attempts integer, job_lease_seconds integer)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM set_config('app.jobs_queue', 'on', true);
    UPDATE public.jobs SET state = 'failed', locked_by = NULL, locked_until = NULL,
           last_error = 'the worker running its last attempt stopped (lease expired)',
           updated_at = now()
     WHERE id IN (SELECT l.id FROM public.jobs l
                   WHERE l.state = 'running' AND l.locked_until < now()
                     AND l.attempts >= l.max_attempts
                   FOR UPDATE SKIP LOCKED);

    RETURN QUERY
    WITH claimed AS (
        UPDATE public.jobs j SET state = 'running', attempts = j.attempts + 1,
               locked_by = p_worker,
               locked_until = now() + make_interval(secs => j.lease_seconds),
               updated_at = now()
         WHERE j.id IN (SELECT l.id FROM public.jobs l
                         WHERE l.state = 'running' AND l.locked_until < now()
                           AND l.attempts < l.max_attempts
                           AND l.kind IN (SELECT jsonb_array_elements_text(p_kinds))
                         ORDER BY l.locked_until
                         LIMIT 1
                         FOR UPDATE SKIP LOCKED)
        RETURNING j.id, j.user_id, j.kind, j.payload::text, j.attempts, j.max_attempts,
                  j.lease_seconds)
    SELECT * FROM claimed;
    IF FOUND THEN
        PERFORM set_config('app.jobs_queue', '', true);
        RETURN;
    END IF;

    RETURN QUERY
    WITH claimed AS (
        UPDATE public.jobs j SET state = 'running', attempts = j.attempts + 1,
               locked_by = p_worker,
               locked_until = now() + make_interval(secs => j.lease_seconds),
               updated_at = now()
         WHERE j.id IN (SELECT q.id FROM public.jobs q
                         WHERE q.state = 'queued' AND q.run_after <= now()
                           AND q.kind IN (SELECT jsonb_array_elements_text(p_kinds))
                         ORDER BY q.run_after, q.id
                         LIMIT 1
                         FOR UPDATE SKIP LOCKED)
        RETURNING j.id, j.user_id, j.kind, j.payload::text, j.attempts, j.max_attempts,
                  j.lease_seconds)
    SELECT * FROM claimed;
    PERFORM set_config('app.jobs_queue', '', true);
END
$$;

-- Pending jobs (queued or running) of every tenant, counted by kind and state: /metrics.
CREATE FUNCTION jobs_depth()
    RETURNS TABLE (job_kind text, job_state text, job_count bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM set_config('app.jobs_queue', 'on', true);
    RETURN QUERY
    SELECT j.kind, j.state, count(*) FROM public.jobs j
     WHERE j.state IN ('queued', 'running')
     GROUP BY j.kind, j.state;
    PERFORM set_config('app.jobs_queue', '', true);
END
$$;

REVOKE ALL ON FUNCTION jobs_claim(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION jobs_depth() FROM PUBLIC;

-- What the serving role gets for this table beyond the rights every table gets: the two
-- functions. db_restrict_role calls it with the role's name.
CREATE FUNCTION app_grants_jobs(p_role text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.jobs_claim(text, jsonb),'
                   ' public.jobs_depth() TO %I', p_role);
END
$$;
