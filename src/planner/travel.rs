//! The travel model: how a great-circle distance becomes a mode, a fare, hours
//! and CO2. Every constant lives in [`TravelModel`], so a community can keep its
//! own copy (it serialises to JSON/TOML) and the defaults are documented once.
//!
//! All money is an *estimate* unless a [`KnownFare`] overrides it.

use serde::{Deserialize, Serialize};

use super::geo::{LatLon, MAX_DISTANCE_KM, haversine_km};
use super::hubs::hubs;
use super::visas::VisaModel;

/// Every constant of the travel model, with sourced defaults.
///
/// Conventions: `km` is the one-way great-circle distance from home to host;
/// fares and CO2 are for the **return** trip of one person; hours are one way,
/// door to door.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TravelModel {
    /// Currency of every amount (ISO 4217). Default `USD`.
    pub currency: String,
    /// Below this one-way distance people go by road or rail, at or above it they
    /// fly. Default 500 km: under that a bus or train is usually quicker door to
    /// door once airport time is counted, and far cheaper.
    pub ground_max_km: f64,
    /// Road/rail km per great-circle km. Default 1.3, within the 1.2–1.4 range
    /// of national circuity factors (Ballou, Rahardja & Sakai 2002, "Selected
    /// country circuity factors for road and rail networks", J. Business Logistics 23(1)).
    pub ground_circuity: f64,
    /// Average ground speed on the road/rail distance, stops included. Default 60 km/h (assumption).
    pub ground_speed_kmh: f64,
    /// Return bus/train fare per great-circle km. Default USD 0.12 (assumption:
    /// about USD 0.045 per road km each way, a long-distance coach fare).
    pub ground_fare_per_km: f64,
    /// Ground CO2e per passenger-km on the road distance. Default 0.027 kg
    /// (UK DESNZ 2024 GHG conversion factors, "Business travel – land", coach).
    pub ground_co2_kg_per_pkm: f64,
    /// Flown km per great-circle km. Default 1.08: DESNZ's methodology adds 8 %
    /// to great-circle distance for indirect routing, stacking and delays.
    pub air_distance_uplift: f64,
    /// Average speed over the flown distance (block speed). Default 800 km/h (assumption).
    pub air_speed_kmh: f64,
    /// Fixed hours per one-way air trip: getting to the airport, check-in,
    /// security, boarding, connections, baggage. Default 3 h (assumption).
    pub air_overhead_hours: f64,
    /// Fixed part of an estimated return economy air fare. Default USD 150.
    pub air_fare_base: f64,
    /// Per great-circle km part of an estimated return air fare. Default USD 0.10.
    /// With the base this gives USD 475 at 3,250 km, the middle of a 2,500–4,000 km
    /// intra-African return trip (the seed's "$475 plane ticket"): a rough
    /// calibration, not a price quote.
    pub air_fare_per_km: f64,
    /// Flights shorter than this use the short-flight CO2 factor. Default 1,000 km.
    pub air_short_max_km: f64,
    /// Flights from this distance on use the long-haul CO2 factor. Default
    /// 3,700 km, DESNZ's short-haul/long-haul boundary.
    pub air_long_min_km: f64,
    /// CO2e per passenger-km (flown km) of short flights. Default 0.255 kg
    /// (DESNZ 2024, "Business travel – air", domestic, with radiative forcing).
    pub air_co2_short_kg_per_pkm: f64,
    /// CO2e per passenger-km of medium flights. Default 0.156 kg (DESNZ 2024,
    /// short-haul, economy, with radiative forcing).
    pub air_co2_medium_kg_per_pkm: f64,
    /// CO2e per passenger-km of long-haul flights. Default 0.150 kg (DESNZ 2024,
    /// long-haul, economy, with radiative forcing).
    pub air_co2_long_kg_per_pkm: f64,
    /// What it costs one person to take part virtually (data bundle, a quiet
    /// room, a headset). Default USD 25 (assumption).
    pub virtual_cost_per_person: f64,
    /// CO2e of one person's virtual participation. Default 2 kg: about 8 hours of
    /// video at 0.25 kg/h, inside the 0.15–1 kg/h range reported by Obringer et
    /// al. (2021), Resources, Conservation & Recycling 167.
    pub virtual_co2_kg_per_person: f64,
    /// Real fares that replace the estimate for one member and one host.
    pub known_fares: Vec<KnownFare>,
    /// Hub-aware travel (default on): a flying member goes by ground to their
    /// nearest airport with scheduled service, flies to the host's nearest one
    /// and goes on by ground; the fare, CO2 and hours of each leg are added.
    /// Off: one great-circle leg from home to host (the first planner's model).
    pub hub_aware: bool,
    /// Added to the return fare when the flight needs a connection (either
    /// airport is not a large one, or they are farther apart than
    /// `direct_max_km`). Default USD 100 (assumption: a second sector on a thin route).
    pub connection_fare: f64,
    /// Added to the one-way hours when the flight needs a connection. Default
    /// 4 h (assumption: a layover and a second boarding).
    pub connection_hours: f64,
    /// Two large airports at most this far apart have a direct flight. Default
    /// 7,000 km (assumption: the range most direct routes between large
    /// airports fall within).
    pub direct_max_km: f64,
    /// Besides their nearest airport, people may go by ground to the nearest
    /// large airport within this distance, when that makes the trip cheaper
    /// (Nairobi's Wilson airport is nearest to the centre, but its flights
    /// leave from JKIA). Default 300 km (assumption).
    pub large_airport_reach_km: f64,
    /// Quoted return fares between two airports (hub-aware trips): they replace
    /// the estimated flight and connection of any route between those airports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quoted_fares: Vec<QuotedFare>,
    /// Whether visa costs join each trip's cost (and so the cost objectives). Default on.
    pub visa_aware: bool,
    /// Visa costs and lead times.
    pub visa: VisaModel,
}

