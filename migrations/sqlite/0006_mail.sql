-- E-mail (issue 7): an outbox that survives restarts and sends each message once.
-- Kept column-for-column identical to the PostgreSQL migration.

-- The language mails are written in: the participant's own, else the community's.
ALTER TABLE communities ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE participants ADD COLUMN language TEXT NOT NULL DEFAULT '';
-- Set when a participant follows the unsubscribe link of a mail: no more mail to them.
ALTER TABLE participants ADD COLUMN unsubscribed_at TEXT;

-- One row per message to send. `key` makes a message exactly-once (e.g. the invitation
-- of one participant to one wave). No secret is stored here: the links a mail carries are
-- made when it is sent. A sender leases a row (state 'sending', `lease_until`); a lease
-- that ran out (the sender died) lets another sender take the row again.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('wave_invitation', 'wave_reminder', 'password_reset', 'account_invitation')),
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    convening_id INTEGER REFERENCES convenings(id) ON DELETE CASCADE,
    participant_id INTEGER REFERENCES participants(id) ON DELETE CASCADE,
    wave_id INTEGER REFERENCES waves(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    community_id INTEGER REFERENCES communities(id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT '',       -- for an account invitation: member or steward
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'bounced')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_convening ON outbox (convening_id);

-- Unsubscribe links (one per mail sent to a participant; only the hash is kept).
CREATE TABLE unsubscribe_tokens (
    token_hash TEXT PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);

-- Password reset links: single use, one hour.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
