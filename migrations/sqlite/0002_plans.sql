-- Saved planner scenarios of a convening. `params` is what the steward asked (objective,
-- k, candidates, the people and their places) and `result` the planner's answer, both
-- JSON, so that a saved plan shows exactly what was decided on even if the travel model
-- or the gazetteer changes later.
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    convening_id INTEGER NOT NULL REFERENCES convenings(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    params TEXT NOT NULL,
    result TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX plans_convening ON plans (convening_id);