/// A real return fare for one member to one host (the seed's $475 ticket).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnownFare {
    /// The member's name, as in the participant list (case-insensitive).
    pub member: String,
    /// The host's name, as in the candidate list (case-insensitive).
    pub host: String,
    /// The return fare in the model's currency.
    pub fare: f64,
}

impl Default for TravelModel {
    fn default() -> Self {
        Self {
            currency: "USD".to_owned(),
            ground_max_km: 500.0,
            ground_circuity: 1.3,
            ground_speed_kmh: 60.0,
            ground_fare_per_km: 0.12,
            ground_co2_kg_per_pkm: 0.027,
            air_distance_uplift: 1.08,
            air_speed_kmh: 800.0,
            air_overhead_hours: 3.0,
            air_fare_base: 150.0,
            air_fare_per_km: 0.10,
            air_short_max_km: 1000.0,
            air_long_min_km: 3700.0,
            air_co2_short_kg_per_pkm: 0.255,
            air_co2_medium_kg_per_pkm: 0.156,
            air_co2_long_kg_per_pkm: 0.150,
            virtual_cost_per_person: 25.0,
            virtual_co2_kg_per_person: 2.0,
            known_fares: Vec::new(),
            hub_aware: true,
            connection_fare: 100.0,
            connection_hours: 4.0,
            direct_max_km: 7000.0,
            large_airport_reach_km: 300.0,
            quoted_fares: Vec::new(),
            visa_aware: true,
            visa: VisaModel::default(),
        }
    }
}

/// A quoted return fare between two airports (`from_iata,to_iata,price,currency,quoted_on`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotedFare {
    /// IATA code of one end.
    pub from_iata: String,
    /// IATA code of the other end (the quote serves both directions).
    pub to_iata: String,
    /// Return fare, in the model's currency.
    pub price: f64,
    /// The quote's date, as given.
    #[serde(default)]
    pub quoted_on: String,
}

/// Quoted fares by (hub, hub), both directions.
pub(crate) type Quotes = std::collections::HashMap<(u32, u32), f64>;

/// How a person travels to the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Road or rail.
    Ground,
    /// Flying.
    Air,
}

