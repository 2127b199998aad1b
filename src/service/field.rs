//! In the field: the story form as an XLSForm for KoboToolbox and ODK, their CSV exports
//! imported back as stories (once each; an edited submission as a new revision), and the
//! stories out again as CSV or XLSX.
//!
//! An import reads its file as a stream on a blocking thread (`interop::submissions`) and
//! writes batches of stories in one transaction: a file with a bad row is refused whole
//! (the transaction rolls back) unless the steward asks to import the good rows; a dry
//! run does everything and rolls back, so its report is exactly what the import would do.

use super::{Actor, Result, ServiceError, convening, current_framework, stewarded_convening};
use crate::domain::FieldError;
use crate::domain::framework::Framework;
use crate::interop::stories_csv::StoryRow;
use crate::interop::submissions::{self, Header, Problem, RowError, Source, Submission};
use crate::interop::xlsform::{self, FormLayout, FormSpec};
use crate::store::{Convening, FieldStory, FrameworkVersion, Store, StoreError, Wave};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

/// How many errors a report lists (the rest are counted).
pub const MAX_LISTED_ERRORS: usize = 1_000;
/// Rows written per batch.
const BATCH: usize = 500;

fn form_spec<'a>(cv: &'a Convening, fw: &'a FrameworkVersion, wave: Option<&'a Wave>) -> FormSpec<'a> {
    FormSpec {
        convening_id: cv.id,
        convening_title: &cv.title,
        wave: wave.map(|w| (w.id, w.name.as_str(), w.cycles.as_slice())),
        framework: &fw.framework,
        framework_version: fw.version,
    }
}

async fn wave_of(store: &Store, cv: &Convening, wave_id: Option<i64>) -> Result<Option<Wave>> {
    match wave_id {
        None => Ok(None),
        Some(id) => match store.wave(id).await? {
            Some(w) if w.convening_id == cv.id => Ok(Some(w)),
            _ => Err(ServiceError::NotFound),
        },
    }
}

/// The story form of a convening (and wave) as an XLSForm, for its stewards: the file name
/// and the `.xlsx` bytes.
pub async fn xlsform(
    store: &Store,
    actor: &Actor,
    convening_id: i64,
    wave_id: Option<i64>,
) -> Result<(String, Vec<u8>)> {
    let (cv, c) = stewarded_convening(store, actor, convening_id).await?;
    let fw = current_framework(store, &c).await?;
    let wave = wave_of(store, &cv, wave_id).await?;
    let form = xlsform::form(&form_spec(&cv, &fw, wave.as_ref()));
    let bytes = form.to_xlsx().map_err(|e| ServiceError::Store(StoreError::Corrupt(format!("xlsx: {e}"))))?;
    Ok((format!("{}-{}.xlsx", form.layout.form_id, form.layout.version), bytes))
}

/// Participant codes for the field form (`P12`), for stewards: (code, name), members and guests.
pub async fn participant_codes(store: &Store, actor: &Actor, convening_id: i64) -> Result<Vec<(String, String)>> {
    stewarded_convening(store, actor, convening_id).await?;
    let ps = store.participants(convening_id).await?;
    Ok(ps.into_iter().map(|p| (submissions::participant_code(p.id), p.name)).collect())
}

/// Every story step of a convening the actor may read, one row each, with names as the
/// actor may see them.
pub async fn story_rows(store: &Store, actor: &Actor, convening_id: i64) -> Result<(Convening, Vec<StoryRow>)> {
    let (cv, c, _) = convening(store, actor, convening_id).await?;
    let (_, viewer, readable, _) = super::stories::readable(store, actor, convening_id).await?;
    let versions: HashMap<i64, i64> =
        store.framework_versions(c.id).await?.into_iter().map(|f| (f.id, f.version)).collect();
    let mut rows = Vec::new();
    for s in &readable {
        let reader = super::stories::reader(actor, viewer, s);
        let teller = s.shown_name(reader, actor.user_id()).unwrap_or_default().to_string();
        for (i, st) in s.steps.iter().enumerate() {
            let outcome = s.outcome(&st.cycle, None);
            rows.push(StoryRow {
                story_id: s.id,
                revision: s.revision,
                told_at: s.created_at.clone(),
                updated_at: if s.updated_at.is_empty() { s.created_at.clone() } else { s.updated_at.clone() },
                convening_id: s.convening_id,
                wave_id: s.wave_id,
                framework_version: versions.get(&s.framework_id).copied().unwrap_or_default(),
                title: s.title.clone(),
                language: s.language.clone(),
                visibility: s.visibility.as_str(),
                show_name: s.show_name,
                teller: teller.clone(),
                hidden: s.hidden,
                step: i + 1,
                cycle: st.cycle.clone(),
                kind: st.kind.as_str(),
                text: st.text.clone(),
                indicators: st.indicators.join(" "),
                outcome: outcome.map(|o| o.status.as_str().to_string()).unwrap_or_default(),
                outcome_text: outcome.map(|o| o.text.clone()).unwrap_or_default(),
            });
        }
    }
    Ok((cv, rows))
}

