//! The glossary: the words of the framework and the planner (cycle, indicator, hoped
//! for, happened, certified gap, objective…) in plain language, in the reader's
//! language. Pages link each technical term to its entry (`/glossary#cycle`).

use super::{Ctx, Page};
use askama::Template;
use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The entries, in reading order: the anchor of each (`/glossary#gap`) and the suffix of
/// its two messages (`glossary-{key}-term`, `glossary-{key}`).
pub const TERMS: [&str; 11] = [
    "cycle",
    "indicator",
    "story",
    "aspirational",
    "realized",
    "matrix",
    "wave",
    "framework",
    "steward",
    "gap",
    "objective",
];

pub fn router() -> Router<super::AppState> {
    Router::new().route("/glossary", get(glossary))
}

#[derive(Template)]
#[template(path = "glossary.html")]
struct GlossaryPage {
    ctx: Ctx,
    terms: &'static [&'static str],
}

impl GlossaryPage {
    fn term(&self, key: &str) -> String {
        self.ctx.t(&format!("glossary-{key}-term"))
    }
    fn meaning(&self, key: &str) -> String {
        self.ctx.t(&format!("glossary-{key}"))
    }
}

async fn glossary(ctx: Ctx) -> Response {
    Page(GlossaryPage { ctx, terms: &TERMS }).into_response()
}
