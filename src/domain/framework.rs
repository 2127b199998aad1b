//! Value-creation frameworks: ordered cycles with definitions, reflection questions and
//! indicators. Three presets ship as TOML files in `presets/`; a community owns a
//! versioned copy that it may edit.
//!
//! Texts are written in English (the fallback) and, optionally, in French, Spanish and
//! Portuguese: each framework, cycle and indicator may carry an `fr`, `es` or `pt` block
//! with the same text fields (see [`super::framework_text`]). Keys never change when a
//! name does, so stories, observations and reports follow an item across renames.

use super::FieldError;
pub use super::framework_text::{CycleText, FrameworkText, IndicatorText};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Whether value flows through a cycle from an activity, or the cycle supports and
/// connects the space (Wenger-Trayner 2020's strategic, enabling and orienting value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleRole {
    Flow,
    Supporting,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Ticking this indicator says the story is about people connecting (new contacts,
    /// collaborations): the report counts such stories as social capital.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub connections: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fr: Option<IndicatorText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub es: Option<IndicatorText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pt: Option<IndicatorText>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cycle {
    pub key: String,
    pub name: String,
    pub role: CycleRole,
    pub definition: String,
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fr: Option<CycleText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub es: Option<CycleText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pt: Option<CycleText>,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

/// A framework: what the community counts as value, cycle by cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fr: Option<FrameworkText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub es: Option<FrameworkText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pt: Option<FrameworkText>,
    pub cycles: Vec<Cycle>,
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Framework {
    /// Parses and validates a framework written in TOML (the preset file format, also
    /// what stewards edit).
    pub fn from_toml(text: &str) -> Result<Self, FieldError> {
        let max = crate::limits::Limits::get().framework_toml_bytes;
        if text.len() > max {
            return Err(FieldError::new(
                "framework",
                "err-framework-too-large",
                format!("the framework is larger than {} KiB", max / 1024),
            ));
        }
        let fw: Framework =
            toml::from_str(text).map_err(|e| FieldError::new("framework", "err-framework", e.to_string()))?;
        fw.validate()?;
        Ok(fw)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Keys are well-formed and unique (cycles among cycles, indicators across the whole
    /// framework, so that an indicator key names one thing); there is at least one cycle;
    /// counts and texts stay within [`crate::limits::Limits`].
    pub fn validate(&self) -> Result<(), FieldError> {
        let bad = |m: String| Err(FieldError::new("framework", "err-framework", m));
        if self.cycles.is_empty() {
            return bad("a framework needs at least one cycle".into());
        }
        self.check_size()?;
        if self.name.trim().is_empty() {
            return bad("the framework needs a name".into());
        }
        let mut cycle_keys = std::collections::HashSet::new();
        let mut ind_keys = std::collections::HashSet::new();
        for c in &self.cycles {
            if !is_key(&c.key) {
                return bad(format!("cycle key '{}' must be lowercase letters, digits, '_' or '-'", c.key));
            }
            if !cycle_keys.insert(c.key.as_str()) {
                return bad(format!("cycle key '{}' appears twice", c.key));
            }
            if c.name.trim().is_empty() {
                return bad(format!("cycle '{}' needs a name", c.key));
            }
            for (lang, t) in c.translations_by_lang() {
                if t.questions.len() > c.questions.len() {
                    return bad(format!(
                        "cycle '{}' has {} questions in '{}' but only {} in English: a translated question \
                         stands at the place of the English one it translates",
                        c.key,
                        t.questions.len(),
                        lang.code(),
                        c.questions.len()
                    ));
                }
            }
            for i in &c.indicators {
                if !is_key(&i.key) {
                    return bad(format!("indicator key '{}' must be lowercase letters, digits, '_' or '-'", i.key));
                }
                if !ind_keys.insert(i.key.as_str()) {
                    return bad(format!("indicator key '{}' appears twice", i.key));
                }
            }
        }
        Ok(())
    }

    /// The size limits, checked before anything walks the framework further.
    fn check_size(&self) -> Result<(), FieldError> {
        let l = crate::limits::Limits::get();
        let too_large = |m: String| Err(FieldError::new("framework", "err-framework-too-large", m));
        if self.cycles.len() > l.framework_cycles {
            return too_large(format!("a framework may have at most {} cycles", l.framework_cycles));
        }
        let too_long = |t: &str| t.chars().count() > l.framework_text_chars;
        if [&self.key, &self.name, &self.description, &self.source].into_iter().any(|t| too_long(t))
            || self.translations().flat_map(|t| [&t.name, &t.description]).any(|t| too_long(t))
        {
            return too_large(format!("a framework text may have at most {} characters", l.framework_text_chars));
        }
        for c in &self.cycles {
            if c.indicators.len() > l.framework_indicators_per_cycle {
                return too_large(format!(
                    "cycle '{}' has more than {} indicators",
                    c.key, l.framework_indicators_per_cycle
                ));
            }
            if c.questions.len() > l.framework_questions_per_cycle {
                return too_large(format!(
                    "cycle '{}' has more than {} questions",
                    c.key, l.framework_questions_per_cycle
                ));
            }
            let texts = [&c.name, &c.definition]
                .into_iter()
                .chain(&c.questions)
                .chain(c.translations().flat_map(|t| [&t.name, &t.definition].into_iter().chain(&t.questions)))
                .chain(c.indicators.iter().flat_map(|i| [&i.name, &i.description]))
                .chain(c.indicators.iter().flat_map(Indicator::translations).flat_map(|t| [&t.name, &t.description]));
            if texts.into_iter().any(|t| too_long(t)) {
                return too_large(format!(
                    "cycle '{}' has a text longer than {} characters",
                    c.key, l.framework_text_chars
                ));
            }
        }
        Ok(())
    }

    pub fn cycle(&self, key: &str) -> Option<&Cycle> {
        self.cycles.iter().find(|c| c.key == key)
    }

    /// An indicator by key (keys are unique across the framework).
    pub fn indicator(&self, key: &str) -> Option<&Indicator> {
        self.cycles.iter().flat_map(|c| &c.indicators).find(|i| i.key == key)
    }

    /// Position of a cycle in the framework's order.
    pub fn cycle_index(&self, key: &str) -> Option<usize> {
        self.cycles.iter().position(|c| c.key == key)
    }
}

const PRESET_FILES: [&str; 3] = [
    include_str!("../../presets/km4dev-experiment.toml"),
    include_str!("../../presets/wt-2011.toml"),
    include_str!("../../presets/wt-2020.toml"),
];

/// The shipped presets, parsed once. The files are part of the binary and are tested,
/// so a parse failure here is a build defect.
pub fn presets() -> &'static [Framework] {
    static PRESETS: OnceLock<Vec<Framework>> = OnceLock::new();
    PRESETS.get_or_init(|| {
        PRESET_FILES.iter().map(|t| Framework::from_toml(t).expect("shipped preset is valid")).collect()
    })
}

pub fn preset(key: &str) -> Option<&'static Framework> {
    presets().iter().find(|p| p.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_presets_load_with_their_cycles() {
        let keys: Vec<_> = presets().iter().map(|p| (p.key.as_str(), p.cycles.len())).collect();
        assert_eq!(keys, [("km4dev-experiment", 4), ("wt-2011", 5), ("wt-2020", 8)]);
        let wt2011 = preset("wt-2011").unwrap();
        let potential = wt2011.cycle("potential").unwrap();
        for k in ["human_capital", "social_capital", "tangible_capital", "reputational_capital", "learning_capital"] {
            assert!(potential.indicators.iter().any(|i| i.key == k), "{k}");
        }
        let wt2020 = preset("wt-2020").unwrap();
        let supporting: Vec<_> =
            wt2020.cycles.iter().filter(|c| c.role == CycleRole::Supporting).map(|c| c.key.as_str()).collect();
        assert_eq!(supporting, ["strategic", "enabling", "orienting"]);
        for p in presets() {
            for c in &p.cycles {
                assert!((2..=4).contains(&c.questions.len()), "{} {}", p.key, c.key);
                assert!(!c.definition.is_empty());
            }
        }
    }

    #[test]
    fn a_framework_round_trips_through_toml() {
        let p = preset("wt-2020").unwrap();
        assert_eq!(&Framework::from_toml(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn duplicate_and_malformed_keys_are_refused() {
        let mut p = preset("km4dev-experiment").unwrap().clone();
        p.cycles[1].key = "immediate".into();
        assert!(p.validate().unwrap_err().message.contains("twice"));
        let mut p = preset("km4dev-experiment").unwrap().clone();
        p.cycles[0].indicators[0].key = "Bad Key".into();
        assert!(p.validate().is_err());
        assert!(Framework::from_toml("key = 1").is_err());
    }

    #[test]
    fn frameworks_beyond_the_size_limits_are_refused_before_use() {
        let l = crate::limits::Limits::get();
        let mut p = preset("km4dev-experiment").unwrap().clone();
        let extra = p.cycles[0].clone();
        p.cycles = (0..=l.framework_cycles)
            .map(|i| Cycle { key: format!("c{i}"), indicators: Vec::new(), ..extra.clone() })
            .collect();
        assert_eq!(p.validate().unwrap_err().code, "err-framework-too-large");
        let mut p = preset("km4dev-experiment").unwrap().clone();
        p.cycles[0].questions = vec!["why?".into(); l.framework_questions_per_cycle + 1];
        assert_eq!(p.validate().unwrap_err().code, "err-framework-too-large");
        let mut p = preset("km4dev-experiment").unwrap().clone();
        p.cycles[0].definition = "x".repeat(l.framework_text_chars + 1);
        assert_eq!(p.validate().unwrap_err().code, "err-framework-too-large");
        let huge = format!("key = \"k\"\nname = \"n\"\ndescription = \"{}\"\n", "x".repeat(l.framework_toml_bytes));
        assert_eq!(Framework::from_toml(&huge).unwrap_err().code, "err-framework-too-large");
    }
}
