//! A report in the reader's language and across framework versions: cycle and
//! indicator names in that language (by key, so a renamed indicator is counted as one),
//! names for keys only older versions have, and a note on where cycles were added or
//! removed — stories told before a cycle existed could not speak of it.

use super::doc::{Doc, Section};
use crate::analysis::report::{CommunityReport, ConveningReport};
use crate::domain::framework::Framework;
use crate::domain::proposal::{CycleHistory, cycle_history};
use crate::i18n::{Lang, translate};
use std::collections::BTreeMap;

/// What a report needs to speak one language across a community's framework versions.
#[derive(Debug, Clone)]
pub struct ReportLanguage {
    pub lang: Lang,
    /// The current version, in `lang`.
    pub framework: Framework,
    /// Cycle and indicator names by key: the current version's, then older versions'
    /// for keys the current one no longer has.
    pub names: BTreeMap<String, String>,
    /// Cycles added or removed along the versions.
    pub history: Vec<CycleHistory>,
}

impl ReportLanguage {
    /// `versions` oldest first, with their numbers; `current` is the report's framework.
    pub fn new(current: &Framework, versions: &[(i64, Framework)], lang: Lang) -> Self {
        let framework = current.localized(lang);
        let mut names = BTreeMap::new();
        for f in versions.iter().map(|(_, f)| f.localized(lang)).chain([framework.clone()]) {
            for c in &f.cycles {
                names.insert(c.key.clone(), c.name.clone());
                for i in &c.indicators {
                    names.insert(i.key.clone(), i.name.clone());
                }
            }
        }
        let refs: Vec<(i64, &Framework)> = versions.iter().map(|(v, f)| (*v, f)).collect();
        let history = cycle_history(&refs, lang);
        Self { lang, framework, names, history }
    }

    /// The convening report's names in the reader's language.
    pub fn relabel_convening(&self, r: &mut ConveningReport) {
        r.framework.clone_from(&self.framework.name);
        for c in &mut r.cycles {
            if let Some(n) = self.names.get(&c.key) {
                c.name.clone_from(n);
            }
        }
    }

    /// The community report's names in the reader's language.
    pub fn relabel_community(&self, r: &mut CommunityReport) {
        r.framework.clone_from(&self.framework.name);
        for c in &mut r.cycles {
            if let Some(n) = self.names.get(&c.key) {
                c.name.clone_from(n);
            }
        }
    }

    /// Adds the "framework versions" section when cycles came or went.
    pub fn note_versions(&self, doc: &mut Doc) {
        if self.history.is_empty() {
            return;
        }
        let t = |k: &str, args: &[(&str, &str)]| translate(self.lang, k, args);
        let mut sec = Section::new("framework-versions", t("rp-versions", &[]));
        sec.paragraphs.push(t("rp-versions-intro", &[]));
        for h in &self.history {
            if let Some(v) = h.added_in {
                let before = (v - 1).to_string();
                sec.paragraphs
                    .push(t("rp-cycle-added", &[("cycle", &h.name), ("version", &v.to_string()), ("before", &before)]));
            }
            if let Some(v) = h.removed_in {
                sec.paragraphs.push(t("rp-cycle-removed", &[("cycle", &h.name), ("version", &v.to_string())]));
            }
        }
        doc.sections.push(sec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;
    use crate::domain::proposal::{ProposalDraft, Wording};

    #[test]
    fn names_follow_keys_across_versions_and_the_note_says_where_cycles_came() {
        let v1 = preset("km4dev-experiment").unwrap().clone();
        let d = ProposalDraft {
            action: "add".into(),
            target: "cycle".into(),
            key: "reframing".into(),
            name: Wording::one(Lang::En, "Reframing value"),
            reason: "we saw it happen".into(),
            ..Default::default()
        };
        let (add, _) = d.parse(&v1).unwrap();
        let mut v2 = add.apply(&v1, &v1).unwrap();
        v2.cycles[0].indicators.retain(|i| i.key != "belonging");
        let rl = ReportLanguage::new(&v2, &[(1, v1.clone()), (2, v2.clone())], Lang::Fr);
        assert_eq!(rl.names["belonging"], "Sentiment d'appartenance", "a removed indicator keeps a name");
        assert_eq!(rl.names["immediate"], "Valeur immédiate");
        assert_eq!(rl.names["reframing"], "Reframing value", "no French text: English");
        let mut doc = Doc { title: String::new(), lang: "fr".into(), intro: Vec::new(), sections: Vec::new() };
        rl.note_versions(&mut doc);
        let sec = &doc.sections[0];
        assert!(
            sec.paragraphs.iter().any(|p| p.contains("Reframing value") && p.contains('2')),
            "{:?}",
            sec.paragraphs
        );
        let same = ReportLanguage::new(&v1, &[(1, v1.clone())], Lang::En);
        let mut doc = Doc { title: String::new(), lang: "en".into(), intro: Vec::new(), sections: Vec::new() };
        same.note_versions(&mut doc);
        assert!(doc.sections.is_empty());
    }
}
