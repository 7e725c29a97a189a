-- SPDX-License-Identifier: MIT
-- The voice assistant (SPEC §4 agents, calls): each agent is one Vapi assistant answering a
-- tenant's phone, with its own webhook secret (sealed with the master key; shown once); its
-- variables and functions (free-form settings the dashboard edits and sync sends along);
-- and the call log written from Vapi's end-of-call reports, once per Vapi call id.
--
-- Tenant tables under forced row-level security like every other. One thing crosses
-- tenants: the webhook finds the agent of an assistant id before it knows the tenant. It
-- does so through the SECURITY DEFINER function vapi_agent_lookup, which returns that one
-- agent and sees every row through the policy agents_lookup: it applies only to the role
-- that applied this migration (the function's owner) and only while the function runs (it
-- sets app.agent_lookup for its own statement and clears it). The serving role gets EXECUTE
-- through app_grants_vapi, which db_restrict_role (src/core/db_pg.c) calls.

CREATE TABLE agents (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vapi_assistant_id text CHECK (length(vapi_assistant_id) BETWEEN 1 AND 100),
    agent_name text NOT NULL CHECK (length(agent_name) BETWEEN 1 AND 200),
    is_active boolean NOT NULL DEFAULT true,
    config jsonb NOT NULL DEFAULT '{}',
    webhook_secret_sealed text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agents_vapi_assistant ON agents (vapi_assistant_id);
CREATE INDEX agents_user ON agents (user_id, id);

CREATE TABLE agent_variables (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    agent_id bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    value text NOT NULL CHECK (length(value) <= 4000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agent_id, name)
);

CREATE TABLE agent_functions (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    agent_id bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    description text CHECK (length(description) <= 1000),
    parameters jsonb NOT NULL DEFAULT '{}',
    is_enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agent_id, name)
);

CREATE TABLE calls (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    agent_id bigint REFERENCES agents(id) ON DELETE SET NULL,
    vapi_call_id text NOT NULL CHECK (length(vapi_call_id) BETWEEN 1 AND 100),
    customer_number text,
    started_at text,
    ended_at text,
    ended_reason text,
    summary text,
    transcript text,
    cost double precision,
    recording_url text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX calls_vapi_call ON calls (vapi_call_id);
CREATE INDEX calls_user ON calls (user_id, id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['agents', 'agent_variables', 'agent_functions', 'calls'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I'
                       ' USING (user_id = NULLIF(current_setting(''app.user_id'', true), '''')::bigint)'
                       ' WITH CHECK (user_id = NULLIF(current_setting(''app.user_id'', true), '''')::bigint)',
                       t || '_tenant', t);
    END LOOP;
    EXECUTE format('CREATE POLICY agents_lookup ON agents FOR SELECT TO %I'
                   ' USING (current_setting(''app.agent_lookup'', true) = ''on'')', current_user);
END $$;

-- The agent answering for an assistant id, whichever tenant's it is (the webhook's first
-- step). No row when none.
CREATE FUNCTION vapi_agent_lookup(p_assistant text)
    RETURNS TABLE (id bigint, user_id bigint, is_active boolean, config text,
                   webhook_secret_sealed text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM set_config('app.agent_lookup', 'on', true);
    RETURN QUERY SELECT a.id, a.user_id, a.is_active, a.config::text, a.webhook_secret_sealed
                 FROM public.agents a WHERE a.vapi_assistant_id = p_assistant;
    PERFORM set_config('app.agent_lookup', '', true);
END $$;
REVOKE ALL ON FUNCTION vapi_agent_lookup(text) FROM PUBLIC;

CREATE FUNCTION app_grants_vapi(p_role text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.vapi_agent_lookup(text) TO %I', p_role);
END $$;
