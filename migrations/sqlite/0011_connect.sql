-- Connecting to the wider community (issue 10): private communities, the mailing-list
-- digest, the wiki page title, members' consent to be counted on the map, comment
-- notifications, and comments with their moderation record. Kept column-for-column
-- identical to the other backend's migration.

-- 1: nothing of this community is shown to anyone but its members (no public page,
-- feed, calendar, map or sitemap entry).
ALTER TABLE communities ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
-- The mailing list the digest goes to ('' = none), whether it goes monthly, and the
-- wiki page title the report is exported under ('' = "<community name> report").
ALTER TABLE communities ADD COLUMN list_address TEXT NOT NULL DEFAULT '';
ALTER TABLE communities ADD COLUMN digest_monthly INTEGER NOT NULL DEFAULT 0;
ALTER TABLE communities ADD COLUMN wiki_title TEXT NOT NULL DEFAULT '';

-- 1: the member's home city may be counted (aggregated by city) on a community's
-- public map of where participants came from.
ALTER TABLE users ADD COLUMN share_place INTEGER NOT NULL DEFAULT 0;
-- 1: the member wants an e-mail when someone comments where they took part.
ALTER TABLE users ADD COLUMN notify_comments INTEGER NOT NULL DEFAULT 0;

-- The outbox learns two kinds (the mailing-list digest, comment notifications) and
-- what a message is about beyond the ids it already has: a digest's period ('2026-11',
-- or a day for one sent by hand), the page and comment a notification points to.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('wave_invitation', 'wave_reminder', 'password_reset', 'account_invitation', 'digest', 'comment')),
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
    sent_at TEXT,
    item TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_new (id, key, kind, recipient, language, convening_id, participant_id, wave_id, user_id,
    community_id, role, state, attempts, last_error, next_attempt_at, lease_until, created_at, sent_at)
SELECT id, key, kind, recipient, language, convening_id, participant_id, wave_id, user_id,
    community_id, role, state, attempts, last_error, next_attempt_at, lease_until, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_convening ON outbox (convening_id);

-- A comment on a convening, a story, a community's framework or a proposal
-- (target_kind + target_id: the convening, story, community or proposal id). Replies
-- are one level deep: parent_id names a top-level comment on the same target.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    parent_id INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    author_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX comments_target ON comments (target_kind, target_id, id);

-- Who hid or restored which comment, and when.
CREATE TABLE comment_actions (
    id INTEGER PRIMARY KEY,
    comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    action TEXT NOT NULL,               -- 'hide' or 'restore'
    by_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    at TEXT NOT NULL
);
CREATE INDEX comment_actions_comment ON comment_actions (comment_id);