/// One person's estimated return trip to one host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trip {
    /// One-way great-circle km.
    pub km: f64,
    /// Ground or air.
    pub mode: Mode,
    /// Return fare (estimated, or known when `known_fare` is true).
    pub cost: f64,
    /// Return-trip CO2e in kg.
    pub co2_kg: f64,
    /// One-way door-to-door hours.
    pub hours: f64,
    /// Whether `cost` is a real fare from [`TravelModel::known_fares`].
    pub known_fare: bool,
    /// The part of `cost` spent on road or rail (to and from the airports, or the whole way).
    #[serde(default)]
    pub ground_cost: f64,
    /// The part of `cost` spent on the flight (a known fare counts here).
    #[serde(default)]
    pub air_cost: f64,
    /// The part of `cost` added for a connecting flight.
    #[serde(default)]
    pub connection_cost: f64,
    /// The part of `cost` spent on a visa (with the cost objectives).
    #[serde(default)]
    pub visa_cost: f64,
    /// IATA code of the airport flown from (hub-aware air trips).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_airport: Option<String>,
    /// IATA code of the airport flown to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_airport: Option<String>,
    /// Whether the flight needs a connection.
    #[serde(default)]
    pub connection: bool,
}

/// A travel model constant the solver cannot work with, as data (the command
/// line and the web word it; `Display` is a short technical form).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A constant is negative or not a number.
    #[error("{field} = {value} (must be a number, 0 or more)")]
    Negative {
        /// The field's JSON name.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// A speed or factor is 0.
    #[error("{field} = 0 (must be above 0)")]
    NotPositive {
        /// The field's JSON name.
        field: &'static str,
    },
    /// A known fare is negative or not a number.
    #[error("known fare {member} → {host} = {fare} (must be a number, 0 or more)")]
    KnownFare {
        /// The member named.
        member: String,
        /// The host named.
        host: String,
        /// The fare given.
        fare: f64,
    },
}

impl TravelModel {
    /// Checks that every constant is finite and non-negative and the speeds and
    /// factors positive, so that every per-person metric grows with distance
    /// piece by piece (the solver's bounds rely on it).
    ///
    /// # Errors
    /// The first bad field, as data ([`ModelError`]).
    pub fn validate(&self) -> Result<(), ModelError> {
        let fields = [
            ("ground_max_km", self.ground_max_km),
            ("ground_circuity", self.ground_circuity),
            ("ground_speed_kmh", self.ground_speed_kmh),
            ("ground_fare_per_km", self.ground_fare_per_km),
            ("ground_co2_kg_per_pkm", self.ground_co2_kg_per_pkm),
            ("air_distance_uplift", self.air_distance_uplift),
            ("air_speed_kmh", self.air_speed_kmh),
            ("air_overhead_hours", self.air_overhead_hours),
            ("air_fare_base", self.air_fare_base),
            ("air_fare_per_km", self.air_fare_per_km),
            ("air_short_max_km", self.air_short_max_km),
            ("air_long_min_km", self.air_long_min_km),
            ("air_co2_short_kg_per_pkm", self.air_co2_short_kg_per_pkm),
            ("air_co2_medium_kg_per_pkm", self.air_co2_medium_kg_per_pkm),
            ("air_co2_long_kg_per_pkm", self.air_co2_long_kg_per_pkm),
            ("virtual_cost_per_person", self.virtual_cost_per_person),
            ("virtual_co2_kg_per_person", self.virtual_co2_kg_per_person),
            ("connection_fare", self.connection_fare),
            ("connection_hours", self.connection_hours),
            ("direct_max_km", self.direct_max_km),
            ("large_airport_reach_km", self.large_airport_reach_km),
        ];
        for (name, v) in fields.into_iter().chain(self.visa.fields()) {
            if !v.is_finite() || v < 0.0 {
                return Err(ModelError::Negative { field: name, value: v });
            }
        }
        for (name, v) in [
            ("ground_speed_kmh", self.ground_speed_kmh),
            ("air_speed_kmh", self.air_speed_kmh),
            ("ground_circuity", self.ground_circuity),
            ("air_distance_uplift", self.air_distance_uplift),
        ] {
            if v <= 0.0 {
                return Err(ModelError::NotPositive { field: name });
            }
        }
        for q in &self.quoted_fares {
            if !q.price.is_finite() || q.price < 0.0 {
                return Err(ModelError::KnownFare {
                    member: q.from_iata.clone(),
                    host: q.to_iata.clone(),
                    fare: q.price,
                });
            }
        }
        for f in &self.known_fares {
            if !f.fare.is_finite() || f.fare < 0.0 {
                return Err(ModelError::KnownFare { member: f.member.clone(), host: f.host.clone(), fare: f.fare });
            }
        }
        Ok(())
    }

