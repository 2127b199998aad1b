//! KoboToolbox and ODK Central CSV exports of the story form (`xlsform.rs`), read back as
//! story drafts: which tool made the file, which column holds what, and each row as a
//! submission or the errors that name its row and column.
//!
//! KoboToolbox: `;` between fields, every field quoted, `_uuid` and `_submission_time`,
//! `meta/rootUuid` (the stable key; `_uuid` changes when a submission is edited), headers
//! with or without group paths (`c_immediate/immediate_text` or `immediate_text`), a
//! `select_multiple` as one space-separated column and/or one `0`/`1` column per choice,
//! and possibly a second header row of HXL tags. ODK Central: `,`, groups joined by `-`,
//! `SubmissionDate`, `meta-instanceID`, and `KEY` as the stable key. Both are recognised
//! whichever of `;` or `,` separates the fields. Nothing here touches the store.

use super::xlsform::{FormLayout, names};
use crate::domain::FieldError;
use crate::domain::framework::Framework;
use crate::domain::story::{NewStory, StepDraft, StoryDraft};
use crate::i18n::{Lang, translate};
use csv::StringRecord;
use std::collections::{BTreeSet, HashMap};

/// The tool that exported a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Kobo,
    Odk,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Kobo => "kobo",
            Source::Odk => "odk",
        }
    }
}

/// Why a whole file is refused before any row is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Problem {
    /// `empty`, `binary`, `no_rows`, `delimiter`, `unknown_form`, `labels`, `missing_column`,
    /// `not_csv`, `too_large`, `other_version`, `other_convening`.
    pub code: &'static str,
    /// In English, for the API and the command line.
    pub message: String,
    /// What the page's message names, in the reader's language (see `problem_key`).
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), args: Vec::new() }
    }
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

/// A refused row: its number as a spreadsheet shows it (the header is row 1) and the
/// column (as headed in the file). `code` is a stable machine code and the catalog key of
/// the message; `message` is it in English (the API, the command line); a page says it in
/// the reader's language with [`RowError::message_in`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    /// The catalog key (`err-fieldwork-row-future`); the API says it as its other error
    /// codes (`fieldwork_row_future`).
    #[serde(serialize_with = "api_code")]
    pub code: &'static str,
    pub message: String,
    /// The values the message names.
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

fn api_code<S: serde::Serializer>(code: &&'static str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&code.trim_start_matches("err-").replace('-', "_"))
}

impl RowError {
    pub fn new(row: u64, column: impl Into<String>, code: &'static str, args: &[(&'static str, &str)]) -> Self {
        let args: Vec<(&'static str, String)> = args.iter().map(|(k, v)| (*k, (*v).to_string())).collect();
        let mut e = Self { row, column: column.into(), code, message: String::new(), args };
        e.message = e.message_in(Lang::En);
        e
    }

    /// The message in a language.
    pub fn message_in(&self, lang: Lang) -> String {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        translate(lang, self.code, &args)
    }
}

/// What a KoboToolbox user must choose to export a file this importer reads.
pub const KOBO_OPTIONS: &str = "in KoboToolbox open Data → Downloads, choose Export type \"CSV\", \
Value and header format \"XML values and headers\", leave \"Include groups in headers\" as you like \
and \"Multiple select questions format\" at \"Single and separate columns\" (or either one), then export again";

/// Whether the first bytes of a file are not text: a NUL byte, or bytes that are not
/// UTF-8 (an incomplete character at the very end is only where the sample was cut).
pub fn looks_binary(sample: &[u8]) -> bool {
    if sample.contains(&0) {
        return true;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => false,
        Err(e) => e.error_len().is_some(),
    }
}

fn split_header(line: &[u8], delimiter: u8) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).delimiter(delimiter).flexible(true).from_reader(line);
    r.records()
        .next()
        .and_then(Result::ok)
        .map(|rec| rec.iter().map(|s| s.trim().to_string()).collect())
        .unwrap_or_default()
}

