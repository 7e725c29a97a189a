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
ALTER TABLE rentals ADD COLUMN source_id INTEGER REFERENCES rental_sources(id) ON DELETE SET NULL;
CREATE INDEX rentals_source_id ON rentals (source_id) WHERE source_id IS NOT NULL;

ALTER TABLE rental_sources ADD COLUMN next_scrape_at TEXT;
CREATE INDEX rental_sources_due ON rental_sources (next_scrape_at) WHERE is_active = 1;