    /// The mode used for a one-way distance.
    #[must_use]
    pub fn mode(&self, km: f64) -> Mode {
        if km < self.ground_max_km { Mode::Ground } else { Mode::Air }
    }

    /// Estimated return fare for a one-way great-circle distance.
    #[must_use]
    pub fn fare(&self, km: f64) -> f64 {
        self.metric(Quantity::Cost).eval(km)
    }

    /// Return-trip CO2e in kg for a one-way great-circle distance.
    #[must_use]
    pub fn co2_kg(&self, km: f64) -> f64 {
        self.metric(Quantity::Co2).eval(km)
    }

    /// One-way door-to-door hours for a great-circle distance.
    #[must_use]
    pub fn hours(&self, km: f64) -> f64 {
        self.metric(Quantity::Hours).eval(km)
    }

    /// The whole estimate for one distance, one great-circle leg (no hubs);
    /// `known_fare` replaces the fare.
    #[must_use]
    pub fn trip(&self, km: f64, known_fare: Option<f64>) -> Trip {
        let mode = self.mode(km);
        let cost = known_fare.unwrap_or_else(|| self.fare(km));
        Trip {
            km,
            mode,
            cost,
            co2_kg: self.co2_kg(km),
            hours: self.hours(km),
            known_fare: known_fare.is_some(),
            ground_cost: if mode == Mode::Ground && known_fare.is_none() { cost } else { 0.0 },
            air_cost: if mode == Mode::Air || known_fare.is_some() { cost } else { 0.0 },
            connection_cost: 0.0,
            visa_cost: 0.0,
            from_airport: None,
            to_airport: None,
            connection: false,
        }
    }

    /// One person's return trip from `from` to `to` under this model: hub-aware
    /// unless [`TravelModel::hub_aware`] is off (then [`TravelModel::trip`] on
    /// the great-circle distance). Below `ground_max_km`, or when both ends share
    /// their nearest airport, the whole way is by ground. `known_fare` replaces
    /// the money (ground and flight) of the trip.
    #[must_use]
    pub fn journey(&self, from: LatLon, to: LatLon, known_fare: Option<f64>) -> Trip {
        let km = haversine_km(from, to);
        if !self.hub_aware || km < self.ground_max_km {
            return self.trip(km, known_fare);
        }
        let h = hubs();
        let air_cost = self.air_metric(Quantity::Cost);
        let quotes = self.quotes();
        let hub_km = |a: u32, b: u32| haversine_km(h.list[a as usize].position, h.list[b as usize].position);
        let route = self.choose_route(
            &self.access(from),
            &self.access(to),
            hub_km,
            |a, b| h.list[a as usize].large && h.list[b as usize].large,
            &air_cost,
            &quotes,
        );
        let ground = |q: Quantity, d: f64| self.ground_slope(q) * d;
        let Some(r) = route else {
            let cost = known_fare.unwrap_or_else(|| ground(Quantity::Cost, km));
            return Trip {
                mode: Mode::Ground,
                cost,
                co2_kg: ground(Quantity::Co2, km),
                hours: ground(Quantity::Hours, km),
                ground_cost: if known_fare.is_some() { 0.0 } else { cost },
                air_cost: if known_fare.is_some() { cost } else { 0.0 },
                ..self.trip(km, known_fare)
            };
        };
        let (ha, hb) = (&h.list[r.from.0 as usize], &h.list[r.to.0 as usize]);
        let part = |q: Quantity| {
            let air = if q == Quantity::Cost { r.air_money } else { self.air_metric(q).eval(r.hub_km) };
            (ground(q, r.from.1 + r.to.1), air, if r.connection { self.connection_penalty(q) } else { 0.0 })
        };
        let (gc, ac, cc) = part(Quantity::Cost);
        let (g2, a2, c2) = part(Quantity::Co2);
        let (gh, ah, ch) = part(Quantity::Hours);
        let (ground_cost, air_cost, connection_cost) = match known_fare {
            Some(f) => (0.0, f, 0.0),
            None if r.quoted => (gc, ac, 0.0),
            None => (gc, ac, cc),
        };
        Trip {
            km,
            mode: Mode::Air,
            cost: ground_cost + air_cost + connection_cost,
            co2_kg: g2 + a2 + c2,
            hours: gh + ah + ch,
            known_fare: known_fare.is_some() || r.quoted,
            ground_cost,
            air_cost,
            connection_cost,
            visa_cost: 0.0,
            from_airport: Some(ha.iata.clone()),
            to_airport: Some(hb.iata.clone()),
            connection: r.connection,
        }
    }

