//! Stories from the field: which KoboToolbox/ODK submission became which story, and the
//! bulk write of a batch of imported stories (a few multi-row statements per batch instead
//! of several statements per story).

use super::jsonb::{self, Cell};
use super::{Backend, Result, Store, StoreError, int};
use crate::domain::story::NewStory;
use futures_util::TryStreamExt;
use sqlx::Row;
use std::sync::Arc;

/// A submission imported earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSubmission {
    pub root_key: String,
    pub instance_id: String,
    /// `None` once a steward deleted the story.
    pub story_id: Option<i64>,
    pub import_run: String,
    pub source_row: i64,
}

/// One story of a batch.
#[derive(Debug, Clone)]
pub struct FieldStory {
    pub root_key: String,
    pub instance_id: String,
    pub source_row: i64,
    /// The participant who told it (a code matched); `None`: a named guest is added.
    pub participant: Option<(i64, Option<i64>)>,
    pub teller_name: String,
    pub wave_id: Option<i64>,
    pub created_at: String,
    pub story: NewStory,
}

/// Rows one statement carries. Each statement binds its rows as one JSON array, read back
/// by the database (`jsonb_each` on SQLite, `json_array_elements` on PostgreSQL): binding
/// thousands of separate values through sqlx's `Any` driver copied each one twice on its
/// way and cost more than the database's own work. The array's order is the rows' order.
/// SQLite gets the array in its own binary JSON ([`jsonb::array`]).
const CHUNK: usize = 5_000;

/// A table's rows of a batch, encoded, one value per statement.
type Chunks = Vec<Vec<u8>>;

/// A batch's rows as one JSON array of arrays.
fn json<T: serde::Serialize>(rows: &[T]) -> Result<String> {
    serde_json::to_string(rows).map_err(|e| StoreError::Corrupt(format!("json: {e}")))
}

/// The ids an `INSERT … SELECT … ORDER BY <position> RETURNING id` gave on PostgreSQL, in
/// the rows' order. It gives rows their ids in the order it inserts them (the next values
/// of the identity's sequence), and the `ORDER BY` makes that the array's order; the
/// order `RETURNING` lists them in is not promised, so they are sorted. (On SQLite the
/// ids are chosen before the insert: [`Store::last_ids`].)
fn in_order(mut ids: Vec<i64>, expected: usize, what: &str) -> Result<Vec<i64>> {
    if ids.len() != expected {
        return Err(StoreError::Corrupt(format!("{what}: {} ids for {expected} rows", ids.len())));
    }
    ids.sort_unstable();
    Ok(ids)
}

impl Store {
    /// Calls `each` with the key of every submission of the convening imported before;
    /// returns how many there were. One pass along the keys' index, the rows streamed:
    /// memory stays flat however many there are.
    pub async fn each_field_key(&self, convening_id: i64, mut each: impl FnMut(&str) + Send) -> Result<usize> {
        let mut c = self.conn().await?;
        let mut rows = sqlx::query("SELECT root_key FROM field_submissions WHERE convening_id = $1")
            .bind(convening_id)
            .fetch(&mut *c);
        let mut n = 0;
        while let Some(row) = rows.try_next().await? {
            each(row.try_get("root_key")?);
            n += 1;
        }
        Ok(n)
    }

