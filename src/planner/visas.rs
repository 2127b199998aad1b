//! Who needs a visa to go where: the Passport Index dataset (ISO-2 codes,
//! 12 January 2025, MIT licence, data from passportindex.org) bundled in
//! `data/geodata/visas.csv`, the cost and lead time of each kind of visa (in
//! the travel model, configurable, with a steward's overrides per pair), and
//! which of a member's passports makes the trip easiest.
//!
//! Visa rules change: every place that shows a visa fact also shows
//! [`VISA_DATA_DATE`].

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::plan::Traveller;

const VISAS_CSV: &str = include_str!("../../data/geodata/visas.csv");

/// The date of the bundled visa data.
pub const VISA_DATA_DATE: &str = "2025-01-12";
/// Where the bundled visa data comes from (shown with [`VISA_DATA_DATE`]).
pub const VISA_DATA_SOURCE: &str =
    "Passport Index dataset (github.com/ilyankou/passport-index-dataset, MIT licence; data from passportindex.org)";

/// What a passport holder needs to enter a country, easiest first (the order is used to pick a passport).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// The member's own country.
    Citizen,
    /// No visa (for a stay of some days).
    VisaFree,
    /// An electronic travel authorisation, obtained online.
    Eta,
    /// A visa obtained online.
    EVisa,
    /// A visa given at the border.
    VisaOnArrival,
    /// A visa obtained in advance from a consulate.
    VisaRequired,
    /// Entry refused to holders of this passport.
    NoAdmission,
}

impl Requirement {
    /// Every requirement, easiest first.
    pub const ALL: [Self; 7] = [
        Self::Citizen,
        Self::VisaFree,
        Self::Eta,
        Self::EVisa,
        Self::VisaOnArrival,
        Self::VisaRequired,
        Self::NoAdmission,
    ];

    /// The JSON name (`visa_on_arrival`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::VisaFree => "visa_free",
            Self::Eta => "eta",
            Self::EVisa => "e_visa",
            Self::VisaOnArrival => "visa_on_arrival",
            Self::VisaRequired => "visa_required",
            Self::NoAdmission => "no_admission",
        }
    }

    /// Reads a requirement as the dataset writes it: a number of visa-free
    /// days, `visa free`, `eta`, `e-visa`, `visa on arrival`, `visa required`,
    /// `no admission`, or `-1` (same country); also the JSON names.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        match t.as_str() {
            "_1" | "citizen" => Some(Self::Citizen),
            "visa_free" => Some(Self::VisaFree),
            "eta" => Some(Self::Eta),
            "e_visa" | "evisa" => Some(Self::EVisa),
            "visa_on_arrival" => Some(Self::VisaOnArrival),
            "visa_required" => Some(Self::VisaRequired),
            "no_admission" => Some(Self::NoAdmission),
            days if days.parse::<u16>().is_ok_and(|d| d > 0) => Some(Self::VisaFree),
            _ => None,
        }
    }

    /// Whether this must be obtained from a consulate before travelling.
    #[must_use]
    pub fn in_advance(self) -> bool {
        self == Self::VisaRequired
    }
}

/// The cost and lead time of one kind of visa.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisaCost {
    /// Fee per person, in the model's currency (services and photos included).
    pub cost: f64,
    /// Weeks to allow before travelling.
    pub weeks: f64,
}

/// A steward's correction for one passport and destination.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisaOverride {
    /// ISO-2 passport.
    pub passport: String,
    /// ISO-2 destination.
    pub destination: String,
    /// What is really needed.
    pub requirement: Requirement,
    /// Its real cost, when known (else the requirement's default).
    #[serde(default)]
    pub cost: Option<f64>,
    /// Its real lead time in weeks, when known.
    #[serde(default)]
    pub weeks: Option<f64>,
}

/// Visa costs and lead times by requirement (defaults are assumptions, see the
/// README), and a steward's overrides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisaModel {
    /// Electronic travel authorisation. Default USD 20, 1 week.
    pub eta: VisaCost,
    /// Visa obtained online. Default USD 50, 2 weeks.
    pub e_visa: VisaCost,
    /// Visa at the border. Default USD 50, no lead time.
    pub visa_on_arrival: VisaCost,
    /// Consular visa. Default USD 120, 6 weeks (appointment, documents, processing).
    pub visa_required: VisaCost,
    /// Pairs a steward knows better than the dataset.
    pub overrides: Vec<VisaOverride>,
}

