//! The report: "is convening a luxury for us?" — value per cycle read together with the
//! effect data (indicator observations), the costs and the CO2, how value flows from one
//! cycle to the next, what was hoped for against what happened, in-person against
//! virtual gatherings, and who met whom for the first time.
//!
//! Pure functions: the service layer loads the inputs (stories without their words,
//! participants, aspirations, observations, costs) and every rendering — page, Markdown,
//! MediaWiki, CSV, JSON — prints the one value computed here.
//!
//! Counting conventions (also on the page and in the README):
//! - a story *reaches* a cycle with value that happened when it has a realized step
//!   there, or an aspirational one its teller later said happened (as in the matrix);
//! - a person is a participant of the convening; a teller who is not a participant
//!   counts among the tellers but not in the shares, whose base is the participants;
//! - across convenings people are counted per convening (someone at two gatherings
//!   counts twice), so sums over convenings are exact;
//! - hidden stories are out of every count; aggregate counts include stories of every
//!   visibility, quotes only public ones.

use super::matrix::{CycleCount, OutcomeCounts, matrix};
use super::stats::{MIN_BASE, fisher_exact};
use crate::domain::convening::Mode;
use crate::domain::framework::{CycleRole, Framework};
use crate::domain::story::{StepKind, Story};
use crate::domain::wave::OutcomeStatus;
use crate::store::{Aspiration, Attendee, Observation};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The cycles whose value a story must reach for "cost per story reaching applied or
/// realized value".
pub const APPLIED_OR_REALIZED: [&str; 2] = ["applied", "realized"];

/// Where a cost figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// What the steward recorded as spent.
    Recorded,
    /// The planner's estimate for the plan whose host became the convening's place.
    Plan,
    /// The travel model's connectivity cost per person, for a virtual convening.
    Connectivity,
}

/// What a convening cost (recorded or estimated), as the service found it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostInput {
    pub currency: String,
    pub travel: f64,
    pub venue: f64,
    pub other: f64,
    pub co2_kg: Option<f64>,
    pub source: CostSource,
    /// Whether the CO2 figure is an estimate (from a plan or the travel model).
    pub co2_estimated: bool,
}

/// The convening as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConveningRef {
    pub id: i64,
    pub title: String,
    pub mode: Mode,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
}

/// Everything one convening's report is computed from.
#[derive(Debug, Clone, Copy)]
pub struct ConveningInput<'a> {
    pub convening: &'a ConveningRef,
    pub framework: &'a Framework,
    /// Its stories, hidden ones included (left out here); words not needed.
    pub stories: &'a [Story],
    pub attendees: &'a [Attendee],
    pub aspirations: &'a [Aspiration],
    pub observations: &'a [Observation],
    pub cost: Option<&'a CostInput>,
    /// The stories' matrix when it was counted already (its counts do not depend on the
    /// attendees); `None`: counted here.
    pub matrix: Option<&'a super::matrix::Matrix>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservationOut {
    pub indicator: String,
    pub value: f64,
    pub unit: String,
    pub observed_on: String,
    pub source: String,
    pub note: String,
}

/// What was hoped for in a cycle against what happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Aspirations {
    /// Aspirations the convening's planners wrote for this cycle.
    pub planned: usize,
    /// Stories whose steps here were only hoped for when told.
    pub expected: usize,
    /// Stories that told of a realized step here.
    pub reported_realized: usize,
    /// What became of the hopes: said to have happened, changed, dropped, or still open
    /// (nothing said yet, or "not yet").
    pub confirmed: usize,
    pub changed: usize,
    pub dropped: usize,
    pub still_open: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleReport {
    pub key: String,
    pub name: String,
    pub role: CycleRole,
    /// Stories reaching the cycle with value that happened.
    pub realized: usize,
    /// Stories whose value here is still only hoped for.
    pub aspirational: usize,
    /// Participants with at least one story reaching the cycle.
    pub tellers_realized: usize,
    /// Indicator key → how many steps ticked it.
    pub indicators: BTreeMap<String, usize>,
    pub observations: Vec<ObservationOut>,
    pub aspirations: Aspirations,
    pub outcomes: OutcomeCounts,
}

/// Value flowing from one flow cycle to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub from: String,
    pub to: String,
    /// Stories with value that happened in both.
    pub realized: usize,
    /// Stories with value that happened in `from` and only hopes in `to`.
    pub aspirational: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostOut {
    pub currency: String,
    pub travel: f64,
    pub venue: f64,
    pub other: f64,
    pub total: f64,
    pub per_participant: Option<f64>,
    pub per_story_applied_or_realized: Option<f64>,
    pub estimated: bool,
    pub source: CostSource,
}

/// Social capital: people who met at this convening for the first time (within
/// convene's records), and stories that tick a connections indicator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Connections {
    pub pairs: usize,
    pub new_pairs: usize,
    pub stories_with_connections: usize,
}

