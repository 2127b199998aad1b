//! The story form as an XLSForm (the spreadsheet form format of ODK, KoboToolbox, Enketo
//! and SurveyCTO): `survey`, `choices` and `settings` sheets, one group per cycle, labels
//! and hints in every language of the interface; the framework's texts in each language it
//! has, in English where it has none.
//!
//! The same [`FormLayout`] names every question, so the importer of the tools' CSV
//! exports (`submissions.rs`) reads exactly the columns this form makes. Question names are
//! unique across groups, because KoboToolbox exports leave group paths out of the headers
//! unless asked ("Include groups in headers").

use crate::domain::framework::{Cycle, Framework};
use crate::i18n::{Lang, translate};
use sha2::{Digest, Sha256};

/// One cycle's questions in the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleLayout {
    pub key: String,
    /// The group's name (`c_<key>`).
    pub group: String,
    /// `<key>_kind`: realized or aspirational.
    pub kind: String,
    /// `<key>_text`: the step's text.
    pub text: String,
    /// `<key>_indicators` (a `select_multiple` of the indicator keys), when the cycle has
    /// indicators.
    pub indicators: Option<String>,
    pub indicator_keys: Vec<String>,
}

/// Every name the form uses, shared by the export and the importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormLayout {
    /// `convene_c<convening>` or `convene_c<convening>_w<wave>`: stable per convening and wave.
    pub form_id: String,
    /// `<framework version>-<8 hex digits of the form's fingerprint>`: changes whenever the
    /// framework version or anything in the form changes.
    pub version: String,
    pub framework_version: i64,
    pub convening_id: i64,
    pub wave_id: Option<i64>,
    pub cycles: Vec<CycleLayout>,
}

/// The names of the questions outside the cycle groups.
pub mod names {
    pub const CODE: &str = "participant_code";
    pub const NAME: &str = "participant_name";
    pub const TITLE: &str = "story_title";
    pub const LANGUAGE: &str = "story_language";
    pub const VISIBILITY: &str = "story_visibility";
    pub const SHOW_NAME: &str = "story_show_name";
    /// A hidden field holding the form id, so an export says which form it came from.
    pub const FORM: &str = "convene_form";
    /// A hidden field holding the form version (KoboToolbox's `__version__` is its own).
    pub const VERSION: &str = "convene_version";
}

/// A question name from a cycle key: names must start with a letter or `_`.
fn name_for(key: &str, suffix: &str) -> String {
    if key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        format!("{key}_{suffix}")
    } else {
        format!("c{key}_{suffix}")
    }
}

/// What a form is made for.
pub struct FormSpec<'a> {
    pub convening_id: i64,
    pub convening_title: &'a str,
    /// The wave (id, name, cycles it asks about; empty = every cycle).
    pub wave: Option<(i64, &'a str, &'a [String])>,
    pub framework: &'a Framework,
    pub framework_version: i64,
}

/// One row of the `survey` sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveyRow {
    pub kind: String,
    pub name: String,
    /// One label per [`Lang::ALL`] language.
    pub labels: Vec<String>,
    pub hints: Vec<String>,
    pub required: String,
    pub appearance: String,
    pub default: String,
    pub calculation: String,
}

/// One row of the `choices` sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceRow {
    pub list: String,
    pub name: String,
    pub labels: Vec<String>,
}

/// A whole XLSForm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsForm {
    pub layout: FormLayout,
    pub title: String,
    pub survey: Vec<SurveyRow>,
    pub choices: Vec<ChoiceRow>,
}

/// `English (en)`: the XLSForm spelling of a language column.
pub fn language_column(lang: Lang) -> String {
    format!("{} ({})", lang.native_name(), lang.code())
}

fn all(key: &str) -> Vec<String> {
    Lang::ALL.iter().map(|l| translate(*l, key, &[])).collect()
}

fn same(text: &str) -> Vec<String> {
    vec![text.to_string(); Lang::ALL.len()]
}

fn question(kind: &str, name: &str, labels: Vec<String>) -> SurveyRow {
    SurveyRow { kind: kind.into(), name: name.into(), labels, ..SurveyRow::default() }
}

