//! When a virtual call suits everyone: each member's IANA time zone comes from
//! their city (the gazetteer carries it; coordinates typed directly take the
//! nearest city's, and the answer says so), daylight saving time is applied on
//! the meeting's date with the bundled tz database (`jiff`), and every start
//! time of the day (each half hour, UTC) is ranked by how many people it
//! falls inside their local window for, then by the hours it spends outside.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::error::PlanError;
use super::places::nearest_timezone;
use super::plan::Traveller;

/// Default local window a meeting should fall in.
pub const DEFAULT_WINDOW: &str = "08:00-20:00";
/// Start times are tried every this many minutes.
pub const STEP_MINUTES: i32 = 30;
/// How many start times the answer lists.
pub const SLOTS_LISTED: usize = 5;
const DAY: i32 = 24 * 60;

/// A virtual meeting to place in the day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlotRequest {
    /// Length of the meeting, hours (above 0, at most 24).
    pub hours: f64,
    /// The meeting's date, `YYYY-MM-DD` (daylight saving time is that day's).
    pub on: String,
    /// The local window, `HH:MM-HH:MM` (the end after the start).
    pub window: String,
}

impl Default for SlotRequest {
    fn default() -> Self {
        Self { hours: 2.0, on: String::new(), window: DEFAULT_WINDOW.to_owned() }
    }
}

/// One member's local time for a slot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalTime {
    /// The member (a participant row).
    pub name: String,
    /// Local start, `HH:MM`, with `+1`/`-1` when the day differs from the UTC date.
    pub time: String,
    /// The IANA time zone used.
    pub timezone: String,
    /// Whether the whole meeting falls inside the member's window.
    pub inside: bool,
    /// When the member's time zone was taken from the nearest city (coordinates
    /// given directly): that city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<String>,
}

/// One start time, and how it suits people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// Start, UTC, `HH:MM`.
    pub start_utc: String,
    /// People (weights counted) for whom the whole meeting is inside their window.
    pub inside_window: u64,
    /// Hours of the meeting outside people's windows, summed over people.
    pub outside_hours: f64,
    /// Every member's local start time.
    pub local: Vec<LocalTime>,
}

/// Parses `HH:MM` into minutes after midnight (24:00 allowed as an end).
fn minutes(text: &str) -> Option<i32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m) = (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= DAY).then_some(h * 60 + m)
}

/// Parses a window `HH:MM-HH:MM` (start before end).
///
/// # Errors
/// [`PlanError::BadWindow`] with the text.
pub fn parse_window(text: &str) -> Result<(i32, i32), PlanError> {
    let bad = || PlanError::BadWindow(text.to_owned());
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let (a, b) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
    if a < b { Ok((a, b)) } else { Err(bad()) }
}

/// Parses a date `YYYY-MM-DD`.
///
/// # Errors
/// [`PlanError::BadDate`] with the text.
pub fn parse_date(text: &str) -> Result<Date, PlanError> {
    text.trim().parse::<Date>().map_err(|_| PlanError::BadDate(text.to_owned()))
}

/// Minutes of `[start, start + len)` (local minutes, any day) outside the daily window.
fn outside_minutes(start: i32, len: i32, window: (i32, i32)) -> i32 {
    let mut inside = 0;
    let first_day = start.div_euclid(DAY) - 1;
    for day in first_day..=first_day + 3 {
        let (ws, we) = (window.0 + day * DAY, window.1 + day * DAY);
        inside += ((start + len).min(we) - start.max(ws)).max(0);
    }
    len - inside
}

fn hhmm(m: i32) -> String {
    let day = m.div_euclid(DAY);
    let m = m.rem_euclid(DAY);
    let base = format!("{:02}:{:02}", m / 60, m % 60);
    match day {
        0 => base,
        d if d > 0 => format!("{base} +{d}"),
        d => format!("{base} {d}"),
    }
}

