//! A report ([`crate::analysis::report`]) as a [`Doc`] in the reader's language: the
//! sections, tables, charts and plain-words sentences every rendering prints.

use super::charts;
use super::doc::{Cell, Chart, Doc, Section, Table};
use crate::analysis::report::{
    Aspirations, CommunityReport, Connections, ConveningReport, CostOut, CostSource, Flow, Limits, Quote,
};
use crate::analysis::stats::MIN_BASE;
use crate::domain::convening::Mode;
use crate::i18n::{Lang, format_date, format_money, format_number, format_percent, translate};
use std::collections::BTreeMap;

/// Translation and number formatting in one language.
struct T {
    lang: Lang,
}

impl T {
    fn t(&self, key: &str) -> String {
        translate(self.lang, key, &[])
    }
    fn ta(&self, key: &str, args: &[(&str, &str)]) -> String {
        translate(self.lang, key, args)
    }
    fn count(&self, n: usize) -> Cell {
        #[allow(clippy::cast_precision_loss)]
        Cell::num(format_number(self.lang, n as f64, 0), n.to_string())
    }
    fn amount(&self, v: f64, decimals: usize) -> String {
        format_number(self.lang, v, decimals)
    }
    fn money(&self, v: Option<f64>, currency: &str) -> Cell {
        match v {
            Some(v) => Cell::num(format_money(self.lang, v, currency), format!("{v:.2}")),
            None => Cell::text("—"),
        }
    }
    fn kg(&self, v: Option<f64>) -> Cell {
        match v {
            Some(v) => Cell::num(format!("{}\u{a0}kg", self.amount(v, 1)), format!("{v:.1}")),
            None => Cell::text("—"),
        }
    }
    /// `n of base`, with the percentage only when the base is large enough to read one.
    fn share(&self, n: usize, base: usize) -> Cell {
        let (ns, bs) = (n.to_string(), base.to_string());
        let of = self.ta("rp-n-of", &[("n", &ns), ("base", &bs)]);
        if base >= MIN_BASE {
            #[allow(clippy::cast_precision_loss)]
            let share = n as f64 / base as f64;
            let p = format_percent(self.lang, share);
            Cell::num(self.ta("rp-share", &[("percent", &p), ("counts", &of)]), format!("{share:.4}"))
        } else {
            Cell::num(of, format!("{n}/{base}"))
        }
    }
    fn mode(&self, m: Mode) -> String {
        self.t(m.as_str())
    }
    /// The mode as a heading or a sentence's first word: capitalised.
    fn mode_cap(&self, m: Mode) -> String {
        let s = self.mode(m);
        let mut c = s.chars();
        c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
    }
}

fn indicator_text(t: &T, ind: &BTreeMap<String, usize>, names: &BTreeMap<String, String>) -> Cell {
    let mut ticked: Vec<(&String, &usize)> = ind.iter().filter(|(_, n)| **n > 0).collect();
    ticked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let text = ticked
        .iter()
        .map(|(k, n)| format!("{} {}", names.get(*k).map_or(k.as_str(), String::as_str), t.count(**n).text))
        .collect::<Vec<_>>()
        .join(", ");
    let raw = ticked.iter().map(|(k, n)| format!("{k}={n}")).collect::<Vec<_>>().join(" ");
    Cell::num(if text.is_empty() { "—".into() } else { text }, raw)
}

/// Value per cycle: one row per cycle under the same six headings in every report.
fn cycles_section(t: &T, rows: Vec<Vec<Cell>>) -> Section {
    let mut cycles = Section::new("cycles", t.t("rp-cycles"));
    cycles.paragraphs.push(t.t("rp-cycles-intro"));
    cycles.tables.push(Table {
        id: "cycles".into(),
        caption: t.t("rp-cycles"),
        head: vec![
            t.t("rp-col-cycle"),
            t.t("rp-col-realized"),
            t.t("rp-col-aspirational"),
            t.t("rp-col-tellers"),
            t.t("rp-col-indicators"),
            t.t("rp-col-observations"),
        ],
        rows,
    });
    cycles
}