impl Default for VisaModel {
    fn default() -> Self {
        Self {
            eta: VisaCost { cost: 20.0, weeks: 1.0 },
            e_visa: VisaCost { cost: 50.0, weeks: 2.0 },
            visa_on_arrival: VisaCost { cost: 50.0, weeks: 0.0 },
            visa_required: VisaCost { cost: 120.0, weeks: 6.0 },
            overrides: Vec::new(),
        }
    }
}

/// One member's visa situation for one host country.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisaFact {
    /// What is needed with the easiest passport.
    pub requirement: Requirement,
    /// That passport (ISO-2).
    pub passport: String,
    /// Cost per person (0 when nothing is needed).
    pub cost: f64,
    /// Weeks to allow.
    pub weeks: f64,
}

impl VisaModel {
    /// Cost and weeks of a requirement with these defaults. Refused admission
    /// costs as a consular visa (the plan flags it; the default visa policy
    /// rules such hosts out).
    #[must_use]
    pub fn cost_of(&self, r: Requirement) -> VisaCost {
        match r {
            Requirement::Citizen | Requirement::VisaFree => VisaCost { cost: 0.0, weeks: 0.0 },
            Requirement::Eta => self.eta,
            Requirement::EVisa => self.e_visa,
            Requirement::VisaOnArrival => self.visa_on_arrival,
            Requirement::VisaRequired | Requirement::NoAdmission => self.visa_required,
        }
    }

    /// The numbers a solver can work with: finite, 0 or more.
    pub(crate) fn fields(&self) -> [(&'static str, f64); 8] {
        [
            ("visa.eta.cost", self.eta.cost),
            ("visa.eta.weeks", self.eta.weeks),
            ("visa.e_visa.cost", self.e_visa.cost),
            ("visa.e_visa.weeks", self.e_visa.weeks),
            ("visa.visa_on_arrival.cost", self.visa_on_arrival.cost),
            ("visa.visa_on_arrival.weeks", self.visa_on_arrival.weeks),
            ("visa.visa_required.cost", self.visa_required.cost),
            ("visa.visa_required.weeks", self.visa_required.weeks),
        ]
    }

    /// The fact for one passport and destination (override first, then the dataset).
    #[must_use]
    pub fn fact_for(&self, passport: &str, destination: &str) -> Option<VisaFact> {
        let o = self
            .overrides
            .iter()
            .find(|o| o.passport.eq_ignore_ascii_case(passport) && o.destination.eq_ignore_ascii_case(destination));
        let requirement = match o {
            Some(o) => o.requirement,
            None => requirement(passport, destination)?,
        };
        let d = self.cost_of(requirement);
        Some(VisaFact {
            requirement,
            passport: passport.to_ascii_uppercase(),
            cost: o.and_then(|o| o.cost).unwrap_or(d.cost),
            weeks: o.and_then(|o| o.weeks).unwrap_or(d.weeks),
        })
    }

    /// The easiest of several passports for a destination (least requirement,
    /// then cost, then weeks). `None` when the destination or every passport is
    /// unknown to the dataset.
    #[must_use]
    pub fn fact(&self, passports: &[String], destination: &str) -> Option<VisaFact> {
        passports.iter().filter_map(|p| self.fact_for(p, destination)).min_by(|a, b| {
            a.requirement.cmp(&b.requirement).then(a.cost.total_cmp(&b.cost)).then(a.weeks.total_cmp(&b.weeks))
        })
    }
}

struct Table {
    /// `code(passport) * 676 + code(destination)` → requirement index + 1 (0: no row).
    cells: Vec<u8>,
    passports: Vec<bool>,
}

fn code(iso2: &str) -> Option<usize> {
    let b = iso2.trim().as_bytes();
    if b.len() != 2 {
        return None;
    }
    let (x, y) = (b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase());
    (x.is_ascii_uppercase() && y.is_ascii_uppercase()).then(|| usize::from(x - b'A') * 26 + usize::from(y - b'A'))
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut cells = vec![0_u8; 676 * 676];
        let mut passports = vec![false; 676];
        // Read as plain strings: "NA" is Namibia, not a missing value.
        let mut rdr = csv::Reader::from_reader(VISAS_CSV.as_bytes());
        for rec in rdr.records().filter_map(Result::ok) {
            let (Some(p), Some(d), Some(r)) = (rec.get(0), rec.get(1), rec.get(2)) else { continue };
            let (Some(p), Some(d), Some(r)) = (code(p), code(d), Requirement::parse(r)) else { continue };
            let index = Requirement::ALL.iter().position(|x| *x == r).unwrap_or(0);
            cells[p * 676 + d] = u8::try_from(index + 1).unwrap_or(0);
            passports[p] = true;
        }
        Table { cells, passports }
    })
}

