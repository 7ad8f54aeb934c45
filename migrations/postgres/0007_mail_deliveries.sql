-- Durable mail deliveries (PostgreSQL): one row per message to send, claimed by one worker
-- at a time, and one row per attempt. Instants TIMESTAMPTZ.
CREATE TABLE mail_deliveries (
    id              UUID PRIMARY KEY,
    -- 'cash_close_report', 'scheduled_report', 'notification'.
    kind            TEXT NOT NULL,
    -- What the message is about: a cash session, a scheduled report run.
    source_id       UUID,
    -- Comma-separated addresses.
    recipients      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- The report to render into the attachment (JSON), until it is rendered.
    render_json     TEXT,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment      BYTEA,
    rows_count      BIGINT,
    -- 'pending', 'claimed' (rendering), 'sending' (talking to the SMTP server),
    -- 'retrying', 'sent', 'failed', 'interrupted'.
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    -- A claim holds until then; past it, the claimer is presumed dead.
    lease_until     TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX mail_deliveries_due_idx ON mail_deliveries (status, next_attempt_at);
CREATE INDEX mail_deliveries_created_idx ON mail_deliveries (created_at);
CREATE INDEX mail_deliveries_source_idx ON mail_deliveries (source_id);

CREATE TABLE mail_delivery_attempts (
    delivery_id UUID NOT NULL REFERENCES mail_deliveries (id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    -- 'sending' while the SMTP exchange runs, then 'sent', 'retrying', 'failed' or
    -- 'interrupted'.
    status      TEXT NOT NULL,
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
