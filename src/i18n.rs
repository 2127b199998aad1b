//! User-interface text. Every string a page shows comes from a Fluent catalog in
//! `locales/`; a message missing from a language falls back to English. Stories are never
//! translated: they are shown exactly as told.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
    Es,
    Pt,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Fr, Lang::Es, Lang::Pt];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Pt => "pt",
        }
    }

    /// The name of the language in that language, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Pt => "Português",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
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
}

fn bundle(lang: Lang, source: &'static str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    b.set_use_isolating(false);
    let res = FluentResource::try_new(source.to_string()).unwrap_or_else(|(res, errors)| {
        tracing::error!(?errors, lang = lang.code(), "message catalog has errors");
        res
    });
    if let Err(errors) = b.add_resource(res) {
        tracing::error!(?errors, lang = lang.code(), "message catalog has duplicate messages");
    }
    b
}

impl Lang {
    /// The language's catalog, built into the binary.
    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../locales/en.ftl"),
            Lang::Fr => include_str!("../locales/fr.ftl"),
            Lang::Es => include_str!("../locales/es.ftl"),
            Lang::Pt => include_str!("../locales/pt.ftl"),
        }
    }
}

/// One bundle per language, in `Lang::ALL` order.
fn bundles() -> &'static [FluentBundle<FluentResource>; 4] {
    static B: OnceLock<[FluentBundle<FluentResource>; 4]> = OnceLock::new();
    B.get_or_init(|| Lang::ALL.map(|l| bundle(l, l.source())))
}

fn format(b: &FluentBundle<FluentResource>, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let msg = b.get_message(key)?;
    let pattern = msg.value()?;
    let mut errors = vec![];
    Some(b.format_pattern(pattern, args, &mut errors).into_owned())
}

/// Translates `key` with named arguments; falls back to English, then to the key itself.
pub fn translate(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let fargs = (!args.is_empty()).then(|| {
        let mut a = FluentArgs::new();
        for (k, v) in args {
            // Whole numbers go in as numbers so that messages can choose plural forms.
            match v.parse::<i64>() {
                Ok(n) => a.set(*k, FluentValue::from(n)),
                Err(_) => a.set(*k, FluentValue::from(v.to_string())),
            }
        }
        a
    });
    let all = bundles();
    let en = &all[0];
    let primary = &all[Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0)];
    format(primary, key, fargs.as_ref()).or_else(|| format(en, key, fargs.as_ref())).unwrap_or_else(|| key.to_string())
}

/// A number written the reader's way: `9,988.5` in English, `9 988,5` in French (a
/// narrow no-break space groups thousands), `9988,5` / `19.988,5` in Spanish (which
/// groups only from five digits), `9.988,5` in Portuguese. `decimals` digits after the
/// separator, trailing zeros kept (money) — use 0 for counts.
pub fn format_number(lang: Lang, value: f64, decimals: usize) -> String {
    let (group, point, min_digits) = match lang {
        Lang::En => (",", ".", 4),
        Lang::Fr => ("\u{202f}", ",", 4),
        Lang::Es => (".", ",", 5),
        Lang::Pt => (".", ",", 4),
    };
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    if int.len() >= min_digits {
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push_str(group);
            }
            grouped.push(ch);
        }
    } else {
        grouped.push_str(int);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}{point}{frac}") }
}

/// A percentage of a share in `0.0..=1.0`, whole: `47 %` (French, Spanish and
/// Portuguese write a space before the sign; English does not).
pub fn format_percent(lang: Lang, share: f64) -> String {
    let n = format_number(lang, share * 100.0, 0);
    match lang {
        Lang::En => format!("{n}%"),
        Lang::Fr | Lang::Es | Lang::Pt => format!("{n}\u{a0}%"),
    }
}

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
        assert_eq!(format_number(Lang::En, -1_234_567.891, 2), "-1,234,567.89");
        assert_eq!(format_number(Lang::Fr, -0.001, 2), "0,00");
        assert_eq!(format_percent(Lang::Fr, 0.4667), "47\u{a0}%");
        assert_eq!(format_percent(Lang::En, 1.0), "100%");
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