    /// The airports a place may fly from: its nearest with scheduled service,
    /// and the nearest large one within [`TravelModel::large_airport_reach_km`]
    /// (the same twice when there is none or it is the nearest), each with its ground km.
    pub(crate) fn access(&self, p: LatLon) -> [(u32, f64); 2] {
        let h = hubs();
        let (i, d) = h.nearest(p);
        let near = (u32::try_from(i).unwrap_or(0), d);
        let large = h
            .nearest_large(p)
            .filter(|&(_, d)| d <= self.large_airport_reach_km)
            .map_or(near, |(j, d)| (u32::try_from(j).unwrap_or(0), d));
        [near, large]
    }

    /// Of the flights between the two places' access airports, the cheapest in
    /// money (ground legs, flight, connection); `None` when both places share
    /// their only airports (the whole way is then by ground). The same choice
    /// serves every quantity, so cost, CO2 and hours describe one route.
    pub(crate) fn choose_route(
        &self,
        from: &[(u32, f64); 2],
        to: &[(u32, f64); 2],
        hub_km: impl Fn(u32, u32) -> f64,
        both_large: impl Fn(u32, u32) -> bool,
        air_cost: &Metric,
        quotes: &Quotes,
    ) -> Option<Route> {
        let mut best: Option<Route> = None;
        for (x, a) in from.iter().enumerate() {
            if x == 1 && a.0 == from[0].0 {
                continue;
            }
            for (y, b) in to.iter().enumerate() {
                if (y == 1 && b.0 == to[0].0) || a.0 == b.0 {
                    continue;
                }
                let dab = hub_km(a.0, b.0);
                let connection = self.needs_connection(both_large(a.0, b.0), dab);
                let quote = if quotes.is_empty() { None } else { quotes.get(&(a.0, b.0)).copied() };
                let (air_money, extra) = match quote {
                    Some(q) => (q, 0.0),
                    None => (air_cost.eval(dab), if connection { self.connection_fare } else { 0.0 }),
                };
                let money = self.ground_fare_per_km * (a.1 + b.1) + air_money + extra;
                if best.as_ref().is_none_or(|r| money < r.money) {
                    best = Some(Route {
                        from: *a,
                        to: *b,
                        hub_km: dab,
                        connection,
                        air_money,
                        money,
                        quoted: quote.is_some(),
                    });
                }
            }
        }
        best
    }

    /// The quoted fares by hub index, both directions (unknown airports left out).
    pub(crate) fn quotes(&self) -> Quotes {
        let h = hubs();
        let mut out = Quotes::new();
        for q in &self.quoted_fares {
            if let (Some(a), Some(b)) = (h.by_iata(&q.from_iata), h.by_iata(&q.to_iata)) {
                let (a, b) = (u32::try_from(a).unwrap_or(0), u32::try_from(b).unwrap_or(0));
                out.insert((a, b), q.price);
                out.insert((b, a), q.price);
            }
        }
        out
    }

    /// Whether a flight between two airports needs a connection.
    pub(crate) fn needs_connection(&self, both_large: bool, hub_km: f64) -> bool {
        !(both_large && hub_km <= self.direct_max_km)
    }

