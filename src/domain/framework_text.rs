//! A framework's texts in the languages it speaks. English is written in the item's own
//! fields and is the fallback; an `fr`, `es` or `pt` block beside them holds the same
//! fields in that language. A text missing in a language (an empty field, a question
//! list shorter than the English one) falls back to English, text by text, so a
//! community's English-only framework stays valid and a half-translated one reads well.

use super::framework::{Cycle, Framework, Indicator};
use crate::i18n::Lang;
use serde::{Deserialize, Serialize};

fn is_empty(s: &str) -> bool {
    s.trim().is_empty()
}

/// A framework's name and description in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkText {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// A cycle's texts in one language. `questions[i]` translates the English question `i`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleText {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub definition: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
}

/// An indicator's name and description in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorText {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// The `fr`, `es` and `pt` blocks of an item, looked up by language.
macro_rules! translated {
    ($item:ty, $text:ty) => {
        impl $item {
            /// The block for `lang` (`None` for English: English is the item's own fields).
            pub fn text(&self, lang: Lang) -> Option<&$text> {
                match lang {
                    Lang::En => None,
                    Lang::Fr => self.fr.as_ref(),
                    Lang::Es => self.es.as_ref(),
                    Lang::Pt | Lang::PtPt => self.pt.as_ref(),
                }
            }

            /// The block for `lang`, made if missing (`None` for English).
            pub fn text_mut(&mut self, lang: Lang) -> Option<&mut $text> {
                let slot = match lang {
                    Lang::En => return None,
                    Lang::Fr => &mut self.fr,
                    Lang::Es => &mut self.es,
                    Lang::Pt | Lang::PtPt => &mut self.pt,
                };
                Some(slot.get_or_insert_with(Default::default))
            }

            /// Every language block present.
            pub fn translations(&self) -> impl Iterator<Item = &$text> {
                [&self.fr, &self.es, &self.pt].into_iter().flatten()
            }

            /// Every language block present, with its language.
            pub fn translations_by_lang(&self) -> impl Iterator<Item = (Lang, &$text)> {
                [Lang::Fr, Lang::Es, Lang::Pt].into_iter().filter_map(|l| self.text(l).map(|t| (l, t)))
            }

            /// Drops blocks left empty (e.g. after a proposal removed their last text).
            pub fn prune_texts(&mut self) {
                for slot in [&mut self.fr, &mut self.es, &mut self.pt] {
                    if slot.as_ref().is_some_and(|t| *t == <$text>::default()) {
                        *slot = None;
                    }
                }
            }
        }
    };
}

translated!(Framework, FrameworkText);
translated!(Cycle, CycleText);
translated!(Indicator, IndicatorText);

/// `base` replaced by `text` when `text` says something.
fn pick(base: &mut String, text: &str) {
    if !is_empty(text) {
        *base = text.to_string();
    }
}

impl Indicator {
    /// The indicator's name in `lang`, or in English.
    pub fn name_in(&self, lang: Lang) -> &str {
        self.text(lang).map(|t| t.name.as_str()).filter(|n| !is_empty(n)).unwrap_or(&self.name)
    }

    fn localize(&mut self, lang: Lang) {
        if let Some(t) = self.text(lang).cloned() {
            pick(&mut self.name, &t.name);
            pick(&mut self.description, &t.description);
        }
        (self.fr, self.es, self.pt) = (None, None, None);
    }
}

impl Cycle {
    /// The cycle's name in `lang`, or in English.
    pub fn name_in(&self, lang: Lang) -> &str {
        self.text(lang).map(|t| t.name.as_str()).filter(|n| !is_empty(n)).unwrap_or(&self.name)
    }

    fn localize(&mut self, lang: Lang) {
        if let Some(t) = self.text(lang).cloned() {
            pick(&mut self.name, &t.name);
            pick(&mut self.definition, &t.definition);
            for (q, tq) in self.questions.iter_mut().zip(&t.questions) {
                pick(q, tq);
            }
        }
        (self.fr, self.es, self.pt) = (None, None, None);
        for i in &mut self.indicators {
            i.localize(lang);
        }
    }
}

impl Framework {
    /// The framework as a reader of `lang` sees it: every text in `lang` where the
    /// framework has one, in English otherwise; keys, order and roles unchanged. The
    /// copy carries no language blocks (it is for showing, not for saving).
    #[must_use]
    pub fn localized(&self, lang: Lang) -> Framework {
        let mut f = self.clone();
        if let Some(t) = self.text(lang).cloned() {
            pick(&mut f.name, &t.name);
            pick(&mut f.description, &t.description);
        }
        (f.fr, f.es, f.pt) = (None, None, None);
        for c in &mut f.cycles {
            c.localize(lang);
        }
        f
    }

    /// The languages the framework has texts in: English, then each language with at
    /// least one text.
    pub fn languages(&self) -> Vec<Lang> {
        Lang::ALL.into_iter().filter(|&l| l == Lang::En || !self.has_no_text_in(l)).collect()
    }

    fn has_no_text_in(&self, lang: Lang) -> bool {
        let some = |s: &String| !is_empty(s);
        let fw = self.text(lang).is_some_and(|t| some(&t.name) || some(&t.description));
        let cycles = self.cycles.iter().any(|c| {
            c.text(lang).is_some_and(|t| some(&t.name) || some(&t.definition) || t.questions.iter().any(some))
                || c.indicators.iter().any(|i| i.text(lang).is_some_and(|t| some(&t.name) || some(&t.description)))
        });
        !fw && !cycles
    }