/// What the numbers cannot say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Participants who told no story.
    pub silent_participants: usize,
    /// Stories whose every step is still only hoped for.
    pub only_aspirational: usize,
    /// Fewer than [`MIN_BASE`] participants: shares are shown as counts.
    pub small_base: bool,
    /// Stories by tellers who are not (or no longer) participants.
    pub tellers_not_participants: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConveningReport {
    pub convening: ConveningRef,
    pub framework: String,
    pub n_stories: usize,
    pub n_tellers: usize,
    pub n_participants: usize,
    pub cycles: Vec<CycleReport>,
    pub flows: Vec<Flow>,
    pub cost: Option<CostOut>,
    pub co2_kg: Option<f64>,
    pub co2_estimated: bool,
    pub connections: Connections,
    pub limits: Limits,
    /// Stories reaching applied or realized value (the denominator of the cost per story).
    pub stories_applied_or_realized: usize,
    /// Representative words, from public stories only (filled by [`quotes`]).
    pub quotes: Vec<Quote>,
}

/// A few words of a public story, to hear the value in the tellers' voice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub cycle: String,
    pub story_id: i64,
    pub title: String,
    pub excerpt: String,
    /// The teller's name, only where they allowed it to be shown.
    pub teller: Option<String>,
}

/// The excerpt length, in characters.
pub const EXCERPT_CHARS: usize = 220;

/// The first words of a text, cut at a word boundary with an ellipsis.
pub fn excerpt(text: &str, max: usize) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= max {
        return t;
    }
    let cut: String = t.chars().take(max).collect();
    let end = cut.rfind(' ').filter(|&i| i > max / 2).unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end_matches([',', ';', ':', '.']))
}

/// Up to `per_cycle` quotes per cycle from the given stories, of which only public,
/// visible ones are used (whatever the caller passed): steps whose value happened
/// first, then those that tick the most indicators, then the newest.
pub fn quotes(framework: &Framework, stories: &[Story], per_cycle: usize) -> Vec<Quote> {
    use crate::domain::story::Visibility;
    let public: Vec<&Story> = stories.iter().filter(|s| !s.hidden && s.visibility == Visibility::Public).collect();
    let mut out = Vec::new();
    for c in &framework.cycles {
        let mut pool: Vec<(&Story, &crate::domain::story::Step)> = public
            .iter()
            .flat_map(|s| {
                s.steps.iter().filter(|st| st.cycle == c.key && !st.text.trim().is_empty()).map(move |st| (*s, st))
            })
            .collect();
        pool.sort_by(|(a, x), (b, y)| {
            (y.kind == StepKind::Realized)
                .cmp(&(x.kind == StepKind::Realized))
                .then(y.indicators.len().cmp(&x.indicators.len()))
                .then(b.created_at.cmp(&a.created_at))
                .then(b.id.cmp(&a.id))
        });
        let mut used = HashSet::new();
        for (s, st) in pool {
            if out.iter().filter(|q: &&Quote| q.cycle == c.key).count() >= per_cycle {
                break;
            }
            if used.insert(s.id) {
                out.push(Quote {
                    cycle: c.key.clone(),
                    story_id: s.id,
                    title: s.title.clone(),
                    excerpt: excerpt(&st.text, EXCERPT_CHARS),
                    teller: s.show_name.then(|| s.teller_name.clone()),
                });
            }
        }
    }
    out
}

/// Who a story's teller is, as a person the attendance knows: (`b'u'`, user) for a
/// member, (`b'p'`, participant) for a guest, (`b's'`, story) when unknown.
fn person(s: &Story, by_participant: &HashMap<i64, Option<i64>>) -> (u8, i64) {
    match (s.teller_user_id, s.participant_id) {
        (Some(u), _) => (b'u', u),
        (None, Some(p)) => match by_participant.get(&p) {
            Some(Some(u)) => (b'u', *u),
            _ => (b'p', p),
        },
        (None, None) => (b's', s.id),
    }
}

/// Who an attendee is, in the same terms as [`person`]: a member by their user id, a
/// guest by their participant id.
pub fn attendee_key(a: &Attendee) -> (u8, i64) {
    a.user_id.map_or((b'p', a.participant_id), |u| (b'u', u))
}

/// Per story, per cycle of the framework: `Some(true)` value happened, `Some(false)`
/// only hoped for, `None` the story does not tell of the cycle — from the story's
/// [`hoped`] marks.
fn reach(framework: &Framework, s: &Story, hoped: &[Option<bool>]) -> Vec<Option<bool>> {
    framework
        .cycles
        .iter()
        .zip(hoped)
        // An outcome matters only for a hope; most steps are not one.
        .map(|(c, h)| h.map(|h| !h || s.outcome(&c.key, None).is_some_and(|o| o.status == OutcomeStatus::Happened)))
        .collect()
}

/// Per story, per cycle: whether every step the story has in the cycle is a hope
/// (`None`: no step there).
fn hoped(framework: &Framework, s: &Story) -> Vec<Option<bool>> {
    framework
        .cycles
        .iter()
        .map(|c| {
            let mut steps = s.steps.iter().filter(|st| st.cycle == c.key).peekable();
            steps.peek()?;
            Some(steps.all(|st| st.kind == StepKind::Aspirational))
        })
        .collect()
}

