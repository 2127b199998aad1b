//! Places in the members' languages: the other names GeoNames knows for each
//! city of the gazetteer (Addis-Abeba, Ciudad de México, Bombay, airport
//! codes, names in other scripts) and country names in English, French,
//! Spanish and Portuguese ("Kinshasa, République démocratique du Congo",
//! "Abidjan, Costa do Marfim").
//!
//! The alternate names are the largest table the planner embeds, so they are
//! indexed compactly and only on first use: their folded forms in one string,
//! each entry an offset into it and into the embedded file, sorted by folded
//! form for prefix search.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::places::fold;

/// Other names of the gazetteer's cities (only those whose folded form differs from the city's own name).
const ALTERNATES_CSV: &str = include_str!("../../data/geodata/cities15000-alternates.csv");
/// Country names: `iso2,en,fr,es,pt,en_official`.
const COUNTRY_NAMES_CSV: &str = include_str!("../../data/geodata/country-names.csv");

/// The reader languages country names are known in.
pub const LANGUAGES: [&str; 4] = ["en", "fr", "es", "pt"];

/// One alternate name of one city.
struct Entry {
    /// Range of its folded form in [`Alternates::folded`].
    folded_start: u32,
    folded_len: u16,
    /// Range of the name as written in [`ALTERNATES_CSV`].
    text_start: u32,
    text_len: u16,
    /// The city's GeoNames id.
    geonameid: u32,
}

struct Alternates {
    folded: String,
    /// Sorted by folded form.
    entries: Vec<Entry>,
}

impl Alternates {
    fn key(&self, e: &Entry) -> &str {
        let start = e.folded_start as usize;
        &self.folded[start..start + usize::from(e.folded_len)]
    }
}

fn alternates() -> &'static Alternates {
    static A: OnceLock<Alternates> = OnceLock::new();
    A.get_or_init(|| {
        let mut folded = String::new();
        let mut entries = Vec::new();
        let mut offset = 0;
        for line in ALTERNATES_CSV.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let Some((id, names)) = line.trim_end().split_once(',') else { continue };
            let Ok(geonameid) = id.parse::<u32>() else { continue };
            let mut at = start + id.len() + 1;
            for name in names.split('|') {
                let name_at = at;
                at += name.len() + 1;
                let key = fold(name);
                let (Ok(text_start), Ok(text_len), Ok(folded_start), Ok(folded_len)) = (
                    u32::try_from(name_at),
                    u16::try_from(name.len()),
                    u32::try_from(folded.len()),
                    u16::try_from(key.len()),
                ) else {
                    continue;
                };
                if key.is_empty() {
                    continue;
                }
                folded.push_str(&key);
                entries.push(Entry { folded_start, folded_len, text_start, text_len, geonameid });
            }
        }
        let mut a = Alternates { folded, entries: Vec::new() };
        entries.sort_by(|x, y| a.key(x).cmp(a.key(y)).then(x.geonameid.cmp(&y.geonameid)));
        a.entries = entries;
        a
    })
}

/// Cities (GeoNames ids) with an alternate name whose folded form starts with
/// `prefix` (or equals it, with `exact`), each with that name as written and
/// whether it matched exactly.
pub(super) fn matching(prefix: &str, exact: bool) -> Vec<(u32, &'static str, bool)> {
    let a = alternates();
    let start = a.entries.partition_point(|e| a.key(e) < prefix);
    let len = a.entries[start..].partition_point(|e| a.key(e).starts_with(prefix));
    a.entries[start..start + len]
        .iter()
        .filter(|e| !exact || a.key(e) == prefix)
        .map(|e| {
            let s = e.text_start as usize;
            (e.geonameid, &ALTERNATES_CSV[s..s + usize::from(e.text_len)], a.key(e) == prefix)
        })
        .collect()
}

struct CountryNames {
    /// ISO alpha-2 → names in [`LANGUAGES`] order.
    by_code: HashMap<String, [String; 4]>,
    /// Folded name in any language (and the official English name) → ISO alpha-2.
    by_name: HashMap<String, String>,
}

fn country_names() -> &'static CountryNames {
    static C: OnceLock<CountryNames> = OnceLock::new();
    C.get_or_init(|| {
        let mut by_code = HashMap::new();
        let mut by_name = HashMap::new();
        let mut reader = csv::Reader::from_reader(COUNTRY_NAMES_CSV.as_bytes());
        for row in reader.records().filter_map(Result::ok) {
            let cell = |i: usize| row.get(i).unwrap_or_default().to_owned();
            let code = cell(0);
            for i in 1..=5 {
                let name = cell(i);
                if !name.is_empty() {
                    by_name.entry(fold(&name)).or_insert_with(|| code.clone());
                }
            }
            by_code.insert(code, [cell(1), cell(2), cell(3), cell(4)]);
        }
        CountryNames { by_code, by_name }
    })
}

