//! A wiki page as a MediaWiki `Special:Import` file (export schema 0.11), so that a
//! steward can put a report on the community's wiki in one step.
//!
//! What the schema asks of each page, in order: `title`, `ns`, `id`, then a `revision`
//! with `id`, `timestamp`, `contributor`, `model`, `format`, `text` and `sha1` (the
//! SHA-1 of the text in base 36, as MediaWiki stores it). The root carries the
//! namespace, `version="0.11"` and `xml:lang`.

use super::atom::escape;
use sha1::{Digest, Sha1};

/// SHA-1 of `text` written in base 36, padded to 31 digits (MediaWiki's `rev_sha1`).
#[must_use]
pub fn sha1_base36(text: &str) -> String {
    let digest = Sha1::digest(text.as_bytes());
    // 160 bits as five 32-bit limbs, most significant first; repeated division by 36.
    let mut limbs: Vec<u32> = digest.chunks(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect();
    let mut digits = Vec::new();
    while limbs.iter().any(|&l| l != 0) {
        let mut rem: u64 = 0;
        for l in &mut limbs {
            let cur = (rem << 32) | u64::from(*l);
            *l = u32::try_from(cur / 36).unwrap_or(u32::MAX);
            rem = cur % 36;
        }
        digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[usize::try_from(rem).unwrap_or(0)]);
    }
    while digits.len() < 31 {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// One page with one revision as an import file. `timestamp` is RFC 3339 UTC.
#[must_use]
pub fn import_file(title: &str, text: &str, language: &str, timestamp: &str, contributor: &str) -> String {
    let sha1 = sha1_base36(text);
    let bytes = text.len();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.11/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.mediawiki.org/xml/export-0.11/ http://www.mediawiki.org/xml/export-0.11.xsd\" \
         version=\"0.11\" xml:lang=\"{lang}\">\n\
         \x20 <page>\n\
         \x20   <title>{title}</title>\n\
         \x20   <ns>0</ns>\n\
         \x20   <id>1</id>\n\
         \x20   <revision>\n\
         \x20     <id>1</id>\n\
         \x20     <timestamp>{ts}</timestamp>\n\
         \x20     <contributor><username>{who}</username></contributor>\n\
         \x20     <model>wikitext</model>\n\
         \x20     <format>text/x-wiki</format>\n\
         \x20     <text xml:space=\"preserve\" bytes=\"{bytes}\">{text}</text>\n\
         \x20     <sha1>{sha1}</sha1>\n\
         \x20   </revision>\n\
         \x20 </page>\n\
         </mediawiki>\n",
        lang = escape(language),
        title = escape(title),
        ts = escape(timestamp),
        who = escape(contributor),
        text = escape(text),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_in_base_36_matches_mediawiki() {
        // MediaWiki stores the SHA-1 of the empty text as this (Wikimedia's
        // `rev_sha1` for empty revisions).
        assert_eq!(sha1_base36(""), "phoiac9h4m842xq45sp7s6u21eteeq1");
        assert_eq!(sha1_base36("").len(), 31);
    }

    #[test]
    fn text_is_escaped_and_elements_come_in_schema_order() {
        let x = import_file("A & B", "{| class=\"wikitable\"\n| <x>\n|}", "fr", "2026-11-26T08:00:00Z", "convene");
        assert!(x.contains("<title>A &amp; B</title>"));
        assert!(x.contains("&lt;x&gt;"));
        let order = [
            "<title>",
            "<ns>",
            "<id>",
            "<revision>",
            "<timestamp>",
            "<contributor>",
            "<model>",
            "<format>",
            "<text",
            "<sha1>",
        ];
        let pos: Vec<usize> = order.iter().map(|t| x.find(t).unwrap()).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
    }
}
