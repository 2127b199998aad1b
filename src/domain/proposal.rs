//! Proposals to change a framework ("what would you change, add or remove?"): what a
//! member may propose, how an accepted proposal becomes the next framework version, when
//! two proposals clash, and what changed between two versions.
//!
//! A proposal is checked against the version it was made on (its base). Accepting it
//! later applies it to the then current version, item by item: if the item it touches
//! is no longer what the proposer saw (changed, removed, or — for an addition — a key
//! now taken), the proposal clashes and is not applied.

use super::FieldError;
use super::framework::{Cycle, CycleRole, Framework, Indicator};
use crate::i18n::Lang;
use serde::{Deserialize, Serialize};

/// One text in the languages a proposer wrote it in. Empty means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fr: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub es: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pt: String,
}

impl Wording {
    /// A text in one language.
    pub fn one(lang: Lang, text: &str) -> Self {
        let mut w = Wording::default();
        *w.slot(lang) = text.trim().to_string();
        w
    }

    fn slot(&mut self, lang: Lang) -> &mut String {
        match lang {
            Lang::En => &mut self.en,
            Lang::Fr => &mut self.fr,
            Lang::Es => &mut self.es,
            Lang::Pt | Lang::PtPt => &mut self.pt,
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
            Lang::Es => &self.es,
            Lang::Pt | Lang::PtPt => &self.pt,
        }
    }

    pub fn is_empty(&self) -> bool {
        Lang::ALL.into_iter().all(|l| self.get(l).trim().is_empty())
    }

    /// The text for `lang`, else English, else the first language given.
    pub fn shown(&self, lang: Lang) -> &str {
        [lang, Lang::En, Lang::Fr, Lang::Es, Lang::Pt]
            .into_iter()
            .map(|l| self.get(l))
            .find(|t| !t.is_empty())
            .unwrap_or("")
    }

    /// Each language given, with its text.
    pub fn given(&self) -> impl Iterator<Item = (Lang, &str)> {
        Lang::ALL.into_iter().map(|l| (l, self.get(l))).filter(|(_, t)| !t.trim().is_empty())
    }

    /// The text that stands as the fallback of a new item: English if given, otherwise
    /// the first language given.
    fn fallback(&self) -> &str {
        self.shown(Lang::En)
    }

    fn check(&self, field: &str, max: usize) -> Result<Wording, FieldError> {
        let mut out = Wording::default();
        for l in Lang::ALL {
            *out.slot(l) = super::optional_text(field, self.get(l), max)?;
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Add,
    Change,
    Remove,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Cycle,
    Indicator,
    Question,
}

impl Action {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "add" => Some(Action::Add),
            "change" => Some(Action::Change),
            "remove" => Some(Action::Remove),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Change => "change",
            Action::Remove => "remove",
        }
    }
}

impl Target {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "cycle" => Some(Target::Cycle),
            "indicator" => Some(Target::Indicator),
            "question" => Some(Target::Question),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Cycle => "cycle",
            Target::Indicator => "indicator",
            Target::Question => "question",
        }
    }
}

/// What a member typed.
#[derive(Debug, Clone, Default)]
pub struct ProposalDraft {
    pub action: String,
    pub target: String,
    /// The cycle concerned (for a cycle, the cycle itself).
    pub cycle: String,
    /// The indicator's key; a question's number in its cycle (1, 2, …); for a cycle, its
    /// key (or empty: then `cycle`).
    pub key: String,
    /// The new name of a cycle or an indicator.
    pub name: Wording,
    /// A cycle's definition, an indicator's description or a question.
    pub text: Wording,
    pub reason: String,
}

/// A checked proposal: what to do to which item, with what texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub action: Action,
    pub target: Target,
    pub cycle: String,
    /// Indicator key, cycle key, or a question's number (empty when adding a question).
    pub key: String,
    pub name: Wording,
    pub text: Wording,
}

/// Why an accepted proposal cannot be applied to the current framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash(pub String);

const REASON_CHARS: usize = 2_000;

fn err(field: &str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, code, message)
}