/// The ISO alpha-2 code of a country named in English, French, Spanish or
/// Portuguese (accents and case ignored).
pub(super) fn country_code(name: &str) -> Option<&'static str> {
    country_names().by_name.get(&fold(name)).map(String::as_str)
}

/// A country's name in the reader's language (`en`, `fr`, `es` or `pt`; others
/// read English), when the list has it.
#[must_use]
pub fn country_name_in(iso2: &str, lang: &str) -> Option<&'static str> {
    let names = country_names().by_code.get(&iso2.to_ascii_uppercase())?;
    let i = LANGUAGES.iter().position(|l| *l == lang).unwrap_or(0);
    [&names[i], &names[0]].into_iter().find(|n| !n.is_empty()).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_named_in_four_languages() {
        assert_eq!(country_code("République démocratique du Congo"), Some("CD"));
        assert_eq!(country_code("costa do marfim"), Some("CI"));
        assert_eq!(country_code("Côte d'Ivoire"), Some("CI"));
        assert_eq!(country_code("Etiopía"), Some("ET"));
        assert_eq!(country_name_in("ci", "pt"), Some("Costa do Marfim"));
        assert_eq!(country_name_in("KE", "fr"), Some("Kenya"));
        assert_eq!(country_name_in("DE", "sw"), Some("Germany"), "unknown languages read English");
        assert_eq!(country_name_in("ZZ", "en"), None);
    }

    #[test]
    fn alternate_names_are_found_by_prefix_and_exactly() {
        let bombay = matching("bombay", true);
        assert!(bombay.iter().any(|(_, text, exact)| *text == "Bombay" && *exact));
        assert!(matching("bomba", false).iter().any(|(_, text, _)| *text == "Bombay"));
        assert!(matching("bomba", true).iter().all(|(_, _, exact)| *exact));
    }

    // Through the gazetteer's lookups, as members and stewards use them.
    use super::super::places::{Place, resolve, search};

    fn resolved(query: &str) -> Place {
        resolve(query).unwrap_or_else(|e| panic!("{query}: {e:?}"))
    }

    #[test]
    fn cities_are_found_by_their_names_in_other_languages() {
        let addis = resolved("Addis-Abeba");
        assert_eq!((addis.name.as_str(), addis.country.as_str()), ("Addis Ababa", "ET"));
        assert_eq!(addis.matched.as_deref(), Some("Addis Abeba"));
        assert_eq!(resolved("Bombay").label(), "Mumbai, IN");
        assert_eq!(resolved("Ciudad de México").label(), "Mexico City, MX");
        assert_eq!(resolved("bombay, inde").label(), "Mumbai, IN");
        // A city's own name still wins over another city's other name.
        assert_eq!(resolved("Nairobi").label(), "Nairobi, KE");
    }

    #[test]
    fn an_airport_code_finds_its_city() {
        assert_eq!(resolved("FIH").label(), "Kinshasa, CD");
        assert_eq!(resolved("nbo").label(), "Nairobi, KE");
    }

    #[test]
    fn a_country_named_in_french_spanish_or_portuguese_narrows_the_place() {
        assert_eq!(resolved("Kinshasa, République démocratique du Congo").label(), "Kinshasa, CD");
        assert_eq!(resolved("Abidjan, Costa do Marfim").label(), "Abidjan, CI");
        assert_eq!(resolved("Lagos, Nigéria").label(), "Lagos, NG");
        assert_eq!(resolved("Kinshasa, Congo, República Democrática del").label(), "Kinshasa, CD");
        assert!(search("Abidjan, Costa do Marfim", 3).iter().all(|p| p.country == "CI"));
    }

    #[test]
    fn search_finds_other_names_by_prefix_and_says_which_matched() {
        let hits = search("bomba", 5);
        assert_eq!(hits[0].label(), "Mumbai, IN");
        assert!(hits[0].matched.as_deref().is_some_and(|m| fold(m).starts_with("bomba")), "{hits:?}");
        let hits = search("Ciudad de Mexico", 3);
        assert_eq!(hits[0].label(), "Mexico City, MX");
        // Own names keep their place in the results.
        let hits = search("sao pa", 5);
        assert_eq!(hits[0].name, "São Paulo");
        assert_eq!(hits[0].matched, None);
    }
}
