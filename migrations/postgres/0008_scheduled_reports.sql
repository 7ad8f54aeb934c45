-- Scheduled e-mail reports (PostgreSQL): the reports, their runs (one row per report and
-- scheduled time: the claim), and a log row per attempt. Instants TIMESTAMPTZ.
CREATE TABLE scheduled_reports (
    id                   UUID PRIMARY KEY,
    user_id              UUID NOT NULL REFERENCES users (id),
    name                 TEXT NOT NULL,
    -- 'cash_session' or 'reception_ticket'.
    type                 TEXT NOT NULL,
    -- 'daily', 'weekly', 'monthly' or 'custom'.
    frequency            TEXT NOT NULL,
    time_of_day          TEXT,
    weekday              BIGINT,
    day_of_month         BIGINT,
    cron_expression      TEXT,
    timezone             TEXT NOT NULL,
    -- Comma-separated addresses.
    recipients           TEXT NOT NULL,
    -- 'csv' or 'excel'.
    format               TEXT NOT NULL,
    filters_json         TEXT NOT NULL,
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    -- Set when the scheduler paused the report after repeated failures.
    paused_reason        TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    last_run             TIMESTAMPTZ,
    last_status          TEXT,
    -- The next scheduled time; the scheduler moves it forward when it claims a run.
    next_run             TIMESTAMPTZ,
    -- Where the owner is told of failures (at most once a day); none: in the app only.
    notify_email         TEXT,
    last_notified_at     TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX scheduled_reports_due_idx ON scheduled_reports (enabled, next_run);

CREATE TABLE scheduled_report_runs (
    id            UUID PRIMARY KEY,
    report_id     UUID NOT NULL REFERENCES scheduled_reports (id) ON DELETE CASCADE,
    scheduled_for TIMESTAMPTZ NOT NULL,
    -- 'scheduled', 'catch_up', 'manual' or 'retry'.
    origin        TEXT NOT NULL,
    -- 'delivering', 'success', 'failed'.
    status        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    -- At most one run per report and scheduled time, whatever the instances.
    UNIQUE (report_id, scheduled_for)
);

CREATE TABLE scheduled_report_logs (
    id            UUID PRIMARY KEY,
    report_id     UUID NOT NULL REFERENCES scheduled_reports (id) ON DELETE CASCADE,
    run_id        UUID REFERENCES scheduled_report_runs (id) ON DELETE CASCADE,
    scheduled_for TIMESTAMPTZ NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    duration_ms   BIGINT,
    -- 'success', 'failed', 'retrying', 'missed' or 'interrupted'.
    status        TEXT NOT NULL,
    attempt       BIGINT NOT NULL,
    rows_count    BIGINT,
    bytes         BIGINT,
    recipients    TEXT NOT NULL,
    error         TEXT
);
CREATE INDEX scheduled_report_logs_report_idx ON scheduled_report_logs (report_id, started_at);
