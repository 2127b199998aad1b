//! iCalendar (RFC 5545): a community's convenings as all-day events, for calendar apps.
//!
//! Written by hand: we produce one component type with a handful of properties; what
//! matters is done here and tested (CRLF line ends, folding at 75 octets without
//! splitting a character, TEXT escaping, exclusive all-day DTEND). Checked in the tests
//! by Python's `icalendar` package.

use time::Date;

/// One all-day event. `dtstamp` is a UTC time as `YYYYMMDDTHHMMSSZ`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub uid: String,
    pub dtstamp: String,
    pub start: Date,
    /// The last day of the event (inclusive); written as the day after, as RFC 5545
    /// wants for all-day events.
    pub last_day: Date,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub url: String,
    /// `TENTATIVE` or `CONFIRMED`.
    pub status: &'static str,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
#[must_use]
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded so that no line is longer than 75 octets (continuation
/// lines start with a space, which counts), ended by CRLF.
fn line(out: &mut String, content: &str) {
    let mut used = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

fn date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The calendar: a `VCALENDAR` named `name` holding the events.
#[must_use]
pub fn render(name: &str, events: &[Event]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//convene//convenings//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape_text(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{}", e.dtstamp));
        line(&mut out, &format!("DTSTART;VALUE=DATE:{}", date(e.start)));
        let end = e.last_day.next_day().unwrap_or(e.last_day);
        line(&mut out, &format!("DTEND;VALUE=DATE:{}", date(end)));
        line(&mut out, &format!("SUMMARY:{}", escape_text(&e.summary)));
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape_text(&e.description)));
        }
        if !e.location.is_empty() {
            line(&mut out, &format!("LOCATION:{}", escape_text(&e.location)));
        }
        // A URI value is not TEXT: it is written as it is.
        line(&mut out, &format!("URL:{}", e.url));
        line(&mut out, &format!("STATUS:{}", e.status));
        line(&mut out, "TRANSP:TRANSPARENT");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// RFC 3339 UTC (`2026-11-26T08:00:00Z`) as an iCalendar UTC date-time.
#[must_use]
pub fn stamp(rfc3339: &str) -> String {
    let digits: String = rfc3339.chars().filter(char::is_ascii_digit).take(14).collect();
    if digits.len() == 14 { format!("{}T{}Z", &digits[..8], &digits[8..]) } else { "19700101T000000Z".into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn event(summary: &str) -> Event {
        Event {
            uid: "convening-1@example.org".into(),
            dtstamp: stamp("2026-11-26T08:00:00Z"),
            start: date!(2026 - 03 - 10),
            last_day: date!(2026 - 03 - 12),
            summary: summary.into(),
            description: "Line one\nline two; with, commas\\".into(),
            location: "Nairobi, KE".into(),
            url: "https://example.org/convenings/1".into(),
            status: "CONFIRMED",
        }
    }

    #[test]
    fn all_day_events_end_the_day_after_and_lines_end_in_crlf() {
        let c = render("Demo", &[event("Gathering")]);
        assert!(c.contains("DTSTART;VALUE=DATE:20260310\r\n"));
        assert!(c.contains("DTEND;VALUE=DATE:20260313\r\n"));
        assert!(c.contains("DTSTAMP:20261126T080000Z\r\n"));
        assert!(!c.replace("\r\n", "").contains('\n'), "bare LF");
        assert!(c.contains("DESCRIPTION:Line one\\nline two\\; with\\, commas\\\\\r\n"));
        assert!(c.contains("LOCATION:Nairobi\\, KE"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let c = render("Demo", &[event(&"é".repeat(100))]);
        for l in c.split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = c.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}\r\n", "é".repeat(100))));
    }
}
