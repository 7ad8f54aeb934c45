-- Login limits per client address, and expiry of throttle rows (SQLite).

-- When a username's row last counted an attempt: rows quiet for a lockout period are
-- deleted, so unknown usernames tried once do not stay forever.
ALTER TABLE login_throttle ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX login_throttle_updated_idx ON login_throttle (updated_at);

-- Login attempts by client address (an IPv4 address, or an IPv6 /64) and username,
-- counted before the password is checked and forgotten on success. Their sum for one
-- address is what the per-address limit counts; a locked username still lets in an
-- address that has no attempt of its own here.
CREATE TABLE login_failures (
    address    TEXT NOT NULL,
    username   TEXT NOT NULL,
    failures   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (address, username)
);
CREATE INDEX login_failures_updated_idx ON login_failures (updated_at);
