-- Download tokens are capped per user (the oldest go first) and purged once expired:
-- both look tokens up by user and by expiry.
CREATE INDEX download_tokens_user_idx ON download_tokens (user_id, created_at);
CREATE INDEX download_tokens_expiry_idx ON download_tokens (expires_at);
