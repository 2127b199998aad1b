//! Stories from the field: which KoboToolbox/ODK submission became which story, and the
//! bulk write of a batch of imported stories (a few multi-row statements per batch instead
//! of several statements per story).

use super::{Backend, Result, Store, StoreError, int};
use crate::domain::story::NewStory;
use sqlx::Row;

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

/// Values per row of the stories insert.
const STORY_COLS: usize = 13;

/// How many rows one multi-row statement carries: SQLite accepts 32,766 bound values and
/// PostgreSQL 65,535, so each statement stays under 30,000.
fn chunk(columns: usize) -> usize {
    (30_000 / columns).max(1)
}

/// `($1, $2, $3), ($4, $5, $6), …` for `rows` rows of `cols` values, numbered from
/// `first` — or `(?, ?, ?), …` on SQLite, whose lookup of a numbered parameter's name is a
/// linear scan (`sqlite3_bind_parameter_name`), so that binding thousands of `$n` in one
/// statement takes quadratic time: 15 times slower on a 500-row batch.
fn values(backend: Backend, first: usize, rows: usize, cols: usize) -> String {
    if backend == Backend::Sqlite {
        let row = format!("({})", vec!["?"; cols].join(", "));
        return vec![row; rows].join(", ");
    }
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(first + r * cols + c).to_string());
        }
        out.push(')');
    }
    out
}

impl Store {
    /// The submissions of a convening among `keys`.
    pub async fn field_submissions(&self, convening_id: i64, keys: &[String]) -> Result<Vec<FieldSubmission>> {
        let mut out = Vec::new();
        let mut c = self.conn().await?;
        for part in keys.chunks(chunk(1) - 1) {
            let (convening, marks) = match self.backend() {
                Backend::Sqlite => ("?".to_string(), vec!["?".to_string(); part.len()]),
                Backend::Postgres => ("$1".to_string(), (0..part.len()).map(|i| format!("${}", i + 2)).collect()),
            };
            let sql = format!(
                "SELECT root_key, instance_id, story_id, import_run, source_row FROM field_submissions \
                 WHERE convening_id = {convening} AND root_key IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(convening_id);
            for k in part {
                q = q.bind(k);
            }
            for r in q.fetch_all(&mut *c).await? {
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
    /// steps and their submission keys. Call it inside [`Store::transaction`].
    ///
    /// Multi-row `INSERT … RETURNING id` returns the ids in the order of the `VALUES` rows
    /// on SQLite (3.35+) and PostgreSQL; Django's `bulk_create` relies on the same. The
    /// count is checked.
    pub async fn insert_field_stories(
        &self,
        convening_id: i64,
        framework_id: i64,
        source: &str,
        run: &str,
        now: &str,
        batch: &[FieldStory],
    ) -> Result<Vec<i64>> {
        let mut c = self.conn().await?;
        // Named guests.
        let guests: Vec<&FieldStory> = batch.iter().filter(|s| s.participant.is_none()).collect();
        let mut guest_ids = Vec::with_capacity(guests.len());
        for part in guests.chunks(chunk(2)) {
            let sql = format!(
                "INSERT INTO participants (convening_id, name) VALUES {} RETURNING id",
                values(self.backend(), 1, part.len(), 2)
            );
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
            for s in part {
                q = q.bind(convening_id).bind(&s.teller_name);
            }
            guest_ids.extend(q.fetch_all(&mut *c).await?);
        }
        if guest_ids.len() != guests.len() {
            return Err(StoreError::Corrupt("guest ids do not match the batch".into()));
        }
        let mut guest_ids = guest_ids.into_iter();
        let tellers: Vec<(Option<i64>, i64)> = batch
            .iter()
            .map(|s| match s.participant {
                Some((p, user)) => (user, p),
                None => (None, guest_ids.next().unwrap_or_default()),
            })
            .collect();
        // Stories.
        let mut ids = Vec::with_capacity(batch.len());
        for (n, part) in batch.chunks(chunk(STORY_COLS)).enumerate() {
            let sql = format!(
                "INSERT INTO stories (convening_id, framework_id, teller_user_id, participant_id, teller_name, title, \
                 language, visibility, show_name, created_at, updated_at, via_link, wave_id) VALUES {} RETURNING id",
                values(self.backend(), 1, part.len(), STORY_COLS)
            );
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
            for (i, s) in part.iter().enumerate() {
                let (user, participant) = tellers[n * chunk(STORY_COLS) + i];
                q = q
                    .bind(convening_id)
                    .bind(framework_id)
                    .bind(user)
                    .bind(participant)
                    .bind(&s.teller_name)
                    .bind(&s.story.title)
                    .bind(&s.story.language)
                    .bind(s.story.visibility.as_str())
                    .bind(s.story.show_name)
                    .bind(&s.created_at)
                    .bind(&s.created_at)
                    .bind(0_i64)
                    .bind(s.wave_id);
            }
            ids.extend(q.fetch_all(&mut *c).await?);
        }
        if ids.len() != batch.len() {
            return Err(StoreError::Corrupt("story ids do not match the batch".into()));
        }
        // Steps.
        let steps: Vec<(i64, usize, &crate::domain::story::Step)> = batch
            .iter()
            .zip(&ids)
            .flat_map(|(s, id)| s.story.steps.iter().enumerate().map(move |(p, st)| (*id, p, st)))
            .collect();
        for part in steps.chunks(chunk(6)) {
            let sql = format!(
                "INSERT INTO story_steps (story_id, position, cycle, kind, text, indicators) VALUES {}",
                values(self.backend(), 1, part.len(), 6)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, pos, st) in part {
                let indicators =
                    serde_json::to_string(&st.indicators).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                q = q.bind(*id).bind(int(*pos)).bind(&st.cycle).bind(st.kind.as_str()).bind(&st.text).bind(indicators);
            }
            q.execute(&mut *c).await?;
        }
        // Keys.
        for (part, id_part) in batch.chunks(chunk(8)).zip(ids.chunks(chunk(8))) {
            let sql = format!(
                "INSERT INTO field_submissions (convening_id, root_key, instance_id, story_id, source, import_run, \
                 source_row, imported_at) VALUES {}",
                values(self.backend(), 1, part.len(), 8)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (s, id) in part.iter().zip(id_part) {
                q = q
                    .bind(convening_id)
                    .bind(&s.root_key)
                    .bind(&s.instance_id)
                    .bind(*id)
                    .bind(source)
                    .bind(run)
                    .bind(s.source_row)
                    .bind(now);
            }
            q.execute(&mut *c).await.map_err(super::map_unique)?;
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_count_on_across_rows() {
        use super::{Backend, values};
        assert_eq!(values(Backend::Postgres, 1, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values(Backend::Sqlite, 1, 2, 2), "(?, ?), (?, ?)");
    }
}