fn identify(cols: &[String]) -> Option<Source> {
    let has = |n: &str| cols.iter().any(|c| c == n);
    if has("_uuid") || has("_submission_time") || has("meta/rootUuid") {
        Some(Source::Kobo)
    } else if has("KEY") && (has("SubmissionDate") || cols.first().is_some_and(|c| c == "SubmissionDate")) {
        Some(Source::Odk)
    } else {
        None
    }
}

/// Which tool made the file and which byte separates its fields, from its first line.
pub fn sniff(first_line: &[u8]) -> Result<(Source, u8), Problem> {
    let line = first_line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(first_line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::new("empty", "the file is empty"));
    }
    for d in [b';', b','] {
        if let Some(s) = identify(&split_header(line, d)) {
            return Ok((s, d));
        }
    }
    for (d, name, found) in [(b'\t', "tabs", "tab"), (b'|', "'|'", "|")] {
        if identify(&split_header(line, d)).is_some() {
            return Err(Problem::new(
                "delimiter",
                format!(
                    "the columns are separated by {name}: export CSV again from the tool (KoboToolbox separates \
                     with ';', ODK Central with ','), without opening and saving it in another program"
                ),
            )
            .arg("found", found));
        }
    }
    Err(Problem::new(
        "unknown_form",
        "the first line names none of the columns of a KoboToolbox export (_uuid, _submission_time) or an ODK \
         Central export (SubmissionDate, KEY); is this the CSV export of this convening's form?",
    ))
}

/// Where each of the form's values is in a file.
#[derive(Debug, Clone)]
pub struct Header {
    pub source: Source,
    pub headers: Vec<String>,
    root: Option<usize>,
    instance: Option<usize>,
    submitted: Option<usize>,
    odk_version: Option<usize>,
    top: HashMap<&'static str, usize>,
    cycles: Vec<CycleCols>,
    /// What the file has that this form version does not.
    pub differences: Differences,
}

#[derive(Debug, Clone, Default)]
struct CycleCols {
    kind: Option<usize>,
    text: Option<usize>,
    indicators: Option<usize>,
    /// The `0`/`1` column of each indicator: (column, indicator key).
    split: Vec<(usize, String)>,
}

/// Columns of a file that this form version does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Differences {
    pub cycles: BTreeSet<String>,
    /// (cycle, indicator)
    pub indicators: BTreeSet<(String, String)>,
    pub columns: Vec<String>,
}

impl Differences {
    pub fn is_empty(&self) -> bool {
        self.cycles.is_empty() && self.indicators.is_empty() && self.columns.is_empty()
    }

    /// In plain words, in English: the refusal and the report of the API and the command line.
    pub fn describe(&self) -> Vec<String> {
        self.describe_in(Lang::En)
    }

    /// In plain words, in a language (the page).
    pub fn describe_in(&self, lang: Lang) -> Vec<String> {
        self.lists().into_iter().map(|(key, list)| translate(lang, key, &[("list", &list)])).collect()
    }

    /// Each kind of difference found, as its catalog key (`fieldwork-diff-…`, with a
    /// `list` argument) and the list.
    pub fn lists(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.cycles.is_empty() {
            out.push(("fieldwork-diff-cycles", self.cycles.iter().cloned().collect::<Vec<_>>().join(", ")));
        }
        if !self.indicators.is_empty() {
            let list: Vec<String> = self.indicators.iter().map(|(c, i)| format!("{i} ({c})")).collect();
            out.push(("fieldwork-diff-indicators", list.join(", ")));
        }
        if !self.columns.is_empty() {
            out.push(("fieldwork-diff-columns", self.columns.join(", ")));
        }
        out
    }
}

/// Columns a tool adds that carry nothing for a story.
fn ignorable(h: &str) -> bool {
    const TAIL: [&str; 16] = [
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "today",
        "deviceid",
        "username",
        "phonenumber",
        "simserial",
        "subscriberid",
        "instanceID",
        "audit",
    ];
    h.starts_with('_')
        || h.starts_with("meta/")
        || h.starts_with("meta-")
        || h.starts_with("formhub/")
        || h.starts_with("formhub-")
        || TAIL.contains(&h)
}

