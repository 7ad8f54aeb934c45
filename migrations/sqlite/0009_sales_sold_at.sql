-- The cash block of /v1/stats/live reads today's sales by their date, across all
-- sessions: without this index each request scanned every sale ever made.
CREATE INDEX sales_sold_at_idx ON sales (sold_at);