/// What a steward asks of an import.
#[derive(Clone, Default)]
pub struct ImportOptions {
    /// Do everything, then roll back: the report says what would happen.
    pub dry_run: bool,
    /// Import the good rows of a file with bad ones (and list the rows left out).
    pub skip_bad: bool,
    /// Import a file made with another form version: what maps onto this framework
    /// version is imported, the rest is left out and counted.
    pub other_version: bool,
    /// Largest file, in bytes (`[limits] submission_file_bytes`).
    pub max_bytes: usize,
    /// Called with the bytes read so far (a progress bar).
    pub progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

/// A story an import creates, for the preview.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewStory {
    pub row: u64,
    pub title: String,
    pub teller: String,
    pub cycles: Vec<String>,
}

/// What an import did (or, when `committed` is false, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// `kobo` or `odk`.
    pub source: &'static str,
    /// Data rows read.
    pub rows: u64,
    pub created: u64,
    /// Edited submissions that became a new revision of their story.
    pub revised: u64,
    /// Rows imported before (same submission, same version), or whose story was deleted.
    pub unchanged: u64,
    /// Rows with errors: left out (with `skip_bad`), else the reason nothing was written.
    pub bad_rows: u64,
    /// The first [`MAX_LISTED_ERRORS`] errors, by row and column.
    pub errors: Vec<RowError>,
    /// Errors beyond those listed.
    pub more_errors: u64,
    /// Indicator answers left out (a file of another form version, imported on request).
    pub dropped_answers: u64,
    /// The form versions the rows say they were made with.
    pub file_versions: Vec<String>,
    /// The version of this convening's form now.
    pub form_version: String,
    /// What the file has that this form version does not, in English.
    pub differences: Vec<String>,
    /// The same, to be said in another language.
    #[serde(skip)]
    pub differences_found: submissions::Differences,
    pub dry_run: bool,
    /// Whether anything was written.
    pub committed: bool,
    /// The first stories created.
    pub preview: Vec<PreviewStory>,
}

impl ImportReport {
    fn error(&mut self, e: RowError) {
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(e);
        } else {
            self.more_errors += 1;
        }
    }
}

/// The catalog key of a refused file.
pub fn problem_key(code: &str) -> &'static str {
    match code {
        "empty" => "err-fieldwork-empty",
        "binary" | "not_csv" => "err-fieldwork-binary",
        "no_rows" => "err-fieldwork-no-rows",
        "delimiter" => "err-fieldwork-delimiter",
        "labels" => "err-fieldwork-labels",
        "missing_column" => "err-fieldwork-missing-column",
        "too_large" => "err-fieldwork-too-large",
        "other_version" => "err-fieldwork-other-version",
        "other_convening" => "err-fieldwork-other-convening",
        _ => "err-fieldwork-unknown-form",
    }
}

fn refused(p: Problem) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new("file", problem_key(p.code), p.message).with_args(p.args)])
}

/// A reader that counts what it reads, refuses to go past a limit and reports progress.
struct Counting<R> {
    inner: R,
    read: u64,
    limit: u64,
    progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(TooLarge));
        }
        if let Some(p) = &self.progress {
            p(self.read);
        }
        Ok(n)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the file is larger than the limit")]
struct TooLarge;

/// A size limit as a reader would say it (`512 KiB`, `64 MiB`): the refusal and the page
/// say the same.
pub fn size_text(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB { format!("{} MiB", bytes / MIB) } else { format!("{} KiB", bytes.div_ceil(1024)) }
}

fn read_problem(e: &std::io::Error, limit: usize) -> Problem {
    let too_large =
        e.get_ref().is_some_and(|inner| inner.is::<TooLarge>() || inner.to_string().contains("length limit"));
    if too_large {
        Problem::new(
            "too_large",
            format!("the file is larger than {} ([limits] submission_file_bytes)", size_text(limit)),
        )
    } else {
        Problem::new("not_csv", format!("the file could not be read: {e}"))
    }
}

