//! Charts as inline SVG, drawn on the server: no script, a title and a description for
//! screen readers (`role="img"`), a `viewBox` so they shrink to a phone's width, and
//! presentation attributes only (the page's style policy allows no `style=`). Every
//! chart is shown beside a table of its numbers.

use super::doc::escape_html;
use std::fmt::Write;

/// Colours that stay apart for the common colour-vision deficiencies (Okabe–Ito).
pub const PALETTE: [&str; 5] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"];
const HOPE: &str = "#E69F00";
const TEXT: &str = "#1a1a1a";

fn open(s: &mut String, id: &str, w: u32, h: u32, title: &str, desc: &str) {
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" \
         aria-labelledby=\"{id}-t {id}-d\" font-family=\"sans-serif\" font-size=\"13\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        escape_html(title),
        escape_html(desc)
    );
}

fn label(s: &mut String, x: f64, y: f64, anchor: &str, text: &str) {
    let _ = write!(
        s,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" fill=\"{TEXT}\">{}</text>",
        escape_html(text)
    );
}

fn legend(s: &mut String, y: f64, items: &[(&str, String)]) {
    let mut x = 8.0;
    for (colour, text) in items {
        let _ = write!(s, "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>", y - 10.0);
        label(s, x + 16.0, y, "start", text);
        #[allow(clippy::cast_precision_loss)]
        let w = text.chars().count() as f64 * 7.0;
        x += 16.0 + w + 18.0;
    }
}

/// Value flowing between consecutive cycles: one column per cycle (its height the
/// stories whose value happened there), a solid band for stories whose value happened in
/// both cycles and an amber band for those that only hope for the next one.
pub fn flows(
    id: &str,
    title: &str,
    desc: &str,
    nodes: &[(String, usize)],
    links: &[(usize, usize)],
    legend_text: (&str, &str),
) -> String {
    let (w, h) = (640.0, 300.0);
    let (top, bottom) = (24.0, 240.0);
    let n = nodes.len().max(1);
    let max = nodes.iter().map(|(_, v)| *v).chain(links.iter().map(|(r, a)| r + a)).max().unwrap_or(0).max(1);
    #[allow(clippy::cast_precision_loss)]
    let scale = |v: usize| (bottom - top) * v as f64 / max as f64;
    #[allow(clippy::cast_precision_loss)]
    let step = if n > 1 { (w - 120.0) / (n - 1) as f64 } else { 0.0 };
    let x = |i: usize| {
        #[allow(clippy::cast_precision_loss)]
        let i = i as f64;
        40.0 + i * step
    };
    let bar = 22.0;
    let mut s = String::new();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    open(&mut s, id, w as u32, h as u32, title, desc);
    for (i, (r, a)) in links.iter().enumerate() {
        if i + 1 >= nodes.len() {
            break;
        }
        let (x0, x1) = (x(i) + bar, x(i + 1));
        let mid = f64::midpoint(x0, x1);
        let mut y = top;
        for (v, colour, opacity) in [(*r, PALETTE[0], "0.45"), (*a, HOPE, "0.55")] {
            if v == 0 {
                continue;
            }
            let t = scale(v);
            let _ = write!(
                s,
                "<path d=\"M{x0:.1},{y:.1} C{mid:.1},{y:.1} {mid:.1},{y:.1} {x1:.1},{y:.1} L{x1:.1},{y2:.1} C{mid:.1},{y2:.1} {mid:.1},{y2:.1} {x0:.1},{y2:.1} Z\" fill=\"{colour}\" fill-opacity=\"{opacity}\"/>",
                y2 = y + t
            );
            label(&mut s, mid, y + t / 2.0 + 4.0, "middle", &v.to_string());
            y += t;
        }
    }
    for (i, (name, v)) in nodes.iter().enumerate() {
        let t = scale(*v).max(1.0);
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{bar}\" height=\"{t:.1}\" fill=\"{}\"/>",
            x(i),
            PALETTE[0]
        );
        label(&mut s, x(i) + bar / 2.0, bottom + 18.0, "middle", name);
        label(&mut s, x(i) + bar / 2.0, top - 6.0, "middle", &v.to_string());
    }
    legend(&mut s, h - 12.0, &[(PALETTE[0], legend_text.0.to_string()), (HOPE, legend_text.1.to_string())]);
    s.push_str("</svg>");
    s
}

