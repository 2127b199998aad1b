-- convene's schema, SQLite flavour. Kept column-for-column identical to the PostgreSQL
-- migration so that one set of queries serves both backends. Times are RFC 3339 text
-- (UTC) and dates ISO 8601 text: both sort correctly as text on both backends.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,          -- lower-cased on the way in
    name TEXT NOT NULL,
    password_hash TEXT,                  -- argon2id PHC string; NULL = cannot sign in yet
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    home_place TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- Server-side sessions; the cookie holds a random token, we keep only its SHA-256.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Bearer tokens for the API; again only the hash is stored.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);

CREATE TABLE communities (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    framework_id INTEGER,                -- the current framework version (set right after insert)
    created_at TEXT NOT NULL
);

-- Versioned framework copies owned by a community. `body` is the framework as JSON.
-- A version that a story uses is never changed again: editing makes a new version.
CREATE TABLE frameworks (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (community_id, version)
);

CREATE TABLE memberships (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'steward')),
    PRIMARY KEY (community_id, user_id)
);

-- Links a steward hands out so that people can join a community.
CREATE TABLE community_invites (
    token_hash TEXT PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'steward')),
    created_by INTEGER NOT NULL REFERENCES users(id),
    expires_at TEXT NOT NULL
);

CREATE TABLE convenings (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('in_person', 'virtual', 'hybrid')),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('idea', 'planned', 'held', 'closed')),
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- Members or named guests taking part; a guest answers through a private link
-- (`link_hash`), no account needed.
CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    convening_id INTEGER NOT NULL REFERENCES convenings(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id),
    name TEXT NOT NULL,
    link_hash TEXT UNIQUE,
    UNIQUE (convening_id, user_id)
);

CREATE TABLE aspirations (
    id INTEGER PRIMARY KEY,
    convening_id INTEGER NOT NULL REFERENCES convenings(id) ON DELETE CASCADE,
    cycle TEXT NOT NULL,
    text TEXT NOT NULL,
    author_user_id INTEGER REFERENCES users(id)
);

CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    convening_id INTEGER NOT NULL REFERENCES convenings(id) ON DELETE CASCADE,
    framework_id INTEGER NOT NULL REFERENCES frameworks(id),
    teller_user_id INTEGER REFERENCES users(id),
    participant_id INTEGER REFERENCES participants(id),
    teller_name TEXT NOT NULL,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('stewards', 'community', 'public')),
    show_name BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX stories_convening ON stories (convening_id);

-- One row per cycle a story tells; `indicators` is a JSON array of indicator keys.
CREATE TABLE story_steps (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    cycle TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('aspirational', 'realized')),
    text TEXT NOT NULL,
    indicators TEXT NOT NULL,
    PRIMARY KEY (story_id, position)
);
