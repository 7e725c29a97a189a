-- SPDX-License-Identifier: MIT
-- Rental listings and the listing sites (sources) each tenant tracks. updated_at is set
-- by the store's UPDATE statements whenever listing data changes (not when only
-- scraped_at moves). Both tables are tenant tables: row-level security keyed on the
-- per-transaction setting app.user_id (db_begin_tenant), FORCEd so the owner obeys it too.

CREATE TABLE rentals (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    website text NOT NULL CHECK (length(website) BETWEEN 1 AND 255),
    source_url text,
    rental_id text,
    address text NOT NULL CHECK (length(address) BETWEEN 1 AND 300),
    unit text,
    city text,
    state text,
    zip text,
    bedrooms integer CHECK (bedrooms BETWEEN 0 AND 20),
    bathrooms numeric(4,1) CHECK (bathrooms BETWEEN 0 AND 20),
    square_feet integer CHECK (square_feet > 0),
    price numeric(12,2) CHECK (price >= 0 AND price < 1000000),
    property_type text,
    available_date date,
    available boolean NOT NULL DEFAULT true,
    amenities jsonb NOT NULL DEFAULT '[]',
    images jsonb NOT NULL DEFAULT '[]',
    description text,
    contact_info text,
    source_type text NOT NULL DEFAULT 'manual' CHECK (source_type IN ('scraped', 'manual')),
    extra_data jsonb NOT NULL DEFAULT '{}',
    scraped_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, website, address)
);
-- Keyset pagination and the GET /rentals filters; (user_id, website, ...) is covered by
-- the unique index.
CREATE INDEX rentals_user_id ON rentals (user_id, id);
CREATE INDEX rentals_user_available_price ON rentals (user_id, available, price);
CREATE INDEX rentals_user_bedrooms ON rentals (user_id, bedrooms);
ALTER TABLE rentals ENABLE ROW LEVEL SECURITY;
ALTER TABLE rentals FORCE ROW LEVEL SECURITY;
CREATE POLICY rentals_tenant ON rentals
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);

CREATE TABLE rental_sources (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    website text NOT NULL CHECK (length(website) BETWEEN 1 AND 255),
    url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    is_active boolean NOT NULL DEFAULT true,
    last_scraped_at timestamptz,
    last_status text,
    last_error text,
    rental_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, url)
);
CREATE INDEX rental_sources_user_website ON rental_sources (user_id, website);
ALTER TABLE rental_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE rental_sources FORCE ROW LEVEL SECURITY;
CREATE POLICY rental_sources_tenant ON rental_sources
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);