/// The cycles a form asks about: the wave's, in framework order, or every cycle.
fn asked<'a>(spec: &FormSpec<'a>) -> Vec<&'a crate::domain::framework::Cycle> {
    let wave_cycles = spec.wave.map(|(_, _, c)| c).filter(|c| !c.is_empty());
    spec.framework.cycles.iter().filter(|c| wave_cycles.is_none_or(|w| w.iter().any(|k| k == &c.key))).collect()
}

/// The names of a form, without building its texts (the importer needs only these).
pub fn layout(spec: &FormSpec) -> FormLayout {
    form(spec).layout
}

/// Builds the form.
pub fn form(spec: &FormSpec) -> XlsForm {
    use names::{CODE, FORM, LANGUAGE, NAME, SHOW_NAME, TITLE, VERSION, VISIBILITY};
    let form_id = match spec.wave {
        Some((w, _, _)) => format!("convene_c{}_w{w}", spec.convening_id),
        None => format!("convene_c{}", spec.convening_id),
    };
    let title = match spec.wave {
        Some((_, name, _)) => format!("{} — {name}", spec.convening_title),
        None => spec.convening_title.to_string(),
    };
    let mut survey = vec![
        question("start", "start", Vec::new()),
        question("end", "end", Vec::new()),
        SurveyRow { hints: all("fieldwork-form-code-hint"), ..question("text", CODE, all("fieldwork-form-code")) },
        SurveyRow { hints: all("fieldwork-form-name-hint"), ..question("text", NAME, all("fieldwork-form-name")) },
        SurveyRow { required: "yes".into(), ..question("text", TITLE, all("fieldwork-form-title")) },
        SurveyRow {
            default: "en".into(),
            ..question("select_one languages", LANGUAGE, all("fieldwork-form-language"))
        },
        SurveyRow { required: "yes".into(), ..question("select_one visibility", VISIBILITY, all("story-who-sees")) },
        SurveyRow { required: "yes".into(), ..question("select_one yes_no", SHOW_NAME, all("story-show-name")) },
    ];
    let mut choices = Vec::new();
    let choice =
        |list: &str, name: &str, labels: Vec<String>| ChoiceRow { list: list.into(), name: name.into(), labels };
    for l in Lang::ALL {
        choices.push(choice("languages", l.code(), same(l.native_name())));
    }
    for v in ["stewards", "community", "public"] {
        choices.push(choice("visibility", v, all(&format!("visibility-{v}"))));
    }
    choices.push(choice("yes_no", "yes", all("fieldwork-yes")));
    choices.push(choice("yes_no", "no", all("fieldwork-no")));
    choices.push(choice("kind", "realized", all("kind-realized-long")));
    choices.push(choice("kind", "aspirational", all("kind-aspirational-long")));
    let shown: Vec<Framework> = Lang::ALL.iter().map(|l| spec.framework.localized(*l)).collect();
    let mut cycles = Vec::new();
    for c in asked(spec) {
        let group = format!("c_{}", c.key);
        let kind = name_for(&c.key, "kind");
        let text = name_for(&c.key, "text");
        let list = format!("ind_{}", c.key);
        let indicators = (!c.indicators.is_empty()).then(|| name_for(&c.key, "indicators"));
        // Framework texts in each language column: the framework's text in that
        // language, its English text where it has none.
        let cycle_in = |f: &dyn Fn(&Cycle) -> String| -> Vec<String> {
            shown.iter().map(|fw| fw.cycle(&c.key).map(f).unwrap_or_default()).collect()
        };
        survey.push(question("begin_group", &group, cycle_in(&|x| x.name.clone())));
        survey.push(question("note", &name_for(&c.key, "about"), cycle_in(&|x| x.definition.clone())));
        if !c.questions.is_empty() {
            let qs = cycle_in(&|x| x.questions.iter().map(|q| format!("• {q}")).collect::<Vec<_>>().join("\n"));
            survey.push(question("note", &name_for(&c.key, "questions"), qs));
        }
        survey
            .push(SurveyRow { appearance: "multiline".into(), ..question("text", &text, all("fieldwork-form-text")) });
        survey.push(SurveyRow {
            default: "realized".into(),
            ..question("select_one kind", &kind, all("fieldwork-form-kind"))
        });
        if let Some(q) = &indicators {
            survey.push(question(&format!("select_multiple {list}"), q, all("indicators-tick")));
            for i in &c.indicators {
                let labels = Lang::ALL.iter().map(|l| i.name_in(*l).to_string()).collect();
                choices.push(choice(&list, &i.key, labels));
            }
        }
        survey.push(question("end_group", "", Vec::new()));
        cycles.push(CycleLayout {
            key: c.key.clone(),
            group,
            kind,
            text,
            indicators,
            indicator_keys: c.indicators.iter().map(|i| i.key.clone()).collect(),
        });
    }
    let fingerprint = fingerprint(spec.framework_version, &form_id, &title, &survey, &choices);
    let version = format!("{}-{fingerprint}", spec.framework_version);
    survey.push(SurveyRow { calculation: format!("'{form_id}'"), ..question("calculate", FORM, Vec::new()) });
    survey.push(SurveyRow { calculation: format!("'{version}'"), ..question("calculate", VERSION, Vec::new()) });
    let layout = FormLayout {
        form_id,
        version,
        framework_version: spec.framework_version,
        convening_id: spec.convening_id,
        wave_id: spec.wave.map(|(w, _, _)| w),
        cycles,
    };
    XlsForm { layout, title, survey, choices }
}