fn flows_section(
    t: &T,
    flows: &[Flow],
    names: &BTreeMap<String, String>,
    realized: &BTreeMap<String, usize>,
) -> Section {
    let name = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let mut sec = Section::new("flows", t.t("rp-flows"));
    sec.paragraphs.push(t.t("rp-flows-intro"));
    let mut nodes: Vec<(String, usize)> = Vec::new();
    for f in flows {
        if nodes.is_empty() {
            nodes.push((name(&f.from), realized.get(&f.from).copied().unwrap_or(0)));
        }
        nodes.push((name(&f.to), realized.get(&f.to).copied().unwrap_or(0)));
    }
    let links: Vec<(usize, usize)> = flows.iter().map(|f| (f.realized, f.aspirational)).collect();
    let desc = flows
        .iter()
        .map(|f| {
            t.ta(
                "rp-flow-desc",
                &[
                    ("from", &name(&f.from)),
                    ("to", &name(&f.to)),
                    ("realized", &f.realized.to_string()),
                    ("hoped", &f.aspirational.to_string()),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    if !flows.is_empty() {
        sec.chart = Some(Chart {
            svg: charts::flows(
                "chart-flows",
                &t.t("rp-flows"),
                &desc,
                &nodes,
                &links,
                (&t.t("rp-legend-happened"), &t.t("rp-legend-hoped")),
            ),
        });
    }
    sec.tables.push(Table {
        id: "flows".into(),
        caption: t.t("rp-flows"),
        head: vec![t.t("rp-col-from"), t.t("rp-col-to"), t.t("rp-col-flow-realized"), t.t("rp-col-flow-hoped")],
        rows: flows
            .iter()
            .map(|f| {
                vec![Cell::text(name(&f.from)), Cell::text(name(&f.to)), t.count(f.realized), t.count(f.aspirational)]
            })
            .collect(),
    });
    sec
}

fn aspirations_section(t: &T, rows: &[(String, Aspirations)]) -> Section {
    let mut sec = Section::new("aspirations", t.t("rp-aspirations"));
    sec.paragraphs.push(t.t("rp-aspirations-intro"));
    let parts = [t.t("rp-col-confirmed"), t.t("rp-col-changed"), t.t("rp-col-dropped"), t.t("rp-col-still-open")];
    let bars: Vec<(String, Vec<usize>)> = rows
        .iter()
        .filter(|(_, a)| a.expected > 0)
        .map(|(n, a)| (n.clone(), vec![a.confirmed, a.changed, a.dropped, a.still_open]))
        .collect();
    if !bars.is_empty() {
        sec.chart = Some(Chart {
            svg: charts::stacked_bars(
                "chart-aspirations",
                &t.t("rp-aspirations"),
                &t.t("rp-aspirations-intro"),
                &bars,
                &parts,
            ),
        });
    }
    let mut head = vec![t.t("rp-col-cycle"), t.t("rp-col-planned"), t.t("rp-col-expected"), t.t("rp-col-reported")];
    head.extend(parts.iter().cloned());
    sec.tables.push(Table {
        id: "aspirations".into(),
        caption: t.t("rp-aspirations"),
        head,
        rows: rows
            .iter()
            .map(|(n, a)| {
                vec![
                    Cell::text(n.clone()),
                    t.count(a.planned),
                    t.count(a.expected),
                    t.count(a.reported_realized),
                    t.count(a.confirmed),
                    t.count(a.changed),
                    t.count(a.dropped),
                    t.count(a.still_open),
                ]
            })
            .collect(),
    });
    sec
}

fn connections_section(t: &T, c: &Connections) -> Section {
    let mut sec = Section::new("connections", t.t("rp-connections"));
    sec.paragraphs.push(t.t("rp-connections-intro"));
    sec.tables.push(Table {
        id: "connections".into(),
        caption: t.t("rp-connections"),
        head: vec![t.t("rp-col-measure"), t.t("rp-col-value")],
        rows: vec![
            vec![Cell::text(t.t("rp-pairs")), t.count(c.pairs)],
            vec![Cell::text(t.t("rp-new-pairs")), t.count(c.new_pairs)],
            vec![Cell::text(t.t("rp-connection-stories")), t.count(c.stories_with_connections)],
        ],
    });
    sec
}

fn quotes_section(t: &T, quotes: &[Quote], names: &BTreeMap<String, String>) -> Section {
    let mut sec = Section::new("quotes", t.t("rp-quotes"));
    if quotes.is_empty() {
        sec.paragraphs.push(t.t("rp-quotes-none"));
    } else {
        sec.paragraphs.push(t.t("rp-quotes-intro"));
    }
    for q in quotes {
        let cycle = names.get(&q.cycle).cloned().unwrap_or_else(|| q.cycle.clone());
        let who = q.teller.clone().unwrap_or_else(|| t.t("rp-name-withheld"));
        sec.quotes.push((
            q.excerpt.clone(),
            format!("{cycle} · {} · {who}", q.title),
            Some(format!("/stories/{}", q.story_id)),
        ));
    }
    sec
}

fn limits_section(t: &T, l: &Limits, participants: usize) -> Section {
    let mut sec = Section::new("limits", t.t("rp-limits"));
    let p = participants.to_string();
    sec.paragraphs.push(t.ta("rp-limit-silent", &[("n", &l.silent_participants.to_string()), ("base", &p)]));
    sec.paragraphs.push(t.ta("rp-limit-hoped", &[("n", &l.only_aspirational.to_string())]));
    if l.tellers_not_participants > 0 {
        sec.paragraphs.push(t.ta("rp-limit-outsiders", &[("n", &l.tellers_not_participants.to_string())]));
    }
    if l.small_base {
        sec.paragraphs.push(t.ta("rp-limit-small", &[("min", &MIN_BASE.to_string())]));
    }
    sec.paragraphs.push(t.t("rp-limit-aggregate"));
    sec
}

fn cost_rows(t: &T, c: Option<&CostOut>, co2: Option<f64>, participants: usize) -> Vec<Vec<Cell>> {
    let cur = c.map_or("", |c| c.currency.as_str());
    #[allow(clippy::cast_precision_loss)]
    let per = |v: Option<f64>| v.and_then(|v| (participants > 0).then(|| v / participants as f64));
    vec![
        vec![Cell::text(t.t("rp-cost-travel")), t.money(c.map(|c| c.travel), cur)],
        vec![Cell::text(t.t("rp-cost-venue")), t.money(c.map(|c| c.venue), cur)],
        vec![Cell::text(t.t("rp-cost-other")), t.money(c.map(|c| c.other), cur)],
        vec![Cell::text(t.t("rp-cost-total")), t.money(c.map(|c| c.total), cur)],
        vec![Cell::text(t.t("rp-cost-per-participant")), t.money(c.and_then(|c| c.per_participant), cur)],
        vec![Cell::text(t.t("rp-cost-per-story")), t.money(c.and_then(|c| c.per_story_applied_or_realized), cur)],
        vec![Cell::text(t.t("rp-co2")), t.kg(co2)],
        vec![Cell::text(t.t("rp-co2-per-participant")), t.kg(per(co2))],
    ]
}

fn cost_note(t: &T, c: Option<&CostOut>, co2_estimated: bool) -> String {
    let mut s = match c.map(|c| c.source) {
        None => t.t("rp-cost-none"),
        Some(CostSource::Recorded) => t.t("rp-cost-recorded"),
        Some(CostSource::Plan) => t.t("rp-cost-plan"),
        Some(CostSource::Connectivity) => t.t("rp-cost-connectivity"),
    };
    if co2_estimated && c.is_some_and(|c| c.source == CostSource::Recorded) {
        s.push(' ');
        s.push_str(&t.t("rp-co2-estimated"));
    }
    s
}

/// One convening's report as a document in `lang`.
pub fn convening_doc(r: &ConveningReport, names: &BTreeMap<String, String>, lang: Lang, generated: &str) -> Doc {
    let t = T { lang };
    let name = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let told = r.n_participants - r.limits.silent_participants;
    let mut summary = Section::new("summary", t.t("rp-summary"));
    summary.paragraphs.push(t.ta(
        "rp-summary-counts",
        &[
            ("stories", &r.n_stories.to_string()),
            ("tellers", &r.n_tellers.to_string()),
            ("told", &told.to_string()),
            ("participants", &r.n_participants.to_string()),
        ],
    ));
    summary.paragraphs.push(t.ta("rp-mode-line", &[("mode", &t.mode(r.convening.mode)), ("dates", &dates(r, lang))]));

    let cycles = cycles_section(
        &t,
        r.cycles
            .iter()
            .map(|c| {
                let obs = c
                    .observations
                    .iter()
                    .map(|o| {
                        format!(
                            "{} {} ({})",
                            t.amount(o.value, if o.value.fract() == 0.0 { 0 } else { 2 }),
                            o.unit,
                            name(&o.indicator)
                        )
                    })
                    .collect::<Vec<_>>();
                let obs_raw =
                    c.observations.iter().map(|o| format!("{}={}", o.indicator, o.value)).collect::<Vec<_>>().join(" ");
                vec![
                    Cell::text(c.name.clone()),
                    t.count(c.realized),
                    t.count(c.aspirational),
                    t.share(c.tellers_realized, r.n_participants),
                    indicator_text(&t, &c.indicators, names),
                    Cell::num(if obs.is_empty() { "—".into() } else { obs.join("; ") }, obs_raw),
                ]
            })
            .collect(),
    );
    let realized: BTreeMap<String, usize> = r.cycles.iter().map(|c| (c.key.clone(), c.realized)).collect();
    let flows = flows_section(&t, &r.flows, names, &realized);
    let asp: Vec<(String, Aspirations)> = r.cycles.iter().map(|c| (c.name.clone(), c.aspirations)).collect();

    let mut costs = Section::new("costs", t.t("rp-costs"));
    costs.paragraphs.push(cost_note(&t, r.cost.as_ref(), r.co2_estimated));
    costs.tables.push(Table {
        id: "costs".into(),
        caption: t.t("rp-costs"),
        head: vec![t.t("rp-col-measure"), t.t("rp-col-value")],
        rows: cost_rows(&t, r.cost.as_ref(), r.co2_kg, r.n_participants),
    });

    Doc {
        title: t.ta("rp-convening-title", &[("title", &r.convening.title)]),
        lang: lang.code().into(),
        intro: vec![
            t.ta("rp-generated", &[("framework", &r.framework), ("date", &format_date(lang, generated))]),
            t.t("rp-aggregate-note"),
        ],
        sections: vec![
            summary,
            cycles,
            flows,
            aspirations_section(&t, &asp),
            costs,
            connections_section(&t, &r.connections),
            quotes_section(&t, &r.quotes, names),
            limits_section(&t, &r.limits, r.n_participants),
        ],
    }
}

fn dates(r: &ConveningReport, lang: Lang) -> String {
    let (from, to) = (format_date(lang, &r.convening.starts_on), format_date(lang, &r.convening.ends_on));
    if r.convening.starts_on == r.convening.ends_on { from } else { format!("{from} – {to}") }
}

/// The sentence saying what a comparison means, for someone who is not a statistician.
fn comparison_sentence(t: &T, c: &crate::analysis::report::Comparison, cycle: &str) -> String {
    let args = |extra: &[(&'static str, String)]| {
        let mut v: Vec<(&'static str, String)> = vec![
            ("cycle", cycle.to_string()),
            ("a", t.mode(c.a)),
            ("b", t.mode(c.b)),
            ("ay", c.a_yes.to_string()),
            ("an", c.a_n.to_string()),
            ("by", c.b_yes.to_string()),
            ("bn", c.b_n.to_string()),
        ];
        v.extend(extra.iter().cloned());
        v
    };
    let render = |key: &str, v: Vec<(&'static str, String)>| {
        let refs: Vec<(&str, &str)> = v.iter().map(|(k, s)| (*k, s.as_str())).collect();
        t.ta(key, &refs)
    };
    match c.p_value {
        None => render("rp-cmp-too-few", args(&[])),
        Some(p) => {
            #[allow(clippy::cast_precision_loss)]
            let (ap, bp) = (c.a_yes as f64 / c.a_n as f64, c.b_yes as f64 / c.b_n as f64);
            let extra =
                [("ap", format_percent(t.lang, ap)), ("bp", format_percent(t.lang, bp)), ("p", format_p(t.lang, p))];
            render(if p < 0.05 { "rp-cmp-differs" } else { "rp-cmp-same" }, args(&extra))
        }
    }
}

/// A p-value with three significant decimals, or "< 0.001".
pub fn format_p(lang: Lang, p: f64) -> String {
    if p < 0.001 { format!("< {}", format_number(lang, 0.001, 3)) } else { format_number(lang, p, 3) }
}

/// The community's headline report as a document in `lang`.
fn answer_section(t: &T, r: &CommunityReport, names: &BTreeMap<String, String>) -> Section {
    let name = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let mut answer = Section::new("answer", t.t("rp-answer"));
    answer.paragraphs.push(t.ta(
        "rp-community-counts",
        &[
            ("convenings", &r.convenings.len().to_string()),
            ("stories", &r.n_stories.to_string()),
            ("participants", &r.n_participants.to_string()),
        ],
    ));
    let key_cycles: Vec<&str> = crate::analysis::report::APPLIED_OR_REALIZED.to_vec();
    for c in r.comparisons.iter().filter(|c| key_cycles.contains(&c.cycle.as_str())) {
        answer.paragraphs.push(comparison_sentence(t, c, &name(&c.cycle)));
    }
    if r.currencies.len() > 1 {
        answer.paragraphs.push(t.ta("rp-currencies", &[("list", &r.currencies.join(", "))]));
    }
    let currency = r.currencies.first().cloned().unwrap_or_default();
    for m in &r.by_mode {
        if let Some(cpp) = m.cost_per_participant {
            let per_story = m.cost_per_story_applied_or_realized.map_or("—".into(), |v| t.amount(v, 2));
            answer.paragraphs.push(t.ta(
                "rp-answer-cost",
                &[
                    ("mode", &t.mode_cap(m.mode)),
                    ("cost", &format!("{} {currency}", t.amount(cpp, 2))),
                    ("story", &format!("{per_story} {currency}")),
                    ("co2", &m.co2_kg_per_participant.map_or("—".into(), |v| t.amount(v, 1))),
                ],
            ));
        }
    }
    if r.comparisons.is_empty() {
        answer.paragraphs.push(t.t("rp-one-mode"));
    }

    answer
}

fn mode_sections(t: &T, r: &CommunityReport, currency: &str) -> (Section, Section) {
    let mut modes = Section::new("modes", t.t("rp-modes"));
    modes.tables.push(Table {
        id: "by_mode".into(),
        caption: t.t("rp-modes"),
        head: vec![
            t.t("rp-col-mode"),
            t.t("rp-col-convenings"),
            t.t("rp-col-participants"),
            t.t("rp-col-tellers-n"),
            t.t("rp-col-stories"),
            t.t("rp-cost-per-participant"),
            t.t("rp-cost-per-story"),
            t.t("rp-co2-per-participant"),
        ],
        rows: r
            .by_mode
            .iter()
            .map(|m| {
                let mut cpp = t.money(m.cost_per_participant, currency);
                if m.cost_estimated && m.cost_per_participant.is_some() {
                    cpp.text = format!("{} ({})", cpp.text, t.t("rp-estimate"));
                }
                vec![
                    Cell::text(t.mode_cap(m.mode)),
                    t.count(m.convenings),
                    t.count(m.participants),
                    t.share(m.tellers, m.participants),
                    t.count(m.stories),
                    cpp,
                    t.money(m.cost_per_story_applied_or_realized, currency),
                    t.kg(m.co2_kg_per_participant),
                ]
            })
            .collect(),
    });
    // Shares per cycle and mode: chart and table.
    let series: Vec<String> = r.by_mode.iter().map(|m| t.mode_cap(m.mode)).collect();
    let groups: Vec<(String, Vec<(f64, String)>)> = r
        .cycles
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let bars = r
                .by_mode
                .iter()
                .map(|m| {
                    let mc = &m.cycles[i];
                    (mc.share_realized.unwrap_or(0.0), t.share(mc.tellers_realized, m.participants).text)
                })
                .collect();
            (c.name.clone(), bars)
        })
        .collect();
    let mut shares = Section::new("shares", t.t("rp-shares"));
    shares.paragraphs.push(t.t("rp-shares-intro"));
    if !r.by_mode.is_empty() {
        shares.chart = Some(Chart {
            svg: charts::grouped_bars("chart-shares", &t.t("rp-shares"), &t.t("rp-shares-intro"), &groups, &series),
        });
    }
    let mut head = vec![t.t("rp-col-cycle")];
    head.extend(series.iter().cloned());
    shares.tables.push(Table {
        id: "shares".into(),
        caption: t.t("rp-shares"),
        head,
        rows: r
            .cycles
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut row = vec![Cell::text(c.name.clone())];
                row.extend(r.by_mode.iter().map(|m| t.share(m.cycles[i].tellers_realized, m.participants)));
                row
            })
            .collect(),
    });
    (modes, shares)
}

fn comparisons_section(t: &T, r: &CommunityReport, names: &BTreeMap<String, String>) -> Section {
    let name = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let mut comparisons = Section::new("comparisons", t.t("rp-comparisons"));
    comparisons.paragraphs.push(t.ta("rp-comparisons-intro", &[("min", &MIN_BASE.to_string())]));
    comparisons.tables.push(Table {
        id: "comparisons".into(),
        caption: t.t("rp-comparisons"),
        head: vec![t.t("rp-col-cycle"), t.t("rp-col-compared"), t.t("rp-col-p"), t.t("rp-col-meaning")],
        rows: r
            .comparisons
            .iter()
            .map(|c| {
                vec![
                    Cell::text(name(&c.cycle)),
                    Cell::text(format!("{} / {}", t.mode(c.a), t.mode(c.b))),
                    c.p_value.map_or_else(|| Cell::text("—"), |p| Cell::num(format_p(t.lang, p), format!("{p:.6}"))),
                    Cell::text(comparison_sentence(t, c, &name(&c.cycle))),
                ]
            })
            .collect(),
    });
    comparisons
}

fn convenings_section(t: &T, r: &CommunityReport) -> Section {
    let mut convenings = Section::new("convenings", t.t("rp-convenings"));
    convenings.tables.push(Table {
        id: "convenings".into(),
        caption: t.t("rp-convenings"),
        head: vec![
            t.t("rp-col-convening"),
            t.t("rp-col-mode"),
            t.t("rp-col-date"),
            t.t("rp-col-participants"),
            t.t("rp-col-tellers-n"),
            t.t("rp-col-stories"),
            t.t("rp-cost-total"),
            t.t("rp-co2"),
            t.t("rp-new-pairs"),
        ],
        rows: r
            .convenings
            .iter()
            .map(|c| {
                let mut cost =
                    t.money(c.cost.as_ref().map(|k| k.total), c.cost.as_ref().map_or("", |k| k.currency.as_str()));
                if c.cost.as_ref().is_some_and(|k| k.estimated) {
                    cost.text = format!("{} ({})", cost.text, t.t("rp-estimate"));
                }
                vec![
                    Cell::link(c.title.clone(), format!("/convenings/{}/report", c.id)),
                    Cell::text(t.mode_cap(c.mode)),
                    Cell::num(format_date(t.lang, &c.starts_on), c.starts_on.clone()),
                    t.count(c.n_participants),
                    t.share(c.n_tellers, c.n_participants),
                    t.count(c.n_stories),
                    cost,
                    t.kg(c.co2_kg),
                    t.count(c.new_pairs),
                ]
            })
            .collect(),
    });
    convenings
}

fn community_cycles_section(t: &T, r: &CommunityReport, names: &BTreeMap<String, String>) -> Section {
    cycles_section(
        t,
        r.cycles
            .iter()
            .map(|c| {
                vec![
                    Cell::text(c.name.clone()),
                    t.count(c.realized),
                    t.count(c.aspirational),
                    t.share(c.tellers_realized, r.n_participants),
                    indicator_text(t, &c.indicators, names),
                    t.count(c.observations),
                ]
            })
            .collect(),
    )
}

pub fn community_doc(r: &CommunityReport, names: &BTreeMap<String, String>, lang: Lang, generated: &str) -> Doc {
    let t = T { lang };
    let currency = r.currencies.first().cloned().unwrap_or_default();
    let answer = answer_section(&t, r, names);
    let (modes, shares) = mode_sections(&t, r, &currency);
    let comparisons = comparisons_section(&t, r, names);
    let convenings = convenings_section(&t, r);
    let cycles = community_cycles_section(&t, r, names);
    let realized: BTreeMap<String, usize> = r.cycles.iter().map(|c| (c.key.clone(), c.realized)).collect();
    let asp: Vec<(String, Aspirations)> = r.cycles.iter().map(|c| (c.name.clone(), c.aspirations)).collect();
    Doc {
        title: t.ta("rp-community-title", &[("name", &r.community.name)]),
        lang: lang.code().into(),
        intro: vec![
            t.ta("rp-generated", &[("framework", &r.framework), ("date", &format_date(lang, generated))]),
            t.t("rp-aggregate-note"),
        ],
        sections: vec![
            answer,
            modes,
            shares,
            comparisons,
            convenings,
            cycles,
            flows_section(&t, &r.flows, names, &realized),
            aspirations_section(&t, &asp),
            connections_section(&t, &r.connections),
            quotes_section(&t, &r.quotes, names),
            limits_section(&t, &r.limits, r.n_participants),
        ],
    }
}

/// Cycle and indicator names by key, from a framework.
pub fn names(fw: &crate::domain::framework::Framework) -> BTreeMap<String, String> {
    fw.cycles
        .iter()
        .map(|c| (c.key.clone(), c.name.clone()))
        .chain(fw.cycles.iter().flat_map(|c| &c.indicators).map(|i| (i.key.clone(), i.name.clone())))
        .collect()
}

/// The formats a report is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    MediaWiki,
    /// The MediaWiki page inside a `Special:Import` file (export schema 0.11).
    MediaWikiXml,
    Csv,
    Html,
}