/// Flows between consecutive flow cycles, over stories' reach vectors.
pub fn flows(framework: &Framework, reaches: &[Vec<Option<bool>>]) -> Vec<Flow> {
    let flow: Vec<usize> =
        framework.cycles.iter().enumerate().filter(|(_, c)| c.role == CycleRole::Flow).map(|(i, _)| i).collect();
    flow.windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let mut f = Flow {
                from: framework.cycles[a].key.clone(),
                to: framework.cycles[b].key.clone(),
                realized: 0,
                aspirational: 0,
            };
            for r in reaches {
                match (r[a], r[b]) {
                    (Some(true), Some(true)) => f.realized += 1,
                    (Some(true), Some(false)) => f.aspirational += 1,
                    _ => {}
                }
            }
            f
        })
        .collect()
}

fn share_cost(total: f64, n: usize) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (n > 0).then(|| total / n as f64)
}

/// Each cycle's counts, tellers, observations and hopes.
fn cycle_reports(
    input: &ConveningInput<'_>,
    m: &super::matrix::Matrix,
    reaches: &[Vec<Option<bool>>],
    hopes: &[Vec<Option<bool>>],
    people: &[(u8, i64)],
    participants: &HashSet<(u8, i64)>,
) -> Vec<CycleReport> {
    input
        .framework
        .cycles
        .iter()
        .zip(&m.cycles)
        .enumerate()
        .map(|(ci, (c, count))| {
            let mut tellers = HashSet::new();
            let mut a = Aspirations {
                planned: input.aspirations.iter().filter(|x| x.cycle == c.key).count(),
                ..Aspirations::default()
            };
            for ((r, h), p) in reaches.iter().zip(hopes).zip(people) {
                if r[ci] == Some(true) && participants.contains(p) {
                    tellers.insert(*p);
                }
                match h[ci] {
                    Some(true) => a.expected += 1,
                    Some(false) => a.reported_realized += 1,
                    None => {}
                }
            }
            let o = count.outcomes;
            a.confirmed = o.confirmed;
            a.changed = o.changed;
            a.dropped = o.dropped;
            a.still_open = o.open + o.not_yet;
            let CycleCount { realized, aspirational, indicators, outcomes, .. } = count.clone();
            let keys: HashSet<&str> = c.indicators.iter().map(|i| i.key.as_str()).collect();
            CycleReport {
                key: c.key.clone(),
                name: c.name.clone(),
                role: c.role,
                realized,
                aspirational,
                tellers_realized: tellers.len(),
                indicators: indicators.into_iter().map(|i| (i.key, i.count)).collect(),
                observations: input
                    .observations
                    .iter()
                    .filter(|o| keys.contains(o.indicator.as_str()))
                    .map(|o| ObservationOut {
                        indicator: o.indicator.clone(),
                        value: o.value,
                        unit: o.unit.clone(),
                        observed_on: o.observed_on.clone(),
                        source: o.source.clone(),
                        note: o.note.clone(),
                    })
                    .collect(),
                aspirations: a,
                outcomes,
            }
        })
        .collect()
}

/// One convening's report. `new_pairs` comes from [`new_pairs`] over the community's
/// attendance (it needs the earlier convenings).
pub fn convening_report(input: &ConveningInput<'_>, new_pairs: usize) -> ConveningReport {
    let fw = input.framework;
    let by_participant: HashMap<i64, Option<i64>> =
        input.attendees.iter().map(|a| (a.participant_id, a.user_id)).collect();
    let participants: HashSet<(u8, i64)> = input.attendees.iter().map(attendee_key).collect();
    let n_participants = participants.len();
    let told: Vec<&Story> = input.stories.iter().filter(|s| !s.hidden).collect();
    let m = input.matrix.map_or_else(|| matrix(fw, input.stories, n_participants), Clone::clone);
    let hopes: Vec<Vec<Option<bool>>> = told.iter().map(|s| hoped(fw, s)).collect();
    let reaches: Vec<Vec<Option<bool>>> = told.iter().zip(&hopes).map(|(s, h)| reach(fw, s, h)).collect();
    let people: Vec<(u8, i64)> = told.iter().map(|s| person(s, &by_participant)).collect();
    let connection_keys: HashSet<&str> =
        fw.cycles.iter().flat_map(|c| &c.indicators).filter(|i| i.connections).map(|i| i.key.as_str()).collect();

    let cycles = cycle_reports(input, &m, &reaches, &hopes, &people, &participants);

    let applied: Vec<usize> = APPLIED_OR_REALIZED.iter().filter_map(|k| fw.cycle_index(k)).collect();
    let stories_applied_or_realized = reaches.iter().filter(|r| applied.iter().any(|&i| r[i] == Some(true))).count();
    let cost = input.cost.map(|c| {
        let total = c.travel + c.venue + c.other;
        CostOut {
            currency: c.currency.clone(),
            travel: c.travel,
            venue: c.venue,
            other: c.other,
            total,
            per_participant: share_cost(total, n_participants),
            per_story_applied_or_realized: share_cost(total, stories_applied_or_realized),
            estimated: c.source != CostSource::Recorded,
            source: c.source,
        }
    });
    let told_by_participants: HashSet<(u8, i64)> =
        people.iter().filter(|p| participants.contains(*p)).copied().collect();
    let limits = Limits {
        silent_participants: n_participants - told_by_participants.len(),
        only_aspirational: reaches.iter().filter(|r| r.iter().all(|x| *x != Some(true))).count(),
        small_base: n_participants < MIN_BASE,
        tellers_not_participants: people.iter().filter(|p| !participants.contains(*p)).count(),
    };
    let pairs = n_participants * n_participants.saturating_sub(1) / 2;
    ConveningReport {
        convening: input.convening.clone(),
        framework: fw.name.clone(),
        n_stories: m.n_stories,
        n_tellers: m.n_tellers,
        n_participants,
        cycles,
        flows: flows(fw, &reaches),
        co2_kg: input.cost.and_then(|c| c.co2_kg),
        co2_estimated: input.cost.is_some_and(|c| c.co2_estimated),
        cost,
        connections: Connections {
            pairs,
            new_pairs: new_pairs.min(pairs),
            stories_with_connections: told
                .iter()
                .filter(|s| s.steps.iter().any(|st| st.indicators.iter().any(|i| connection_keys.contains(i.as_str()))))
                .count(),
        },
        limits,
        stories_applied_or_realized,
        quotes: Vec::new(),
    }
}

