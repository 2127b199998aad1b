//! `convene report`: a community's report (or one convening's) in any of the report
//! formats, as a site admin sees it.

use crate::i18n::Lang;
use crate::interop::report_doc::{self, Format};
use crate::service::{self, Actor, ServiceError};
use crate::store::Store;
use anyhow::{Context, bail};
use clap::Args;
use std::io::Write;

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// The community's slug.
    #[arg(long)]
    pub community: String,
    /// One convening's report instead of the community's (its id, from the convening page).
    #[arg(long)]
    pub convening: Option<i64>,
    /// json, md, mediawiki, csv or html.
    #[arg(long, default_value = "md")]
    pub format: String,
    /// Language of headings and sentences: en, fr, es or pt.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// The address convene is reached at, for absolute links in Markdown and MediaWiki
    /// (default: the configured `base_url`).
    #[arg(long)]
    pub base_url: Option<String>,
}

fn explain(e: ServiceError, what: &str) -> anyhow::Error {
    match e {
        ServiceError::NotFound => anyhow::anyhow!("{what} not found"),
        e => e.into(),
    }
}

pub async fn report(store: &Store, base_url: &str, args: &ReportArgs) -> anyhow::Result<()> {
    let Some(format) = Format::parse(&args.format) else {
        bail!("unknown format '{}': choose one of {}", args.format, Format::NAMES);
    };
    let Some(lang) = Lang::from_code(&args.lang) else {
        bail!("unknown language '{}': choose en, fr, es or pt", args.lang)
    };
    let base = args.base_url.as_deref().unwrap_or(base_url);
    let today = crate::domain::convening::format_date(time::OffsetDateTime::now_utc().date());
    let actor = Actor::Operator;
    let community = format!("community '{}'", args.community);
    let text = if let Some(id) = args.convening {
        let (r, c, fw) = service::reports::convening_report(store, &actor, id)
            .await
            .map_err(|e| explain(e, &format!("convening {id}")))?;
        if c.slug != args.community {
            bail!("convening {id} belongs to community '{}', not '{}'", c.slug, args.community);
        }
        let rl = service::proposals::report_language(store, c.id, &fw, lang).await?;
        let mut r = r;
        rl.relabel_convening(&mut r);
        let json = report_doc::json_with_time(&r, &crate::store::now());
        let mut doc = report_doc::convening_doc(&r, &rl.names, lang, &today);
        rl.note_versions(&mut doc);
        report_doc::render(format, &doc, &json, base)
    } else {
        let (mut r, c, fw) = service::reports::community_report(store, &actor, &args.community)
            .await
            .map_err(|e| explain(e, &community))?;
        let rl = service::proposals::report_language(store, c.id, &fw, lang).await?;
        rl.relabel_community(&mut r);
        let json = report_doc::json_with_time(&r, &crate::store::now());
        let mut doc = report_doc::community_doc(&r, &rl.names, lang, &today);
        rl.note_versions(&mut doc);
        report_doc::render(format, &doc, &json, base)
    };
    let text = if text.ends_with('\n') { text } else { text + "\n" };
    match &args.out {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(())
}
