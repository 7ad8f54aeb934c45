-- A category's name as compared between siblings (lower case, no accents, spaces
-- collapsed), computed by the server (reception::categories::name_key): two active
-- children of one parent may not share it, even when two admins create them at once.
-- Rows from before this migration get their key when the server starts; a key that
-- older duplicates would share stays NULL (outside the index) until one is renamed.
ALTER TABLE categories ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX categories_active_name_key ON categories (COALESCE(parent_id, ''), name_key)
    WHERE archived_at IS NULL AND name_key IS NOT NULL;