/// Each traveller's time zone and, when derived from the nearest city, that city.
fn zones(travellers: &[Traveller]) -> Vec<(String, Option<String>)> {
    travellers
        .iter()
        .map(|t| match nearest_timezone(t.position) {
            Some((tz, city, _)) => (tz.to_owned(), t.place.is_none().then_some(city)),
            None => ("UTC".to_owned(), None),
        })
        .collect()
}

/// The UTC offset (minutes) of a zone at an instant; UTC when the zone is unknown to the database.
fn offset_minutes(zone: &str, at: Timestamp, cache: &mut HashMap<(String, i64), i32>) -> i32 {
    *cache
        .entry((zone.to_owned(), at.as_second()))
        .or_insert_with(|| TimeZone::get(zone).map_or(0, |tz| tz.to_offset(at).seconds() / 60))
}

/// The best start times for a meeting of `request.hours` on `request.on`, best first.
///
/// # Errors
/// [`PlanError::BadDate`], [`PlanError::BadWindow`] or [`PlanError::BadSlotLength`].
pub fn best_slots(travellers: &[Traveller], request: &SlotRequest) -> Result<Vec<Slot>, PlanError> {
    let date = parse_date(&request.on)?;
    let window = parse_window(&request.window)?;
    if !(request.hours > 0.0 && request.hours <= 24.0) {
        return Err(PlanError::BadSlotLength(request.hours));
    }
    #[allow(clippy::cast_possible_truncation)]
    let len = (request.hours * 60.0).round() as i32;
    let midnight = date.to_zoned(TimeZone::UTC).map_err(|_| PlanError::BadDate(request.on.clone()))?.timestamp();
    let zones = zones(travellers);
    // People by zone, so each start time looks each zone up once.
    let mut by_zone: HashMap<&str, u64> = HashMap::new();
    for (t, (z, _)) in travellers.iter().zip(&zones) {
        *by_zone.entry(z.as_str()).or_default() += u64::from(t.weight);
    }
    let mut cache = HashMap::new();
    let mut scored: Vec<(i32, u64, i32)> = Vec::new();
    for start in (0..DAY).step_by(usize::try_from(STEP_MINUTES).unwrap_or(30)) {
        let at = midnight
            .checked_add(jiff::SignedDuration::from_secs(i64::from(start) * 60))
            .map_err(|_| PlanError::BadDate(request.on.clone()))?;
        let (mut inside, mut outside) = (0_u64, 0_i64);
        for (&zone, &people) in &by_zone {
            let local = start + offset_minutes(zone, at, &mut cache);
            let out = outside_minutes(local, len, window);
            if out == 0 {
                inside += people;
            }
            outside += i64::from(out) * i64::try_from(people).unwrap_or(i64::MAX);
        }
        scored.push((start, inside, i32::try_from(outside.min(i64::from(i32::MAX))).unwrap_or(i32::MAX)));
    }
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
    let mut out = Vec::with_capacity(SLOTS_LISTED);
    for &(start, inside, outside) in scored.iter().take(SLOTS_LISTED) {
        let at = midnight
            .checked_add(jiff::SignedDuration::from_secs(i64::from(start) * 60))
            .map_err(|_| PlanError::BadDate(request.on.clone()))?;
        let local = travellers
            .iter()
            .zip(&zones)
            .map(|(t, (zone, derived))| {
                let m = start + offset_minutes(zone, at, &mut cache);
                LocalTime {
                    name: t.name.clone(),
                    time: hhmm(m),
                    timezone: zone.clone(),
                    inside: outside_minutes(m, len, window) == 0,
                    derived_from: derived.clone(),
                }
            })
            .collect();
        out.push(Slot {
            start_utc: hhmm(start),
            inside_window: inside,
            outside_hours: (f64::from(outside) / 60.0 * 100.0).round() / 100.0,
            local,
        });
    }
    Ok(out)
}

