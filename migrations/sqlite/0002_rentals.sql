-- SPDX-License-Identifier: MIT
-- Rental listings and the listing sites (sources) each tenant tracks. Times are RFC 3339
-- UTC text ("2026-03-02T15:30:00Z"), dates "YYYY-MM-DD"; amenities, images and extra_data
-- hold compact JSON text written by src/rentals/rentals_store.c. updated_at is set by the
-- store's UPDATE statements whenever listing data changes (not when only scraped_at moves).

CREATE TABLE rentals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    website TEXT NOT NULL CHECK (length(website) BETWEEN 1 AND 255),
    source_url TEXT,
    rental_id TEXT,
    address TEXT NOT NULL CHECK (length(address) BETWEEN 1 AND 300),
    unit TEXT,
    city TEXT,
    state TEXT,
    zip TEXT,
    bedrooms INTEGER CHECK (bedrooms BETWEEN 0 AND 20),
    bathrooms REAL CHECK (bathrooms BETWEEN 0 AND 20),
    square_feet INTEGER CHECK (square_feet > 0),
    price REAL CHECK (price >= 0 AND price < 1000000),
    property_type TEXT,
    available_date TEXT,
    available INTEGER NOT NULL DEFAULT 1,
    amenities TEXT NOT NULL DEFAULT '[]',
    images TEXT NOT NULL DEFAULT '[]',
    description TEXT,
    contact_info TEXT,
    source_type TEXT NOT NULL DEFAULT 'manual' CHECK (source_type IN ('scraped', 'manual')),
    extra_data TEXT NOT NULL DEFAULT '{}',
    scraped_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (user_id, website, address)
);
-- Keyset pagination and the GET /rentals filters; (user_id, website, ...) is covered by
-- the unique index.
CREATE INDEX rentals_user_id ON rentals (user_id, id);
CREATE INDEX rentals_user_available_price ON rentals (user_id, available, price);
CREATE INDEX rentals_user_bedrooms ON rentals (user_id, bedrooms);

CREATE TABLE rental_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    website TEXT NOT NULL CHECK (length(website) BETWEEN 1 AND 255),
    url TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    is_active INTEGER NOT NULL DEFAULT 1,
    last_scraped_at TEXT,
    last_status TEXT,
    last_error TEXT,
    rental_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (user_id, url)
);
CREATE INDEX rental_sources_user_website ON rental_sources (user_id, website);