    /// The submissions of a convening among `keys`.
    pub async fn field_submissions(&self, convening_id: i64, keys: &[String]) -> Result<Vec<FieldSubmission>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT root_key, instance_id, story_id, import_run, source_row FROM field_submissions \
                 WHERE convening_id = ? AND root_key IN (SELECT value FROM json_each(?))"
            }
            Backend::Postgres => {
                "SELECT root_key, instance_id, story_id, import_run, source_row FROM field_submissions \
                 WHERE convening_id = $1 AND root_key IN (SELECT json_array_elements_text($2::json))"
            }
        };
        let mut out = Vec::new();
        let mut c = self.conn().await?;
        for part in keys.chunks(CHUNK) {
            let rows = sqlx::query(sql).bind(convening_id).bind(json(part)?).fetch_all(&mut *c).await?;
            for r in rows {
                out.push(FieldSubmission {
                    root_key: r.try_get("root_key")?,
                    instance_id: r.try_get("instance_id")?,
                    story_id: r.try_get("story_id")?,
                    import_run: r.try_get("import_run")?,
                    source_row: r.try_get("source_row")?,
                });
            }
        }
        Ok(out)
    }

    /// Records that an edited submission (a new instance) was imported as a new revision.
    pub async fn set_field_instance(
        &self,
        convening_id: i64,
        root_key: &str,
        instance_id: &str,
        run: &str,
        row: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE field_submissions SET instance_id = $1, import_run = $2, source_row = $3 \
             WHERE convening_id = $4 AND root_key = $5",
        )
        .bind(instance_id)
        .bind(run)
        .bind(row)
        .bind(convening_id)
        .bind(root_key)
        .execute(&mut *self.conn().await?)
        .await?;
        super::found(&done)
    }

    /// Writes a batch of new stories of one convening, told in framework version
    /// `framework_id`: named guests for those without a participant, the stories, their
    /// steps and their submission keys — four statements per batch, each binding its rows
    /// as one JSON array. Runs in a transaction (the caller's, or one of its own).
    pub async fn insert_field_stories(
        &self,
        convening_id: i64,
        framework_id: i64,
        source: &str,
        run: &str,
        now: &str,
        batch: Vec<FieldStory>,
    ) -> Result<Vec<i64>> {
        if !matches!(self.handle, super::Handle::Tx(_)) {
            // An import always calls it inside its transaction; a lone call gets one.
            let (source, run, now) = (source.to_string(), run.to_string(), now.to_string());
            return self
                .transaction(move |s| {
                    Box::pin(async move {
                        s.insert_field_rows(convening_id, framework_id, &source, &run, &now, batch).await
                    })
                })
                .await;
        }
        self.insert_field_rows(convening_id, framework_id, source, run, now, batch).await
    }

    /// The ids of a batch's guests and stories, written explicitly on SQLite. Inside
    /// the transaction (`BEGIN IMMEDIATE` holds the write lock) the next ids are one
    /// above the largest, which is what SQLite itself would give the rows; knowing them
    /// beforehand spares each insert a `RETURNING` (buffered by SQLite, then every id
    /// read back through the driver) and the sort an `ORDER BY` needs to promise the
    /// rows' order — together a sixth of a large import. PostgreSQL's ids come from
    /// sequences, so there they come back from `RETURNING`.
    async fn last_ids(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT coalesce(max(id), 0) FROM participants) AS p, \
             (SELECT coalesce(max(id), 0) FROM stories) AS s",
        )
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok((row.try_get("p")?, row.try_get("s")?))
    }

    /// [`Store::insert_field_stories`] inside a transaction.
    #[allow(clippy::too_many_lines)] // four statements, each on two backends
    async fn insert_field_rows(
        &self,
        convening_id: i64,
        framework_id: i64,
        source: &str,
        run: &str,
        now: &str,
        batch: Vec<FieldStory>,
    ) -> Result<Vec<i64>> {
        // The convening is quiet while the batch is written: its data version moves once,
        // when the quiet row goes (migration 0013), instead of once for every story and
        // guest. A failure rolls the quiet row back with the rest.
        sqlx::query("INSERT INTO quiet_convenings (convening_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(convening_id)
            .execute(&mut *self.conn().await?)
            .await?;
        let sqlite = self.backend() == Backend::Sqlite;
        let (last_guest, last_story) = if sqlite { self.last_ids().await? } else { (0, 0) };
        let batch = Arc::new(batch);
        // On SQLite every story's id is known before it is written ([`Store::last_ids`]),
        // and the steps and keys need only those: another thread writes them out while
        // this one has the guests and stories written.
        let planned: Vec<i64> = if sqlite { (last_story + 1..).take(batch.len()).collect() } else { Vec::new() };
        let later = sqlite.then(|| {
            let (batch, ids) = (batch.clone(), planned.clone());
            tokio::task::spawn_blocking(move || -> Result<(Chunks, Chunks)> {
                let indicators = indicators(&batch)?;
                let steps = step_rows(&batch, &ids, &indicators);
                let keys = key_rows(&batch, &ids);
                Ok((steps.chunks(CHUNK).map(jsonb::array).collect(), keys.chunks(CHUNK).map(jsonb::array).collect()))
            })
        });
        let mut c = self.conn().await?;
        // Named guests, one per story without a participant.
        let guests: Vec<[Cell; 1]> =
            batch.iter().filter(|s| s.participant.is_none()).map(|s| [s.teller_name.as_str().into()]).collect();
        let mut guest_ids = Vec::with_capacity(guests.len());
        for part in guests.chunks(CHUNK) {
            if sqlite {
                let first = last_guest + int(guest_ids.len()) + 1;
                sqlx::query(
                    "INSERT INTO participants (id, convening_id, name) SELECT ? + key, ?, value->>0 FROM jsonb_each(?)",
                )
                .bind(first)
                .bind(convening_id)
                .bind(jsonb::array(part))
                .execute(&mut *c)
                .await?;
                guest_ids.extend(first..first + int(part.len()));
            } else {
                let ids = sqlx::query_scalar::<_, i64>(
                    "INSERT INTO participants (convening_id, name) SELECT $1, g.r->>0 \
                     FROM json_array_elements($2::json) WITH ORDINALITY AS g(r, n) ORDER BY g.n RETURNING id",
                )
                .bind(convening_id)
                .bind(jsonb::text(part))
                .fetch_all(&mut *c)
                .await?;
                guest_ids.extend(in_order(ids, part.len(), "guests")?);
            }
        }
        let mut guest_ids = guest_ids.into_iter();
        // Stories: user, participant, teller, title, language, visibility, show_name, told
        // at, wave.
        let stories: Vec<[Cell; 9]> = batch
            .iter()
            .map(|s| {
                let (user, participant) = match s.participant {
                    Some((p, user)) => (user, p),
                    None => (None, guest_ids.next().unwrap_or_default()),
                };
                [
                    user.into(),
                    participant.into(),
                    s.teller_name.as_str().into(),
                    s.story.title.as_str().into(),
                    s.story.language.as_str().into(),
                    s.story.visibility.as_str().into(),
                    s.story.show_name.into(),
                    s.created_at.as_str().into(),
                    s.wave_id.into(),
                ]
            })
            .collect();
        let mut ids = Vec::with_capacity(batch.len());
        for part in stories.chunks(CHUNK) {
            if sqlite {
                let done = ids.len();
                let first = planned[done];
                sqlx::query(
                    "INSERT INTO stories (id, convening_id, framework_id, teller_user_id, participant_id, \
                     teller_name, title, language, visibility, show_name, created_at, updated_at, via_link, wave_id) \
                     SELECT ? + key, ?, ?, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, \
                     value->>6, value->>7, value->>7, 0, value->>8 FROM jsonb_each(?)",
                )
                .bind(first)
                .bind(convening_id)
                .bind(framework_id)
                .bind(jsonb::array(part))
                .execute(&mut *c)
                .await?;
                ids.extend_from_slice(&planned[done..done + part.len()]);
            } else {
                let got = sqlx::query_scalar::<_, i64>(
                    "INSERT INTO stories (convening_id, framework_id, teller_user_id, participant_id, teller_name, \
                     title, language, visibility, show_name, created_at, updated_at, via_link, wave_id) \
                     SELECT $1, $2, (r->>0)::bigint, (r->>1)::bigint, r->>2, r->>3, r->>4, r->>5, (r->>6)::boolean, \
                     r->>7, r->>7, 0, (r->>8)::bigint FROM json_array_elements($3::json) WITH ORDINALITY AS t(r, n) \
                     ORDER BY t.n RETURNING id",
                )
                .bind(convening_id)
                .bind(framework_id)
                .bind(jsonb::text(part))
                .fetch_all(&mut *c)
                .await?;
                ids.extend(in_order(got, part.len(), "stories")?);
            }
        }
        let sql = if sqlite {
            "INSERT INTO story_steps (story_id, position, cycle, kind, text, indicators) \
             SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM jsonb_each(?)"
        } else {
            "INSERT INTO story_steps (story_id, position, cycle, kind, text, indicators) \
             SELECT (r->>0)::bigint, (r->>1)::bigint, r->>2, r->>3, r->>4, r->>5 FROM json_array_elements($1::json) AS r"
        };
        let keys_sql = if sqlite {
            "INSERT INTO field_submissions (convening_id, root_key, instance_id, story_id, source, import_run, \
             source_row, imported_at) SELECT ?, value->>0, value->>1, value->>2, ?, ?, value->>3, ? FROM jsonb_each(?)"
        } else {
            "INSERT INTO field_submissions (convening_id, root_key, instance_id, story_id, source, import_run, \
             source_row, imported_at) SELECT $1, r->>0, r->>1, (r->>2)::bigint, $2, $3, (r->>3)::bigint, $4 \
             FROM json_array_elements($5::json) AS r"
        };
        let keys_query = || sqlx::query(keys_sql).bind(convening_id).bind(source).bind(run).bind(now);
        if let Some(later) = later {
            let (steps, keys) = later.await.map_err(|e| StoreError::Corrupt(format!("encoding a batch: {e}")))??;
            for part in steps {
                sqlx::query(sql).bind(part).execute(&mut *c).await?;
            }
            for part in keys {
                keys_query().bind(part).execute(&mut *c).await.map_err(super::map_unique)?;
            }
        } else {
            let indicators = indicators(&batch)?;
            for part in step_rows(&batch, &ids, &indicators).chunks(CHUNK) {
                sqlx::query(sql).bind(jsonb::text(part)).execute(&mut *c).await?;
            }
            for part in key_rows(&batch, &ids).chunks(CHUNK) {
                keys_query().bind(jsonb::text(part)).execute(&mut *c).await.map_err(super::map_unique)?;
            }
        }
        sqlx::query("DELETE FROM quiet_convenings WHERE convening_id = $1").bind(convening_id).execute(&mut *c).await?;
        // A batch is some twenty small allocations a story, made by the parsing thread:
        // they are freed on another thread than this one, which writes the next batch.
        tokio::task::spawn_blocking(move || drop(batch));
        Ok(ids)
    }
}

