//! User-interface text. Every string a page shows comes from a Fluent catalog in
//! `locales/`; a message missing from a language falls back to English. Stories are never
//! translated: they are shown exactly as told.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use icu_calendar::Date;
use icu_datetime::fieldsets;
use icu_decimal::DecimalFormatter;
use icu_decimal::input::Decimal;
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

/// A language the interface speaks. `PtPt` is European Portuguese (Portugal, Angola,
/// Mozambique, Cabo Verde, Guinea-Bissau…): a variant whose small catalog holds only the
/// words that differ from Brazilian Portuguese, falling back to `pt`, then to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
    Es,
    Pt,
    PtPt,
}

impl Lang {
    /// The four complete catalogs (the languages of forms, exports and field forms).
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Fr, Lang::Es, Lang::Pt];
    /// Every language the page switch offers, variants included.
    pub const SWITCH: [Lang; 5] = [Lang::En, Lang::Fr, Lang::Es, Lang::Pt, Lang::PtPt];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::PtPt => "pt-PT",
        }
    }

    /// The complete catalog a variant belongs to (`pt` for `pt-PT`): what a story's
    /// language, an export or a place-name lookup records.
    #[must_use]
    pub fn base(self) -> Lang {
        match self {
            Lang::PtPt => Lang::Pt,
            l => l,
        }
    }

    /// The name of the language in that language, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Pt => "Português",
            Lang::PtPt => "Português (Portugal)",
        }
    }

    /// A BCP 47 tag read leniently: `fr-CA` is French, `pt-BR` Brazilian Portuguese, and
    /// `pt-PT` and the Portuguese of the African countries that write the European way
    /// (`pt-AO`, `pt-MZ`, `pt-CV`, `pt-GW`, `pt-ST`, and `pt-TL`) the European variant.
    pub fn from_code(code: &str) -> Option<Lang> {
        let mut parts = code.trim().split(['-', '_']);
        let primary = parts.next()?.to_ascii_lowercase();
        let lang = Lang::ALL.into_iter().find(|l| l.code() == primary)?;
        let european =
            parts.any(|p| ["PT", "AO", "MZ", "CV", "GW", "ST", "TL"].contains(&p.to_ascii_uppercase().as_str()));
        Some(if lang == Lang::Pt && european { Lang::PtPt } else { lang })
    }

    /// The best language for an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            if let Some(lang) = Lang::from_code(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    fn index(self) -> usize {
        Lang::SWITCH.iter().position(|l| *l == self).unwrap_or(0)
    }

    /// The ICU locale of the language (CLDR data compiled into the binary).
    fn locale(self) -> icu_locale_core::Locale {
        self.code().parse().unwrap_or(icu_locale_core::Locale::UNKNOWN)
    }
}

fn bundle(lang: Lang, source: &'static str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    b.set_use_isolating(false);
    // Numbers given to a message (counts, line numbers, populations) are written the
    // reader's way; the plural rules still see the number itself.
    b.set_formatter(Some(match lang {
        Lang::En => fluent_number::<_, 0>,
        Lang::Fr => fluent_number::<_, 1>,
        Lang::Es => fluent_number::<_, 2>,
        Lang::Pt => fluent_number::<_, 3>,
        Lang::PtPt => fluent_number::<_, 4>,
    }));
    let res = FluentResource::try_new(source.to_string()).unwrap_or_else(|(res, errors)| {
        tracing::error!(?errors, lang = lang.code(), "message catalog has errors");
        res
    });
    if let Err(errors) = b.add_resource(res) {
        tracing::error!(?errors, lang = lang.code(), "message catalog has duplicate messages");
    }
    b
}

/// The formatter of the bundle of `Lang::SWITCH[L]` (a plain `fn`, so one per language).
fn fluent_number<M, const L: usize>(value: &FluentValue, _: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) => {
            let decimals = n.options.minimum_fraction_digits.unwrap_or(0);
            Some(format_number(Lang::SWITCH[L], n.value, decimals))
        }
        _ => None,
    }
}