/// Every label the form's questions have, in every language, lower-cased: a header that is
/// one of them means the file was exported with labels.
fn label_texts() -> BTreeSet<String> {
    let keys = [
        "fieldwork-form-code",
        "fieldwork-form-name",
        "fieldwork-form-title",
        "fieldwork-form-language",
        "story-who-sees",
        "story-show-name",
        "fieldwork-form-text",
        "fieldwork-form-kind",
        "indicators-tick",
    ];
    Lang::ALL.iter().flat_map(|l| keys.iter().map(|k| translate(*l, k, &[]).trim().to_lowercase())).collect()
}

fn choice_labels(key_prefix: &str, values: &[&str]) -> Vec<String> {
    Lang::ALL
        .iter()
        .flat_map(|l| values.iter().map(move |v| translate(*l, &format!("{key_prefix}{v}"), &[]).to_lowercase()))
        .collect()
}

/// The cycle a question-like column belongs to, when it looks like one of this form's
/// (`c_<key>/…`, `<key>_text`, …) but names a cycle it does not have.
fn cycle_like(h: &str) -> Option<String> {
    let last = h.rsplit(['/', '-']).next().unwrap_or(h);
    if let Some(rest) = h.strip_prefix("c_") {
        return rest.split(['/', '-']).next().map(str::to_string);
    }
    for suffix in ["_kind", "_text", "_indicators", "_about", "_questions"] {
        if let Some(k) = last.strip_suffix(suffix) {
            return Some(k.to_string());
        }
    }
    // A split select_multiple column: `<key>_indicators/<choice>`.
    let mut parts = h.rsplitn(2, '/');
    let (_, q) = (parts.next(), parts.next()?);
    q.rsplit(['/', '-']).next()?.strip_suffix("_indicators").map(str::to_string)
}