enum Msg {
    Header(Box<Header>, Option<String>),
    Batch(Vec<std::result::Result<Submission, Vec<RowError>>>),
    Failed(Problem),
}

struct Parse {
    layout: FormLayout,
    framework: Framework,
    latest: String,
    lenient: bool,
    max_bytes: usize,
    progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

/// The blocking half: reads the file and sends the header, then batches of rows.
fn parse(input: Box<dyn Read + Send>, p: &Parse, tx: &tokio::sync::mpsc::Sender<Msg>) {
    let fail = |problem: Problem| {
        let _ = tx.blocking_send(Msg::Failed(problem));
    };
    let counting = Counting { inner: input, read: 0, limit: p.max_bytes as u64, progress: p.progress.clone() };
    let mut br = BufReader::with_capacity(64 * 1024, counting);
    let mut first = Vec::new();
    if let Err(e) = br.by_ref().take(1024 * 1024).read_until(b'\n', &mut first) {
        return fail(read_problem(&e, p.max_bytes));
    }
    let sample = br.fill_buf().map(<[u8]>::to_vec).unwrap_or_default();
    if submissions::looks_binary(&first) || sample.contains(&0) {
        return fail(Problem::new("binary", "this is not a CSV file (it holds binary data); export CSV from the tool"));
    }
    let line = first.strip_suffix(b"\n").unwrap_or(&first);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (source, delimiter) = match submissions::sniff(line) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(std::io::Cursor::new(first.clone()).chain(br));
    let mut rec = csv::StringRecord::new();
    let headers: Vec<String> = match rdr.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|s| s.trim_start_matches('\u{feff}').trim().to_string()).collect(),
        _ => return fail(Problem::new("empty", "the file is empty")),
    };
    let header = match submissions::read_header(source, &headers, &p.layout) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let mut row: u64 = 1;
    let mut pending: Option<csv::StringRecord> = None;
    let mut first_version = None;
    // Read the first data row (skipping KoboToolbox's HXL row) before the header goes out,
    // so a refusal can say which form version the file is.
    loop {
        match next_record(&mut rdr, &mut row, headers.len(), p.max_bytes) {
            Next::Record(r) if row == 2 && submissions::is_hxl_row(&r) => {}
            Next::Record(r) => {
                first_version = submissions::read_row(&header, &p.layout, &p.framework, &r, row, &p.latest, true)
                    .ok()
                    .and_then(|s| s.form_version);
                pending = Some(r);
                break;
            }
            Next::Bad(e) => {
                let _ = tx.blocking_send(Msg::Header(Box::new(header.clone()), None));
                let _ = tx.blocking_send(Msg::Batch(vec![Err(vec![e])]));
                break;
            }
            Next::Failed(problem) => return fail(problem),
            Next::End => {
                return fail(Problem::new("no_rows", "the file has a header but no submissions"));
            }
        }
    }
    let Some(first_rec) = pending else {
        return stream(&mut rdr, &header, p, tx, row, Vec::new());
    };
    if tx.blocking_send(Msg::Header(Box::new(header.clone()), first_version)).is_err() {
        return;
    }
    let first_row =
        vec![submissions::read_row(&header, &p.layout, &p.framework, &first_rec, row, &p.latest, p.lenient)];
    stream(&mut rdr, &header, p, tx, row, first_row);
}

enum Next {
    Record(csv::StringRecord),
    Bad(RowError),
    Failed(Problem),
    End,
}

fn next_record<R: Read>(rdr: &mut csv::Reader<R>, row: &mut u64, width: usize, max: usize) -> Next {
    let mut rec = csv::StringRecord::new();
    match rdr.read_record(&mut rec) {
        Ok(false) => Next::End,
        Ok(true) => {
            *row += 1;
            if rec.len() == width {
                Next::Record(rec)
            } else {
                Next::Bad(RowError::new(
                    *row,
                    "",
                    "err-fieldwork-row-width",
                    &[("fields", &rec.len().to_string()), ("header", &width.to_string())],
                ))
            }
        }
        Err(e) => match e.into_kind() {
            csv::ErrorKind::Io(io) => Next::Failed(read_problem(&io, max)),
            csv::ErrorKind::Utf8 { .. } => {
                *row += 1;
                Next::Bad(RowError::new(*row, "", "err-fieldwork-row-utf8", &[]))
            }
            csv::ErrorKind::UnequalLengths { len, expected_len, .. } => {
                *row += 1;
                Next::Bad(RowError::new(
                    *row,
                    "",
                    "err-fieldwork-row-width",
                    &[("fields", &len.to_string()), ("header", &expected_len.to_string())],
                ))
            }
            other => Next::Failed(Problem::new("not_csv", format!("the file is not valid CSV: {other:?}"))),
        },
    }
}