    /// Per great-circle km of road or rail, for one quantity.
    pub(crate) fn ground_slope(&self, q: Quantity) -> f64 {
        match q {
            Quantity::Cost => self.ground_fare_per_km,
            Quantity::Co2 => 2.0 * self.ground_circuity * self.ground_co2_kg_per_pkm,
            Quantity::Hours => self.ground_circuity / self.ground_speed_kmh,
            Quantity::Distance => 1.0,
        }
    }

    /// What a connection adds to one quantity.
    pub(crate) fn connection_penalty(&self, q: Quantity) -> f64 {
        match q {
            Quantity::Cost => self.connection_fare,
            Quantity::Hours => self.connection_hours,
            Quantity::Co2 | Quantity::Distance => 0.0,
        }
    }

    /// One flight of any length (airport to airport), for one quantity.
    pub(crate) fn air_metric(&self, q: Quantity) -> Metric {
        Self { ground_max_km: 0.0, known_fares: Vec::new(), ..self.clone() }.metric(q)
    }

    /// A function of the home–host great-circle distance never above the
    /// quantity of any trip at that distance or farther (hub-aware or not): the
    /// solver's bounds use it. Exact without hubs.
    pub(crate) fn bound_metric(&self, q: Quantity) -> Metric {
        if !self.hub_aware || q == Quantity::Distance {
            return self.metric(q);
        }
        // At or beyond ground_max_km a trip is either by ground (g·d) or
        // g·(access + egress) + flight(hub km) + connection ≥ A + min(g, a)·d,
        // by the triangle inequality (A: the flight's fixed part, a: its least per-km rate).
        let g = self.ground_slope(q);
        let (intercept, rate) = match q {
            Quantity::Cost => (self.air_fare_base, self.air_fare_per_km),
            Quantity::Hours => (self.air_overhead_hours, self.air_distance_uplift / self.air_speed_kmh),
            _ => {
                let least =
                    self.air_co2_short_kg_per_pkm.min(self.air_co2_medium_kg_per_pkm).min(self.air_co2_long_kg_per_pkm);
                (0.0, 2.0 * self.air_distance_uplift * least)
            }
        };
        // A quoted fare q bounds its routes by q alone (a line of slope 0).
        let least_quote = if q == Quantity::Cost {
            self.quoted_fares.iter().map(|f| f.price).fold(f64::INFINITY, f64::min)
        } else {
            f64::INFINITY
        };
        let mut lines = vec![(0.0, g), (intercept, rate.min(g))];
        if least_quote.is_finite() {
            lines.push((least_quote, 0.0));
        }
        // Below ground_max_km the trip is by ground; from there on, the lower
        // envelope of the lines (a concave function: follow the least line,
        // switching where a flatter one crosses below it).
        let t = self.ground_max_km;
        let mut pieces = vec![Piece { start: 0.0, intercept: 0.0, slope: g }];
        let value = |l: (f64, f64), d: f64| l.0 + l.1 * d;
        let mut at = t;
        let mut current =
            lines.iter().copied().min_by(|a, b| value(*a, at).total_cmp(&value(*b, at)).then(a.1.total_cmp(&b.1)));
        while let Some(line) = current {
            pieces.push(Piece { start: at, intercept: line.0, slope: line.1 });
            let next = lines
                .iter()
                .copied()
                .filter(|l| l.1 < line.1)
                .map(|l| ((l.0 - line.0) / (line.1 - l.1), l))
                .filter(|(d, _)| *d > at)
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match next {
                Some((d, l)) => {
                    at = d;
                    current = Some(l);
                }
                None => current = None,
            }
        }
        Metric::new(pieces)
    }

