-- Durable mail deliveries (SQLite): one row per message to send, claimed by one worker
-- at a time, and one row per attempt. Instants INTEGER microseconds.
CREATE TABLE mail_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    -- 'cash_close_report', 'scheduled_report', 'notification'.
    kind            TEXT NOT NULL,
    -- What the message is about: a cash session, a scheduled report run.
    source_id       TEXT,
    -- Comma-separated addresses.
    recipients      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- The report to render into the attachment (JSON), until it is rendered.
    render_json     TEXT,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment      BLOB,
    rows_count      INTEGER,
    -- 'pending', 'claimed' (rendering), 'sending' (talking to the SMTP server),
    -- 'retrying', 'sent', 'failed', 'interrupted'.
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    -- A claim holds until then; past it, the claimer is presumed dead.
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX mail_deliveries_due_idx ON mail_deliveries (status, next_attempt_at);
CREATE INDEX mail_deliveries_created_idx ON mail_deliveries (created_at);
CREATE INDEX mail_deliveries_source_idx ON mail_deliveries (source_id);

CREATE TABLE mail_delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES mail_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    -- 'sending' while the SMTP exchange runs, then 'sent', 'retrying', 'failed' or
    -- 'interrupted'.
    status      TEXT NOT NULL,
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