impl Lang {
    /// The language's catalog, built into the binary.
    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../locales/en.ftl"),
            Lang::Fr => include_str!("../locales/fr.ftl"),
            Lang::Es => include_str!("../locales/es.ftl"),
            Lang::Pt => include_str!("../locales/pt.ftl"),
            Lang::PtPt => include_str!("../locales/pt-PT.ftl"),
        }
    }
}

/// One bundle per language, in `Lang::SWITCH` order.
fn bundles() -> &'static [FluentBundle<FluentResource>; 5] {
    static B: OnceLock<[FluentBundle<FluentResource>; 5]> = OnceLock::new();
    B.get_or_init(|| Lang::SWITCH.map(|l| bundle(l, l.source())))
}

fn format(b: &FluentBundle<FluentResource>, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let msg = b.get_message(key)?;
    let pattern = msg.value()?;
    let mut errors = vec![];
    Some(b.format_pattern(pattern, args, &mut errors).into_owned())
}

/// Arguments that are words even when they look like numbers (a place called "1000", a
/// title "2026"): they are never reformatted as numbers.
const TEXT_ARGUMENTS: [&str; 22] = [
    "name",
    "title",
    "place",
    "host",
    "member",
    "convening",
    "community",
    "wave",
    "email",
    "slug",
    "link",
    "passport",
    "message",
    "source",
    "tool",
    "list",
    "suggestions",
    "cycle",
    "mode",
    "framework",
    "currency",
    "version",
];

/// Translates `key` with named arguments; falls back along the language's chain
/// (`pt-PT` → `pt`), then to English, then to the key itself.
pub fn translate(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let fargs = (!args.is_empty()).then(|| {
        let mut a = FluentArgs::new();
        for (k, v) in args {
            // Whole numbers go in as numbers so that messages can choose plural forms.
            match v.parse::<i64>() {
                Ok(n) if !TEXT_ARGUMENTS.contains(k) => a.set(*k, FluentValue::from(n)),
                _ => a.set(*k, FluentValue::from(v.to_string())),
            }
        }
        a
    });
    let all = bundles();
    let chain = [lang, lang.base(), Lang::En];
    chain.iter().find_map(|l| format(&all[l.index()], key, fargs.as_ref())).unwrap_or_else(|| key.to_string())
}

/// A number written the reader's way, by ICU4X from CLDR's data: `9,988.5` in English,
/// `9 988,5` in French (a narrow no-break space groups thousands), `9988,5` / `19.988,5`
/// in Spanish (which groups only from five digits), `9.988,5` in Brazilian Portuguese.
/// `decimals` digits after the separator, trailing zeros kept (money) — use 0 for counts.
pub fn format_number(lang: Lang, value: f64, decimals: usize) -> String {
    static FORMATTERS: OnceLock<Vec<Option<DecimalFormatter>>> = OnceLock::new();
    let formatters = FORMATTERS.get_or_init(|| {
        Lang::SWITCH
            .iter()
            .map(|l| {
                DecimalFormatter::try_new(l.locale().into(), icu_decimal::options::DecimalFormatterOptions::default())
                    .ok()
            })
            .collect()
    });
    if !value.is_finite() {
        return "—".to_string();
    }
    let mut text = format!("{value:.decimals$}");
    if text.starts_with('-') && !text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        text.remove(0); // no "-0,00"
    }
    match (formatters.get(lang.index()).and_then(Option::as_ref), text.parse::<Decimal>()) {
        (Some(f), Ok(d)) => f.format(&d).to_string(),
        _ => text,
    }
}

/// A percentage of a share in `0.0..=1.0`, whole, as CLDR writes it: `47%` in English
/// and Portuguese, `47 %` in French (a narrow no-break space) and Spanish (a no-break space).
pub fn format_percent(lang: Lang, share: f64) -> String {
    format_percent_with(lang, share, 0)
}

