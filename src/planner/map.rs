//! A small server-rendered SVG world map of a plan: Equal Earth projection
//! (equal-area, so no region looks bigger than it is), Natural Earth country
//! outlines, members as dots sized by how many people live there, hosts as
//! labelled markers, and great-circle lines from members to their host.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use super::geo::{LatLon, UnitVec};
use super::plan::Plan;

const WORLD_GEOJSON: &str = include_str!("../../data/geodata/world-110m.geojson");

/// Width of the map's own coordinate system (the viewBox).
const VIEW_W: f64 = 960.0;
/// Largest |x| and |y| of the Equal Earth projection on the unit sphere.
const X_MAX: f64 = 2.706_629_6;
const Y_MAX: f64 = 1.317_362_4;

/// Presentation choices for [`render_svg`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapOptions {
    /// Rendered width in CSS pixels (the drawing scales; the height follows).
    pub width: u32,
    /// Accessible title of the image.
    pub title: String,
    /// Zoom to the region the members and hosts span (else the whole world).
    pub zoom: bool,
    /// The legend's three entries: home places, hosts, routes (empty: no legend).
    pub legend: Vec<String>,
}

impl Default for MapOptions {
    fn default() -> Self {
        Self {
            width: 960,
            title: "Where members live and where they would meet".to_owned(),
            zoom: true,
            legend: vec!["members' home places".to_owned(), "host".to_owned(), "trip to the host".to_owned()],
        }
    }
}