    /// Each text that has English but lacks `lang`, named by where it is
    /// (`cycles.potential.questions.2`, `indicators.networking.name`); empty for English.
    pub fn missing_texts(&self, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        if lang == Lang::En {
            return out;
        }
        let mut need = |english: &str, text: Option<&String>, at: String| {
            if !is_empty(english) && text.is_none_or(|t| is_empty(t)) {
                out.push(at);
            }
        };
        let t = self.text(lang);
        need(&self.name, t.map(|t| &t.name), "name".into());
        need(&self.description, t.map(|t| &t.description), "description".into());
        for c in &self.cycles {
            let t = c.text(lang);
            need(&c.name, t.map(|t| &t.name), format!("cycles.{}.name", c.key));
            need(&c.definition, t.map(|t| &t.definition), format!("cycles.{}.definition", c.key));
            for (n, q) in c.questions.iter().enumerate() {
                need(q, t.and_then(|t| t.questions.get(n)), format!("cycles.{}.questions.{}", c.key, n + 1));
            }
            for i in &c.indicators {
                let t = i.text(lang);
                need(&i.name, t.map(|t| &t.name), format!("indicators.{}.name", i.key));
                need(&i.description, t.map(|t| &t.description), format!("indicators.{}.description", i.key));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::{Framework, preset, presets};

    #[test]
    fn every_preset_has_every_text_in_all_four_languages() {
        for p in presets() {
            for lang in Lang::ALL {
                let missing = p.missing_texts(lang);
                assert!(missing.is_empty(), "{} misses in '{}': {missing:?}", p.key, lang.code());
            }
            assert_eq!(p.languages(), Lang::ALL, "{}", p.key);
        }
    }

    #[test]
    fn a_missing_translation_is_reported_and_falls_back_to_english() {
        let mut p = preset("wt-2011").unwrap().clone();
        let c = p.cycles.iter_mut().find(|c| c.key == "potential").unwrap();
        c.fr.as_mut().unwrap().questions.truncate(1);
        c.indicators[0].fr.as_mut().unwrap().name.clear();
        let missing = p.missing_texts(Lang::Fr);
        assert_eq!(
            missing,
            ["cycles.potential.questions.2", "cycles.potential.questions.3", "indicators.human_capital.name"]
        );
        let fr = p.localized(Lang::Fr);
        let c = fr.cycle("potential").unwrap();
        assert_eq!(c.name, "Valeur potentielle");
        assert!(c.questions[0].starts_with("Qu'avez-vous"), "{}", c.questions[0]);
        assert_eq!(c.questions[1], p.cycle("potential").unwrap().questions[1]);
        assert_eq!(c.indicators[0].name, "Human capital");
        assert_eq!(c.indicators[1].name, "Capital social");
        assert!(fr.fr.is_none() && c.fr.is_none() && c.indicators[1].fr.is_none());
        assert_eq!(p.missing_texts(Lang::Es), Vec::<String>::new());
    }

    #[test]
    fn the_localized_framework_keeps_keys_order_and_roles() {
        for p in presets() {
            for lang in Lang::ALL {
                let l = p.localized(lang);
                let shape = |f: &Framework| {
                    f.cycles
                        .iter()
                        .map(|c| {
                            (c.key.clone(), c.role, c.indicators.iter().map(|i| i.key.clone()).collect::<Vec<_>>())
                        })
                        .collect::<Vec<_>>()
                };
                assert_eq!(shape(&l), shape(p));
            }
        }
        let es = preset("wt-2020").unwrap().localized(Lang::Es);
        assert_eq!(es.cycle("enabling").unwrap().name, "Valor facilitador");
        assert_eq!(preset("wt-2020").unwrap().cycle("enabling").unwrap().name_in(Lang::Pt), "Valor facilitador");
    }

    #[test]
    fn an_english_only_framework_is_valid_and_speaks_english_only() {
        let text = "key = \"k\"\nname = \"Ours\"\n[[cycles]]\nkey = \"a\"\nname = \"A\"\nrole = \"flow\"\n\
                    definition = \"d\"\nquestions = [\"q?\"]\n";
        let f = Framework::from_toml(text).unwrap();
        assert_eq!(f.languages(), [Lang::En]);
        assert_eq!(f.localized(Lang::Pt), f);
        assert_eq!(f.missing_texts(Lang::Fr), ["name", "cycles.a.name", "cycles.a.definition", "cycles.a.questions.1"]);
    }

    #[test]
    fn translations_survive_toml_and_bad_ones_are_refused() {
        let p = preset("km4dev-experiment").unwrap();
        let again = Framework::from_toml(&p.to_toml()).unwrap();
        assert_eq!(&again, p);
        let json: Framework = serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap();
        assert_eq!(&json, p);
        let too_many = "key = \"k\"\nname = \"Ours\"\n[[cycles]]\nkey = \"a\"\nname = \"A\"\nrole = \"flow\"\n\
                        definition = \"d\"\nquestions = [\"q?\"]\n[cycles.fr]\nquestions = [\"q ?\", \"r ?\"]\n";
        let e = Framework::from_toml(too_many).unwrap_err();
        assert!(e.message.contains("2 questions in 'fr'"), "{}", e.message);
        let unknown = "key = \"k\"\nname = \"Ours\"\n[de]\nname = \"Unser\"\n[[cycles]]\nkey = \"a\"\nname = \"A\"\n\
                       role = \"flow\"\ndefinition = \"d\"\n";
        assert!(Framework::from_toml(unknown).unwrap_err().message.contains("de"));
    }
}
