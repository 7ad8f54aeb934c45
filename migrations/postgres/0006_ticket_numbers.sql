-- Ticket numbers (PostgreSQL): `2026-00123`, sequential within the year of the ticket
-- date (Europe/Paris), without gap or duplicate. `ticket_counters` holds the last
-- number of each year; a ticket insert bumps it in the same transaction, and the
-- counter's row lock orders concurrent creations.
ALTER TABLE tickets ADD COLUMN number_year BIGINT;
ALTER TABLE tickets ADD COLUMN number_seq BIGINT;

-- Existing tickets are numbered in date order.
UPDATE tickets SET number_year = EXTRACT(YEAR FROM ticket_at AT TIME ZONE 'Europe/Paris');
UPDATE tickets SET number_seq = r.n
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY number_year ORDER BY ticket_at, created_at, id) AS n FROM tickets) AS r
WHERE r.id = tickets.id;

ALTER TABLE tickets ALTER COLUMN number_year SET NOT NULL;
ALTER TABLE tickets ALTER COLUMN number_seq SET NOT NULL;

CREATE TABLE ticket_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL CHECK (last > 0)
);
INSERT INTO ticket_counters (year, last) SELECT number_year, MAX(number_seq) FROM tickets GROUP BY number_year;

CREATE UNIQUE INDEX tickets_number_idx ON tickets (number_year, number_seq);