/// One member's local time at `utc` (`HH:MM`) on the date `on`.
///
/// # Errors
/// [`PlanError::BadDate`] or [`PlanError::BadWindow`] (for a bad `utc`).
pub fn local_start(t: &Traveller, on: &str, utc: &str) -> Result<LocalTime, PlanError> {
    let date = parse_date(on)?;
    let start = minutes(utc).ok_or_else(|| PlanError::BadWindow(utc.to_owned()))?;
    let at = date
        .to_zoned(TimeZone::UTC)
        .ok()
        .and_then(|z| z.timestamp().checked_add(jiff::SignedDuration::from_secs(i64::from(start) * 60)).ok())
        .ok_or_else(|| PlanError::BadDate(on.to_owned()))?;
    let (zone, derived) = zones(std::slice::from_ref(t)).remove(0);
    let m = start + offset_minutes(&zone, at, &mut HashMap::new());
    Ok(LocalTime { name: t.name.clone(), time: hhmm(m), timezone: zone, inside: true, derived_from: derived })
}

/// The UTC offset (minutes) at noon UTC on `on` of the gazetteer city nearest `p`.
///
/// # Errors
/// [`PlanError::BadDate`].
pub fn offset_at_noon(p: super::geo::LatLon, on: &str) -> Result<i32, PlanError> {
    Ok(offsets_at_noon(&[p], on)?[0])
}

/// [`offset_at_noon`] for many places, each time zone looked up once.
///
/// # Errors
/// [`PlanError::BadDate`].
pub fn offsets_at_noon(points: &[super::geo::LatLon], on: &str) -> Result<Vec<i32>, PlanError> {
    let date = parse_date(on)?;
    let at = date
        .to_zoned(TimeZone::UTC)
        .ok()
        .and_then(|z| z.timestamp().checked_add(jiff::SignedDuration::from_hours(12)).ok())
        .ok_or_else(|| PlanError::BadDate(on.to_owned()))?;
    let mut cache = HashMap::new();
    Ok(points
        .iter()
        .map(|&p| nearest_timezone(p).map_or(0, |(zone, _, _)| offset_minutes(zone, at, &mut cache)))
        .collect())
}