/// For each convening (in the order given: earliest first), how many pairs of its
/// participants had not been together at an earlier one. `attendance` holds
/// `(convening index, person)`. Each person carries a bit set of the convenings they
/// attended so far; a pair is new when their sets do not meet.
pub fn new_pairs<K: std::hash::Hash + Eq>(n_convenings: usize, attendance: &[(usize, K)]) -> Vec<usize> {
    let words = n_convenings.div_ceil(64).max(1);
    let mut index: HashMap<&K, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_convenings];
    for (c, p) in attendance {
        let next = index.len();
        let i = *index.entry(p).or_insert(next);
        if *c < n_convenings && !members[*c].contains(&i) {
            members[*c].push(i);
        }
    }
    let mut seen = vec![0u64; index.len() * words];
    let mut out = Vec::with_capacity(n_convenings);
    for (c, people) in members.iter().enumerate() {
        let mut fresh = 0;
        for (x, &i) in people.iter().enumerate() {
            let si = &seen[i * words..(i + 1) * words];
            for &j in &people[x + 1..] {
                let sj = &seen[j * words..(j + 1) * words];
                if si.iter().zip(sj).all(|(a, b)| a & b == 0) {
                    fresh += 1;
                }
            }
        }
        for &i in people {
            seen[i * words + c / 64] |= 1 << (c % 64);
        }
        out.push(fresh);
    }
    out
}

