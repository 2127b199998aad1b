-- Follow-up waves (issue 7): a convening asks its participants again at the gathering,
-- after three months and after nine, each wave about some cycles. Kept column-for-column
-- identical to the PostgreSQL migration.

CREATE TABLE waves (
    id INTEGER PRIMARY KEY,
    convening_id INTEGER NOT NULL REFERENCES convenings(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    opens_on TEXT NOT NULL,              -- ISO date; answers are taken from this day …
    closes_on TEXT NOT NULL,             -- … to the end of this one
    cycles TEXT NOT NULL,                -- JSON array of cycle keys the wave asks about
    created_at TEXT NOT NULL
);
CREATE INDEX waves_convening ON waves (convening_id);

-- A link may belong to a wave: valid while the wave is open.
ALTER TABLE answer_links ADD COLUMN wave_id INTEGER REFERENCES waves(id) ON DELETE CASCADE;

-- The wave a story was told in (NULL: outside any wave). A wave with answers is kept.
ALTER TABLE stories ADD COLUMN wave_id INTEGER REFERENCES waves(id);

-- What became of an aspirational step, said in a later wave (or recorded by a steward
-- from a phone call): happened, changed, not_yet or dropped. Each outcome makes a new
-- revision of its story; the latest outcome of a step is the one that counts.
CREATE TABLE step_outcomes (
    id INTEGER PRIMARY KEY,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    cycle TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('happened', 'changed', 'not_yet', 'dropped')),
    text TEXT NOT NULL,
    wave_id INTEGER REFERENCES waves(id) ON DELETE SET NULL,
    revision INTEGER NOT NULL,           -- the story revision this outcome made
    recorded_at TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id)
);
CREATE INDEX step_outcomes_story ON step_outcomes (story_id);