/// Horizontal bars in groups (one group per cycle, one bar per series), each bar the
/// share given in `0.0..=1.0` with its text beside it.
pub fn grouped_bars(
    id: &str,
    title: &str,
    desc: &str,
    groups: &[(String, Vec<(f64, String)>)],
    series: &[String],
) -> String {
    let bar_h = 14.0;
    let per_group = series.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let group_h = per_group as f64 * (bar_h + 3.0) + 22.0;
    #[allow(clippy::cast_precision_loss)]
    let h = 30.0 + groups.len() as f64 * group_h + 10.0;
    let (left, width) = (8.0, 420.0);
    let mut s = String::new();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    open(&mut s, id, 640, h as u32, title, desc);
    let items: Vec<(&str, String)> =
        series.iter().enumerate().map(|(i, n)| (PALETTE[i % PALETTE.len()], n.clone())).collect();
    legend(&mut s, 16.0, &items);
    let mut y = 30.0;
    for (name, bars) in groups {
        label(&mut s, left, y + 14.0, "start", name);
        y += 20.0;
        for (i, (share, text)) in bars.iter().enumerate() {
            let len = (width * share.clamp(0.0, 1.0)).max(1.0);
            let colour = PALETTE[i % PALETTE.len()];
            let _ = write!(
                s,
                "<rect x=\"{left:.1}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{bar_h}\" fill=\"{colour}\"/>"
            );
            label(&mut s, left + len + 6.0, y + bar_h - 2.0, "start", text);
            y += bar_h + 3.0;
        }
        y += 2.0;
    }
    s.push_str("</svg>");
    s
}

/// One stacked bar per row: its parts side by side, each part a count.
pub fn stacked_bars(id: &str, title: &str, desc: &str, rows: &[(String, Vec<usize>)], parts: &[String]) -> String {
    let bar_h = 16.0;
    #[allow(clippy::cast_precision_loss)]
    let h = 40.0 + rows.len() as f64 * (bar_h + 26.0);
    let max = rows.iter().map(|(_, v)| v.iter().sum::<usize>()).max().unwrap_or(0).max(1);
    let width = 520.0;
    let mut s = String::new();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    open(&mut s, id, 640, h as u32, title, desc);
    let items: Vec<(&str, String)> =
        parts.iter().enumerate().map(|(i, n)| (PALETTE[i % PALETTE.len()], n.clone())).collect();
    legend(&mut s, 16.0, &items);
    let mut y = 34.0;
    for (name, values) in rows {
        label(&mut s, 8.0, y + 12.0, "start", name);
        y += 16.0;
        let mut x = 8.0;
        for (i, v) in values.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let len = width * *v as f64 / max as f64;
            if *v > 0 {
                let colour = PALETTE[i % PALETTE.len()];
                let _ = write!(
                    s,
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{bar_h}\" fill=\"{colour}\"/>"
                );
                if len > 18.0 {
                    let _ = write!(
                        s,
                        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#fff\">{v}</text>",
                        x + len / 2.0,
                        y + bar_h - 3.0
                    );
                }
            }
            x += len;
        }
        y += bar_h + 10.0;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_well_formed_named_images_without_style_attributes() {
        let f = flows(
            "f",
            "Flows <1>",
            "desc",
            &[("Immediate".into(), 5), ("Potential".into(), 3), ("Applied".into(), 0)],
            &[(3, 1), (0, 2)],
            ("happened", "hoped"),
        );
        let b = grouped_bars(
            "b",
            "Shares",
            "d",
            &[("Applied".into(), vec![(0.5, "50 %".into()), (0.1, "1 of 10".into())])],
            &["In person".into(), "Virtual".into()],
        );
        let s = stacked_bars(
            "s",
            "Hopes",
            "d",
            &[("Applied".into(), vec![1, 0, 2, 3])],
            &["a".into(), "b".into(), "c".into(), "d".into()],
        );
        for svg in [&f, &b, &s] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(svg.contains("role=\"img\"") && svg.contains("<title id="));
            assert!(!svg.contains("style="));
            let mut reader = quick_xml::Reader::from_str(svg);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("not well-formed: {e}\n{svg}"),
                }
            }
        }
        assert!(f.contains("Flows &lt;1&gt;"));
    }
}