/// The viewBox (x, y, width, height) around `points` (view pixels), padded, in
/// the world map's proportions, never beyond the world.
fn extent(points: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    let (w, h) = (VIEW_W, view_h());
    if points.is_empty() {
        return (0.0, 0.0, w, h);
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(x, y) in points {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let pad = 0.12 * (x1 - x0).max(y1 - y0) + 25.0;
    let (mut bw, mut bh) = (x1 - x0 + 2.0 * pad, y1 - y0 + 2.0 * pad);
    // The world's aspect ratio, so the image keeps its shape.
    if bw / bh < w / h {
        bw = bh * w / h;
    } else {
        bh = bw * h / w;
    }
    let (bw, bh) = (bw.min(w), bh.min(h));
    let cx = f64::midpoint(x0, x1);
    let cy = f64::midpoint(y0, y1);
    let x = (cx - bw / 2.0).clamp(0.0, w - bw);
    let y = (cy - bh / 2.0).clamp(0.0, h - bh);
    (x, y, bw, bh)
}

fn scale() -> f64 {
    VIEW_W / (2.0 * X_MAX)
}

fn view_h() -> f64 {
    2.0 * Y_MAX * scale()
}

/// Equal Earth (Šavrič, Patterson & Jenny 2018): degrees to map units.
#[must_use]
pub fn equal_earth(p: LatLon) -> (f64, f64) {
    const A1: f64 = 1.340_264;
    const A2: f64 = -0.081_106;
    const A3: f64 = 0.000_893;
    const A4: f64 = 0.003_796;
    let m = 3_f64.sqrt() / 2.0;
    let lambda = p.lon.to_radians();
    let theta = (m * p.lat.to_radians().sin()).asin();
    let t2 = theta * theta;
    let t6 = t2 * t2 * t2;
    let x =
        2.0 * 3_f64.sqrt() * lambda * theta.cos() / (3.0 * (9.0 * A4 * t6 * t2 + 7.0 * A3 * t6 + 3.0 * A2 * t2 + A1));
    let y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
    (x, y)
}

/// Map units to viewBox pixels.
fn to_view(p: LatLon) -> (f64, f64) {
    let (x, y) = equal_earth(p);
    (VIEW_W / 2.0 + x * scale(), view_h() / 2.0 - y * scale())
}

/// Escapes text for XML content and attribute values.
#[must_use]
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The country outlines as one SVG path's `d`, computed once.
fn land_path() -> &'static str {
    static LAND: OnceLock<String> = OnceLock::new();
    LAND.get_or_init(|| {
        let mut d = String::new();
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(WORLD_GEOJSON) else {
            return d;
        };
        let features = doc["features"].as_array().cloned().unwrap_or_default();
        for f in &features {
            let geom = &f["geometry"];
            let polygons: Vec<&serde_json::Value> = match geom["type"].as_str() {
                Some("Polygon") => vec![&geom["coordinates"]],
                Some("MultiPolygon") => geom["coordinates"].as_array().map(|a| a.iter().collect()).unwrap_or_default(),
                _ => continue,
            };
            for poly in polygons {
                for ring in poly.as_array().into_iter().flatten() {
                    ring_path(ring, &mut d);
                }
            }
        }
        d
    })
}

fn ring_path(ring: &serde_json::Value, d: &mut String) {
    let mut last: Option<(i64, i64)> = None;
    let mut count = 0;
    for pt in ring.as_array().into_iter().flatten() {
        let (Some(lon), Some(lat)) = (pt[0].as_f64(), pt[1].as_f64()) else {
            continue;
        };
        let Ok(p) = LatLon::new(lat.clamp(-90.0, 90.0), lon.clamp(-180.0, 180.0)) else {
            continue;
        };
        let (x, y) = to_view(p);
        #[allow(clippy::cast_possible_truncation)]
        let q = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
        if last == Some(q) {
            continue;
        }
        let _ = write!(d, "{}{},{}", if count == 0 { "M" } else { "L" }, tenths(q.0), tenths(q.1));
        last = Some(q);
        count += 1;
    }
    if count > 0 {
        d.push('Z');
    }
}

/// The legend in the view's top-left corner: a member dot, a host star and a
/// route, each with its text; sizes divided by the zoom.
fn legend(s: &mut String, [members, host, trip]: [&String; 3], (vx, vy): (f64, f64), z: f64) {
    let (lx, ly, row) = (vx + 8.0 * z, vy + 8.0 * z, 18.0 * z);
    let longest = [members, host, trip].iter().map(|t| t.chars().count()).max().unwrap_or(0);
    #[allow(clippy::cast_precision_loss)]
    let width = (34.0 + 7.0 * longest as f64) * z;
    let _ = write!(
        s,
        r#"<g class="legend"><rect x="{}" y="{}" width="{}" height="{}" rx="{}"/>"#,
        px(lx),
        px(ly),
        px(width),
        px(3.0 * row + 8.0 * z),
        px3(3.0 * z)
    );
    let text_x = lx + 26.0 * z;
    let mid = |i: f64| ly + 4.0 * z + row * (i + 0.5);
    let _ = write!(
        s,
        r#"<circle class="member" cx="{}" cy="{}" r="{}"/><text x="{}" y="{}">{}</text>"#,
        px(lx + 13.0 * z),
        px(mid(0.0)),
        px3(4.0 * z),
        px(text_x),
        px(mid(0.0) + 4.0 * z),
        escape_xml(members)
    );
    let _ = write!(
        s,
        r#"<path class="star" transform="translate({},{}) scale({})" d="{STAR}"/><text x="{}" y="{}">{}</text>"#,
        px(lx + 13.0 * z),
        px(mid(1.0)),
        px3(z * 0.8),
        px(text_x),
        px(mid(1.0) + 4.0 * z),
        escape_xml(host)
    );
    let _ = write!(
        s,
        r#"<path class="route" d="M{},{}L{},{}"/><text x="{}" y="{}">{}</text></g>"#,
        px(lx + 4.0 * z),
        px(mid(2.0)),
        px(lx + 22.0 * z),
        px(mid(2.0)),
        px(text_x),
        px(mid(2.0) + 4.0 * z),
        escape_xml(trip)
    );
}

/// The map's stylesheet; strokes and the legend's text shrink with the zoom
/// `z` (host markers are scaled as a whole, so their text is not).
fn style(z: f64) -> String {
    format!(
        "<style>.sea{{fill:#f4f8fb}}.land{{fill:#e4e0d6;stroke:#fff;stroke-width:{}}}\
         .route{{fill:none;stroke:#c0392b;stroke-opacity:.45;stroke-width:{}}}\
         .member{{fill:#1f6f8b;fill-opacity:.85;stroke:#fff;stroke-width:{}}}.host path{{fill:#d35400;stroke:#fff;stroke-width:1}}\
         .host text{{font:bold 12px sans-serif;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3}}\
         .legend text{{font:bold {}px sans-serif;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:{}}}\
         .legend rect{{fill:#fff;fill-opacity:.85;stroke:#999;stroke-width:{}}}.legend .star{{fill:#d35400;stroke:#fff;stroke-width:1}}</style>",
        px3(0.4 * z),
        px3(z),
        px3(0.5 * z),
        px3(12.0 * z),
        px3(3.0 * z),
        px3(0.5 * z)
    )
}

/// A five-pointed star around the origin, about 18 px across.
const STAR: &str = "M0,-9L2.6,-3.6L8.6,-2.8L4.2,1.4L5.3,7.3L0,4.5L-5.3,7.3L-4.2,1.4L-8.6,-2.8L-2.6,-3.6Z";

/// Three decimals, for sizes that shrink with the zoom.
fn px3(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" { "0".to_owned() } else { s.to_owned() }
}

/// Formats an integer number of tenths ("123.4", "-0.5", "12").
fn tenths(v: i64) -> String {
    let (sign, a) = if v < 0 { ("-", -v) } else { ("", v) };
    if a % 10 == 0 { format!("{sign}{}", a / 10) } else { format!("{sign}{}.{}", a / 10, a % 10) }
}

fn px(v: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    tenths((v * 10.0).round() as i64)
}

/// A great-circle route drawn as polylines, broken where it crosses the map's edge.
fn route(a: LatLon, b: LatLon, out: &mut String) {
    let (ua, ub) = (UnitVec::from_latlon(a), UnitVec::from_latlon(b));
    let km = ua.distance_km(ub);
    if km < 1.0 {
        return;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let steps = ((km / 400.0).ceil() as usize).clamp(1, 48);
    let omega = (km / super::geo::EARTH_RADIUS_KM).max(1e-9);
    let mut prev: Option<(f64, f64)> = None;
    for s in 0..=steps {
        #[allow(clippy::cast_precision_loss)]
        let t = s as f64 / steps as f64;
        let (wa, wb) = (((1.0 - t) * omega).sin() / omega.sin(), (t * omega).sin() / omega.sin());
        let v = if omega.sin().abs() < 1e-9 {
            ua
        } else {
            UnitVec([wa * ua.0[0] + wb * ub.0[0], wa * ua.0[1] + wb * ub.0[1], wa * ua.0[2] + wb * ub.0[2]])
        };
        let (x, y) = to_view(v.to_latlon());
        let jump = prev.is_some_and(|(px0, _)| (x - px0).abs() > VIEW_W / 2.0);
        let cmd = if prev.is_none() || jump { 'M' } else { 'L' };
        let _ = write!(out, "{cmd}{},{}", px(x), px(y));
        prev = Some((x, y));
    }
}

/// A home place and its host: (latitude bits, longitude bits, host index).
type HomeKey = (u64, u64, usize);
/// Where, how many people, and their names.
type Home<'a> = (LatLon, u32, Vec<&'a str>);

/// Draws the plan: outlines, routes, member dots (one per home place, sized by
/// people), and one `<g class="host">` marker per host with its name.
#[must_use]
pub fn render_svg(plan: &Plan, options: &MapOptions) -> String {
    let points: Vec<(f64, f64)> = plan
        .assignments
        .iter()
        .map(|a| to_view(a.position))
        .chain(plan.hosts.iter().map(|h| to_view(LatLon { lat: h.lat, lon: h.lon })))
        .collect();
    let (vx, vy, w, h) = if options.zoom { extent(&points) } else { (0.0, 0.0, VIEW_W, view_h()) };
    // Sizes of marks and text stay the same on screen whatever the zoom.
    let z = w / VIEW_W;
    let mut s = String::with_capacity(64 * 1024);
    let height = f64::from(options.width) * h / w;
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{} {} {} {}" width="{}" height="{}" role="img" aria-labelledby="map-title">"#,
        px(vx),
        px(vy),
        px(w),
        px(h),
        options.width,
        px(height)
    );
    let _ = write!(s, r#"<title id="map-title">{}</title>"#, escape_xml(&options.title));
    s.push_str(&style(z));
    // The sphere's outline, then the land.
    let mut outline = String::new();
    for (i, lat) in (-90..=90).step_by(5).enumerate() {
        let (x, y) = to_view(LatLon { lat: f64::from(lat), lon: 180.0 });
        let _ = write!(outline, "{}{},{}", if i == 0 { 'M' } else { 'L' }, px(x), px(y));
    }
    for lat in (-90..=90).rev().step_by(5) {
        let (x, y) = to_view(LatLon { lat: f64::from(lat), lon: -180.0 });
        let _ = write!(outline, "L{},{}", px(x), px(y));
    }
    let _ = write!(s, r#"<path class="sea" d="{outline}Z"/>"#);
    let _ = write!(s, r#"<path class="land" d="{}"/>"#, land_path());

    // One dot and one route per distinct (home place, host).
    let mut homes: BTreeMap<HomeKey, Home<'_>> = BTreeMap::new();
    for a in &plan.assignments {
        let e = homes.entry((a.position.lat.to_bits(), a.position.lon.to_bits(), a.host)).or_insert((
            a.position,
            0,
            Vec::new(),
        ));
        e.1 += a.weight;
        e.2.push(&a.name);
    }
    let mut routes = String::new();
    for ((_, _, host), (p, _, _)) in &homes {
        if let Some(hst) = plan.hosts.get(*host) {
            route(*p, LatLon { lat: hst.lat, lon: hst.lon }, &mut routes);
        }
    }
    if !routes.is_empty() {
        let _ = write!(s, r#"<path class="route" d="{routes}"/>"#);
    }
    s.push_str(r#"<g class="members">"#);
    for (p, people, names) in homes.values() {
        let (x, y) = to_view(*p);
        let r = (1.5 + f64::from(*people).sqrt()).min(9.0) * z;
        let mut label = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        if names.len() > 3 {
            let _ = write!(label, " and {} more", names.len() - 3);
        }
        let _ = write!(
            s,
            r#"<circle class="member" cx="{}" cy="{}" r="{}"><title>{} ({people} {})</title></circle>"#,
            px(x),
            px(y),
            px(r),
            escape_xml(&label),
            if *people == 1 { "person" } else { "people" }
        );
    }
    s.push_str("</g>");
    for (i, hst) in plan.hosts.iter().enumerate() {
        let (x, y) = to_view(LatLon { lat: hst.lat, lon: hst.lon });
        let people: u32 = plan.assignments.iter().filter(|a| a.host == i).map(|a| a.weight).sum();
        let name = escape_xml(&hst.name);
        let _ = write!(
            s,
            r#"<g class="host" transform="translate({},{}) scale({})"><title>{name}, {} ({people} people)</title><path d="{STAR}"/><text x="10" y="4">{name}</text></g>"#,
            px(x),
            px(y),
            px3(z),
            escape_xml(&hst.country)
        );
    }
    if let [members, host, trip] = options.legend.as_slice() {
        legend(&mut s, [members, host, trip], (vx, vy), z);
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_earth_maps_the_edges_where_the_published_bounds_say() {
        let (x, y) = equal_earth(LatLon { lat: 0.0, lon: 180.0 });
        assert!((x - X_MAX).abs() < 1e-6 && y.abs() < 1e-12);
        let (x, y) = equal_earth(LatLon { lat: 90.0, lon: 0.0 });
        assert!(x.abs() < 1e-12 && (y - Y_MAX).abs() < 1e-6);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_xml(r#"<a & "b">'"#), "&lt;a &amp; &quot;b&quot;&gt;&apos;");
        assert_eq!(tenths(-5), "-0.5");
        assert_eq!(tenths(1230), "123");
    }

    #[test]
    fn the_map_zooms_to_the_members_and_keeps_its_shape() {
        let everywhere = [(10.0, 10.0), (950.0, 450.0)];
        let (x, y, w, h) = extent(&everywhere);
        assert!(x.abs() < 1e-9 && y.abs() < 1e-9 && (w - VIEW_W).abs() < 1e-9 && (h - view_h()).abs() < 1e-9);
        let east_africa = [to_view(LatLon { lat: -1.3, lon: 36.8 }), to_view(LatLon { lat: 0.3, lon: 32.6 })];
        let (x, y, w, h) = extent(&east_africa);
        assert!(w < VIEW_W / 4.0, "zoomed in: {w}");
        assert!(((w / h) - VIEW_W / view_h()).abs() < 1e-9);
        for (px, py) in east_africa {
            assert!(px > x && px < x + w && py > y && py < y + h);
        }
        assert_eq!(px3(0.25), "0.25");
        assert_eq!(px3(1.0), "1");
    }

    #[test]
    fn the_land_layer_has_every_country() {
        assert!(land_path().matches('M').count() >= 177);
    }
}