impl ProposalDraft {
    /// Checks the draft against the framework it is made on: the item exists (or, when
    /// adding, its key is free), the texts it needs are there, the reason is given, and
    /// the framework it would make is valid.
    pub fn parse(&self, current: &Framework) -> Result<(Change, String), FieldError> {
        let action = Action::parse(&self.action)
            .ok_or_else(|| err("action", "err-proposal-action", "action must be add, change or remove"))?;
        let target = Target::parse(&self.target)
            .ok_or_else(|| err("target", "err-proposal-target", "target must be cycle, indicator or question"))?;
        let max = crate::limits::Limits::get().framework_text_chars;
        let name = self.name.check("name", max)?;
        let text = self.text.check("text", max)?;
        let reason = super::required_text("reason", &self.reason, REASON_CHARS)?;
        let mut cycle = self.cycle.trim().to_string();
        let mut key = self.key.trim().to_string();
        if target == Target::Cycle {
            if key.is_empty() {
                key.clone_from(&cycle);
            } else if !cycle.is_empty() && cycle != key {
                return Err(err("key", "err-proposal-key", "for a cycle, give its key once (cycle or key)"));
            }
            cycle.clone_from(&key);
        }
        if target == Target::Question && action == Action::Add {
            key.clear();
        }
        let change = Change { action, target, cycle, key, name, text };
        change.check_against(current)?;
        let next = change.apply(current, current).map_err(|Clash(m)| err("key", "err-proposal-target-gone", m))?;
        next.validate()?;
        Ok((change, reason))
    }
}

fn question_index(key: &str, c: &Cycle) -> Result<usize, String> {
    match key.parse::<usize>() {
        Ok(n) if n >= 1 && n <= c.questions.len() => Ok(n - 1),
        _ => Err(format!("cycle '{}' has no question {key} (it has {})", c.key, c.questions.len())),
    }
}

impl Change {
    /// The rules that depend on the framework as it is now (at proposal time).
    fn check_against(&self, f: &Framework) -> Result<(), FieldError> {
        let gone = |m: String| Err(err("cycle", "err-proposal-target-gone", m));
        let needs = |w: &Wording, field: &str, what: &str| {
            if w.is_empty() { Err(err(field, "err-required", format!("{what} is required"))) } else { Ok(()) }
        };
        if self.target == Target::Cycle && self.action == Action::Add {
            if f.cycle(&self.key).is_some() {
                return Err(err("key", "err-proposal-key-taken", format!("there is already a cycle '{}'", self.key)));
            }
            return needs(&self.name, "name", "the cycle's name");
        }
        let Some(c) = f.cycle(&self.cycle) else {
            return gone(format!("the framework has no cycle '{}'", self.cycle));
        };
        match (self.target, self.action) {
            (Target::Cycle, Action::Change) => {
                if self.name.is_empty() && self.text.is_empty() {
                    return Err(err("name", "err-required", "give a new name or a new definition"));
                }
            }
            (Target::Indicator, Action::Add) => {
                if f.indicator(&self.key).is_some() {
                    return Err(err(
                        "key",
                        "err-proposal-key-taken",
                        format!("there is already an indicator '{}'", self.key),
                    ));
                }
                needs(&self.name, "name", "the indicator's name")?;
            }
            (Target::Indicator, _) => {
                if !c.indicators.iter().any(|i| i.key == self.key) {
                    return gone(format!("cycle '{}' has no indicator '{}'", c.key, self.key));
                }
                if self.action == Action::Change && self.name.is_empty() && self.text.is_empty() {
                    return Err(err("name", "err-required", "give a new name or a new description"));
                }
            }
            (Target::Question, Action::Add) => needs(&self.text, "text", "the question")?,
            (Target::Question, _) => {
                question_index(&self.key, c).map_err(|m| err("key", "err-proposal-target-gone", m))?;
                if self.action == Action::Change {
                    needs(&self.text, "text", "the question")?;
                }
            }
            (Target::Cycle, _) => {}
        }
        Ok(())
    }

    /// The framework `current` becomes when this proposal, made on `base`, is accepted.
    /// The item it touches must be in `current` as it was in `base`.
    pub fn apply(&self, base: &Framework, current: &Framework) -> Result<Framework, Clash> {
        let mut next = current.clone();
        match self.target {
            Target::Cycle => self.apply_to_cycle(base, current, &mut next)?,
            Target::Indicator => self.apply_to_indicator(base, current, &mut next)?,
            Target::Question => self.apply_to_question(base, &mut next)?,
        }
        Ok(next)
    }

