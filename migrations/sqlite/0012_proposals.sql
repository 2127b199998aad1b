-- Proposals to change a community's framework (issue 10): "what would you change, add or
-- remove?". A member proposes to add, change or remove a cycle, an indicator or a
-- reflection question, with a reason; members support it; a steward accepts it (which
-- makes a new framework version, so stories keep the version they were told under) or
-- declines it, with a note.
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    -- The version the proposer saw. Accepting checks that the item the proposal touches
    -- is still as it was there; if not, the proposal clashes and is not applied.
    base_framework_id INTEGER NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
    -- NULL once the author's account is gone: the proposal stays part of the history.
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action TEXT NOT NULL,               -- add | change | remove
    target TEXT NOT NULL,               -- cycle | indicator | question
    cycle TEXT NOT NULL,                -- the cycle's key
    item_key TEXT NOT NULL,             -- indicator key, cycle key or question number
    -- The proposed texts per language, as JSON ({"en": "...", "fr": "..."}).
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open', -- open | accepted | declined
    decided_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decided_at TEXT,
    note TEXT NOT NULL DEFAULT '',
    -- The framework version accepting the proposal made.
    result_framework_id INTEGER REFERENCES frameworks(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX proposals_community ON proposals(community_id, id);
CREATE INDEX proposals_result ON proposals(result_framework_id);

-- One row per member who supports a proposal (supporting twice changes nothing).
CREATE TABLE proposal_supports (
    proposal_id INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);
