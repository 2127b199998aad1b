-- In the field (issue 8): stories collected with KoboToolbox or ODK Collect come back as
-- CSV exports. Each submission is remembered by its stable key (KoboToolbox's
-- meta/rootUuid, else _uuid; ODK Central's KEY) so that importing the same file again, or a
-- later export holding earlier rows, adds nothing twice, and an edited submission (same
-- key, new instance id) becomes a new revision of its story. Kept column-for-column
-- identical to the PostgreSQL migration.
CREATE TABLE field_submissions (
    convening_id BIGINT NOT NULL REFERENCES convenings(id) ON DELETE CASCADE,
    root_key TEXT NOT NULL,              -- the stable key, without "uuid:"
    instance_id TEXT NOT NULL,           -- the version of the submission last imported
    -- NULL once a steward deleted the story: a re-import does not bring it back.
    story_id BIGINT REFERENCES stories(id) ON DELETE SET NULL,
    source TEXT NOT NULL CHECK (source IN ('kobo', 'odk')),
    import_run TEXT NOT NULL,            -- which import wrote it (repeats within one file)
    source_row BIGINT NOT NULL,         -- its row in that file, for messages
    imported_at TEXT NOT NULL,
    PRIMARY KEY (convening_id, root_key)
);
CREATE INDEX field_submissions_story ON field_submissions (story_id);