/// Maps a file's header row onto the form. A file exported with labels, or without any of
/// the form's questions or keys, is refused.
#[allow(clippy::too_many_lines)] // one pass over the headers, one arm per kind of column
pub fn read_header(source: Source, headers: &[String], layout: &FormLayout) -> Result<Header, Problem> {
    let mut h = Header {
        source,
        headers: headers.to_vec(),
        root: None,
        instance: None,
        submitted: None,
        odk_version: None,
        top: HashMap::new(),
        cycles: vec![CycleCols::default(); layout.cycles.len()],
        differences: Differences::default(),
    };
    let tops = [
        names::CODE,
        names::NAME,
        names::TITLE,
        names::LANGUAGE,
        names::VISIBILITY,
        names::SHOW_NAME,
        names::FORM,
        names::VERSION,
        "start",
        "end",
    ];
    let labels = label_texts();
    let mut by_label = Vec::new();
    for (i, raw) in headers.iter().enumerate() {
        let col = raw.trim_start_matches('\u{feff}').trim();
        let system = match (source, col) {
            (Source::Kobo, "meta/rootUuid" | "rootUuid") | (Source::Odk, "KEY") => h.root.replace(i).is_none(),
            (Source::Kobo, "_uuid") | (Source::Odk, "meta-instanceID" | "meta/instanceID") => {
                h.instance.replace(i).is_none()
            }
            (Source::Kobo, "meta/instanceID") if h.instance.is_none() => h.instance.replace(i).is_none(),
            (Source::Kobo, "_submission_time") | (Source::Odk, "SubmissionDate") => h.submitted.replace(i).is_none(),
            (Source::Odk, "FormVersion") => h.odk_version.replace(i).is_none(),
            (Source::Kobo, "meta/instanceID") => true,
            _ => false,
        };
        if system {
            continue;
        }
        if let Some(t) = tops.iter().find(|t| **t == col) {
            h.top.insert(t, i);
            continue;
        }
        if let Some(found) = cycle_column(col, layout) {
            match found {
                CycleColumn::Kind(c) => h.cycles[c].kind = Some(i),
                CycleColumn::Text(c) => h.cycles[c].text = Some(i),
                CycleColumn::Indicators(c) => h.cycles[c].indicators = Some(i),
                CycleColumn::Split(c, key) => h.cycles[c].split.push((i, key)),
                CycleColumn::UnknownIndicator(c, key) => {
                    h.differences.indicators.insert((layout.cycles[c].key.clone(), key));
                }
                CycleColumn::Note => {}
            }
            continue;
        }
        if ignorable(col) {
            continue;
        }
        if labels.contains(&col.to_lowercase()) {
            by_label.push(col.to_string());
        } else if let Some(k) = cycle_like(col) {
            h.differences.cycles.insert(k);
        } else {
            h.differences.columns.push(col.to_string());
        }
    }
    if !by_label.is_empty() && !h.top.contains_key(names::TITLE) {
        return Err(Problem::new(
            "labels",
            format!(
                "this file was exported with labels as headers (\"{}\"), not the questions' names: {KOBO_OPTIONS}",
                by_label[0]
            ),
        )
        .arg("header", by_label[0].clone()));
    }
    let any_cycle = h.cycles.iter().any(|c| c.text.is_some() || c.kind.is_some() || c.indicators.is_some());
    if !h.top.contains_key(names::TITLE) {
        let code = if any_cycle { "missing_column" } else { "unknown_form" };
        return Err(Problem::new(
            code,
            format!(
                "the file has no {} column: its columns belong to no form of this convening (download the XLSForm \
                 from the convening page and collect with it)",
                names::TITLE
            ),
        )
        .arg("column", names::TITLE));
    }
    if h.root.is_none() && h.instance.is_none() {
        let which = match source {
            Source::Kobo => "_uuid (or meta/rootUuid)",
            Source::Odk => "KEY",
        };
        return Err(Problem::new(
            "missing_column",
            format!("the file has no {which} column to tell submissions apart"),
        )
        .arg("column", which));
    }
    if h.submitted.is_none() {
        let which = match source {
            Source::Kobo => "_submission_time",
            Source::Odk => "SubmissionDate",
        };
        return Err(Problem::new("missing_column", format!("the file has no {which} column")).arg("column", which));
    }
    Ok(h)
}

enum CycleColumn {
    Kind(usize),
    Text(usize),
    Indicators(usize),
    Split(usize, String),
    UnknownIndicator(usize, String),
    Note,
}

/// A column of a cycle's group, with or without the group path (`/` for KoboToolbox, `-`
/// for ODK Central).
fn cycle_column(col: &str, layout: &FormLayout) -> Option<CycleColumn> {
    for (n, c) in layout.cycles.iter().enumerate() {
        let bare = [&c.group, "/"].concat();
        let odk = [&c.group, "-"].concat();
        let q = col.strip_prefix(&bare).or_else(|| col.strip_prefix(&odk)).unwrap_or(col);
        if q == c.kind {
            return Some(CycleColumn::Kind(n));
        }
        if q == c.text {
            return Some(CycleColumn::Text(n));
        }
        if let Some(ind) = &c.indicators {
            if q == ind {
                return Some(CycleColumn::Indicators(n));
            }
            if let Some(choice) = q.strip_prefix(ind.as_str()).and_then(|r| r.strip_prefix(['/', '-'])) {
                return Some(if c.indicator_keys.iter().any(|k| k == choice) {
                    CycleColumn::Split(n, choice.to_string())
                } else {
                    CycleColumn::UnknownIndicator(n, choice.to_string())
                });
            }
        }
        let about = c.text.replace("_text", "_about");
        let questions = c.text.replace("_text", "_questions");
        if q == about || q == questions {
            return Some(CycleColumn::Note);
        }
    }
    None
}

