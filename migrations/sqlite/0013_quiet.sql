-- Speed of bulk writes (issues 8 and 9): each story or participant inserted moved its
-- convening's data version through a trigger (two updates a row, about eight
-- microseconds on SQLite, more than the insert itself). A bulk writer (the field import)
-- now quiets the convening for the length of its batch: it inserts the convening here,
-- inside its transaction, writes its rows without a move each, and deletes the row again
-- before it commits, which moves the version once. Other connections never see the row
-- (it exists only inside the uncommitted transaction), so no other writer is quieted.
CREATE TABLE quiet_convenings (
    convening_id INTEGER PRIMARY KEY REFERENCES convenings(id) ON DELETE CASCADE
);

CREATE TRIGGER quiet_convenings_end AFTER DELETE ON quiet_convenings BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.convening_id;
END;

DROP TRIGGER stories_bump_i;
CREATE TRIGGER stories_bump_i AFTER INSERT ON stories
WHEN NOT EXISTS (SELECT 1 FROM quiet_convenings q WHERE q.convening_id = NEW.convening_id) BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;

DROP TRIGGER participants_bump_i;
CREATE TRIGGER participants_bump_i AFTER INSERT ON participants
WHEN NOT EXISTS (SELECT 1 FROM quiet_convenings q WHERE q.convening_id = NEW.convening_id) BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;