/// What the dataset says a holder of `passport` needs to enter `destination`
/// (both ISO-2; the same country is [`Requirement::Citizen`]). `None` when
/// either code is not in the dataset.
#[must_use]
pub fn requirement(passport: &str, destination: &str) -> Option<Requirement> {
    let (p, d) = (code(passport)?, code(destination)?);
    if p == d && table().passports[p] {
        return Some(Requirement::Citizen);
    }
    match table().cells[p * 676 + d] {
        0 => None,
        i => Requirement::ALL.get(usize::from(i) - 1).copied(),
    }
}

/// Whether the dataset knows this passport (ISO-2).
#[must_use]
pub fn is_known_passport(passport: &str) -> bool {
    code(passport).is_some_and(|p| table().passports[p])
}

/// The passports a traveller travels on: the ones given, else their home country.
#[must_use]
pub fn passports_of(t: &Traveller) -> Vec<String> {
    if !t.passports.is_empty() {
        return t.passports.clone();
    }
    home_country(t).into_iter().collect()
}

/// A traveller's home country: the one their place was resolved in, else the
/// country of the gazetteer city nearest their coordinates.
#[must_use]
pub fn home_country(t: &Traveller) -> Option<String> {
    if let Some(c) = t.country.as_ref().filter(|c| !c.is_empty()) {
        return Some(c.clone());
    }
    super::places::nearest_city(t.position).map(|(p, _)| p.country)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_match_rows_of_the_dataset_including_namibia() {
        // Rows of visas.csv (12 January 2025).
        assert_eq!(requirement("AF", "AL"), Some(Requirement::EVisa));
        assert_eq!(requirement("AF", "DZ"), Some(Requirement::VisaRequired));
        assert_eq!(requirement("AF", "NA"), Some(Requirement::VisaRequired));
        assert_eq!(requirement("KE", "KE"), Some(Requirement::Citizen));
        assert!(is_known_passport("NA") && is_known_passport("na") && !is_known_passport("ZZ"));
        assert!(requirement("ZZ", "KE").is_none() && requirement("KE", "").is_none());
        // Every row reads back as written, Namibia included both ways.
        let mut checked = 0;
        let mut namibia = 0;
        for line in VISAS_CSV.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let expected = Requirement::parse(f[2]).unwrap();
            assert_eq!(requirement(f[0], f[1]), Some(expected), "{line}");
            checked += 1;
            namibia += usize::from(f[0] == "NA" || f[1] == "NA");
        }
        assert_eq!(checked, 39_601);
        assert!(namibia > 390, "{namibia} rows with Namibia");
        assert_eq!(Requirement::parse("90"), Some(Requirement::VisaFree));
        assert_eq!(Requirement::parse("no admission"), Some(Requirement::NoAdmission));
        assert_eq!(Requirement::parse("maybe"), None);
    }

    #[test]
    fn the_easiest_passport_is_used_and_overrides_win() {
        let m = VisaModel::default();
        let kenyan = m.fact(&["KE".into()], "US").unwrap();
        assert_eq!(kenyan.requirement, Requirement::VisaRequired);
        assert!((kenyan.cost - 120.0).abs() < 1e-9 && (kenyan.weeks - 6.0).abs() < 1e-9);
        let dual = m.fact(&["KE".into(), "GB".into()], "US").unwrap();
        assert_eq!((dual.requirement, dual.passport.as_str()), (Requirement::Eta, "GB"));
        let fixed = VisaModel {
            overrides: vec![VisaOverride {
                passport: "ke".into(),
                destination: "us".into(),
                requirement: Requirement::VisaRequired,
                cost: Some(185.0),
                weeks: Some(20.0),
            }],
            ..VisaModel::default()
        };
        let f = fixed.fact(&["KE".into()], "US").unwrap();
        assert!((f.cost - 185.0).abs() < 1e-9 && (f.weeks - 20.0).abs() < 1e-9);
        assert!(m.fact(&["KE".into()], "").is_none());
    }
}
