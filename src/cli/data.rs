//! `convene export` and `convene import`: a whole community as one JSON document.

use crate::config::Config;
use crate::service::{Actor, import};
use crate::store::Store;
use anyhow::Context;
use clap::Args;
use std::io::Write;

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// The community's slug.
    #[arg(long)]
    pub community: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    /// A file written by `convene export` (`-` for standard input).
    pub file: std::path::PathBuf,
}

pub async fn export(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    let doc = crate::interop::json::export(store, &args.community).await?;
    let text = serde_json::to_string_pretty(&doc)? + "\n";
    match &args.out {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(())
}

pub async fn import(config: &Config, args: &ImportArgs) -> anyhow::Result<()> {
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    let doc: crate::interop::json::Export =
        serde_json::from_str(&text).with_context(|| format!("{} is not a convene export", args.file.display()))?;
    let store = super::open(config).await?;
    import::import_community(&store, &Actor::Operator, &doc).await?;
    eprintln!(
        "imported community '{}' ({} convenings, {} stories)",
        doc.community.slug,
        doc.convenings.len(),
        doc.stories.len()
    );
    Ok(())
}