/// A percentage with `decimals` digits after the separator (`12,5 %`).
pub fn format_percent_with(lang: Lang, share: f64, decimals: usize) -> String {
    let n = format_number(lang, share * 100.0, decimals);
    match lang {
        Lang::En | Lang::Pt | Lang::PtPt => format!("{n}%"),
        Lang::Fr => format!("{n}\u{202f}%"),
        Lang::Es => format!("{n}\u{a0}%"),
    }
}

/// An amount of money: the number the reader's way, then the ISO currency code
/// (`1 234,50 USD`), the way international reports write it.
pub fn format_money(lang: Lang, amount: f64, currency: &str) -> String {
    let n = format_number(lang, amount, 2);
    if currency.is_empty() { n } else { format!("{n}\u{a0}{currency}") }
}

/// A calendar date (`2026-11-25`, or the start of a timestamp) the reader's way, as CLDR's
/// medium date: `Nov 25, 2026`, `25 nov. 2026`, `25 nov 2026`, `25 de nov. de 2026`.
/// Text that is not a date is returned as it is.
pub fn format_date(lang: Lang, iso: &str) -> String {
    static FORMATTERS: OnceLock<Vec<Option<DateFormatter>>> = OnceLock::new();
    let formatters = FORMATTERS.get_or_init(|| {
        Lang::SWITCH.iter().map(|l| DateFormatter::try_new(l.locale().into(), fieldsets::YMD::medium()).ok()).collect()
    });
    let day = iso.get(..10).unwrap_or(iso);
    let mut parts = day.splitn(3, '-').map(str::parse::<i32>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return iso.to_string();
    };
    let (Ok(m), Ok(d)) = (u8::try_from(m), u8::try_from(d)) else { return iso.to_string() };
    match (formatters.get(lang.index()).and_then(Option::as_ref), Date::try_new_gregorian(y, m, d)) {
        (Some(f), Ok(date)) => f.format(&date).to_string(),
        _ => iso.to_string(),
    }
}

type DateFormatter = icu_datetime::FixedCalendarDateTimeFormatter<icu_calendar::Gregorian, fieldsets::YMD>;