/// One row read: a story ready to store, with its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub row: u64,
    /// The stable key: `meta/rootUuid` (else `_uuid`) or `KEY`, without `uuid:`.
    pub key: String,
    /// This version of the submission: `_uuid` or `meta-instanceID`.
    pub instance: String,
    /// When it was submitted, RFC 3339 UTC.
    pub submitted_at: String,
    /// A participant code (`P12` → 12).
    pub participant: Option<i64>,
    pub name: String,
    pub story: NewStory,
    /// The form version the row says it was made with, if it says.
    pub form_version: Option<String>,
    /// The wave named by the row's form id.
    pub wave: Option<i64>,
    /// Indicator answers left out because this framework version does not know them.
    pub dropped: usize,
}

/// `P12`, `p-12` or `12` → 12.
pub fn parse_participant_code(s: &str) -> Option<i64> {
    let s = s.trim();
    let digits = s.strip_prefix(['P', 'p']).map_or(s, |r| r.strip_prefix('-').unwrap_or(r));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The participant code shown to stewards and typed into the form.
pub fn participant_code(id: i64) -> String {
    format!("P{id}")
}

/// A submission time (`2026-03-10T09:15:00`, `…Z`, `….123Z`, `…+00:00`, or with a space)
/// as RFC 3339 UTC seconds.
pub fn parse_time(s: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).ok()?.format(&Rfc3339).ok();
    }
    let head = s.get(..19)?.replace(' ', "T");
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let t = time::PrimitiveDateTime::parse(&head, f).ok()?;
    t.assume_utc().format(&Rfc3339).ok()
}

fn key_of(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix("uuid:").unwrap_or(s).to_string()
}

/// The convening and wave a form id names (`convene_c5_w9` → (5, Some(9))).
pub fn parse_form_id(s: &str) -> Option<(i64, Option<i64>)> {
    let rest = s.trim().strip_prefix("convene_c")?;
    match rest.split_once("_w") {
        Some((c, w)) => Some((c.parse().ok()?, Some(w.parse().ok()?))),
        None => Some((rest.parse().ok()?, None)),
    }
}

fn yes(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "1" | "true" | "y" => Some(true),
        "no" | "0" | "false" | "n" | "" => Some(false),
        _ => None,
    }
}

