//! Atom feeds (RFC 4287): a community's or a convening's public stories and published
//! reports, for feed readers.
//!
//! Written by hand rather than with a feed crate: the part of the format we produce is
//! small (one feed, text and HTML content, one author), and the crates on offer pull in
//! a second date library. Checked in the tests by Python's `feedparser` (no `bozo`).

use std::fmt::Write;

/// A feed: `id` is a stable absolute URL, `updated` an RFC 3339 time.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub id: String,
    pub title: String,
    pub subtitle: String,
    /// The page the feed belongs to.
    pub alternate: String,
    /// The feed's own URL.
    pub self_url: String,
    pub updated: String,
    /// Named when an entry has no author of its own (RFC 4287 §4.1.1).
    pub author: String,
    pub language: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub published: String,
    pub updated: String,
    /// The teller, when they allowed their name to be shown.
    pub author: Option<String>,
    pub summary: String,
    /// Plain text, shown with its line breaks.
    pub content: String,
    /// `dir="auto"`-safe language of the entry's text, if known.
    pub language: String,
}

/// Text made safe inside XML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The feed as an Atom document.
#[must_use]
pub fn render(feed: &Feed) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(x, "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">", escape(&feed.language));
    let _ = writeln!(x, "  <id>{}</id>", escape(&feed.id));
    let _ = writeln!(x, "  <title>{}</title>", escape(&feed.title));
    if !feed.subtitle.is_empty() {
        let _ = writeln!(x, "  <subtitle>{}</subtitle>", escape(&feed.subtitle));
    }
    let _ = writeln!(x, "  <updated>{}</updated>", escape(&feed.updated));
    let _ = writeln!(x, "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", escape(&feed.alternate));
    let _ = writeln!(x, "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>", escape(&feed.self_url));
    let _ = writeln!(x, "  <author><name>{}</name></author>", escape(&feed.author));
    x.push_str("  <generator>convene</generator>\n");
    for e in &feed.entries {
        x.push_str("  <entry>\n");
        let _ = writeln!(x, "    <id>{}</id>", escape(&e.id));
        let _ = writeln!(x, "    <title>{}</title>", escape(&e.title));
        let _ = writeln!(x, "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", escape(&e.link));
        let _ = writeln!(x, "    <published>{}</published>", escape(&e.published));
        let _ = writeln!(x, "    <updated>{}</updated>", escape(&e.updated));
        if let Some(a) = &e.author {
            let _ = writeln!(x, "    <author><name>{}</name></author>", escape(a));
        }
        let _ = writeln!(x, "    <summary type=\"text\">{}</summary>", escape(&e.summary));
        let lang = if e.language.is_empty() { String::new() } else { format!(" xml:lang=\"{}\"", escape(&e.language)) };
        let _ = writeln!(x, "    <content type=\"text\"{lang}>{}</content>", escape(&e.content));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> Feed {
        Feed {
            id: "https://example.org/c/demo".into(),
            title: "Demo & friends".into(),
            subtitle: String::new(),
            alternate: "https://example.org/c/demo".into(),
            self_url: "https://example.org/c/demo/feed.atom".into(),
            updated: "2026-11-26T08:00:00Z".into(),
            author: "Demo".into(),
            language: "en".into(),
            entries: vec![Entry {
                id: "https://example.org/stories/1".into(),
                title: "<b>bold</b>".into(),
                link: "https://example.org/stories/1?a=1&b=2".into(),
                published: "2026-11-01T00:00:00Z".into(),
                updated: "2026-11-02T00:00:00Z".into(),
                author: None,
                summary: "a \u{7} bell".into(),
                content: "line one\nline two".into(),
                language: "fr".into(),
            }],
        }
    }

    #[test]
    fn markup_in_text_is_escaped_and_forbidden_characters_dropped() {
        let x = render(&feed());
        assert!(x.contains("<title>Demo &amp; friends</title>"));
        assert!(x.contains("<title>&lt;b&gt;bold&lt;/b&gt;</title>"));
        assert!(x.contains("href=\"https://example.org/stories/1?a=1&amp;b=2\""));
        assert!(x.contains("<summary type=\"text\">a  bell</summary>"));
        assert!(!x.contains('\u{7}'));
        assert!(x.contains("xml:lang=\"fr\""));
    }

    #[test]
    fn an_entry_without_author_relies_on_the_feed_author() {
        let x = render(&feed());
        assert_eq!(x.matches("<author>").count(), 1);
    }
}