impl Format {
    /// The names `format=` accepts, for error messages.
    pub const NAMES: &'static str = "json, md, mediawiki, mediawiki-xml, csv, html";

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "md" | "markdown" => Format::Markdown,
            "mediawiki" | "wiki" => Format::MediaWiki,
            "mediawiki-xml" | "wiki-xml" => Format::MediaWikiXml,
            "csv" => Format::Csv,
            "html" => Format::Html,
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::MediaWiki => "text/plain; charset=utf-8",
            Format::MediaWikiXml => "application/xml; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Markdown => "md",
            Format::MediaWiki => "wiki",
            Format::MediaWikiXml => "xml",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

/// A standalone, printable HTML document of a report.
#[derive(askama::Template)]
#[template(path = "report_document.html")]
struct Standalone<'a> {
    lang: &'a str,
    title: &'a str,
    body: String,
}

/// Renders a report: `json` is the report value (with its `generated_at`), `doc` the
/// same report as a document; links are made absolute with `base` where the format
/// leaves the site (Markdown, MediaWiki).
pub fn render(format: Format, doc: &Doc, json: &serde_json::Value, base: &str) -> String {
    render_titled(format, doc, json, base, &doc.title)
}

/// [`render`], with the wiki page title an import file (`mediawiki-xml`) names.
pub fn render_titled(format: Format, doc: &Doc, json: &serde_json::Value, base: &str, wiki_title: &str) -> String {
    use askama::Template;
    match format {
        Format::MediaWikiXml => {
            let at = json.get("generated_at").and_then(|v| v.as_str()).map_or_else(crate::store::now, str::to_string);
            super::wiki_xml::import_file(wiki_title, &super::doc::mediawiki(doc, base), &doc.lang, &at, "convene")
        }
        Format::Json => serde_json::to_string_pretty(json).unwrap_or_default(),
        Format::Markdown => super::doc::markdown(doc, base),
        Format::MediaWiki => super::doc::mediawiki(doc, base),
        Format::Csv => super::doc::csv(doc),
        Format::Html => Standalone { lang: &doc.lang, title: &doc.title, body: super::doc::html_body(doc) }
            .render()
            .unwrap_or_default(),
    }
}

/// The report value as JSON with the time it was computed.
pub fn json_with_time<T: serde::Serialize>(report: &T, generated_at: &str) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("generated_at".into(), serde_json::Value::String(generated_at.into()));
    }
    v
}