/// Reads one data row. `latest` is RFC 3339 UTC (now, plus a few minutes of clock
/// difference); a submission after it is refused as one from the future. With `lenient`, answers this framework version does not
/// know are left out and counted instead of refused.
#[allow(clippy::too_many_lines)] // one row, column by column, in the form's order
pub fn read_row(
    h: &Header,
    layout: &FormLayout,
    framework: &Framework,
    rec: &StringRecord,
    row: u64,
    latest: &str,
    lenient: bool,
) -> Result<Submission, Vec<RowError>> {
    let cell = |i: Option<usize>| i.and_then(|i| rec.get(i)).map_or("", str::trim);
    let top = |n: &str| h.top.get(n).copied();
    let head = |i: Option<usize>, fallback: &str| i.map_or_else(|| fallback.to_string(), |i| h.headers[i].clone());
    let mut errors = Vec::new();
    let mut err = |col: String, code: &'static str, args: &[(&'static str, &str)]| {
        errors.push(RowError::new(row, col, code, args));
    };

    let key_col = h.root.filter(|i| !cell(Some(*i)).is_empty()).or(h.instance);
    let key = key_of(cell(key_col));
    if key.is_empty() {
        err(head(key_col, "_uuid"), "err-fieldwork-row-no-key", &[]);
    }
    let instance = match key_of(cell(h.instance)) {
        i if i.is_empty() => key.clone(),
        i => i,
    };
    let submitted_at = match parse_time(cell(h.submitted)) {
        Some(t) if t.as_str() > latest => {
            err(head(h.submitted, "submitted"), "err-fieldwork-row-future", &[("date", &t)]);
            t
        }
        Some(t) => t,
        None => {
            err(head(h.submitted, "submitted"), "err-fieldwork-row-date", &[("value", cell(h.submitted))]);
            String::new()
        }
    };
    let (form_version, wave) = {
        let v = cell(top(names::VERSION));
        let odk = cell(h.odk_version);
        let version = if v.is_empty() { odk } else { v };
        let form = cell(top(names::FORM));
        let wave = match parse_form_id(form) {
            _ if form.is_empty() => layout.wave_id,
            Some((c, w)) if c == layout.convening_id => w,
            _ => {
                err(head(top(names::FORM), names::FORM), "err-fieldwork-row-form", &[("value", form)]);
                None
            }
        };
        ((!version.is_empty()).then(|| version.to_string()), wave)
    };
    let code = cell(top(names::CODE));
    let participant = if code.is_empty() {
        None
    } else {
        let p = parse_participant_code(code);
        if p.is_none() {
            err(head(top(names::CODE), names::CODE), "err-fieldwork-row-code", &[("value", code)]);
        }
        p
    };
    let name = cell(top(names::NAME)).to_string();
    if participant.is_none() && code.is_empty() && name.is_empty() {
        err(head(top(names::NAME), names::NAME), "err-fieldwork-row-no-teller", &[]);
    }
    let visibility = cell(top(names::VISIBILITY));
    if !visibility.is_empty()
        && !["stewards", "community", "public"].contains(&visibility)
        && choice_labels("visibility-", &["stewards", "community", "public"]).contains(&visibility.to_lowercase())
    {
        err(head(top(names::VISIBILITY), names::VISIBILITY), "err-fieldwork-row-label", &[("value", visibility)]);
    }
    let show = cell(top(names::SHOW_NAME));
    let show_name = yes(show).unwrap_or_else(|| {
        err(head(top(names::SHOW_NAME), names::SHOW_NAME), "err-fieldwork-row-yes-no", &[("value", show)]);
        false
    });
    let mut steps = Vec::new();
    let mut step_cols = Vec::new();
    let mut dropped = 0;
    for (n, c) in layout.cycles.iter().enumerate() {
        let cols = &h.cycles[n];
        let text = cell(cols.text);
        let mut ticked: Vec<String> = Vec::new();
        if cols.indicators.is_some() {
            ticked.extend(cell(cols.indicators).split_whitespace().map(str::to_string));
        } else {
            for (i, k) in &cols.split {
                match yes(cell(Some(*i))) {
                    Some(true) => ticked.push(k.clone()),
                    Some(false) => {}
                    None => err(h.headers[*i].clone(), "err-fieldwork-row-one-zero", &[("value", cell(Some(*i)))]),
                }
            }
        }
        let mut indicators = Vec::new();
        for t in ticked {
            if c.indicator_keys.contains(&t) {
                indicators.push(t);
            } else if lenient {
                dropped += 1;
            } else {
                err(head(cols.indicators, &c.text), "err-fieldwork-row-indicator", &[("value", &t)]);
            }
        }
        if text.is_empty() && indicators.is_empty() {
            continue;
        }
        let kind = match cell(cols.kind) {
            "" => "realized",
            k => k,
        };
        steps.push(StepDraft { cycle: c.key.clone(), kind: kind.into(), text: text.into(), indicators });
        step_cols.push(n);
    }
    let language = cell(top(names::LANGUAGE));
    let draft = StoryDraft {
        title: cell(top(names::TITLE)).into(),
        language: if language.is_empty() { "en".into() } else { language.into() },
        visibility: visibility.into(),
        show_name,
        steps,
    };
    let story = match draft.validate(framework) {
        Ok(s) => Some(s),
        Err(e) => {
            // The story rule's own English words, which name the value; a page says it
            // with the catalog's, naming the column.
            let column = column_of(&e, h, layout, &step_cols);
            let args = vec![("field", column.clone())];
            errors.push(RowError { row, column, code: e.code, message: e.message, args });
            None
        }
    };
    match story {
        Some(story) if errors.is_empty() => {
            Ok(Submission { row, key, instance, submitted_at, participant, name, story, form_version, wave, dropped })
        }
        _ => Err(errors),
    }
}