fn stream<R: Read>(
    rdr: &mut csv::Reader<R>,
    header: &Header,
    p: &Parse,
    tx: &tokio::sync::mpsc::Sender<Msg>,
    mut row: u64,
    mut batch: Vec<std::result::Result<Submission, Vec<RowError>>>,
) {
    let width = header.headers.len();
    loop {
        match next_record(rdr, &mut row, width, p.max_bytes) {
            Next::Record(r) => {
                batch.push(submissions::read_row(header, &p.layout, &p.framework, &r, row, &p.latest, p.lenient));
            }
            Next::Bad(e) => batch.push(Err(vec![e])),
            Next::Failed(problem) => {
                let _ = tx.blocking_send(Msg::Failed(problem));
                return;
            }
            Next::End => break,
        }
        if batch.len() >= BATCH && tx.blocking_send(Msg::Batch(std::mem::take(&mut batch))).is_err() {
            return;
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(Msg::Batch(batch));
    }
}

/// How a transaction of an import ends.
enum End {
    Store(StoreError),
    /// Roll back and report (a dry run, or a file refused for its rows).
    Rollback(Box<ImportReport>),
    /// Roll back and refuse the whole file.
    Refused(Problem),
}

impl From<StoreError> for End {
    fn from(e: StoreError) -> Self {
        End::Store(e)
    }
}

/// Imports a KoboToolbox or ODK Central CSV export of this convening's form: stewards only.
/// A file that cannot be read, or made with another form version without
/// `other_version`, is refused with `Invalid` (field `file`); a file with bad rows is
/// reported with every error and nothing written unless `skip_bad`.
#[allow(clippy::too_many_lines)] // the parser thread, the refusals and the one transaction
pub async fn import_submissions(
    store: &Store,
    actor: &Actor,
    convening_id: i64,
    input: Box<dyn Read + Send>,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    let (cv, c) = stewarded_convening(store, actor, convening_id).await?;
    let fw = current_framework(store, &c).await?;
    let waves = store.waves(cv.id).await?;
    let layout = xlsform::layout(&form_spec(&cv, &fw, None));
    let parse_job = Parse {
        layout: layout.clone(),
        framework: fw.framework.clone(),
        latest: crate::store::in_seconds(300),
        lenient: opts.other_version,
        max_bytes: opts.max_bytes.max(1024),
        progress: opts.progress.clone(),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(4);
    let reader = tokio::task::spawn_blocking(move || parse(input, &parse_job, &tx));
    let (header, first_version) = match rx.recv().await {
        Some(Msg::Header(h, v)) => (h, v),
        Some(Msg::Failed(p)) => return Err(refused(p)),
        _ => return Err(refused(Problem::new("empty", "the file is empty"))),
    };
    let mut report = ImportReport {
        source: header.source.as_str(),
        form_version: layout.version.clone(),
        differences: header.differences.describe(),
        differences_found: header.differences.clone(),
        dry_run: opts.dry_run,
        ..ImportReport::default()
    };
    if !header.differences.is_empty() && !opts.other_version {
        let which = first_version.as_ref().map_or_else(
            || "this file was made with another form".to_string(),
            |v| format!("this file was made with form version {v}"),
        );
        let mut problem = Problem::new(
            "other_version",
            format!(
                "{which}; this convening's form is version {} (framework version {}). What differs: {}. Import \
                 what maps onto this version by asking for it (--other-version, other_version=true, or the box on \
                 the page)",
                layout.version,
                fw.version,
                report.differences.join("; ")
            ),
        )
        .arg("file_version", first_version.unwrap_or_else(|| "unknown".into()))
        .arg("version", layout.version.clone())
        .arg("framework", fw.version.to_string());
        // Each kind of difference goes as its own catalog key, for the page to say.
        problem.args.extend(header.differences.lists());
        return Err(refused(problem));
    }
    let ctx = Arc::new(Ctx {
        convening_id: cv.id,
        framework_id: fw.id,
        source: header.source,
        run: crate::secret::new_token(),
        waves: waves.iter().map(|w| w.id).collect(),
        opts: opts.clone(),
    });
    let outcome = store
        .transaction(move |s| {
            Box::pin(async move {
                // The keys stored before, read once: a row's key is looked up only when
                // it may be one of them or one this import wrote.
                let mut seen = Seen::default();
                s.each_field_key(ctx.convening_id, |k| seen.maybe_stored.insert(k)).await?;
                while let Some(msg) = rx.recv().await {
                    match msg {
                        Msg::Batch(rows) => {
                            write_batch(s, &ctx, rows, &mut seen, &mut report).await?;
                        }
                        Msg::Failed(p) => return Err(End::Refused(p)),
                        Msg::Header(..) => {}
                    }
                }
                let mut v: Vec<String> = seen.versions.into_iter().collect();
                v.sort();
                report.file_versions = v;
                if ctx.opts.dry_run || (report.bad_rows > 0 && !ctx.opts.skip_bad) {
                    return Err(End::Rollback(Box::new(report)));
                }
                report.committed = true;
                Ok(report)
            })
        })
        .await;
    let _ = reader.await;
    match outcome {
        Ok(r) => Ok(r),
        Err(End::Rollback(r)) => Ok(*r),
        Err(End::Refused(p)) => Err(refused(p)),
        Err(End::Store(e)) => Err(e.into()),
    }
}

struct Ctx {
    convening_id: i64,
    framework_id: i64,
    source: Source,
    run: String,
    waves: Vec<i64>,
    opts: ImportOptions,
}

#[allow(clippy::too_many_lines)] // each row's way: bad, repeated, unchanged, edited or new
async fn write_batch(
    s: &Store,
    ctx: &Ctx,
    rows: Vec<std::result::Result<Submission, Vec<RowError>>>,
    seen: &mut Seen,
    report: &mut ImportReport,
) -> std::result::Result<(), End> {
    let mut good = Vec::with_capacity(rows.len());
    for r in rows {
        report.rows += 1;
        match r {
            Ok(sub) => good.push(sub),
            Err(errors) => {
                report.bad_rows += 1;
                for e in errors {
                    report.error(e);
                }
            }
        }
    }
    // Only keys that may be stored already are looked up (each then exactly).
    let keys: Vec<String> = good.iter().filter(|g| seen.maybe_stored.may_hold(&g.key)).map(|g| g.key.clone()).collect();
    let known: HashMap<String, crate::store::FieldSubmission> =
        s.field_submissions(ctx.convening_id, &keys).await?.into_iter().map(|f| (f.root_key.clone(), f)).collect();
    let mut in_batch: HashMap<String, u64> = HashMap::new();
    let mut new = Vec::new();
    for sub in good {
        let bad = |report: &mut ImportReport, column: &str, code: &'static str, args: &[(&'static str, &str)]| {
            report.bad_rows += 1;
            report.error(RowError::new(sub.row, column, code, args));
        };
        if let Some(v) = &sub.form_version
            && seen.versions.len() < 100
        {
            seen.versions.insert(v.clone());
        }
        if let Some(first) = in_batch.get(&sub.key) {
            bad(report, "", "err-fieldwork-row-twice", &[("key", &sub.key), ("row", &first.to_string())]);
            continue;
        }
        if let Some(w) = sub.wave
            && !ctx.waves.contains(&w)
        {
            bad(report, crate::interop::xlsform::names::FORM, "err-fieldwork-row-wave", &[("wave", &w.to_string())]);
            continue;
        }
        let teller = match sub.participant {
            None => None,
            Some(id) => {
                if let std::collections::hash_map::Entry::Vacant(e) = seen.participants.entry(id) {
                    let p = s.participant(id).await?;
                    let found = p.filter(|p| p.convening_id == ctx.convening_id && p.removed_at.is_none());
                    e.insert(found.map(|p| (p.user_id, p.name)));
                }
                if let Some((user, name)) = seen.participants.get(&id).cloned().flatten() {
                    Some((id, user, name))
                } else {
                    let code = submissions::participant_code(id);
                    bad(
                        report,
                        crate::interop::xlsform::names::CODE,
                        "err-fieldwork-row-unknown-code",
                        &[("code", &code)],
                    );
                    continue;
                }
            }
        };
        in_batch.insert(sub.key.clone(), sub.row);
        report.dropped_answers += sub.dropped as u64;
        match known.get(&sub.key) {
            Some(k) if k.import_run == ctx.run => {
                let first = k.source_row.to_string();
                bad(report, "", "err-fieldwork-row-twice", &[("key", &sub.key), ("row", &first)]);
            }
            Some(k) if k.instance_id == sub.instance || k.story_id.is_none() => report.unchanged += 1,
            Some(k) => {
                let id = k.story_id.unwrap_or_default();
                let current = s.story(id).await?.ok_or(StoreError::NotFound)?;
                s.update_story(id, current.revision, ctx.framework_id, &sub.story, &sub.submitted_at).await?;
                s.set_field_instance(ctx.convening_id, &sub.key, &sub.instance, &ctx.run, int(sub.row)).await?;
                report.revised += 1;
            }
            None => {
                let (participant, teller_name) = match teller {
                    Some((id, user, name)) => (Some((id, user)), name),
                    None => (None, sub.name.clone()),
                };
                if report.preview.len() < 20 {
                    report.preview.push(PreviewStory {
                        row: sub.row,
                        title: sub.story.title.clone(),
                        teller: teller_name.clone(),
                        cycles: sub.story.steps.iter().map(|st| st.cycle.clone()).collect(),
                    });
                }
                seen.maybe_stored.insert(&sub.key);
                new.push(FieldStory {
                    root_key: sub.key,
                    instance_id: sub.instance,
                    source_row: int(sub.row),
                    participant,
                    teller_name,
                    wave_id: sub.wave,
                    created_at: sub.submitted_at,
                    story: sub.story,
                });
            }
        }
    }
    if !new.is_empty() {
        let now = crate::store::now();
        let n = new.len() as u64;
        s.insert_field_stories(ctx.convening_id, ctx.framework_id, ctx.source.as_str(), &ctx.run, &now, new).await?;
        report.created += n;
    }
    Ok(())
}

