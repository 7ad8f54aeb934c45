-- Reception (SQLite): categories, postes, tickets, lines, download tokens.
-- Weights are whole grams (exact; 3 decimals of kg); instants are INTEGER microseconds.
CREATE TABLE categories (
    id                TEXT PRIMARY KEY NOT NULL,
    parent_id         TEXT REFERENCES categories (id),
    name              TEXT NOT NULL,
    display_order     INTEGER NOT NULL DEFAULT 0,
    visible_reception INTEGER NOT NULL DEFAULT 1,
    -- Soft delete: archived categories stay for statistics and exports.
    archived_at       INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX categories_parent_idx ON categories (parent_id);

CREATE TABLE postes (
    id          TEXT PRIMARY KEY NOT NULL,
    opened_by   TEXT NOT NULL REFERENCES users (id),
    opened_at   INTEGER NOT NULL,
    closed_at   INTEGER,
    closed_by   TEXT REFERENCES users (id),
    -- Opened with a past date (saisie différée).
    is_deferred INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
-- One current poste per user.
CREATE UNIQUE INDEX postes_one_open_per_user ON postes (opened_by) WHERE closed_at IS NULL;

CREATE TABLE tickets (
    id          TEXT PRIMARY KEY NOT NULL,
    poste_id    TEXT NOT NULL REFERENCES postes (id),
    benevole_id TEXT NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('opened', 'closed')),
    -- The date statistics use: creation time, or the poste's date when deferred.
    ticket_at   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    closed_at   INTEGER
);
CREATE INDEX tickets_ticket_at_idx ON tickets (ticket_at);
CREATE INDEX tickets_poste_idx ON tickets (poste_id);
CREATE INDEX tickets_benevole_idx ON tickets (benevole_id, ticket_at);
CREATE INDEX tickets_open_idx ON tickets (status) WHERE status = 'opened';

CREATE TABLE lignes (
    id          TEXT PRIMARY KEY NOT NULL,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    category_id TEXT NOT NULL REFERENCES categories (id),
    poids_g     INTEGER NOT NULL CHECK (poids_g > 0),
    destination TEXT NOT NULL CHECK (destination IN ('recyclage', 'revente', 'destruction', 'don', 'autre')),
    notes       TEXT,
    is_exit     INTEGER NOT NULL DEFAULT 0 CHECK (is_exit IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX lignes_ticket_idx ON lignes (ticket_id);

CREATE TABLE download_tokens (
    -- SHA-256 of the token handed out.
    token_hash TEXT PRIMARY KEY NOT NULL,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

-- A starter tree, editable in Administration > Catégories.
INSERT INTO categories (id, parent_id, name, display_order, created_at, updated_at) VALUES
    ('8b493180-f6cd-526a-9634-e96419dfe130', NULL, 'Mobilier', 10, 0, 0),
    ('36d1f84d-2cf4-5338-b905-915f1ad69b67', NULL, 'Électroménager (DEEE)', 20, 0, 0),
    ('2b0061b1-6352-5db6-9fba-d332d9dfe9c8', NULL, 'Textile', 30, 0, 0),
    ('17bcf5aa-c4a4-50fe-83c3-7fb0cbbfc733', NULL, 'Livres et médias', 40, 0, 0),
    ('f068e35f-b7c9-5574-93bd-03b21b38dfb2', NULL, 'Vaisselle et cuisine', 50, 0, 0),
    ('3b909225-2f1c-585f-a88b-7c55dc1e23d3', NULL, 'Jouets', 60, 0, 0),
    ('2b9fb419-ce6b-5c0f-94f0-7ce45242c2bd', NULL, 'Bibelots et décoration', 70, 0, 0),
    ('dfea542b-05be-5be8-ad39-3c07c3497b31', NULL, 'Autre', 90, 0, 0),
    ('4ce3c552-ca59-523e-8e42-9c56d0b3208f', '36d1f84d-2cf4-5338-b905-915f1ad69b67', 'Petit électroménager', 10, 0, 0),
    ('b340c26c-7fc0-5c80-813e-2df89aca12e0', '36d1f84d-2cf4-5338-b905-915f1ad69b67', 'Gros électroménager', 20, 0, 0),
    ('1a6bf63f-0dcc-5e94-9c99-6c56222d79d4', '2b0061b1-6352-5db6-9fba-d332d9dfe9c8', 'Vêtements', 10, 0, 0),
    ('1cf5bd2e-cbb6-51dd-b53b-b8944180a71e', '2b0061b1-6352-5db6-9fba-d332d9dfe9c8', 'Linge de maison', 20, 0, 0);
