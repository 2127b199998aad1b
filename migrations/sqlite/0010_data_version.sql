-- Speed (issue 9): every read of a convening's counts, its matrix and the reports used to
-- load every story and count again. Now reads are cached in memory, keyed by a data
-- version that the database itself moves on every write that could change what they
-- show, so a cache can never serve yesterday's counts: the version is read from the
-- database on each request (two server processes over one database stay correct) and the
-- triggers below catch every writer (pages, API, command line, imports, restores).
--
-- `convenings.data_version` moves when anything of the convening changes: its stories
-- (their steps and outcomes change only together with the story row: an edit, a
-- follow-up answer and hiding all update `stories`), participants, aspirations,
-- observations, costs, saved plans, waves, or the convening row itself.
-- `communities.data_version` moves when any of its convenings moves, and when the
-- community row (framework, travel model, publication, name) or its frameworks change.
-- Kept identical in meaning to the PostgreSQL migration.
ALTER TABLE convenings ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE communities ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;

-- A version is the larger of the last one plus one and the time in microseconds, so that a
-- row whose id is used again after a delete never meets a version its predecessor had.
CREATE TRIGGER convenings_version_new AFTER INSERT ON convenings BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.id;
END;
CREATE TRIGGER communities_version_new AFTER INSERT ON communities BEGIN
    UPDATE communities SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.id;
END;

-- A convening that moves moves its community (also when the move came from a trigger).
CREATE TRIGGER convenings_bump_community_u AFTER UPDATE ON convenings BEGIN
    UPDATE communities SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.community_id, OLD.community_id);
END;
CREATE TRIGGER convenings_bump_community_i AFTER INSERT ON convenings BEGIN
    UPDATE communities SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.community_id;
END;
CREATE TRIGGER convenings_bump_community_d AFTER DELETE ON convenings BEGIN
    UPDATE communities SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.community_id;
END;
-- An edit of the convening row itself (title, mode, place, status) moves its version;
-- the WHEN clause keeps the trigger's own update from firing it again.
CREATE TRIGGER convenings_bump_self AFTER UPDATE ON convenings WHEN NEW.data_version = OLD.data_version BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.id;
END;
CREATE TRIGGER communities_bump_self AFTER UPDATE ON communities WHEN NEW.data_version = OLD.data_version BEGIN
    UPDATE communities SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.id;
END;
CREATE TRIGGER frameworks_bump_i AFTER INSERT ON frameworks BEGIN
    UPDATE communities SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.community_id;
END;
CREATE TRIGGER frameworks_bump_u AFTER UPDATE ON frameworks BEGIN
    UPDATE communities SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.community_id, OLD.community_id);
END;
CREATE TRIGGER frameworks_bump_d AFTER DELETE ON frameworks BEGIN
    UPDATE communities SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.community_id;
END;

-- The tables that belong to one convening, each with insert, update and delete.
CREATE TRIGGER stories_bump_i AFTER INSERT ON stories BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;
CREATE TRIGGER stories_bump_u AFTER UPDATE ON stories BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.convening_id, OLD.convening_id);
END;
CREATE TRIGGER stories_bump_d AFTER DELETE ON stories BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.convening_id;
END;
CREATE TRIGGER step_outcomes_bump_i AFTER INSERT ON step_outcomes BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE id = (SELECT convening_id FROM stories WHERE id = NEW.story_id);
END;
CREATE TRIGGER step_outcomes_bump_d AFTER DELETE ON step_outcomes BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE id = (SELECT convening_id FROM stories WHERE id = OLD.story_id);
END;
CREATE TRIGGER participants_bump_i AFTER INSERT ON participants BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;
CREATE TRIGGER participants_bump_u AFTER UPDATE ON participants BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.convening_id, OLD.convening_id);
END;
CREATE TRIGGER participants_bump_d AFTER DELETE ON participants BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.convening_id;
END;
CREATE TRIGGER aspirations_bump_i AFTER INSERT ON aspirations BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;
CREATE TRIGGER aspirations_bump_u AFTER UPDATE ON aspirations BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.convening_id, OLD.convening_id);
END;
CREATE TRIGGER aspirations_bump_d AFTER DELETE ON aspirations BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.convening_id;
END;
CREATE TRIGGER observations_bump_i AFTER INSERT ON observations BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;
CREATE TRIGGER observations_bump_u AFTER UPDATE ON observations BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.convening_id, OLD.convening_id);
END;
CREATE TRIGGER observations_bump_d AFTER DELETE ON observations BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.convening_id;
END;
CREATE TRIGGER convening_costs_bump_i AFTER INSERT ON convening_costs BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;
CREATE TRIGGER convening_costs_bump_u AFTER UPDATE ON convening_costs BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.convening_id, OLD.convening_id);
END;
CREATE TRIGGER convening_costs_bump_d AFTER DELETE ON convening_costs BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.convening_id;
END;
CREATE TRIGGER plans_bump_i AFTER INSERT ON plans BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;
CREATE TRIGGER plans_bump_u AFTER UPDATE ON plans BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.convening_id, OLD.convening_id);
END;
CREATE TRIGGER plans_bump_d AFTER DELETE ON plans BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.convening_id;
END;
CREATE TRIGGER waves_bump_i AFTER INSERT ON waves BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = NEW.convening_id;
END;
CREATE TRIGGER waves_bump_u AFTER UPDATE ON waves BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id IN (NEW.convening_id, OLD.convening_id);
END;
CREATE TRIGGER waves_bump_d AFTER DELETE ON waves BEGIN
    UPDATE convenings SET data_version = MAX(data_version + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE id = OLD.convening_id;
END;