/// For each group of members (e.g. a regional gathering's), the spread of
/// their UTC offsets on `date` in hours (0: one time zone).
///
/// # Errors
/// [`PlanError::BadDate`].
pub fn offset_spread(travellers: &[Traveller], groups: &[usize], k: usize, on: &str) -> Result<Vec<f64>, PlanError> {
    let date = parse_date(on)?;
    let at = date.to_zoned(TimeZone::UTC).map_err(|_| PlanError::BadDate(on.to_owned()))?.timestamp();
    let zones = zones(travellers);
    let mut cache = HashMap::new();
    let mut range = vec![(i32::MAX, i32::MIN); k];
    for (i, (zone, _)) in zones.iter().enumerate() {
        let Some(r) = groups.get(i).and_then(|&g| range.get_mut(g)) else { continue };
        let o = offset_minutes(zone, at, &mut cache);
        *r = (r.0.min(o), r.1.max(o));
    }
    Ok(range.into_iter().map(|(lo, hi)| if lo > hi { 0.0 } else { f64::from(hi - lo) / 60.0 }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::places::resolve;

    fn person(name: &str, place: &str) -> Traveller {
        let p = resolve(place).unwrap();
        Traveller { place: Some(p.label()), ..Traveller::new(name, p.position()) }
    }

    fn local(people: &[Traveller], name: &str, on: &str, utc: &str) -> String {
        let t = people.iter().find(|t| t.name == name).unwrap();
        local_start(t, on, utc).unwrap().time
    }

    #[test]
    fn local_times_follow_daylight_saving_either_side_of_a_change() {
        let people =
            vec![person("Lena", "Berlin, DE"), person("Amina", "Nairobi, KE"), person("Maria", "New York City, US")];
        // Europe changed on 30 March 2025, the US on 9 March 2025.
        let l = |name: &str, on: &str| local(&people, name, on, "12:00");
        assert_eq!(
            (l("Lena", "2025-03-08"), l("Maria", "2025-03-08"), l("Amina", "2025-03-08")),
            ("13:00".into(), "07:00".into(), "15:00".into())
        );
        assert_eq!((l("Lena", "2025-03-20"), l("Maria", "2025-03-20")), ("13:00".into(), "08:00".into()));
        assert_eq!((l("Lena", "2025-03-31"), l("Maria", "2025-03-31")), ("14:00".into(), "08:00".into()));
        assert_eq!(l("Amina", "2025-03-31"), "15:00", "no daylight saving in Nairobi");
        assert_eq!(
            (l("Lena", "2025-10-27"), l("Maria", "2025-10-27")),
            ("13:00".into(), "08:00".into()),
            "the US changes back on 2 November"
        );
        assert_eq!(local(&people, "Maria", "2025-03-31", "02:00"), "22:00 -1");
    }

    #[test]
    fn the_best_slot_keeps_everyone_inside_their_window() {
        let people = vec![person("Lena", "Berlin, DE"), person("Amina", "Nairobi, KE"), person("Kofi", "Accra, GH")];
        let r = SlotRequest { hours: 2.0, on: "2025-06-10".into(), window: DEFAULT_WINDOW.into() };
        let slots = best_slots(&people, &r).unwrap();
        assert_eq!(slots.len(), SLOTS_LISTED);
        assert_eq!(slots[0].inside_window, 3);
        assert!(slots[0].outside_hours.abs() < 1e-9);
        assert!(slots[0].local.iter().all(|l| l.inside));
        for w in slots.windows(2) {
            assert!(w[0].inside_window >= w[1].inside_window);
        }
        // Coordinates typed directly: the nearest city's zone, and the answer says so.
        let typed = vec![Traveller::at("Charles", -1.95, 30.06, 1).unwrap()];
        let s = best_slots(&typed, &r).unwrap();
        assert_eq!(s[0].local[0].timezone, "Africa/Kigali");
        assert!(s[0].local[0].derived_from.as_deref().is_some_and(|c| c.ends_with(", RW")));
    }

    #[test]
    fn the_time_zone_spread_inside_each_region_follows_summer_time() {
        let people = vec![person("Lena", "Berlin, DE"), person("Amina", "Nairobi, KE"), person("Kofi", "Accra, GH")];
        // June: Berlin UTC+2, Nairobi UTC+3 in one region; Accra UTC+0 alone.
        assert_eq!(offset_spread(&people, &[0, 0, 1], 2, "2025-06-10").unwrap(), [1.0, 0.0]);
        // January: Berlin UTC+1.
        assert_eq!(offset_spread(&people, &[0, 0, 1], 2, "2025-01-10").unwrap(), [2.0, 0.0]);
        assert_eq!(offset_spread(&people, &[0, 1, 1], 2, "2025-01-10").unwrap(), [0.0, 3.0]);
    }

    #[test]
    fn bad_dates_windows_and_lengths_are_refused() {
        let people = vec![person("Lena", "Berlin, DE")];
        let r = |hours: f64, on: &str, window: &str| SlotRequest { hours, on: on.into(), window: window.into() };
        assert_eq!(
            best_slots(&people, &r(1.0, "2025-02-30", DEFAULT_WINDOW)),
            Err(PlanError::BadDate("2025-02-30".into()))
        );
        assert_eq!(
            best_slots(&people, &r(1.0, "2025-02-03", "20:00-08:00")),
            Err(PlanError::BadWindow("20:00-08:00".into()))
        );
        assert_eq!(best_slots(&people, &r(0.0, "2025-02-03", DEFAULT_WINDOW)), Err(PlanError::BadSlotLength(0.0)));
        assert_eq!(outside_minutes(7 * 60, 120, (480, 1200)), 60);
        assert_eq!(outside_minutes(-60, 60, (480, 1200)), 60);
        assert_eq!(outside_minutes(DAY + 600, 60, (480, 1200)), 0);
    }
}