/// Every message key of a language's catalog (for the completeness test).
pub fn keys(lang: Lang) -> Vec<String> {
    lang.source()
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_written_the_readers_way() {
        assert_eq!(format_number(Lang::En, 9988.0, 0), "9,988");
        assert_eq!(format_number(Lang::Fr, 9988.0, 0), "9\u{202f}988");
        assert_eq!(format_number(Lang::Es, 9988.0, 0), "9988");
        assert_eq!(format_number(Lang::Es, 19988.0, 0), "19.988");
        assert_eq!(format_number(Lang::Pt, 1234.5, 1), "1.234,5");
        assert_eq!(format_number(Lang::PtPt, 1_234_567.5, 1), "1\u{a0}234\u{a0}567,5");
        assert_eq!(format_number(Lang::En, -1_234_567.891, 2), "-1,234,567.89");
        assert_eq!(format_number(Lang::Fr, -0.001, 2), "0,00");
        assert_eq!(format_number(Lang::En, f64::NAN, 0), "—");
        assert_eq!(format_percent(Lang::Fr, 0.4667), "47\u{202f}%");
        assert_eq!(format_percent(Lang::Es, 0.4667), "47\u{a0}%");
        assert_eq!(format_percent(Lang::En, 1.0), "100%");
        assert_eq!(format_money(Lang::Fr, 1234.5, "USD"), "1\u{202f}234,50\u{a0}USD");
    }

    #[test]
    fn dates_are_written_the_readers_way() {
        assert_eq!(format_date(Lang::Fr, "2026-11-25"), "25 nov. 2026");
        assert_eq!(format_date(Lang::En, "2026-11-25 08:30:00"), "Nov 25, 2026");
        assert_eq!(format_date(Lang::Es, "2026-11-25"), "25 nov 2026");
        assert_eq!(format_date(Lang::Pt, "2026-11-25"), "25 de nov. de 2026");
        assert_eq!(format_date(Lang::Fr, "not a date"), "not a date");
        assert_eq!(format_date(Lang::Fr, "2026-13-45"), "2026-13-45");
    }

    #[test]
    fn numbers_inside_messages_are_written_the_readers_way_but_words_are_not() {
        let args = [("stories", "12000"), ("tellers", "1"), ("participants", "5")];
        assert!(translate(Lang::Fr, "matrix-base", &args).contains("12\u{202f}000 histoires"));
        assert!(translate(Lang::En, "matrix-base", &args).contains("12,000 stories"));
        // A convening titled with a year stays a year.
        let title = translate(Lang::En, "rp-convening-title", &[("title", "2026")]);
        assert!(title.contains("2026") && !title.contains("2,026"), "{title}");
    }

    /// Every message that chooses a form by a number, in every language, for 0, 1, 2
    /// and 5 of each of its numbers in turn: it renders without error, shows 2 and 5 as
    /// digits, and never writes 0 the way it writes 1 (French and Portuguese put 0 in
    /// CLDR's `one` category, so "0 … (une histoire en tout)" was once shown).
    #[test]
    fn every_plural_message_reads_right_for_0_1_2_and_5() {
        for lang in Lang::SWITCH {
            for (key, selectors, vars) in plural_messages(lang) {
                for selector in &selectors {
                    let render = |n: i64| {
                        let mut args = FluentArgs::new();
                        for v in &vars {
                            if v == selector {
                                args.set(v.clone(), FluentValue::from(n));
                            } else if TEXT_ARGUMENTS.contains(&v.as_str()) {
                                args.set(v.clone(), FluentValue::from("X"));
                            } else {
                                args.set(v.clone(), FluentValue::from(7));
                            }
                        }
                        let b = &bundles()[lang.index()];
                        let pattern = b.get_message(&key).and_then(|m| m.value()).expect("message");
                        let mut errors = vec![];
                        let text = b.format_pattern(pattern, Some(&args), &mut errors).into_owned();
                        assert!(errors.is_empty(), "{} {key} ${selector}={n}: {errors:?}", lang.code());
                        assert!(!text.contains('{'), "{} {key}: {text}", lang.code());
                        text
                    };
                    let [zero, one, two, five] = [0, 1, 2, 5].map(render);
                    assert_ne!(zero, one, "{} {key}: 0 and 1 of ${selector} read the same", lang.code());
                    assert!(two.contains('2') && five.contains('5'), "{} {key}: {two} / {five}", lang.code());
                }
            }
        }
    }

    /// The messages of a language's own catalog that select on a number: key, the
    /// selecting variables and every variable used.
    fn plural_messages(lang: Lang) -> Vec<(String, Vec<String>, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>, Vec<String>)> = vec![];
        let mut current: Option<(String, String)> = None;
        let mut flush = |m: Option<(String, String)>| {
            if let Some((key, text)) = m {
                let var =
                    |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
                let vars: Vec<String> = text.split('$').skip(1).map(var).collect();
                let selectors: Vec<String> = text
                    .split('$')
                    .skip(1)
                    .filter(|r| {
                        r.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                            .trim_start()
                            .starts_with("->")
                    })
                    .map(var)
                    .collect();
                if !selectors.is_empty() {
                    out.push((key, selectors, vars));
                }
            }
        };
        for line in lang.source().lines() {
            if line.starts_with(' ') || line.starts_with('}') {
                if let Some((_, text)) = current.as_mut() {
                    text.push_str(line);
                }
            } else {
                flush(current.take());
                current = line.split_once(" = ").map(|(k, v)| (k.to_string(), v.to_string()));
            }
        }
        flush(current);
        out
    }

    #[test]
    fn the_count_of_tellers_reads_right_in_every_language() {
        let base = |lang, tellers: &str, stories: &str| {
            translate(lang, "matrix-base", &[("tellers", tellers), ("participants", "5"), ("stories", stories)])
        };
        assert_eq!(base(Lang::En, "1", "1"), "1 of 5 participants told a story (one story in all).");
        assert_eq!(
            base(Lang::Fr, "0", "0"),
            "Aucun des 5 participants n'a raconté d'histoire (aucune histoire en tout)."
        );
        assert_eq!(base(Lang::Fr, "1", "1"), "1 participant sur 5 a raconté une histoire (une histoire en tout).");
        assert_eq!(base(Lang::Es, "1", "2"), "1 de 5 participantes contó una historia (2 historias en total).");
        assert_eq!(
            base(Lang::Pt, "0", "0"),
            "Nenhum dos 5 participantes contou uma história (nenhuma história no total)."
        );
        assert_eq!(base(Lang::PtPt, "2", "3"), "2 de 5 participantes contaram uma história (3 histórias no total).");
    }

    /// French sets a no-break space before `: ; ? !` and inside « », so that a line
    /// never starts with a lone colon or quotation mark.
    #[test]
    fn french_messages_keep_their_punctuation_with_no_break_spaces() {
        let bad: Vec<&str> = Lang::Fr
            .source()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| [" :", " ;", " ?", " !", "« ", " »"].iter().any(|p| l.contains(p)))
            .collect();
        assert!(bad.is_empty(), "ordinary spaces before French punctuation:\n{}", bad.join("\n"));
    }

    #[test]
    fn european_portuguese_falls_back_to_brazilian_then_english() {
        assert_eq!(Lang::from_code("pt-PT"), Some(Lang::PtPt));
        assert_eq!(Lang::from_code("pt_AO"), Some(Lang::PtPt));
        assert_eq!(Lang::from_code("pt-BR"), Some(Lang::Pt));
        assert_eq!(Lang::from_accept_language("pt-MZ,pt;q=0.9"), Some(Lang::PtPt));
        assert_eq!(translate(Lang::PtPt, "save", &[]), "Guardar");
        assert_eq!(translate(Lang::Pt, "save", &[]), "Salvar");
        assert_eq!(translate(Lang::PtPt, "field-password", &[]), "Palavra-passe");
        assert_eq!(translate(Lang::PtPt, "nav-signin", &[]), translate(Lang::Pt, "nav-signin", &[]));
        assert_eq!(Lang::PtPt.base(), Lang::Pt);
        let own: Vec<String> = keys(Lang::PtPt);
        let pt = keys(Lang::Pt);
        assert!(own.iter().all(|k| pt.contains(k)), "pt-PT only overrides messages pt has");
    }

    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::from_accept_language("fr-CA,fr;q=0.9,en;q=0.8"), Some(Lang::Fr));
        assert_eq!(Lang::from_accept_language("de,en;q=0.5,fr;q=0.7"), Some(Lang::Fr));
        assert_eq!(Lang::from_accept_language("pt-BR,pt;q=0.9"), Some(Lang::Pt));
        assert_eq!(Lang::from_accept_language("es-419"), Some(Lang::Es));
        assert_eq!(Lang::from_accept_language("de"), None);
    }

    #[test]
    fn every_catalog_has_every_english_message() {
        for lang in &Lang::ALL[1..] {
            let theirs = keys(*lang);
            let missing: Vec<_> = keys(Lang::En).into_iter().filter(|k| !theirs.contains(k)).collect();
            assert!(missing.is_empty(), "missing in {}.ftl: {missing:?}", lang.code());
        }
    }

    #[test]
    fn messages_take_arguments_and_fall_back() {
        assert_eq!(translate(Lang::Fr, "no-such-key", &[]), "no-such-key");
        assert!(
            translate(Lang::En, "matrix-base", &[("stories", "3"), ("tellers", "2"), ("participants", "10")])
                .contains("10")
        );
    }
}
