//! The product's vocabulary as pure types and rules: no web, no database.
//!
//! Every type that reaches the store is built through a `parse`/`validate` step, so the
//! rest of the crate only ever handles valid values.

pub mod convening;
pub mod framework;
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
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

/// Checks a required single-line text: trimmed, non-empty, at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "err-required", format!("{field} is required")));
    }
    optional_text(field, v, max)
}

/// Checks an optional text against a length limit (in characters), keeping it as typed
/// apart from surrounding white space.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(FieldError::new(field, "err-too-long", format!("{field} is longer than {max} characters")));
    }
    Ok(v.to_string())
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
}
