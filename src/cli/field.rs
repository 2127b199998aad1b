//! In the field, from the command line (as the operator): `convene xlsform` writes the
//! story form for KoboToolbox/ODK, `convene import-submissions` reads their CSV export back
//! (with a progress bar on large files), `convene stories` writes the stories as CSV/XLSX.

use crate::config::Config;
use crate::service::field::{self, ImportOptions, ImportReport};
use crate::service::{Actor, ServiceError};
use anyhow::{Context, bail};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Debug, Clone)]
pub struct XlsformArgs {
    /// The convening's id.
    #[arg(long)]
    pub convening: i64,
    /// Only this wave's cycles (and a form id of its own).
    #[arg(long)]
    pub wave: Option<i64>,
    /// The `.xlsx` file to write.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct ImportSubmissionsArgs {
    /// The convening's id.
    #[arg(long)]
    pub convening: i64,
    /// A KoboToolbox or ODK Central CSV export of the convening's form.
    pub file: PathBuf,
    /// Check everything and report, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows of a file with bad ones (the others are listed).
    #[arg(long)]
    pub skip_bad: bool,
    /// Import a file made with another form version: what maps onto this framework version.
    #[arg(long)]
    pub other_version: bool,
}

#[derive(Args, Debug, Clone)]
pub struct StoriesArgs {
    /// The convening's id.
    #[arg(long)]
    pub convening: i64,
    /// `csv` or `xlsx`.
    #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
    pub format: String,
    /// Start the CSV with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn service_error(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(v) => {
            anyhow::anyhow!("{}", v.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("\n"))
        }
        ServiceError::NotFound => anyhow::anyhow!("no such convening or wave"),
        e => anyhow::Error::new(e),
    }
}

pub async fn xlsform(config: &Config, args: &XlsformArgs) -> anyhow::Result<()> {
    let store = super::open(config).await?;
    let (_, bytes) =
        field::xlsform(&store, &Actor::Operator, args.convening, args.wave).await.map_err(service_error)?;
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

pub async fn stories(config: &Config, args: &StoriesArgs) -> anyhow::Result<()> {
    let store = super::open(config).await?;
    let (_, rows) = field::story_rows(&store, &Actor::Operator, args.convening).await.map_err(service_error)?;
    let bytes = if args.format == "xlsx" {
        crate::interop::stories_csv::write_xlsx(&rows)?
    } else {
        let mut out = Vec::new();
        crate::interop::stories_csv::write_csv(&rows, &mut out, args.bom)?;
        out
    };
    match &args.out {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}

pub async fn import_submissions(config: &Config, args: &ImportSubmissionsArgs) -> anyhow::Result<()> {
    let file = std::fs::File::open(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let size = file.metadata().map_or(0, |m| m.len());
    let store = super::open(config).await?;
    // A bar on standard error for files over a megabyte (hidden when it is not a terminal).
    let bar = (size > 1024 * 1024).then(|| {
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = bar.clone().map(|b| Arc::new(move |n: u64| b.set_position(n)) as Arc<dyn Fn(u64) + Send + Sync>);
    let opts = ImportOptions {
        dry_run: args.dry_run,
        skip_bad: args.skip_bad,
        other_version: args.other_version,
        max_bytes: config.limits.submission_file_bytes,
        progress,
    };
    let r = field::import_submissions(&store, &Actor::Operator, args.convening, Box::new(file), &opts).await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let report = r.map_err(service_error).with_context(|| format!("{} was not imported", args.file.display()))?;
    print_report(&report);
    if report.bad_rows > 0 && !report.committed && !args.dry_run {
        bail!(
            "{} of {} rows have errors, so nothing was imported (--skip-bad imports the good rows)",
            report.bad_rows,
            report.rows
        );
    }
    Ok(())
}

fn print_report(r: &ImportReport) {
    let mut err = std::io::stderr().lock();
    let verb = if r.committed { "imported" } else { "would import (nothing written)" };
    let _ = writeln!(
        err,
        "{} export, {} rows: {verb}: {} new stories, {} revised, {} unchanged, {} rows with errors",
        r.source, r.rows, r.created, r.revised, r.unchanged, r.bad_rows
    );
    if !r.file_versions.is_empty() {
        let _ =
            writeln!(err, "form version in the file: {}; this form: {}", r.file_versions.join(", "), r.form_version);
    }
    for d in &r.differences {
        let _ = writeln!(err, "{d}");
    }
    if r.dropped_answers > 0 {
        let _ = writeln!(err, "{} answers left out (unknown to this framework version)", r.dropped_answers);
    }
    for e in &r.errors {
        let col = if e.column.is_empty() { String::new() } else { format!(", column {}", e.column) };
        let _ = writeln!(err, "row {}{col}: {}", e.row, e.message);
    }
    if r.more_errors > 0 {
        let _ = writeln!(err, "…and {} more errors", r.more_errors);
    }
}
