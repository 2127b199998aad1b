-- Speed of bulk writes (issues 8 and 9): each story or participant inserted moved its
-- convening's data version through a trigger. A bulk writer (the field import) now
-- quiets the convening for the length of its batch: it inserts the convening here,
-- inside its transaction, writes its rows without a move each, and deletes the row again
-- before it commits, which moves the version once. Other transactions never see the row,
-- so no other writer is quieted. Kept identical in meaning to the SQLite migration.
CREATE TABLE quiet_convenings (
    convening_id BIGINT PRIMARY KEY REFERENCES convenings(id) ON DELETE CASCADE
);

CREATE OR REPLACE FUNCTION convene_bump_convening() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM quiet_convenings q WHERE q.convening_id = NEW.convening_id) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE convenings SET data_version = GREATEST(data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) WHERE id = OLD.convening_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.convening_id <> OLD.convening_id) THEN
        UPDATE convenings SET data_version = GREATEST(data_version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) WHERE id = NEW.convening_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER quiet_convenings_end AFTER DELETE ON quiet_convenings
    FOR EACH ROW EXECUTE FUNCTION convene_bump_convening();
