-- Scheduled e-mail reports (SQLite): the reports, their runs (one row per report and
-- scheduled time: the claim), and a log row per attempt. Instants INTEGER microseconds.
CREATE TABLE scheduled_reports (
    id                   TEXT PRIMARY KEY NOT NULL,
    user_id              TEXT NOT NULL REFERENCES users (id),
    name                 TEXT NOT NULL,
    -- 'cash_session' or 'reception_ticket'.
    type                 TEXT NOT NULL,
    -- 'daily', 'weekly', 'monthly' or 'custom'.
    frequency            TEXT NOT NULL,
    time_of_day          TEXT,
    weekday              INTEGER,
    day_of_month         INTEGER,
    cron_expression      TEXT,
    timezone             TEXT NOT NULL,
    -- Comma-separated addresses.
    recipients           TEXT NOT NULL,
    -- 'csv' or 'excel'.
    format               TEXT NOT NULL,
    filters_json         TEXT NOT NULL,
    enabled              INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- Set when the scheduler paused the report after repeated failures.
    paused_reason        TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_run             INTEGER,
    last_status          TEXT,
    -- The next scheduled time; the scheduler moves it forward when it claims a run.
    next_run             INTEGER,
    -- Where the owner is told of failures (at most once a day); none: in the app only.
    notify_email         TEXT,
    last_notified_at     INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX scheduled_reports_due_idx ON scheduled_reports (enabled, next_run);

CREATE TABLE scheduled_report_runs (
    id            TEXT PRIMARY KEY NOT NULL,
    report_id     TEXT NOT NULL REFERENCES scheduled_reports (id) ON DELETE CASCADE,
    scheduled_for INTEGER NOT NULL,
    -- 'scheduled', 'catch_up', 'manual' or 'retry'.
    origin        TEXT NOT NULL,
    -- 'delivering', 'success', 'failed'.
    status        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    -- At most one run per report and scheduled time, whatever the instances.
    UNIQUE (report_id, scheduled_for)
);

CREATE TABLE scheduled_report_logs (
    id            TEXT PRIMARY KEY NOT NULL,
    report_id     TEXT NOT NULL REFERENCES scheduled_reports (id) ON DELETE CASCADE,
    run_id        TEXT REFERENCES scheduled_report_runs (id) ON DELETE CASCADE,
    scheduled_for INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    duration_ms   INTEGER,
    -- 'success', 'failed', 'retrying', 'missed' or 'interrupted'.
    status        TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    rows_count    INTEGER,
    bytes         INTEGER,
    recipients    TEXT NOT NULL,
    error         TEXT
);
CREATE INDEX scheduled_report_logs_report_idx ON scheduled_report_logs (report_id, started_at);
