-- Ticket numbers (SQLite): `2026-00123`, sequential within the year of the ticket date
-- (Europe/Paris), without gap or duplicate. `ticket_counters` holds the last number of
-- each year; a ticket insert bumps it in the same transaction.
ALTER TABLE tickets ADD COLUMN number_year INTEGER;
ALTER TABLE tickets ADD COLUMN number_seq INTEGER;

-- Existing tickets are numbered in date order. The year is the Paris year: at New Year
-- Paris is always at UTC+1 (no summer time), so one hour is added to the UTC instant.
UPDATE tickets SET number_year = CAST(strftime('%Y', ticket_at / 1000000 + 3600, 'unixepoch') AS INTEGER);
UPDATE tickets SET number_seq = r.n
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY number_year ORDER BY ticket_at, created_at, id) AS n FROM tickets) AS r
WHERE r.id = tickets.id;

CREATE TABLE ticket_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last INTEGER NOT NULL CHECK (last > 0)
);
INSERT INTO ticket_counters (year, last) SELECT number_year, MAX(number_seq) FROM tickets GROUP BY number_year;

CREATE UNIQUE INDEX tickets_number_idx ON tickets (number_year, number_seq);
