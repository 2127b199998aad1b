//! The product's vocabulary as pure types and rules: no web, no database.
//!
//! Every type that reaches the store is built through a `parse`/`validate` step, so the
//! rest of the crate only ever handles valid values.

pub mod convening;
pub mod evidence;
pub mod framework;
pub mod framework_text;
pub mod proposal;
pub mod story;
pub mod wave;

use serde::Serialize;

/// A rule broken by user input: which field, a stable code (also the message-catalog
/// key) and an English message for logs and API clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
    /// What the catalog message names (a column, a version), for the reader's language.
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into(), args: Vec::new() }
    }
    /// The same error with the catalog message's arguments.
    #[must_use]
    pub fn with_args(mut self, args: Vec<(&'static str, String)>) -> Self {
        self.args = args;
        self
    }
}

/// Checks a required text — a title, a name: trimmed, at most `max` characters, with at
/// least one visible character (not only spaces or zero-width characters), no control
/// character but line breaks and tabs, and the bidirectional overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) removed, so that a name cannot display reversed.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let stripped: String = value.chars().filter(|c| !is_bidi_control(*c)).collect();
    let v = optional_text(field, &stripped, max)?;
    if !v.chars().any(is_visible) {
        return Err(FieldError::new(field, "err-required", format!("{field} is required")));
    }
    Ok(v)
}

/// Checks an optional text against a length limit (in characters), keeping it as typed
/// apart from surrounding white space. Control characters (NUL and the like) are refused;
/// line breaks and tabs are text.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FieldError::new(field, "err-control-char", format!("{field} contains a control character")));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(field, "err-too-long", format!("{field} is longer than {max} characters")));
    }
    Ok(v.to_string())
}

/// Bidirectional embeddings, overrides and isolates: they reorder the text that follows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether a character shows something: not white space, not a control, not one of the
/// invisible format characters (zero-width spaces and joiners, marks, fillers, tags).
fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || is_bidi_control(c)
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}'))
}

/// Community slugs: 2–40 characters of lowercase ASCII letters, digits and `-`.
pub fn parse_slug(value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let ok = (2..=40).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !v.starts_with('-')
        && !v.ends_with('-');
    if ok {
        Ok(v.to_string())
    } else {
        Err(FieldError::new("slug", "err-slug", "slug must be 2-40 lowercase letters, digits or '-'"))
    }
}

/// A minimal e-mail check: one `@` with text on both sides, no spaces. Lower-cased.
pub fn parse_email(value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_lowercase();
    let ok = v.len() <= 254
        && !v.contains(char::is_whitespace)
        && v.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.contains('@'));
    if ok { Ok(v) } else { Err(FieldError::new("email", "err-email", "not a valid e-mail address")) }
}

/// Roles a user holds in one community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Steward,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Steward => "steward",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Role::Member),
            "steward" => Some(Role::Steward),
            _ => None,
        }
    }
}

/// Who is looking at a community's content; decides which stories they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Viewer {
    Anonymous,
    Member,
    Steward,
}

impl Viewer {
    pub fn from_role(role: Option<Role>, is_admin: bool) -> Self {
        if is_admin {
            return Viewer::Steward;
        }
        match role {
            Some(Role::Steward) => Viewer::Steward,
            Some(Role::Member) => Viewer::Member,
            None => Viewer::Anonymous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert!(parse_slug("km4dev-demo").is_ok());
        assert!(parse_slug("KM4Dev").is_err());
        assert!(parse_slug("-x").is_err());
        assert!(parse_slug("a").is_err());
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(parse_email(" A@B.org ").unwrap(), "a@b.org");
        assert!(parse_email("nope").is_err());
        assert!(parse_email("a@b").is_err());
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        assert!(optional_text("t", &"é".repeat(10), 10).is_ok());
        assert!(optional_text("t", &"é".repeat(11), 10).is_err());
        assert!(required_text("t", "  ", 10).is_err());
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_and_tabs_are_text() {
        assert_eq!(optional_text("t", "a\0b", 10).unwrap_err().code, "err-control-char");
        assert!(required_text("t", "a\u{7}b", 10).is_err());
        assert!(required_text("t", "a\u{85}b", 10).is_err());
        assert_eq!(optional_text("t", "line one\r\nline\ttwo", 30).unwrap(), "line one\r\nline\ttwo");
    }

    #[test]
    fn a_title_made_only_of_invisible_characters_is_missing() {
        assert_eq!(
            required_text("t", "\u{200B}\u{200C}\u{200D}\u{FEFF}\u{2060}", 10).unwrap_err().code,
            "err-required"
        );
        assert_eq!(required_text("t", " \u{3164}\u{00AD} ", 10).unwrap_err().code, "err-required");
        assert_eq!(required_text("t", "\u{200B}A", 10).unwrap(), "\u{200B}A");
    }

    #[test]
    fn bidi_overrides_are_stripped_from_names() {
        assert_eq!(required_text("name", "Ann\u{202E}dratS omeD", 50).unwrap(), "AnndratS omeD");
        assert_eq!(required_text("name", "\u{2067}Amina\u{2069}", 50).unwrap(), "Amina");
        assert!(required_text("name", "\u{202E}\u{202C}", 50).is_err());
        assert_eq!(required_text("name", "عائشة", 50).unwrap(), "عائشة");
    }
}