    /// The piecewise-linear function of distance behind one quantity. Fares,
    /// CO2 and hours are all computed through it, so the solver's bounds and
    /// the reported trips can never disagree.
    pub(crate) fn metric(&self, q: Quantity) -> Metric {
        let t = self.ground_max_km;
        let mut pieces = Vec::with_capacity(4);
        let ground = match q {
            Quantity::Cost => (0.0, self.ground_fare_per_km),
            Quantity::Co2 => (0.0, 2.0 * self.ground_circuity * self.ground_co2_kg_per_pkm),
            Quantity::Hours => (0.0, self.ground_circuity / self.ground_speed_kmh),
            Quantity::Distance => (0.0, 1.0),
        };
        if t > 0.0 {
            pieces.push(Piece { start: 0.0, intercept: ground.0, slope: ground.1 });
        }
        match q {
            Quantity::Cost => {
                pieces.push(Piece { start: t, intercept: self.air_fare_base, slope: self.air_fare_per_km });
            }
            Quantity::Hours => pieces.push(Piece {
                start: t,
                intercept: self.air_overhead_hours,
                slope: self.air_distance_uplift / self.air_speed_kmh,
            }),
            Quantity::Distance => pieces.push(Piece { start: t, intercept: 0.0, slope: 1.0 }),
            Quantity::Co2 => {
                let bands = [
                    (0.0, self.air_co2_short_kg_per_pkm),
                    (self.air_short_max_km, self.air_co2_medium_kg_per_pkm),
                    (self.air_long_min_km.max(self.air_short_max_km), self.air_co2_long_kg_per_pkm),
                ];
                for (i, &(from, factor)) in bands.iter().enumerate() {
                    let until = bands.get(i + 1).map_or(f64::INFINITY, |b| b.0);
                    if until <= t || until <= from {
                        continue;
                    }
                    let slope = 2.0 * self.air_distance_uplift * factor;
                    pieces.push(Piece { start: from.max(t), intercept: 0.0, slope });
                }
            }
        }
        Metric::new(pieces)
    }
}

/// A flight between two access airports, as [`TravelModel::choose_route`] picked it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Route {
    /// The airport flown from (hub index) and the ground km to it.
    pub from: (u32, f64),
    /// The airport flown to and the ground km from it.
    pub to: (u32, f64),
    /// Airport-to-airport great-circle km.
    pub hub_km: f64,
    /// Whether the flight needs a connection.
    pub connection: bool,
    /// The flight's fare.
    pub air_money: f64,
    /// Ground legs + flight + connection, money.
    pub money: f64,
    /// Whether the flight's price is a quoted fare (connection included).
    pub quoted: bool,
}

/// What a per-person metric measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quantity {
    Cost,
    Co2,
    Hours,
    Distance,
}

#[derive(Clone, Copy, Debug)]
struct Piece {
    start: f64,
    intercept: f64,
    slope: f64,
}

/// A per-person metric as a function of one-way km: pieces `a + b·km` (b ≥ 0),
/// each valid from its start to the next one's. It may drop where a piece
/// starts (a cheaper CO2 band), so bounds use [`Metric::lower`], the largest
/// non-decreasing function below it.
#[derive(Clone, Debug)]
pub(crate) struct Metric {
    pieces: Vec<Piece>,
    /// `suffix_min[p]`: the least value at the start of piece `p` or any later one.
    suffix_min: Vec<f64>,
}

impl Metric {
    fn new(mut pieces: Vec<Piece>) -> Self {
        pieces.sort_by(|a, b| a.start.total_cmp(&b.start));
        pieces.dedup_by(|later, earlier| {
            // Two pieces starting at the same km: the later in the list wins.
            if later.start.total_cmp(&earlier.start).is_eq() {
                *earlier = *later;
                true
            } else {
                false
            }
        });
        if pieces.first().is_none_or(|p| p.start > 0.0) {
            let first = pieces.first().copied().unwrap_or(Piece { start: 0.0, intercept: 0.0, slope: 0.0 });
            pieces.insert(0, Piece { start: 0.0, ..first });
        }
        let mut suffix_min = vec![f64::INFINITY; pieces.len() + 1];
        for i in (0..pieces.len()).rev() {
            let p = pieces[i];
            suffix_min[i] = suffix_min[i + 1].min(p.intercept + p.slope * p.start);
        }
        Self { pieces, suffix_min }
    }

    #[inline]
    fn piece_index(&self, km: f64) -> usize {
        let mut i = 0;
        while i + 1 < self.pieces.len() && self.pieces[i + 1].start <= km {
            i += 1;
        }
        i
    }

