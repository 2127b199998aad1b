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
-- Kept identical in meaning to the SQLite migration.
-- A version is the larger of the last one plus one and the time in microseconds, so that a
-- row whose id is used again after a delete never meets a version its predecessor had.
ALTER TABLE convenings ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE communities ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE convenings ALTER COLUMN data_version SET DEFAULT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
ALTER TABLE communities ALTER COLUMN data_version SET DEFAULT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;

-- A row of a convening's table changed: move that convening (both, if it moved).
CREATE FUNCTION convene_bump_convening() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE convenings SET data_version = GREATEST(data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) WHERE id = OLD.convening_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.convening_id <> OLD.convening_id) THEN
        UPDATE convenings SET data_version = GREATEST(data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) WHERE id = NEW.convening_id;
    END IF;
    RETURN NULL;
END $$;

-- A story's outcome changed: move the story's convening.
CREATE FUNCTION convene_bump_story_convening() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE convenings SET data_version = GREATEST(data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
        WHERE id = (SELECT convening_id FROM stories WHERE id = OLD.story_id);
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE convenings SET data_version = GREATEST(data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
        WHERE id = (SELECT convening_id FROM stories WHERE id = NEW.story_id);
    END IF;
    RETURN NULL;
END $$;

-- A row that names a community changed: move that community.
CREATE FUNCTION convene_bump_community() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE communities SET data_version = GREATEST(data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) WHERE id = OLD.community_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.community_id <> OLD.community_id) THEN
        UPDATE communities SET data_version = GREATEST(data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) WHERE id = NEW.community_id;
    END IF;
    RETURN NULL;
END $$;

-- An edit of a convening or community row itself moves its own version (before the
-- write, so no second update is needed).
CREATE FUNCTION convene_bump_self() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.data_version = OLD.data_version THEN
        NEW.data_version := GREATEST(OLD.data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER convenings_bump_self BEFORE UPDATE ON convenings
    FOR EACH ROW EXECUTE FUNCTION convene_bump_self();
CREATE TRIGGER communities_bump_self BEFORE UPDATE ON communities
    FOR EACH ROW EXECUTE FUNCTION convene_bump_self();
CREATE TRIGGER convenings_bump_community AFTER INSERT OR UPDATE OR DELETE ON convenings
    FOR EACH ROW EXECUTE FUNCTION convene_bump_community();
CREATE TRIGGER frameworks_bump_community AFTER INSERT OR UPDATE OR DELETE ON frameworks
    FOR EACH ROW EXECUTE FUNCTION convene_bump_community();

CREATE TRIGGER stories_bump AFTER INSERT OR UPDATE OR DELETE ON stories
    FOR EACH ROW EXECUTE FUNCTION convene_bump_convening();
CREATE TRIGGER step_outcomes_bump AFTER INSERT OR DELETE ON step_outcomes
    FOR EACH ROW EXECUTE FUNCTION convene_bump_story_convening();
CREATE TRIGGER participants_bump AFTER INSERT OR UPDATE OR DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION convene_bump_convening();
CREATE TRIGGER aspirations_bump AFTER INSERT OR UPDATE OR DELETE ON aspirations
    FOR EACH ROW EXECUTE FUNCTION convene_bump_convening();
CREATE TRIGGER observations_bump AFTER INSERT OR UPDATE OR DELETE ON observations
    FOR EACH ROW EXECUTE FUNCTION convene_bump_convening();
CREATE TRIGGER convening_costs_bump AFTER INSERT OR UPDATE OR DELETE ON convening_costs
    FOR EACH ROW EXECUTE FUNCTION convene_bump_convening();
CREATE TRIGGER plans_bump AFTER INSERT OR UPDATE OR DELETE ON plans
    FOR EACH ROW EXECUTE FUNCTION convene_bump_convening();
CREATE TRIGGER waves_bump AFTER INSERT OR UPDATE OR DELETE ON waves
    FOR EACH ROW EXECUTE FUNCTION convene_bump_convening();
