//! A small document model — sections of paragraphs, tables and charts — and its
//! renderings as Markdown, MediaWiki markup, CSV and HTML. A report is turned into one
//! [`Doc`] in the reader's language; every rendering prints that same value, so the
//! numbers cannot differ between formats.

use std::fmt::Write;

/// One table cell: the text people read, the raw value machines read (CSV), and an
/// optional link (a path under convene's base address).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    pub text: String,
    pub raw: String,
    pub href: Option<String>,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Self {
        let t = t.into();
        Self { raw: t.clone(), text: t, href: None }
    }
    /// A number shown formatted for the reader, kept raw for CSV.
    pub fn num(text: String, raw: String) -> Self {
        Self { text, raw, href: None }
    }
    pub fn link(t: impl Into<String>, href: String) -> Self {
        let t = t.into();
        Self { raw: t.clone(), text: t, href: Some(href) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Stable identifier (CSV section name, HTML id).
    pub id: String,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A server-rendered chart: its SVG (with its own title and description) — shown in
/// HTML only; the other renderings carry the same numbers in the table beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub svg: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub chart: Option<Chart>,
    pub tables: Vec<Table>,
    /// A list of quotes: (words, attribution, link).
    pub quotes: Vec<(String, String, Option<String>)>,
}

impl Section {
    pub fn new(id: &str, title: String) -> Self {
        Self { id: id.into(), title, paragraphs: Vec::new(), chart: None, tables: Vec::new(), quotes: Vec::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub title: String,
    pub lang: String,
    /// Short lines under the title (who, when, what the counts include).
    pub intro: Vec<String>,
    pub sections: Vec<Section>,
}

fn absolute(base: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        href.to_string()
    } else {
        format!("{}{href}", base.trim_end_matches('/'))
    }
}

// ------------------------------------------------------------------ Markdown

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '|' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '`' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

fn md_cell(c: &Cell, base: &str) -> String {
    match &c.href {
        Some(h) => format!("[{}]({})", md_escape(&c.text), absolute(base, h)),
        None => md_escape(&c.text),
    }
}

/// GitHub-flavoured Markdown: headings, paragraphs, pipe tables.
pub fn markdown(doc: &Doc, base: &str) -> String {
    let mut s = format!("# {}\n\n", md_escape(&doc.title));
    for p in &doc.intro {
        let _ = writeln!(s, "{}\n", md_escape(p));
    }
    for sec in &doc.sections {
        let _ = writeln!(s, "## {}\n", md_escape(&sec.title));
        for p in &sec.paragraphs {
            let _ = writeln!(s, "{}\n", md_escape(p));
        }
        for t in &sec.tables {
            if !t.caption.is_empty() {
                let _ = writeln!(s, "**{}**\n", md_escape(&t.caption));
            }
            let _ = writeln!(s, "| {} |", t.head.iter().map(|h| md_escape(h)).collect::<Vec<_>>().join(" | "));
            let _ = writeln!(s, "|{}", t.head.iter().map(|_| " --- |").collect::<String>());
            for r in &t.rows {
                let _ = writeln!(s, "| {} |", r.iter().map(|c| md_cell(c, base)).collect::<Vec<_>>().join(" | "));
            }
            s.push('\n');
        }
        for (words, who, href) in &sec.quotes {
            let _ = write!(s, "> {}\n>\n> — {}", md_escape(words), md_escape(who));
            if let Some(h) = href {
                let _ = write!(s, " ({})", absolute(base, h));
            }
            s.push_str("\n\n");
        }
    }
    s
}

// ------------------------------------------------------------------ MediaWiki

/// Text that MediaWiki must not read as markup: anything with a character that can
/// start markup goes inside `<nowiki>` (with `<` and `&` escaped, which nowiki keeps).
fn wiki_text(s: &str) -> String {
    let flat = s.replace(['\n', '\r'], " ");
    let markup = flat.chars().any(|c| matches!(c, '|' | '[' | ']' | '{' | '}' | '\'' | '<' | '>' | '&' | '~' | '!'))
        || flat.contains("__")
        || flat.starts_with(['*', '#', ':', ';', '=', ' ', '-']);
    if markup {
        let esc = flat.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        format!("<nowiki>{esc}</nowiki>")
    } else {
        flat
    }
}

fn wiki_cell(c: &Cell, base: &str) -> String {
    match &c.href {
        Some(h) => {
            let text = c.text.replace(['[', ']', '\n'], " ");
            format!("[{} {}]", absolute(base, h), wiki_text(&text))
        }
        None => wiki_text(&c.text),
    }
}

/// MediaWiki markup: `==` headings and `{| class="wikitable"` tables.
pub fn mediawiki(doc: &Doc, base: &str) -> String {
    let mut s = String::new();
    for p in &doc.intro {
        let _ = writeln!(s, "{}\n", wiki_text(p));
    }
    for sec in &doc.sections {
        let _ = writeln!(s, "== {} ==\n", wiki_text(&sec.title));
        for p in &sec.paragraphs {
            let _ = writeln!(s, "{}\n", wiki_text(p));
        }
        for t in &sec.tables {
            s.push_str("{| class=\"wikitable sortable\"\n");
            if !t.caption.is_empty() {
                let _ = writeln!(s, "|+ {}", wiki_text(&t.caption));
            }
            s.push_str("|-\n");
            let _ = writeln!(s, "! {}", t.head.iter().map(|h| wiki_text(h)).collect::<Vec<_>>().join(" !! "));
            for r in &t.rows {
                s.push_str("|-\n");
                let _ = writeln!(s, "| {}", r.iter().map(|c| wiki_cell(c, base)).collect::<Vec<_>>().join(" || "));
            }
            s.push_str("|}\n\n");
        }
        for (words, who, _) in &sec.quotes {
            let _ = writeln!(s, "<blockquote>{} — {}</blockquote>\n", wiki_text(words), wiki_text(who));
        }
    }
    s
}

// ------------------------------------------------------------------ CSV

/// A cell a spreadsheet would run as a formula is made text with a leading quote.
pub fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Every table of the document, one after the other: a line naming the table (its
/// id), its header, its rows (raw values), then an empty line.
pub fn csv(doc: &Doc) -> String {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for t in doc.sections.iter().flat_map(|s| &s.tables) {
        let _ = w.write_record([format!("table:{}", t.id)]);
        let _ = w.write_record(t.head.iter().map(|h| neutralise(h)));
        for r in &t.rows {
            let _ = w.write_record(r.iter().map(|c| neutralise(&c.raw)));
        }
        let _ = w.write_record([""]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

// ------------------------------------------------------------------ HTML

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The report's body as HTML: sections with their chart and tables (each table in a
/// focusable, named scrolling region so that keyboards reach it on a phone).
pub fn html_body(doc: &Doc) -> String {
    let mut s = String::new();
    for p in &doc.intro {
        let _ = writeln!(s, "<p class=\"muted\" dir=\"auto\">{}</p>", escape_html(p));
    }
    for sec in &doc.sections {
        let _ = writeln!(
            s,
            "<section class=\"report-section\" id=\"{id}\" aria-labelledby=\"{id}-h\"><h2 id=\"{id}-h\">{}</h2>",
            escape_html(&sec.title),
            id = escape_html(&sec.id)
        );
        for p in &sec.paragraphs {
            let _ = writeln!(s, "<p dir=\"auto\">{}</p>", escape_html(p));
        }
        let figure = sec.chart.is_some();
        if let Some(c) = &sec.chart {
            let _ = writeln!(s, "<div class=\"report-figure\"><div class=\"chart\">{}</div>", c.svg);
        }
        for t in &sec.tables {
            let _ = writeln!(
                s,
                "<div class=\"scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"{id}-c\"><table id=\"{id}\">\
                 <caption id=\"{id}-c\">{}</caption><thead><tr>{}</tr></thead><tbody>",
                escape_html(&t.caption),
                t.head.iter().fold(String::new(), |mut acc, h| {
                    let _ = write!(acc, "<th scope=\"col\">{}</th>", escape_html(h));
                    acc
                }),
                id = escape_html(&t.id)
            );
            for r in &t.rows {
                s.push_str("<tr>");
                for (i, c) in r.iter().enumerate() {
                    let inner = match &c.href {
                        Some(h) => format!("<a href=\"{}\">{}</a>", escape_html(h), escape_html(&c.text)),
                        None => escape_html(&c.text),
                    };
                    if i == 0 {
                        let _ = write!(s, "<th scope=\"row\" dir=\"auto\">{inner}</th>");
                    } else {
                        let _ = write!(s, "<td dir=\"auto\">{inner}</td>");
                    }
                }
                s.push_str("</tr>\n");
            }
            s.push_str("</tbody></table></div>\n");
        }
        if figure {
            s.push_str("</div>\n");
        }
        for (words, who, href) in &sec.quotes {
            let cite = match href {
                Some(h) => format!("<a href=\"{}\">{}</a>", escape_html(h), escape_html(who)),
                None => escape_html(who),
            };
            let _ = writeln!(
                s,
                "<blockquote dir=\"auto\"><p>{}</p><footer>{cite}</footer></blockquote>",
                escape_html(words)
            );
        }
        s.push_str("</section>\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Doc {
        let mut sec = Section::new("cycles", "Value | per cycle".into());
        sec.paragraphs.push("Counts include every story.".into());
        sec.tables.push(Table {
            id: "cycles".into(),
            caption: "Stories".into(),
            head: vec!["Cycle".into(), "Realized".into()],
            rows: vec![
                vec![Cell::link("Immediate [value]", "/s/1".into()), Cell::num("1,234".into(), "1234".into())],
                vec![Cell::text("=HYPERLINK(\"x\")"), Cell::num("-3".into(), "-3".into())],
            ],
        });
        Doc { title: "Report".into(), lang: "en".into(), intro: vec![], sections: vec![sec] }
    }

    #[test]
    fn markdown_tables_have_one_cell_per_column_and_escaped_pipes() {
        let md = markdown(&doc(), "https://x.org");
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(rows.len(), 4);
        for r in &rows {
            let cells = r.replace("\\|", "").matches('|').count();
            assert_eq!(cells, 3, "{r}");
        }
        assert!(md.contains("[Immediate \\[value\\]](https://x.org/s/1)"));
        assert!(md.contains("## Value \\| per cycle"));
    }

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_neutralised_but_negative_numbers_stay() {
        let c = csv(&doc());
        assert!(c.contains("'=HYPERLINK"), "{c}");
        assert!(c.contains(",-3"), "{c}");
        assert!(c.contains("Immediate [value],1234"));
    }

    #[test]
    fn wiki_text_guards_markup() {
        assert_eq!(wiki_text("plain words"), "plain words");
        assert_eq!(wiki_text("a | b"), "<nowiki>a | b</nowiki>");
        assert_eq!(wiki_text("</nowiki>[[x]]"), "<nowiki>&lt;/nowiki&gt;[[x]]</nowiki>");
        let w = mediawiki(&doc(), "https://x.org");
        assert!(w.contains("{| class=\"wikitable sortable\"") && w.contains("|}"));
        assert!(
            w.contains("[https://x.org/s/1 <nowiki>Immediate  value </nowiki>]")
                || w.contains("[https://x.org/s/1 Immediate  value ]"),
            "{w}"
        );
    }

    #[test]
    fn html_escapes_everything_it_did_not_make() {
        let h = html_body(&doc());
        assert!(h.contains("Value | per cycle"));
        assert!(!h.contains("=HYPERLINK(\"x\")"));
        assert!(h.contains("=HYPERLINK(&quot;x&quot;)"));
    }
}
