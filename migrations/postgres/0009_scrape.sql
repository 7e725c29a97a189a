-- SPDX-License-Identifier: MIT
-- Scraping (src/scrape/, SPEC §7): which source last saw a scraped rental, and when each
-- source is next refreshed.
--
-- rentals.source_id: the source whose sync last wrote the row. A sync marks unavailable only
-- the scraped rows of its website that it owns (or that no source owns: rows of a deleted
-- source), so two sources of one website do not mark each other's listings as gone. A
-- deleted source leaves its rentals (never deleted) with source_id NULL.
--
-- rental_sources.next_scrape_at: when the worker's sweep (src/scrape/scrape_sync.c) enqueues
-- the source's next sync; NULL means now. Every enqueue and every finished sync moves it a
-- day ahead, so each active source is refreshed daily. Bookkeeping: no change counter moves.
--
-- The sweep must see every tenant's due sources. It reads them through the SECURITY DEFINER
-- function rental_sources_due, which returns only (tenant, source id) pairs, and sees the
-- rows through the policy rental_sources_sweep: it applies only to the role that applied
-- this migration (the function's owner, never the serving role), for reading, and only while
-- the function runs (it sets app.sources_sweep for its own statement and clears it before it
-- returns). The sweep then enqueues each source's job in that tenant's own transaction.
ALTER TABLE rentals ADD COLUMN source_id bigint REFERENCES rental_sources(id) ON DELETE SET NULL;
CREATE INDEX rentals_source_id ON rentals (source_id) WHERE source_id IS NOT NULL;

ALTER TABLE rental_sources ADD COLUMN next_scrape_at timestamptz;
CREATE INDEX rental_sources_due ON rental_sources (next_scrape_at) WHERE is_active;

DO $$ BEGIN
    EXECUTE format('CREATE POLICY rental_sources_sweep ON rental_sources FOR SELECT TO %I'
                   ' USING (current_setting(''app.sources_sweep'', true) = ''on'')',
                   current_user);
END $$;

-- Active sources whose refresh is due, oldest first, at most p_limit of them.
CREATE FUNCTION rental_sources_due(p_limit integer)
    RETURNS TABLE (source_user_id bigint, source_id bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM set_config('app.sources_sweep', 'on', true);
    RETURN QUERY
    SELECT s.user_id, s.id FROM public.rental_sources s
     WHERE s.is_active AND (s.next_scrape_at IS NULL OR s.next_scrape_at <= now())
     ORDER BY s.next_scrape_at NULLS FIRST, s.id
     LIMIT greatest(p_limit, 0);
    PERFORM set_config('app.sources_sweep', '', true);
END
$$;
REVOKE ALL ON FUNCTION rental_sources_due(integer) FROM PUBLIC;

-- The serving role may call it (db_restrict_role calls every app_grants_* function).
CREATE FUNCTION app_grants_scrape(p_role text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.rental_sources_due(integer) TO %I',
                   p_role);
END
$$;