    fn apply_to_cycle(&self, base: &Framework, current: &Framework, next: &mut Framework) -> Result<(), Clash> {
        if self.action == Action::Add {
            if current.cycle(&self.key).is_some() {
                return Err(Clash(format!("a cycle '{}' was added since this proposal was made", self.key)));
            }
            let mut c = Cycle {
                key: self.key.clone(),
                name: self.name.fallback().to_string(),
                role: CycleRole::Flow,
                definition: self.text.fallback().to_string(),
                questions: Vec::new(),
                fr: None,
                es: None,
                pt: None,
                indicators: Vec::new(),
            };
            set_cycle_texts(&mut c, &self.name, &self.text);
            // New cycles join the flowing ones, before any supporting cycle.
            let at = next.cycles.iter().position(|c| c.role == CycleRole::Supporting).unwrap_or(next.cycles.len());
            next.cycles.insert(at, c);
            return Ok(());
        }
        let (Some(was), Some(now)) = (base.cycle(&self.key), current.cycle(&self.key)) else {
            return Err(Clash(format!("the cycle '{}' no longer exists", self.key)));
        };
        let same = if self.action == Action::Remove { was == now } else { cycle_texts(was) == cycle_texts(now) };
        if !same {
            return Err(Clash(format!("the cycle '{}' was changed since this proposal was made", self.key)));
        }
        let i = next.cycle_index(&self.key).unwrap_or_default();
        if self.action == Action::Remove {
            next.cycles.remove(i);
        } else {
            set_cycle_texts(&mut next.cycles[i], &self.name, &self.text);
        }
        Ok(())
    }

    fn apply_to_indicator(&self, base: &Framework, current: &Framework, next: &mut Framework) -> Result<(), Clash> {
        let Some(ci) = next.cycle_index(&self.cycle) else {
            return Err(Clash(format!("the cycle '{}' no longer exists", self.cycle)));
        };
        if self.action == Action::Add {
            if current.indicator(&self.key).is_some() {
                return Err(Clash(format!("an indicator '{}' was added since this proposal was made", self.key)));
            }
            let mut i = Indicator {
                key: self.key.clone(),
                name: self.name.fallback().to_string(),
                description: self.text.fallback().to_string(),
                connections: false,
                fr: None,
                es: None,
                pt: None,
            };
            set_indicator_texts(&mut i, &self.name, &self.text);
            next.cycles[ci].indicators.push(i);
            return Ok(());
        }
        let (Some(was), Some(now)) = (base.indicator(&self.key), current.indicator(&self.key)) else {
            return Err(Clash(format!("the indicator '{}' no longer exists", self.key)));
        };
        let Some(ii) = next.cycles[ci].indicators.iter().position(|i| i.key == self.key) else {
            return Err(Clash(format!("the indicator '{}' was moved to another cycle", self.key)));
        };
        if was != now {
            return Err(Clash(format!("the indicator '{}' was changed since this proposal was made", self.key)));
        }
        if self.action == Action::Remove {
            next.cycles[ci].indicators.remove(ii);
        } else {
            set_indicator_texts(&mut next.cycles[ci].indicators[ii], &self.name, &self.text);
        }
        Ok(())
    }

    fn apply_to_question(&self, base: &Framework, next: &mut Framework) -> Result<(), Clash> {
        let Some(ci) = next.cycle_index(&self.cycle) else {
            return Err(Clash(format!("the cycle '{}' no longer exists", self.cycle)));
        };
        let c = &mut next.cycles[ci];
        if self.action == Action::Add {
            let n = c.questions.len();
            c.questions.push(self.text.fallback().to_string());
            set_question(c, n, &self.text);
            return Ok(());
        }
        let was = base.cycle(&self.cycle).and_then(|b| question_index(&self.key, b).ok().map(|n| question(b, n)));
        let now = question_index(&self.key, c).ok().map(|n| question(c, n));
        if was.is_none() || was != now {
            return Err(Clash(format!(
                "question {} of cycle '{}' was changed or removed since this proposal was made",
                self.key, self.cycle
            )));
        }
        let n = question_index(&self.key, c).map_err(Clash)?;
        if self.action == Action::Remove {
            c.questions.remove(n);
            for t in [&mut c.fr, &mut c.es, &mut c.pt].into_iter().flatten() {
                if n < t.questions.len() {
                    t.questions.remove(n);
                }
            }
            c.prune_texts();
        } else {
            set_question(c, n, &self.text);
        }
        Ok(())
    }
}

/// A cycle's name and definition in every language (what a change of a cycle touches).
fn cycle_texts(c: &Cycle) -> Vec<(&str, &str)> {
    let mut v = vec![(c.name.as_str(), c.definition.as_str())];
    v.extend([Lang::Fr, Lang::Es, Lang::Pt].map(|l| c.text(l).map_or(("", ""), |t| (&t.name, &t.definition))));
    v
}

