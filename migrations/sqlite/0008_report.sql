-- The report (issue 9): effect data and costs that stewards record for a convening, and
-- whether a community has published its report. Kept column-for-column identical to the
-- PostgreSQL migration.

-- An indicator observation: a number the steward counted or was told (23 participants,
-- 5 documents produced), with where it came from. `indicator` is a key of the
-- community's framework at the time it was recorded.
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    convening_id INTEGER NOT NULL REFERENCES convenings(id) ON DELETE CASCADE,
    indicator TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    observed_on TEXT NOT NULL,          -- ISO date
    source TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX observations_convening ON observations (convening_id);

-- What a convening actually cost, in one currency (no conversion anywhere: two
-- currencies are reported side by side, never summed). `co2_kg` is NULL when unknown.
CREATE TABLE convening_costs (
    convening_id INTEGER PRIMARY KEY REFERENCES convenings(id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    travel REAL NOT NULL,
    venue REAL NOT NULL,
    other REAL NOT NULL,
    co2_kg REAL,
    updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
);

-- Set when a steward published the community report: a public page then shows it with
-- public stories and aggregate numbers only. NULL: members only.
ALTER TABLE communities ADD COLUMN report_published_at TEXT;