/// The column a story rule names: `title`, `steps[2].kind`, ….
fn column_of(e: &FieldError, h: &Header, layout: &FormLayout, step_cols: &[usize]) -> String {
    let top = |n: &str| h.top.get(n).map_or_else(|| n.to_string(), |i| h.headers[*i].clone());
    match e.field.as_str() {
        "title" => top(names::TITLE),
        "language" => top(names::LANGUAGE),
        "visibility" => top(names::VISIBILITY),
        f => {
            let step = f.strip_prefix("steps[").and_then(|r| r.split(']').next()).and_then(|n| n.parse::<usize>().ok());
            let Some(n) = step.and_then(|s| step_cols.get(s)).copied() else {
                return layout.cycles.first().map_or_else(|| "steps".into(), |c| c.text.clone());
            };
            let (c, cols) = (&layout.cycles[n], &h.cycles[n]);
            let pick = |i: Option<usize>, name: &str| i.map_or_else(|| name.to_string(), |i| h.headers[i].clone());
            if f.rsplit('.').next() == Some("kind") {
                pick(cols.kind, &c.kind)
            } else if f.rsplit('.').next() == Some("indicators") {
                pick(cols.indicators, c.indicators.as_deref().unwrap_or(&c.text))
            } else {
                pick(cols.text, &c.text)
            }
        }
    }
}

