-- Reception figures per Paris day (PostgreSQL), for the dashboard: a year of lines
-- read as a few hundred rows per day instead of every line with its ticket.
-- `tickets.day_at` is the start of the ticket's Paris day (an instant, like ticket_at),
-- computed by the server. A ticket with a day is counted in the two tables below, its
-- lines included; the line writes keep them up to date in their own transaction.
-- Tickets from before this migration have no day: the server counts them and gives
-- them their day at start, in one transaction per day (reception::days).
ALTER TABLE tickets ADD COLUMN day_at TIMESTAMPTZ;
CREATE INDEX tickets_undated_idx ON tickets (ticket_at) WHERE day_at IS NULL;

CREATE TABLE reception_day_tickets (
    day_at      TIMESTAMPTZ NOT NULL,
    benevole_id UUID NOT NULL,
    tickets     BIGINT NOT NULL,
    PRIMARY KEY (day_at, benevole_id)
);

CREATE TABLE reception_day_lines (
    day_at      TIMESTAMPTZ NOT NULL,
    benevole_id UUID NOT NULL,
    category_id UUID NOT NULL,
    destination TEXT NOT NULL,
    is_exit     BOOLEAN NOT NULL,
    lines       BIGINT NOT NULL,
    grams       BIGINT NOT NULL,
    PRIMARY KEY (day_at, benevole_id, category_id, destination, is_exit)
);