/// A share compared between two modes in one cycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub cycle: String,
    pub a: Mode,
    pub b: Mode,
    pub a_yes: usize,
    pub a_n: usize,
    pub b_yes: usize,
    pub b_n: usize,
    /// Fisher's exact test, two-sided; `None` when a base is under [`MIN_BASE`].
    pub p_value: Option<f64>,
    pub too_few: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeCycle {
    pub key: String,
    pub tellers_realized: usize,
    /// `tellers_realized / participants`; `None` when there are no participants.
    pub share_realized: Option<f64>,
    pub too_few: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeSummary {
    pub mode: Mode,
    pub convenings: usize,
    pub participants: usize,
    pub tellers: usize,
    pub stories: usize,
    pub stories_applied_or_realized: usize,
    /// Sum of the costs of the convenings whose cost is known (one currency only).
    pub cost: Option<f64>,
    pub cost_estimated: bool,
    pub cost_per_participant: Option<f64>,
    pub cost_per_story_applied_or_realized: Option<f64>,
    pub co2_kg: Option<f64>,
    pub co2_kg_per_participant: Option<f64>,
    pub cycles: Vec<ModeCycle>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommunityRef {
    pub slug: String,
    pub name: String,
}

/// A convening's line in the community report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConveningLine {
    pub id: i64,
    pub title: String,
    pub mode: Mode,
    pub starts_on: String,
    pub n_participants: usize,
    pub n_tellers: usize,
    pub n_stories: usize,
    pub cost: Option<CostOut>,
    pub co2_kg: Option<f64>,
    pub new_pairs: usize,
    /// Stories reaching each cycle (same order as the framework's cycles).
    pub realized: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommunityReport {
    pub community: CommunityRef,
    pub framework: String,
    pub cycles: Vec<CycleTotals>,
    pub convenings: Vec<ConveningLine>,
    pub by_mode: Vec<ModeSummary>,
    pub comparisons: Vec<Comparison>,
    pub flows: Vec<Flow>,
    pub connections: Connections,
    /// Every currency a cost was given in; with more than one, no sum is made.
    pub currencies: Vec<String>,
    pub limits: Limits,
    pub n_stories: usize,
    pub n_participants: usize,
    pub n_tellers: usize,
    /// Representative words, from public stories only (filled by [`quotes`]).
    pub quotes: Vec<Quote>,
}

/// A cycle over the whole community.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleTotals {
    pub key: String,
    pub name: String,
    pub role: CycleRole,
    pub realized: usize,
    pub aspirational: usize,
    pub tellers_realized: usize,
    pub indicators: BTreeMap<String, usize>,
    pub observations: usize,
    pub aspirations: Aspirations,
}

fn add_aspirations(a: &mut Aspirations, b: &Aspirations) {
    a.planned += b.planned;
    a.expected += b.expected;
    a.reported_realized += b.reported_realized;
    a.confirmed += b.confirmed;
    a.changed += b.changed;
    a.dropped += b.dropped;
    a.still_open += b.still_open;
}

/// The community report from its convenings' reports (all computed under the same
/// framework, in date order).
pub fn community_report(
    community: CommunityRef,
    framework: &Framework,
    reports: &[ConveningReport],
) -> CommunityReport {
    let mut cycles: Vec<CycleTotals> = framework
        .cycles
        .iter()
        .map(|c| CycleTotals {
            key: c.key.clone(),
            name: c.name.clone(),
            role: c.role,
            realized: 0,
            aspirational: 0,
            tellers_realized: 0,
            indicators: c.indicators.iter().map(|i| (i.key.clone(), 0)).collect(),
            observations: 0,
            aspirations: Aspirations::default(),
        })
        .collect();
    let mut flows_total: Vec<Flow> = Vec::new();
    let mut connections = Connections::default();
    let mut limits = Limits::default();
    let mut currencies: Vec<String> = Vec::new();
    for r in reports {
        for (t, c) in cycles.iter_mut().zip(&r.cycles) {
            t.realized += c.realized;
            t.aspirational += c.aspirational;
            t.tellers_realized += c.tellers_realized;
            t.observations += c.observations.len();
            for (k, n) in &c.indicators {
                *t.indicators.entry(k.clone()).or_default() += n;
            }
            add_aspirations(&mut t.aspirations, &c.aspirations);
        }
        if flows_total.is_empty() {
            flows_total.clone_from(&r.flows);
        } else {
            for (t, f) in flows_total.iter_mut().zip(&r.flows) {
                t.realized += f.realized;
                t.aspirational += f.aspirational;
            }
        }
        connections.pairs += r.connections.pairs;
        connections.new_pairs += r.connections.new_pairs;
        connections.stories_with_connections += r.connections.stories_with_connections;
        limits.silent_participants += r.limits.silent_participants;
        limits.only_aspirational += r.limits.only_aspirational;
        limits.tellers_not_participants += r.limits.tellers_not_participants;
        if let Some(c) = &r.cost
            && !currencies.contains(&c.currency)
        {
            currencies.push(c.currency.clone());
        }
    }
    if flows_total.is_empty() {
        flows_total = flows(framework, &[]);
    }
    currencies.sort();
    let one_currency = currencies.len() <= 1;
    let by_mode: Vec<ModeSummary> = Mode::ALL
        .iter()
        .filter_map(|&mode| {
            let rs: Vec<&ConveningReport> = reports.iter().filter(|r| r.convening.mode == mode).collect();
            (!rs.is_empty()).then(|| mode_summary(mode, framework, &rs, one_currency))
        })
        .collect();
    let comparisons = compare(&by_mode);
    let n_participants = reports.iter().map(|r| r.n_participants).sum();
    limits.small_base = n_participants < MIN_BASE;
    CommunityReport {
        community,
        framework: framework.name.clone(),
        cycles,
        convenings: reports.iter().map(line).collect(),
        by_mode,
        comparisons,
        flows: flows_total,
        connections,
        currencies,
        limits,
        n_stories: reports.iter().map(|r| r.n_stories).sum(),
        n_participants,
        n_tellers: reports.iter().map(|r| r.n_tellers).sum(),
        quotes: Vec::new(),
    }
}

/// A convening's line in the community report.
fn line(r: &ConveningReport) -> ConveningLine {
    ConveningLine {
        id: r.convening.id,
        title: r.convening.title.clone(),
        mode: r.convening.mode,
        starts_on: r.convening.starts_on.clone(),
        n_participants: r.n_participants,
        n_tellers: r.n_tellers,
        n_stories: r.n_stories,
        cost: r.cost.clone(),
        co2_kg: r.co2_kg,
        new_pairs: r.connections.new_pairs,
        realized: r.cycles.iter().map(|c| c.realized).collect(),
    }
}

/// Every pair of modes compared on each cycle's share of participants reporting value.
fn compare(by_mode: &[ModeSummary]) -> Vec<Comparison> {
    let mut comparisons = Vec::new();
    for (x, a) in by_mode.iter().enumerate() {
        for b in &by_mode[x + 1..] {
            for (ca, cb) in a.cycles.iter().zip(&b.cycles) {
                let too_few = a.participants < MIN_BASE || b.participants < MIN_BASE;
                let (ay, by) = (ca.tellers_realized.min(a.participants), cb.tellers_realized.min(b.participants));
                comparisons.push(Comparison {
                    cycle: ca.key.clone(),
                    a: a.mode,
                    b: b.mode,
                    a_yes: ay,
                    a_n: a.participants,
                    b_yes: by,
                    b_n: b.participants,
                    p_value: (!too_few).then(|| fisher_exact(ay, a.participants - ay, by, b.participants - by)),
                    too_few,
                });
            }
        }
    }
    comparisons
}

fn mode_summary(mode: Mode, framework: &Framework, rs: &[&ConveningReport], one_currency: bool) -> ModeSummary {
    let participants: usize = rs.iter().map(|r| r.n_participants).sum();
    let costed: Vec<&&ConveningReport> = rs.iter().filter(|r| r.cost.is_some()).collect();
    let cost = (one_currency && !costed.is_empty())
        .then(|| costed.iter().filter_map(|r| r.cost.as_ref()).map(|c| c.total).sum::<f64>());
    let costed_people: usize = costed.iter().map(|r| r.n_participants).sum();
    let costed_stories: usize = costed.iter().map(|r| r.stories_applied_or_realized).sum();
    let with_co2: Vec<&&ConveningReport> = rs.iter().filter(|r| r.co2_kg.is_some()).collect();
    let co2 = (!with_co2.is_empty()).then(|| with_co2.iter().filter_map(|r| r.co2_kg).sum::<f64>());
    let co2_people: usize = with_co2.iter().map(|r| r.n_participants).sum();
    let too_few = participants < MIN_BASE;
    ModeSummary {
        mode,
        convenings: rs.len(),
        participants,
        tellers: rs.iter().map(|r| r.n_tellers).sum(),
        stories: rs.iter().map(|r| r.n_stories).sum(),
        stories_applied_or_realized: rs.iter().map(|r| r.stories_applied_or_realized).sum(),
        cost,
        cost_estimated: costed.iter().any(|r| r.cost.as_ref().is_some_and(|c| c.estimated)),
        cost_per_participant: cost.and_then(|c| share_cost(c, costed_people)),
        cost_per_story_applied_or_realized: cost.and_then(|c| share_cost(c, costed_stories)),
        co2_kg: co2,
        co2_kg_per_participant: co2.and_then(|c| share_cost(c, co2_people)),
        cycles: framework
            .cycles
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let yes: usize = rs.iter().map(|r| r.cycles[i].tellers_realized).sum();
                #[allow(clippy::cast_precision_loss)]
                let share = (participants > 0).then(|| yes as f64 / participants as f64);
                ModeCycle { key: c.key.clone(), tellers_realized: yes, share_realized: share, too_few }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::framework::preset;
    use crate::domain::story::{Step, Visibility};

    fn story(id: i64, participant: i64, steps: &[(&str, StepKind, &[&str])]) -> Story {
        Story {
            id,
            convening_id: 1,
            framework_id: 1,
            teller_user_id: None,
            participant_id: Some(participant),
            teller_name: String::new(),
            title: String::new(),
            language: "en".into(),
            visibility: Visibility::Public,
            show_name: false,
            revision: 1,
            updated_at: String::new(),
            hidden: false,
            via_link: true,
            wave_id: None,
            outcomes: Vec::new(),
            created_at: "2026-03-01T10:00:00Z".into(),
            steps: steps
                .iter()
                .map(|(c, k, i)| Step {
                    cycle: (*c).into(),
                    kind: *k,
                    text: String::new(),
                    indicators: i.iter().map(ToString::to_string).collect(),
                })
                .collect(),
        }
    }

    fn people(n: i64) -> Vec<Attendee> {
        (1..=n).map(|i| Attendee { convening_id: 1, participant_id: i, user_id: None }).collect()
    }

    fn cv(mode: Mode) -> ConveningRef {
        ConveningRef {
            id: 1,
            title: "t".into(),
            mode,
            starts_on: "2026-03-01".into(),
            ends_on: "2026-03-02".into(),
            status: "held".into(),
        }
    }

    /// A convening's input with no aspirations or observations, its matrix counted here.
    fn input<'a>(
        convening: &'a ConveningRef,
        framework: &'a Framework,
        stories: &'a [Story],
        attendees: &'a [Attendee],
        cost: Option<&'a CostInput>,
    ) -> ConveningInput<'a> {
        ConveningInput {
            convening,
            framework,
            stories,
            attendees,
            aspirations: &[],
            observations: &[],
            cost,
            matrix: None,
        }
    }

    fn report(stories: &[Story], n: i64, cost: Option<&CostInput>) -> ConveningReport {
        let c = cv(Mode::InPerson);
        let fw = preset("km4dev-experiment").unwrap();
        let att = people(n);
        convening_report(&input(&c, fw, stories, &att, cost), 0)
    }

    #[test]
    fn an_empty_convening_has_zero_everywhere_and_no_cost_per_story() {
        let cost = CostInput {
            currency: "USD".into(),
            travel: 900.0,
            venue: 100.0,
            other: 0.0,
            co2_kg: None,
            source: CostSource::Recorded,
            co2_estimated: false,
        };
        let r = report(&[], 4, Some(&cost));
        assert_eq!((r.n_stories, r.n_tellers, r.n_participants), (0, 0, 4));
        assert!(r.cycles.iter().all(|c| c.realized == 0 && c.aspirational == 0 && c.tellers_realized == 0));
        assert!(r.flows.iter().all(|f| f.realized == 0 && f.aspirational == 0));
        let c = r.cost.unwrap();
        assert_eq!((c.total, c.per_participant, c.per_story_applied_or_realized), (1000.0, Some(250.0), None));
        assert_eq!((r.limits.silent_participants, r.limits.small_base), (4, true));
        assert_eq!(r.connections.pairs, 6);
    }

    #[test]
    fn a_single_story_flows_only_where_it_reaches_both_cycles() {
        use StepKind::*;
        let s =
            story(1, 1, &[("immediate", Realized, &[]), ("potential", Realized, &[]), ("applied", Aspirational, &[])]);
        let r = report(&[s], 1, None);
        let f: Vec<_> = r.flows.iter().map(|f| (f.from.as_str(), f.to.as_str(), f.realized, f.aspirational)).collect();
        assert_eq!(
            f,
            [("immediate", "potential", 1, 0), ("potential", "applied", 0, 1), ("applied", "realized", 0, 0)]
        );
        assert_eq!((r.n_stories, r.n_tellers, r.stories_applied_or_realized), (1, 1, 0));
        let applied = &r.cycles[2];
        assert_eq!((applied.realized, applied.aspirational, applied.tellers_realized), (0, 1, 0));
        assert_eq!((applied.aspirations.expected, applied.aspirations.still_open), (1, 1));
        assert_eq!(r.limits.only_aspirational, 0);
    }

    #[test]
    fn a_matrix_counted_before_gives_the_same_report() {
        use StepKind::*;
        let s = story(1, 1, &[("immediate", Realized, &["networking"]), ("applied", Aspirational, &[])]);
        let t = story(2, 2, &[("potential", Realized, &[])]);
        let stories = [s, t];
        let (c, fw, att) = (cv(Mode::Virtual), preset("km4dev-experiment").unwrap(), people(3));
        let counted = matrix(fw, &stories, 0);
        let fresh = convening_report(&input(&c, fw, &stories, &att, None), 1);
        let kept = ConveningInput { matrix: Some(&counted), ..input(&c, fw, &stories, &att, None) };
        assert_eq!(convening_report(&kept, 1), fresh);
        assert_eq!((fresh.n_stories, fresh.n_participants, fresh.cycles[0].realized), (2, 3, 1));
    }

    #[test]
    fn an_all_aspirational_story_creates_no_realized_flow() {
        use StepKind::*;
        let s = story(1, 1, &[("immediate", Aspirational, &[]), ("potential", Aspirational, &[])]);
        let r = report(&[s], 2, None);
        assert!(r.flows.iter().all(|f| f.realized == 0 && f.aspirational == 0));
        assert_eq!(r.limits.only_aspirational, 1);
        assert_eq!(r.limits.silent_participants, 1);
        assert_eq!(r.cycles[0].aspirations.expected, 1);
    }

    #[test]
    fn a_story_skipping_a_cycle_breaks_the_flow_there() {
        use StepKind::*;
        // immediate → applied with potential skipped: no flow immediate→potential, none
        // potential→applied; applied→realized counts the hope.
        let s =
            story(1, 1, &[("immediate", Realized, &[]), ("applied", Realized, &[]), ("realized", Aspirational, &[])]);
        let t = story(2, 2, &[("immediate", Realized, &["networking"]), ("potential", Realized, &[])]);
        let r = report(&[s, t], 3, None);
        let f: Vec<_> = r.flows.iter().map(|f| (f.realized, f.aspirational)).collect();
        assert_eq!(f, [(1, 0), (0, 0), (0, 1)]);
        assert_eq!(r.stories_applied_or_realized, 1);
        assert_eq!(r.cycles[0].tellers_realized, 2);
        assert_eq!(r.cycles[0].indicators["networking"], 1);
        assert_eq!(r.connections.stories_with_connections, 1, "networking is a connections indicator");
    }

    #[test]
    fn a_confirmed_hope_flows_as_realized_and_hidden_stories_do_not_count() {
        use StepKind::*;
        let mut s = story(1, 1, &[("potential", Realized, &[]), ("applied", Aspirational, &[])]);
        s.outcomes.push(crate::domain::wave::StepOutcome {
            cycle: "applied".into(),
            status: OutcomeStatus::Happened,
            text: String::new(),
            wave_id: None,
            revision: 2,
            recorded_at: "2026-06-01T00:00:00Z".into(),
        });
        let mut hidden = story(2, 2, &[("potential", Realized, &[]), ("applied", Realized, &[])]);
        hidden.hidden = true;
        let r = report(&[s, hidden], 2, None);
        assert_eq!(r.n_stories, 1);
        assert_eq!((r.flows[1].realized, r.flows[1].aspirational), (1, 0));
        let applied = &r.cycles[2].aspirations;
        assert_eq!((applied.expected, applied.confirmed, applied.still_open), (1, 1, 0));
        assert_eq!(r.stories_applied_or_realized, 1);
    }

    #[test]
    fn quotes_come_from_public_stories_and_name_only_who_allowed_it() {
        use crate::domain::story::Visibility;
        use StepKind::*;
        let fw = preset("km4dev-experiment").unwrap();
        let mut open = story(1, 1, &[("immediate", Realized, &[])]);
        open.steps[0].text = "We met people from three countries who work on the same water problems.".into();
        open.title = "Water".into();
        open.teller_name = "Amina".into();
        let mut named = open.clone();
        named.id = 2;
        named.show_name = true;
        named.created_at = "2026-03-02T10:00:00Z".into();
        let mut private = open.clone();
        private.id = 3;
        private.visibility = Visibility::Community;
        private.steps[0].text = "SECRET words".into();
        let q = quotes(fw, &[open, named, private], 2);
        assert_eq!(
            q.iter().map(|q| (q.story_id, q.teller.as_deref())).collect::<Vec<_>>(),
            [(2, Some("Amina")), (1, None)]
        );
        assert!(q.iter().all(|q| !q.excerpt.contains("SECRET")));
        assert_eq!(excerpt("one two three four five six", 12), "one two…");
        assert_eq!(excerpt("  short\n text ", 50), "short text");
    }

    #[test]
    fn new_pairs_count_only_people_never_together_before() {
        let att = |c: usize, p: &str| (c, p.to_string());
        // c0: a b c → 3 new pairs; c1: a b d → ab met before: 2 new; c2: c d → new.
        let a =
            [att(0, "a"), att(0, "b"), att(0, "c"), att(1, "a"), att(1, "b"), att(1, "d"), att(2, "c"), att(2, "d")];
        assert_eq!(new_pairs(3, &a), [3, 2, 1]);
        assert_eq!(new_pairs::<String>(0, &[]), Vec::<usize>::new());
        // Over 64 convenings the bit sets span several words.
        let many: Vec<_> = (0..70).flat_map(|c| [att(c, "x"), att(c, "y")]).collect();
        let n = new_pairs(70, &many);
        assert_eq!((n[0], n[1..].iter().sum::<usize>()), (1, 0));
    }

    #[test]
    fn modes_are_compared_with_their_bases_and_small_ones_are_not() {
        use StepKind::*;
        let fw = preset("km4dev-experiment").unwrap();
        let mk = |id: i64, mode: Mode, n: i64, applied: i64| {
            let c = ConveningRef { id, ..cv(mode) };
            let stories: Vec<Story> = (1..=applied).map(|p| story(p, p, &[("applied", Realized, &[])])).collect();
            let att = people(n);
            convening_report(&input(&c, fw, &stories, &att, None), 0)
        };
        let reports = [mk(1, Mode::InPerson, 13, 10), mk(2, Mode::Virtual, 17, 2), mk(3, Mode::Hybrid, 4, 1)];
        let r = community_report(CommunityRef { slug: "x".into(), name: "X".into() }, fw, &reports);
        assert_eq!(r.by_mode.len(), 3);
        let cmp = r.comparisons.iter().find(|c| c.cycle == "applied" && c.b == Mode::Virtual).unwrap();
        assert_eq!((cmp.a_yes, cmp.a_n, cmp.b_yes, cmp.b_n), (10, 13, 2, 17));
        assert!((cmp.p_value.unwrap() - 0.000_536_7).abs() < 1e-6);
        let hybrid = r.comparisons.iter().find(|c| c.b == Mode::Hybrid).unwrap();
        assert!(hybrid.too_few && hybrid.p_value.is_none());
        let ip = &r.by_mode[0];
        assert_eq!((ip.participants, ip.cycles[2].tellers_realized), (13, 10));
        assert!((ip.cycles[2].share_realized.unwrap() - 10.0 / 13.0).abs() < 1e-12);
        assert_eq!(r.n_stories, 13);
    }

    #[test]
    fn costs_in_two_currencies_are_not_summed() {
        let fw = preset("km4dev-experiment").unwrap();
        let cost = |cur: &str, mode| CostInput {
            currency: cur.into(),
            travel: 100.0,
            venue: 0.0,
            other: 0.0,
            co2_kg: Some(50.0),
            source: if mode == Mode::Virtual { CostSource::Connectivity } else { CostSource::Recorded },
            co2_estimated: false,
        };
        let mk = |id, mode, cur: &str| {
            let c = ConveningRef { id, ..cv(mode) };
            let att = people(5);
            let k = cost(cur, mode);
            convening_report(&input(&c, fw, &[], &att, Some(&k)), 0)
        };
        let same = community_report(
            CommunityRef { slug: "x".into(), name: "X".into() },
            fw,
            &[mk(1, Mode::InPerson, "USD"), mk(2, Mode::InPerson, "USD"), mk(3, Mode::Virtual, "USD")],
        );
        assert_eq!(same.currencies, ["USD"]);
        assert_eq!(same.by_mode[0].cost_per_participant, Some(20.0));
        assert_eq!(same.by_mode[0].co2_kg_per_participant, Some(10.0));
        assert!(same.by_mode[1].cost_estimated && !same.by_mode[0].cost_estimated);
        let mixed = community_report(
            CommunityRef { slug: "x".into(), name: "X".into() },
            fw,
            &[mk(1, Mode::InPerson, "USD"), mk(2, Mode::Virtual, "EUR")],
        );
        assert_eq!(mixed.currencies, ["EUR", "USD"]);
        assert!(mixed.by_mode.iter().all(|m| m.cost.is_none() && m.cost_per_participant.is_none()));
        assert_eq!(mixed.by_mode[0].co2_kg_per_participant, Some(10.0), "CO2 has one unit: still summed");
    }
}
