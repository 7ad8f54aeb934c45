-- Cash (PostgreSQL): sites, registers, till sessions, sales with items and split payments.
-- Money is whole cents (BIGINT); weights whole grams; instants TIMESTAMPTZ.
CREATE TABLE sites (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX sites_name_idx ON sites (lower(name));

CREATE TABLE registers (
    id         UUID PRIMARY KEY,
    site_id    UUID NOT NULL REFERENCES sites (id),
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX registers_name_idx ON registers (site_id, lower(name));

CREATE TABLE cash_sessions (
    id                  UUID PRIMARY KEY,
    register_id         UUID NOT NULL REFERENCES registers (id),
    operator_id         UUID NOT NULL REFERENCES users (id),
    opened_at           TIMESTAMPTZ NOT NULL,
    -- Opened with a past date (a paper sales book typed in later).
    is_deferred         BOOLEAN NOT NULL DEFAULT FALSE,
    opening_float_cents BIGINT NOT NULL CHECK (opening_float_cents >= 0),
    -- Running totals, written in the same transaction as each sale.
    sales_count         BIGINT NOT NULL DEFAULT 0,
    items_count         BIGINT NOT NULL DEFAULT 0,
    total_cents         BIGINT NOT NULL DEFAULT 0,
    donation_cents      BIGINT NOT NULL DEFAULT 0,
    cash_cents          BIGINT NOT NULL DEFAULT 0,
    card_cents          BIGINT NOT NULL DEFAULT 0,
    check_cents         BIGINT NOT NULL DEFAULT 0,
    free_cents          BIGINT NOT NULL DEFAULT 0,
    weight_g            BIGINT NOT NULL DEFAULT 0,
    -- The close: what was counted, what was expected per method, and the cash variance.
    closed_at           TIMESTAMPTZ,
    closed_by           UUID REFERENCES users (id),
    counted_cash_cents  BIGINT,
    counted_card_cents  BIGINT,
    counted_check_cents BIGINT,
    expected_cash_cents  BIGINT,
    expected_card_cents  BIGINT,
    expected_check_cents BIGINT,
    -- Seconds from opening to close, for the duration filters.
    duration_seconds    BIGINT,
    cash_variance_cents BIGINT,
    comment             TEXT,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX cash_sessions_one_open_per_register ON cash_sessions (register_id) WHERE closed_at IS NULL;
CREATE UNIQUE INDEX cash_sessions_one_open_per_operator ON cash_sessions (operator_id) WHERE closed_at IS NULL;
CREATE INDEX cash_sessions_opened_at_idx ON cash_sessions (opened_at);

CREATE TABLE sales (
    id             UUID PRIMARY KEY,
    session_id     UUID NOT NULL REFERENCES cash_sessions (id) ON DELETE CASCADE,
    -- The sale's date: now, or the session's opening when the session is deferred.
    sold_at        TIMESTAMPTZ NOT NULL,
    total_cents    BIGINT NOT NULL CHECK (total_cents >= 0),
    donation_cents BIGINT NOT NULL DEFAULT 0 CHECK (donation_cents >= 0),
    note           TEXT,
    created_by     UUID NOT NULL REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX sales_session_idx ON sales (session_id, sold_at);

CREATE TABLE sale_items (
    id               UUID PRIMARY KEY,
    sale_id          UUID NOT NULL REFERENCES sales (id) ON DELETE CASCADE,
    position         BIGINT NOT NULL,
    category_id      UUID NOT NULL REFERENCES categories (id),
    quantity         BIGINT NOT NULL CHECK (quantity >= 1),
    weight_g         BIGINT CHECK (weight_g > 0),
    unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents >= 0),
    line_total_cents BIGINT NOT NULL CHECK (line_total_cents >= 0)
);
CREATE INDEX sale_items_sale_idx ON sale_items (sale_id, position);

CREATE TABLE sale_payments (
    id           UUID PRIMARY KEY,
    sale_id      UUID NOT NULL REFERENCES sales (id) ON DELETE CASCADE,
    method       TEXT NOT NULL CHECK (method IN ('cash', 'card', 'check', 'free')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0)
);
CREATE INDEX sale_payments_sale_idx ON sale_payments (sale_id, method);