    /// The metric's value at `km` (negative distances count as 0).
    #[inline]
    pub(crate) fn eval(&self, km: f64) -> f64 {
        let km = km.max(0.0);
        let p = self.pieces[self.piece_index(km)];
        p.intercept + p.slope * km
    }

    /// `min { eval(d) : d ≥ km }`: a lower bound on the metric for every
    /// distance of at least `km`, non-decreasing in `km`.
    #[inline]
    pub(crate) fn lower(&self, km: f64) -> f64 {
        let km = km.max(0.0);
        let i = self.piece_index(km);
        let p = self.pieces[i];
        (p.intercept + p.slope * km).min(self.suffix_min[i + 1])
    }

    /// A distance beyond which `lower` is at least `u`: every distance `d` with
    /// `lower(d) < u` is below the returned value. `None` when no distance has
    /// `lower(d) < u`.
    pub(crate) fn reach(&self, u: f64) -> Option<f64> {
        if self.lower(0.0) >= u {
            return None;
        }
        if self.lower(MAX_DISTANCE_KM) < u {
            return Some(MAX_DISTANCE_KM + 1.0);
        }
        let (mut lo, mut hi) = (0.0_f64, MAX_DISTANCE_KM);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if self.lower(mid) < u {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(hi + 1e-6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typical_intra_african_return_ticket_costs_about_475_dollars() {
        let m = TravelModel::default();
        assert!((m.fare(3250.0) - 475.0).abs() < 1e-9);
        assert!(m.fare(2500.0) >= 380.0 && m.fare(4000.0) <= 570.0);
    }

    #[test]
    fn short_trips_go_by_ground_and_long_ones_fly() {
        let m = TravelModel::default();
        let bus = m.trip(300.0, None);
        assert_eq!(bus.mode, Mode::Ground);
        assert!((bus.cost - 36.0).abs() < 1e-9);
        assert!((bus.hours - 300.0 * 1.3 / 60.0).abs() < 1e-9);
        let plane = m.trip(5000.0, Some(999.0));
        assert_eq!(plane.mode, Mode::Air);
        assert!(plane.known_fare && (plane.cost - 999.0).abs() < 1e-9);
        assert!((plane.co2_kg - 2.0 * 5000.0 * 1.08 * 0.150).abs() < 1e-9);
        assert!((plane.hours - (3.0 + 5000.0 * 1.08 / 800.0)).abs() < 1e-9);
    }

    #[test]
    fn the_lower_envelope_never_exceeds_the_metric_and_never_decreases() {
        let m = TravelModel::default();
        for q in [Quantity::Cost, Quantity::Co2, Quantity::Hours, Quantity::Distance] {
            let metric = m.metric(q);
            let mut prev = 0.0;
            for i in 0..4000 {
                let km = f64::from(i) * 5.0;
                let lo = metric.lower(km);
                assert!(lo <= metric.eval(km) + 1e-12);
                assert!(lo + 1e-12 >= prev, "{q:?} at {km}");
                for later in [km + 1.0, km + 100.0, km + 3000.0] {
                    assert!(lo <= metric.eval(later) + 1e-12);
                }
                prev = lo;
            }
            for u in [0.0, 10.0, 300.0, 800.0, 2000.0] {
                if let Some(r) = metric.reach(u) {
                    assert!(metric.lower(r) >= u || r > MAX_DISTANCE_KM);
                }
            }
        }
    }

    #[test]
    fn a_model_with_negative_or_missing_numbers_is_refused() {
        let mut m = TravelModel::default();
        assert!(m.validate().is_ok());
        m.air_fare_per_km = -1.0;
        assert_eq!(m.validate(), Err(ModelError::Negative { field: "air_fare_per_km", value: -1.0 }));
        let m = TravelModel { air_speed_kmh: 0.0, ..TravelModel::default() };
        assert_eq!(m.validate(), Err(ModelError::NotPositive { field: "air_speed_kmh" }));
        let m: TravelModel = serde_json::from_str(r#"{"air_fare_base": 200}"#).unwrap();
        assert!((m.air_fare_base - 200.0).abs() < 1e-12 && (m.air_fare_per_km - 0.10).abs() < 1e-12);
    }
}