/// Eight hex digits of SHA-256 over everything the form holds.
fn fingerprint(fw: i64, id: &str, title: &str, survey: &[SurveyRow], choices: &[ChoiceRow]) -> String {
    let mut h = Sha256::new();
    let mut feed = |s: &str| {
        h.update(s.as_bytes());
        h.update([0]);
    };
    feed(&fw.to_string());
    feed(id);
    feed(title);
    for r in survey {
        for s in [&r.kind, &r.name, &r.required, &r.appearance, &r.default, &r.calculation] {
            feed(s);
        }
        r.labels.iter().chain(&r.hints).for_each(|s| feed(s));
    }
    for c in choices {
        feed(&c.list);
        feed(&c.name);
        c.labels.iter().for_each(|s| feed(s));
    }
    h.finalize().iter().take(4).fold(String::new(), |mut out, b| {
        use std::fmt::Write;
        let _ = write!(out, "{b:02x}");
        out
    })
}

impl XlsForm {
    /// The form as an `.xlsx` file.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let langs: Vec<String> = Lang::ALL.iter().map(|l| language_column(*l)).collect();
        {
            let sheet = book.add_worksheet();
            sheet.set_name("survey")?;
            let mut head: Vec<String> = vec!["type".into(), "name".into()];
            head.extend(langs.iter().map(|l| format!("label::{l}")));
            head.extend(langs.iter().map(|l| format!("hint::{l}")));
            head.extend(["required", "appearance", "default", "calculation"].map(String::from));
            write_row(sheet, 0, &head)?;
            for (i, r) in self.survey.iter().enumerate() {
                let mut cells = vec![r.kind.clone(), r.name.clone()];
                cells.extend(pad(&r.labels));
                cells.extend(pad(&r.hints));
                cells.extend([r.required.clone(), r.appearance.clone(), r.default.clone(), r.calculation.clone()]);
                write_row(sheet, row(i + 1), &cells)?;
            }
        }
        {
            let sheet = book.add_worksheet();
            sheet.set_name("choices")?;
            let mut head: Vec<String> = vec!["list_name".into(), "name".into()];
            head.extend(langs.iter().map(|l| format!("label::{l}")));
            write_row(sheet, 0, &head)?;
            for (i, c) in self.choices.iter().enumerate() {
                let mut cells = vec![c.list.clone(), c.name.clone()];
                cells.extend(pad(&c.labels));
                write_row(sheet, row(i + 1), &cells)?;
            }
        }
        {
            let sheet = book.add_worksheet();
            sheet.set_name("settings")?;
            write_row(
                sheet,
                0,
                &["form_title", "form_id", "version", "default_language", "instance_name"].map(String::from),
            )?;
            let default_language = language_column(Lang::En);
            let instance = format!("concat(${{{}}})", names::TITLE);
            write_row(
                sheet,
                1,
                &[
                    self.title.clone(),
                    self.layout.form_id.clone(),
                    self.layout.version.clone(),
                    default_language,
                    instance,
                ],
            )?;
        }
        book.save_to_buffer()
    }
}

