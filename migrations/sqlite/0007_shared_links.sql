-- Shared links (issue 7): one link for everyone at a gathering (shown as a QR code), where
-- each person types their name; answering through it makes them a named guest of the
-- convening and gives them their own link to come back with. Only the hash is kept.
CREATE TABLE shared_links (
    id INTEGER PRIMARY KEY,
    wave_id INTEGER NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