/// What the batches of one import share.
#[derive(Default)]
struct Seen {
    /// Participants looked up by code: their user and name, `None` when not of the
    /// convening.
    participants: HashMap<i64, Option<(Option<i64>, String)>>,
    /// The form versions the rows name (at most 100 kept).
    versions: HashSet<String>,
    /// The keys stored before this import and those it wrote so far.
    maybe_stored: KeyFilter,
}

/// Submission keys as a Bloom filter of fixed size (1 MiB, three probes): it never
/// misses a key it holds, and a false "maybe" only costs a lookup, so memory stays flat
/// however long the file. At 200,000 keys (a file at the default size limit) about one
/// key in 3,000 is looked up needlessly, at 600,000 one in 140, at 1,200,000 one in 23:
/// past that it slowly comes back to looking every key up.
///
/// Why: looking up each row's key was a fifth of a large import into a convening with
/// submissions already (random keys, one index seek each), where reading the keys stored
/// before takes one pass along that index.
struct KeyFilter {
    bits: Vec<u64>,
}

impl Default for KeyFilter {
    fn default() -> Self {
        Self { bits: vec![0; Self::WORDS] }
    }
}

impl KeyFilter {
    const WORDS: usize = 1 << 17;

    /// The three bits of a key (double hashing over one 64-bit hash).
    fn bits_of(key: &str) -> [usize; 3] {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let h = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
        let (a, b) = (h & 0xffff_ffff, (h >> 32) | 1);
        let m = (Self::WORDS * 64) as u64;
        [0_u64, 1, 2].map(|i| usize::try_from((a + i * b) % m).unwrap_or_default())
    }

    fn insert(&mut self, key: &str) {
        for bit in Self::bits_of(key) {
            self.bits[bit / 64] |= 1 << (bit % 64);
        }
    }

    fn may_hold(&self, key: &str) -> bool {
        Self::bits_of(key).iter().all(|&bit| self.bits[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::KeyFilter;

    #[test]
    fn the_key_filter_never_misses_a_key_it_holds_and_rarely_claims_others() {
        let mut f = KeyFilter::default();
        let held: Vec<String> = (0..200_000).map(|i| format!("{i:08x}-4b1d-4e5f-9a0b-{i:012x}")).collect();
        assert!(!f.may_hold(&held[0]), "empty at first");
        for k in &held {
            f.insert(k);
        }
        assert!(held.iter().all(|k| f.may_hold(k)), "no key it holds is missed");
        // The rate promised in its comment (about one in 3,000 at 200,000 keys), with room.
        let claimed = (0..100_000).filter(|i| f.may_hold(&format!("other-{i}"))).count();
        assert!(claimed < 200, "{claimed} of 100,000 keys it never held were claimed");
    }
}