/// Question `n` in every language.
fn question(c: &Cycle, n: usize) -> Vec<String> {
    let mut v = vec![c.questions[n].clone()];
    v.extend(
        [Lang::Fr, Lang::Es, Lang::Pt].map(|l| c.text(l).and_then(|t| t.questions.get(n).cloned()).unwrap_or_default()),
    );
    v
}

/// Sets the texts given, language by language; languages not given keep their text.
fn set_cycle_texts(c: &mut Cycle, name: &Wording, definition: &Wording) {
    for (l, t) in name.given() {
        match c.text_mut(l) {
            None => c.name = t.to_string(),
            Some(x) => x.name = t.to_string(),
        }
    }
    for (l, t) in definition.given() {
        match c.text_mut(l) {
            None => c.definition = t.to_string(),
            Some(x) => x.definition = t.to_string(),
        }
    }
    c.prune_texts();
}

fn set_indicator_texts(i: &mut Indicator, name: &Wording, description: &Wording) {
    for (l, t) in name.given() {
        match i.text_mut(l) {
            None => i.name = t.to_string(),
            Some(x) => x.name = t.to_string(),
        }
    }
    for (l, t) in description.given() {
        match i.text_mut(l) {
            None => i.description = t.to_string(),
            Some(x) => x.description = t.to_string(),
        }
    }
    i.prune_texts();
}

fn set_question(c: &mut Cycle, n: usize, text: &Wording) {
    for (l, t) in text.given() {
        match c.text_mut(l) {
            None => c.questions[n] = t.to_string(),
            Some(x) => {
                if x.questions.len() <= n {
                    x.questions.resize(n + 1, String::new());
                }
                x.questions[n] = t.to_string();
            }
        }
    }
    c.prune_texts();
}

/// One difference between two versions of a framework, in a reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `added`, `removed`, `renamed`, `moved`, `changed` or `translated` (texts in
    /// other languages than the reader's changed).
    pub change: &'static str,
    pub target: Target,
    /// The cycle's or indicator's key; for a question, its cycle's key.
    pub key: String,
    pub before: String,
    pub after: String,
}

/// What changed from `a` to `b`, as a reader of `lang` would see it. Items are matched
/// by key, so a renamed indicator is one item renamed, not one removed and one added.
pub fn diff(a: &Framework, b: &Framework, lang: Lang) -> Vec<Difference> {
    let (la, lb) = (a.localized(lang), b.localized(lang));
    let mut out = Vec::new();
    let mut push = |change, target, key: &str, before: &str, after: &str| {
        out.push(Difference {
            change,
            target,
            key: key.to_string(),
            before: before.to_string(),
            after: after.to_string(),
        });
    };
    for ca in &la.cycles {
        if lb.cycle(&ca.key).is_none() {
            push("removed", Target::Cycle, &ca.key, &ca.name, "");
        }
    }
    for cb in &lb.cycles {
        let Some(ca) = la.cycle(&cb.key) else {
            push("added", Target::Cycle, &cb.key, "", &cb.name);
            continue;
        };
        if ca.name != cb.name {
            push("renamed", Target::Cycle, &cb.key, &ca.name, &cb.name);
        }
        if ca.definition != cb.definition {
            push("changed", Target::Cycle, &cb.key, &ca.definition, &cb.definition);
        }
        for q in ca.questions.iter().filter(|q| !cb.questions.contains(q)) {
            push("removed", Target::Question, &cb.key, q, "");
        }
        for q in cb.questions.iter().filter(|q| !ca.questions.contains(q)) {
            push("added", Target::Question, &cb.key, "", q);
        }
    }
    let indicators = |f: &Framework| -> Vec<(String, Indicator)> {
        f.cycles.iter().flat_map(|c| c.indicators.iter().map(|i| (c.key.clone(), i.clone()))).collect()
    };
    let (ia, ib) = (indicators(&la), indicators(&lb));
    for (_, i) in ia.iter().filter(|(_, i)| lb.indicator(&i.key).is_none()) {
        push("removed", Target::Indicator, &i.key, &i.name, "");
    }
    for (cb, ib) in &ib {
        let Some((ca, ia)) = ia.iter().find(|(_, i)| i.key == ib.key) else {
            push("added", Target::Indicator, &ib.key, "", &ib.name);
            continue;
        };
        if ia.name != ib.name {
            push("renamed", Target::Indicator, &ib.key, &ia.name, &ib.name);
        }
        if ca != cb {
            let name = |f: &Framework, k: &str| f.cycle(k).map_or_else(|| k.to_string(), |c| c.name.clone());
            push("moved", Target::Indicator, &ib.key, &name(&la, ca), &name(&lb, cb));
        }
        if ia.description != ib.description {
            push("changed", Target::Indicator, &ib.key, &ia.description, &ib.description);
        }
    }
    if out.is_empty() && a != b {
        out.push(Difference {
            change: "translated",
            target: Target::Cycle,
            key: String::new(),
            before: String::new(),
            after: String::new(),
        });
    }
    out
}

