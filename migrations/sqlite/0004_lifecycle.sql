-- Every object has a life (issue 6): convenings, participants, stories, invitations,
-- answer links and API tokens can be edited, revoked or removed after they are made.
-- Kept column-for-column identical to the PostgreSQL migration. New yes/no columns are
-- INTEGER 0/1 on both backends (one query text, one decoding for both).

-- Optimistic concurrency: an edit names the version it was made from, and an edit made
-- from an older version is refused instead of silently overwriting someone else's.
ALTER TABLE convenings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE convenings ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';

-- Participants get an optional e-mail address. Removing one keeps the row (stories they
-- told still point at it, their name stays as recorded) and marks it removed.
ALTER TABLE participants ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE participants ADD COLUMN removed_at TEXT;

-- Private answer links, one row per link issued; only the SHA-256 of the token is kept.
-- Revoked and expired links stay, so that the page can say which it is. (The older
-- `participants.link_hash` column is no longer read; its links move here.)
CREATE TABLE answer_links (
    id INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,                     -- NULL: no expiry date
    revoked_at TEXT
);
CREATE INDEX answer_links_participant ON answer_links (participant_id);
INSERT INTO answer_links (participant_id, token_hash, created_at)
    SELECT id, link_hash, '' FROM participants WHERE link_hash IS NOT NULL;

-- Stories are edited in revisions: `stories` and `story_steps` hold the current one,
-- `story_revisions` every earlier one (steps as JSON). A hidden story is kept, shown to
-- stewards only, and left out of every count.
ALTER TABLE stories ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE stories ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE stories ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
-- 1 when told through a private answer link: the link's holder may see and edit these,
-- not the member's other stories.
ALTER TABLE stories ADD COLUMN via_link INTEGER NOT NULL DEFAULT 0;
UPDATE stories SET via_link = 1 WHERE teller_user_id IS NULL AND participant_id IS NOT NULL;
CREATE TABLE story_revisions (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    framework_id INTEGER NOT NULL REFERENCES frameworks(id),
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    visibility TEXT NOT NULL,
    show_name INTEGER NOT NULL,
    steps TEXT NOT NULL,                 -- JSON array of the steps of that revision
    revised_at TEXT NOT NULL,            -- when that revision was told or edited
    PRIMARY KEY (story_id, revision)
);

-- Invitation links with an id to list and revoke them, a use count (single-use unless a
-- steward asks for more; steward invitations are always single-use), and optionally one
-- addressed account: a member who has no password yet sets one through it.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'steward')),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    max_uses INTEGER,                    -- NULL: any number of uses
    uses INTEGER NOT NULL DEFAULT 0,
    for_user_id INTEGER REFERENCES users(id),
    revoked_at TEXT
);
CREATE INDEX invitations_community ON invitations (community_id);
INSERT INTO invitations (token_hash, community_id, role, created_by, created_at, expires_at, max_uses)
    SELECT token_hash, community_id, role, created_by, '', expires_at, NULL FROM community_invites;
DROP TABLE community_invites;

-- API tokens get an id, a name, a last-used date and an optional expiry; revoking one
-- deletes it.
CREATE TABLE api_tokens_v2 (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    expires_at TEXT
);
INSERT INTO api_tokens_v2 (token_hash, user_id, name, created_at)
    SELECT token_hash, user_id, 'token', created_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_v2 RENAME TO api_tokens;

-- Sign-out everywhere deletes a user's sessions; expired ones are purged.
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