/// Each step's indicators as the JSON array the steps table keeps, in the batch's order.
fn indicators(batch: &[FieldStory]) -> Result<Vec<String>> {
    batch.iter().flat_map(|s| &s.story.steps).map(|st| json(&st.indicators)).collect()
}

/// Steps: story, position, cycle, kind, text, indicators (from [`indicators`]).
fn step_rows<'a>(batch: &'a [FieldStory], ids: &[i64], indicators: &'a [String]) -> Vec<[Cell<'a>; 6]> {
    let mut indicators = indicators.iter();
    let mut steps = Vec::with_capacity(indicators.len());
    for (s, id) in batch.iter().zip(ids) {
        for ((p, st), ind) in (0_i64..).zip(&s.story.steps).zip(indicators.by_ref()) {
            steps.push([
                (*id).into(),
                p.into(),
                st.cycle.as_str().into(),
                st.kind.as_str().into(),
                st.text.as_str().into(),
                ind.as_str().into(),
            ]);
        }
    }
    steps
}

/// Submission keys: root key, instance, story, row.
fn key_rows<'a>(batch: &'a [FieldStory], ids: &[i64]) -> Vec<[Cell<'a>; 4]> {
    batch
        .iter()
        .zip(ids)
        .map(|(s, id)| [s.root_key.as_str().into(), s.instance_id.as_str().into(), (*id).into(), s.source_row.into()])
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_come_back_in_the_rows_order_or_not_at_all() {
        assert_eq!(super::in_order(vec![12, 10, 11], 3, "t").unwrap(), [10, 11, 12]);
        assert!(super::in_order(vec![1, 2], 3, "t").is_err());
        assert_eq!(super::json(&[(1_i64, "a\"b", None::<i64>)]).unwrap(), r#"[[1,"a\"b",null]]"#);
    }
}