/// Where a cycle came or went across a community's framework versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CycleHistory {
    pub key: String,
    /// The cycle's name in its latest version that has it.
    pub name: String,
    /// The version that added it, when it was not in the first one.
    pub added_in: Option<i64>,
    /// The version that removed it, when the latest version no longer has it.
    pub removed_in: Option<i64>,
}

/// Cycles that were added or removed along `versions` (oldest first), named in `lang`.
/// A cycle removed and added back is reported by its latest coming and going.
pub fn cycle_history(versions: &[(i64, &Framework)], lang: Lang) -> Vec<CycleHistory> {
    let mut out: Vec<CycleHistory> = Vec::new();
    let Some(&(first, _)) = versions.first() else { return out };
    let mut prev: Option<&Framework> = None;
    for &(v, f) in versions {
        for c in &f.cycles {
            if !out.iter().any(|h| h.key == c.key) {
                out.push(CycleHistory { key: c.key.clone(), name: String::new(), added_in: None, removed_in: None });
            }
            let Some(entry) = out.iter_mut().find(|h| h.key == c.key) else { continue };
            entry.name = c.name_in(lang).to_string();
            if prev.is_some_and(|p| p.cycle(&c.key).is_none()) && v != first {
                entry.added_in = Some(v);
                entry.removed_in = None;
            }
        }
        if let Some(p) = prev {
            for c in p.cycles.iter().filter(|c| f.cycle(&c.key).is_none()) {
                if let Some(h) = out.iter_mut().find(|h| h.key == c.key) {
                    h.removed_in = Some(v);
                }
            }
        }
        prev = Some(f);
    }
    out.retain(|h| h.added_in.is_some() || h.removed_in.is_some());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;

    fn draft(action: &str, target: &str, cycle: &str, key: &str) -> ProposalDraft {
        ProposalDraft {
            action: action.into(),
            target: target.into(),
            cycle: cycle.into(),
            key: key.into(),
            reason: "because".into(),
            ..Default::default()
        }
    }

    fn km() -> Framework {
        preset("km4dev-experiment").unwrap().clone()
    }

    #[test]
    fn adding_an_indicator_in_french_makes_the_french_text_the_fallback_too() {
        let f = km();
        let mut d = draft("add", "indicator", "applied", "peer_review");
        d.name = Wording::one(Lang::Fr, "Relecture entre pairs");
        let (c, reason) = d.parse(&f).unwrap();
        assert_eq!(reason, "because");
        let next = c.apply(&f, &f).unwrap();
        let i = next.indicator("peer_review").unwrap();
        assert_eq!((i.name.as_str(), i.name_in(Lang::Fr)), ("Relecture entre pairs", "Relecture entre pairs"));
        assert_eq!(next.cycle("applied").unwrap().indicators.last().unwrap().key, "peer_review");
        assert!(next.validate().is_ok());
    }

    #[test]
    fn a_change_keeps_the_key_and_the_languages_not_given() {
        let f = km();
        let mut d = draft("change", "indicator", "immediate", "networking");
        d.name = Wording::one(Lang::En, "Making connections");
        let (c, _) = d.parse(&f).unwrap();
        let next = c.apply(&f, &f).unwrap();
        let i = next.indicator("networking").unwrap();
        assert_eq!(i.name, "Making connections");
        assert_eq!(i.name_in(Lang::Fr), "Réseautage");
        assert!(i.connections);
        let d = diff(&f, &next, Lang::En);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].change, d[0].key.as_str(), d[0].after.as_str()),
            ("renamed", "networking", "Making connections")
        );
        assert_eq!(diff(&f, &next, Lang::Fr)[0].change, "translated");
    }

    #[test]
    fn a_proposal_against_a_cycle_that_no_longer_exists_is_refused() {
        let f = km();
        for d in [
            draft("add", "indicator", "reframing", "x"),
            draft("change", "cycle", "reframing", ""),
            draft("remove", "question", "applied", "9"),
            draft("remove", "indicator", "applied", "networking"),
        ] {
            assert_eq!(d.parse(&f).unwrap_err().code, "err-proposal-target-gone", "{d:?}");
        }
        let mut d = draft("add", "indicator", "applied", "networking");
        d.name = Wording::one(Lang::En, "Again");
        assert_eq!(d.parse(&f).unwrap_err().code, "err-proposal-key-taken");
        assert_eq!(draft("rename", "cycle", "applied", "").parse(&f).unwrap_err().code, "err-proposal-action");
        let mut d = draft("remove", "cycle", "applied", "");
        d.reason = "  ".into();
        assert_eq!(d.parse(&f).unwrap_err().field, "reason");
    }

    #[test]
    fn two_accepted_proposals_on_the_same_item_clash() {
        let base = km();
        let mut a = draft("change", "indicator", "realized", "cost_time_saved");
        a.name = Wording::one(Lang::En, "Money or time saved");
        let mut b = a.clone();
        b.name = Wording::one(Lang::En, "Resources saved");
        let (a, _) = a.parse(&base).unwrap();
        let (b, _) = b.parse(&base).unwrap();
        let v2 = a.apply(&base, &base).unwrap();
        let Clash(m) = b.apply(&base, &v2).unwrap_err();
        assert!(m.contains("cost_time_saved") && m.contains("changed"), "{m}");
        // Unrelated proposals made on the same base both apply.
        let mut c = draft("add", "question", "applied", "");
        c.text = Wording::one(Lang::Pt, "O que você ensinou a alguém?");
        let (c, _) = c.parse(&base).unwrap();
        let v3 = c.apply(&base, &v2).unwrap();
        let applied = v3.cycle("applied").unwrap();
        assert_eq!(applied.questions.len(), 4);
        assert_eq!(applied.pt.as_ref().unwrap().questions[3], "O que você ensinou a alguém?");
        assert_eq!(v3.indicator("cost_time_saved").unwrap().name, "Money or time saved");
        // Removing a cycle and then changing it clashes too.
        let (rm, _) = draft("remove", "cycle", "applied", "").parse(&base).unwrap();
        let v4 = rm.apply(&base, &v3).unwrap_err();
        assert!(v4.0.contains("changed"), "{}", v4.0);
    }

    #[test]
    fn removing_a_question_removes_it_in_every_language() {
        let f = km();
        let (c, _) = draft("remove", "question", "potential", "1").parse(&f).unwrap();
        let next = c.apply(&f, &f).unwrap();
        let p = next.cycle("potential").unwrap();
        assert_eq!(p.questions.len(), 2);
        assert_eq!(p.fr.as_ref().unwrap().questions.len(), 2);
        assert!(p.fr.as_ref().unwrap().questions[0].starts_with("Quelque chose"));
        assert!(next.missing_texts(Lang::Es).is_empty());
    }

    #[test]
    fn cycle_history_says_where_cycles_came_and_went() {
        let v1 = km();
        let mut d = draft("add", "cycle", "", "reframing");
        d.name = Wording::one(Lang::En, "Reframing value");
        d.name.fr = "Valeur de recadrage".into();
        let (add, _) = d.parse(&v1).unwrap();
        let v2 = add.apply(&v1, &v1).unwrap();
        assert_eq!(v2.cycles.last().unwrap().key, "reframing");
        let (rm, _) = draft("remove", "cycle", "potential", "").parse(&v2).unwrap();
        let v3 = rm.apply(&v2, &v2).unwrap();
        let h = cycle_history(&[(1, &v1), (2, &v2), (3, &v3)], Lang::Fr);
        assert_eq!(
            h,
            [
                CycleHistory {
                    key: "potential".into(),
                    name: "Valeur potentielle".into(),
                    added_in: None,
                    removed_in: Some(3)
                },
                CycleHistory {
                    key: "reframing".into(),
                    name: "Valeur de recadrage".into(),
                    added_in: Some(2),
                    removed_in: None
                },
            ]
        );
        let d = diff(&v1, &v3, Lang::En);
        assert!(d.iter().any(|x| x.change == "added" && x.key == "reframing"));
        assert!(d.iter().any(|x| x.change == "removed" && x.key == "potential" && x.target == Target::Cycle));
        assert!(d.iter().any(|x| x.change == "removed" && x.key == "skills_acquired"));
    }
}