/// Whether a data row is KoboToolbox's HXL tag row (`#date`, `#contact+name`, …).
pub fn is_hxl_row(rec: &StringRecord) -> bool {
    let mut cells = rec.iter().map(str::trim).filter(|c| !c.is_empty()).peekable();
    cells.peek().is_some() && cells.all(|c| c.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;
    use crate::interop::xlsform::{FormSpec, layout};

    fn lay(fw: &Framework) -> FormLayout {
        layout(&FormSpec { convening_id: 5, convening_title: "G", wave: None, framework: fw, framework_version: 1 })
    }

    fn rec(cells: &[&str]) -> StringRecord {
        StringRecord::from(cells.to_vec())
    }

    #[test]
    fn kobo_and_odk_headers_are_told_apart_by_their_columns() {
        assert_eq!(sniff(b"\"start\";\"story_title\";\"_uuid\";\"_submission_time\"").unwrap(), (Source::Kobo, b';'));
        assert_eq!(sniff(b"SubmissionDate,story_title,meta-instanceID,KEY").unwrap(), (Source::Odk, b','));
        assert_eq!(sniff(b"start,story_title,_uuid,_submission_time").unwrap(), (Source::Kobo, b','));
        assert_eq!(sniff(b"story_title\t_uuid\t_submission_time").unwrap_err().code, "delimiter");
        assert_eq!(sniff(b"name,email,link").unwrap_err().code, "unknown_form");
        assert_eq!(sniff(b"").unwrap_err().code, "empty");
        assert!(looks_binary(b"PK\x03\x04\x00\x00"));
        assert!(looks_binary(&[0xff, 0xfe, b'a', b'b']));
        assert!(!looks_binary("é".as_bytes()));
        assert!(!looks_binary(&"é".as_bytes()[..1]), "a character cut at the end of the sample");
    }

    #[test]
    fn group_paths_are_optional_and_select_multiple_comes_either_way() {
        let fw = preset("km4dev-experiment").unwrap();
        let l = lay(fw);
        let headers: Vec<String> = [
            "story_title",
            "participant_name",
            "story_visibility",
            "story_show_name",
            "c_immediate/immediate_text",
            "immediate_kind",
            "c_immediate/immediate_indicators/networking",
            "c_immediate/immediate_indicators/participation",
            "_uuid",
            "meta/rootUuid",
            "_submission_time",
        ]
        .map(String::from)
        .to_vec();
        let h = read_header(Source::Kobo, &headers, &l).unwrap();
        assert!(h.differences.is_empty(), "{:?}", h.differences);
        let r = rec(&["T", "Ama", "public", "yes", "We met", "", "1", "0", "u2", "uuid:u1", "2026-03-10T09:00:00"]);
        let s = read_row(&h, &l, fw, &r, 2, "2026-04-01T00:00:00Z", false).unwrap();
        assert_eq!((s.key.as_str(), s.instance.as_str()), ("u1", "u2"));
        assert_eq!(s.submitted_at, "2026-03-10T09:00:00Z");
        assert_eq!(s.story.steps[0].indicators, ["networking"]);
        assert_eq!(s.story.steps[0].kind.as_str(), "realized");
    }

    #[test]
    fn errors_name_the_row_and_the_column() {
        let fw = preset("km4dev-experiment").unwrap();
        let l = lay(fw);
        let headers: Vec<String> = [
            "SubmissionDate",
            "story_title",
            "story_visibility",
            "participant_code",
            "c_applied-applied_kind",
            "c_applied-applied_text",
            "KEY",
        ]
        .map(String::from)
        .to_vec();
        let h = read_header(Source::Odk, &headers, &l).unwrap();
        let r = rec(&["2099-01-01T00:00:00.000Z", "T", "public", "X9", "maybe", "Try it", "uuid:k"]);
        let e = read_row(&h, &l, fw, &r, 7, "2026-04-01T00:00:00Z", false).unwrap_err();
        let cols: Vec<(u64, &str)> = e.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert!(cols.contains(&(7, "SubmissionDate")), "{e:?}");
        assert!(cols.contains(&(7, "participant_code")), "{e:?}");
        let r = rec(&["2026-01-01T00:00:00.000Z", "T", "public", "P3", "maybe", "Try it", "uuid:k"]);
        let e = read_row(&h, &l, fw, &r, 8, "2026-04-01T00:00:00Z", false).unwrap_err();
        assert_eq!(e[0].column, "c_applied-applied_kind");
    }

    #[test]
    fn a_label_export_is_recognised() {
        let fw = preset("km4dev-experiment").unwrap();
        let headers: Vec<String> =
            [translate(Lang::En, "fieldwork-form-title", &[]), "_uuid".into(), "_submission_time".into()].to_vec();
        let p = read_header(Source::Kobo, &headers, &lay(fw)).unwrap_err();
        assert_eq!(p.code, "labels");
        assert!(p.message.contains("XML values and headers"));
    }

    #[test]
    fn columns_of_another_framework_version_are_listed() {
        let fw = preset("km4dev-experiment").unwrap();
        let headers: Vec<String> = [
            "story_title",
            "c_reframing/reframing_text",
            "immediate_indicators/telepathy",
            "favourite_colour",
            "_uuid",
            "_submission_time",
        ]
        .map(String::from)
        .to_vec();
        let h = read_header(Source::Kobo, &headers, &lay(fw)).unwrap();
        assert!(h.differences.cycles.contains("reframing"));
        assert!(h.differences.indicators.contains(&("immediate".into(), "telepathy".into())));
        assert_eq!(h.differences.columns, ["favourite_colour"]);
    }

    #[test]
    fn codes_times_and_form_ids_parse() {
        assert_eq!(parse_participant_code("P12"), Some(12));
        assert_eq!(parse_participant_code("p-7"), Some(7));
        assert_eq!(parse_participant_code("Q1"), None);
        assert_eq!(parse_time("2026-03-10T09:15:00.123Z").unwrap(), "2026-03-10T09:15:00Z");
        assert_eq!(parse_time("2026-03-10T11:15:00+02:00").unwrap(), "2026-03-10T09:15:00Z");
        assert_eq!(parse_time("2026-03-10 09:15:00").unwrap(), "2026-03-10T09:15:00Z");
        assert!(parse_time("yesterday").is_none());
        assert_eq!(parse_form_id("convene_c5_w9"), Some((5, Some(9))));
        assert_eq!(parse_form_id("convene_c5"), Some((5, None)));
    }
}
