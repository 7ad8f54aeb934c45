-- Cash (SQLite): sites, registers, till sessions, sales with items and split payments.
-- Money is whole cents (INTEGER); weights whole grams; instants INTEGER microseconds.
CREATE TABLE sites (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX sites_name_idx ON sites (lower(name));

CREATE TABLE registers (
    id         TEXT PRIMARY KEY NOT NULL,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX registers_name_idx ON registers (site_id, lower(name));

CREATE TABLE cash_sessions (
    id                  TEXT PRIMARY KEY NOT NULL,
    register_id         TEXT NOT NULL REFERENCES registers (id),
    operator_id         TEXT NOT NULL REFERENCES users (id),
    opened_at           INTEGER NOT NULL,
    -- Opened with a past date (a paper sales book typed in later).
    is_deferred         INTEGER NOT NULL DEFAULT 0,
    opening_float_cents INTEGER NOT NULL CHECK (opening_float_cents >= 0),
    -- Running totals, written in the same transaction as each sale.
    sales_count         INTEGER NOT NULL DEFAULT 0,
    items_count         INTEGER NOT NULL DEFAULT 0,
    total_cents         INTEGER NOT NULL DEFAULT 0,
    donation_cents      INTEGER NOT NULL DEFAULT 0,
    cash_cents          INTEGER NOT NULL DEFAULT 0,
    card_cents          INTEGER NOT NULL DEFAULT 0,
    check_cents         INTEGER NOT NULL DEFAULT 0,
    free_cents          INTEGER NOT NULL DEFAULT 0,
    weight_g            INTEGER NOT NULL DEFAULT 0,
    -- The close: what was counted, what was expected per method, and the cash variance.
    closed_at           INTEGER,
    closed_by           TEXT REFERENCES users (id),
    counted_cash_cents  INTEGER,
    counted_card_cents  INTEGER,
    counted_check_cents INTEGER,
    expected_cash_cents  INTEGER,
    expected_card_cents  INTEGER,
    expected_check_cents INTEGER,
    -- Seconds from opening to close, for the duration filters.
    duration_seconds    INTEGER,
    cash_variance_cents INTEGER,
    comment             TEXT,
    created_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX cash_sessions_one_open_per_register ON cash_sessions (register_id) WHERE closed_at IS NULL;
CREATE UNIQUE INDEX cash_sessions_one_open_per_operator ON cash_sessions (operator_id) WHERE closed_at IS NULL;
CREATE INDEX cash_sessions_opened_at_idx ON cash_sessions (opened_at);

CREATE TABLE sales (
    id             TEXT PRIMARY KEY NOT NULL,
    session_id     TEXT NOT NULL REFERENCES cash_sessions (id) ON DELETE CASCADE,
    -- The sale's date: now, or the session's opening when the session is deferred.
    sold_at        INTEGER NOT NULL,
    total_cents    INTEGER NOT NULL CHECK (total_cents >= 0),
    donation_cents INTEGER NOT NULL DEFAULT 0 CHECK (donation_cents >= 0),
    note           TEXT,
    created_by     TEXT NOT NULL REFERENCES users (id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX sales_session_idx ON sales (session_id, sold_at);

CREATE TABLE sale_items (
    id               TEXT PRIMARY KEY NOT NULL,
    sale_id          TEXT NOT NULL REFERENCES sales (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    category_id      TEXT NOT NULL REFERENCES categories (id),
    quantity         INTEGER NOT NULL CHECK (quantity >= 1),
    weight_g         INTEGER CHECK (weight_g > 0),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    line_total_cents INTEGER NOT NULL CHECK (line_total_cents >= 0)
);
CREATE INDEX sale_items_sale_idx ON sale_items (sale_id, position);

CREATE TABLE sale_payments (
    id           TEXT PRIMARY KEY NOT NULL,
    sale_id      TEXT NOT NULL REFERENCES sales (id) ON DELETE CASCADE,
    method       TEXT NOT NULL CHECK (method IN ('cash', 'card', 'check', 'free')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0)
);
CREATE INDEX sale_payments_sale_idx ON sale_payments (sale_id, method);