fn pad(v: &[String]) -> Vec<String> {
    (0..Lang::ALL.len()).map(|i| v.get(i).cloned().unwrap_or_default()).collect()
}

fn row(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn write_row(
    sheet: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    cells: &[String],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            sheet.write_string(r, u16::try_from(c).unwrap_or(u16::MAX), text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;

    fn spec(fw: &Framework) -> FormSpec<'_> {
        FormSpec { convening_id: 7, convening_title: "Gathering", wave: None, framework: fw, framework_version: 1 }
    }

    #[test]
    fn every_name_is_unique_across_groups_and_well_formed() {
        for fw in crate::domain::framework::presets() {
            let f = form(&spec(fw));
            let names: Vec<&str> = f.survey.iter().map(|r| r.name.as_str()).filter(|n| !n.is_empty()).collect();
            let unique: std::collections::HashSet<_> = names.iter().collect();
            assert_eq!(unique.len(), names.len(), "{}", fw.key);
            for n in names {
                assert!(n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'), "{n}");
                assert!(n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{n}");
            }
            assert_eq!(f.layout.cycles.len(), fw.cycles.len());
        }
    }

    #[test]
    fn the_version_follows_the_framework_version_and_the_form_and_the_id_does_not() {
        let fw = preset("km4dev-experiment").unwrap();
        let a = layout(&spec(fw));
        assert_eq!(a, layout(&spec(fw)), "the same form twice is the same version");
        assert!(a.version.starts_with("1-"));
        let b = layout(&FormSpec { framework_version: 2, ..spec(fw) });
        assert_ne!(a.version, b.version);
        let mut edited = fw.clone();
        edited.cycles[0].definition.push_str(" More.");
        let c = layout(&spec(&edited));
        assert_ne!(a.version, c.version, "an edited definition is another form");
        assert_eq!(a.form_id, c.form_id);
        let cycles = vec!["applied".to_string()];
        let w = layout(&FormSpec { wave: Some((3, "+3 months", &cycles)), ..spec(fw) });
        assert_eq!(w.form_id, "convene_c7_w3");
        assert_eq!(w.cycles.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(), ["applied"]);
    }

    #[test]
    fn labels_exist_in_every_interface_language() {
        let fw = preset("wt-2011").unwrap();
        let f = form(&spec(fw));
        let title = f.survey.iter().find(|r| r.name == names::TITLE).unwrap();
        assert_eq!(title.labels.len(), 4);
        assert_ne!(title.labels[0], title.labels[1], "English and French differ");
        assert!(f.to_xlsx().unwrap().starts_with(b"PK"));
    }

    #[test]
    fn framework_texts_are_labelled_in_each_language_with_english_where_one_is_missing() {
        let mut fw = preset("wt-2020").unwrap().clone();
        fw.cycles[0].pt = None;
        let f = form(&spec(&fw));
        let group = f.survey.iter().find(|r| r.name == "c_immediate").unwrap();
        assert_eq!(group.labels, ["Immediate value", "Valeur immédiate", "Valor inmediato", "Immediate value"]);
        let questions = f.survey.iter().find(|r| r.name == "potential_questions").unwrap();
        assert!(questions.labels[3].starts_with("• O que você ganhou"), "{}", questions.labels[3]);
        let choice = f.choices.iter().find(|c| c.name == "participation").unwrap();
        assert_eq!(
            choice.labels,
            ["Level of participation", "Niveau de participation", "Nivel de participación", "Nível de participação"]
        );
    }
}
