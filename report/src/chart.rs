//! The SVG chart: hit ratio and ns per call against the slot size, one
//! line per workload, written by hand (two panels, log2 x axis).

use std::fmt::Write;

use crate::contenders::{BOX_PER_CALL, slot_class};
use crate::measure::WorkloadResult;

const PANEL_W: f64 = 330.0;
const PANEL_H: f64 = 220.0;
const MARGIN_L: f64 = 55.0;
const MARGIN_T: f64 = 40.0;
const GAP: f64 = 80.0;
const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];

/// One workload's points: (slot class, hit ratio in percent, ns per call).
fn points(result: &WorkloadResult) -> Vec<(usize, f64, f64)> {
    result
        .rows
        .iter()
        .filter_map(|row| {
            let class = slot_class(&row.name)?;
            Some((class, 100.0 * row.hit_ratio()?, row.ns_per_call))
        })
        .collect()
}

/// A round upper bound for the ns axis.
fn nice_ceiling(max: f64) -> f64 {
    let step = 10f64.powf(max.log10().floor());
    (max / step).ceil() * step
}

/// The chart for all workloads.
pub fn svg(results: &[WorkloadResult], title: &str) -> String {
    let series: Vec<_> = results.iter().map(points).collect();
    let classes: Vec<usize> = series
        .first()
        .map_or(vec![], |s| s.iter().map(|&(class, _, _)| class).collect());
    let (min_log, max_log) = match (classes.first(), classes.last()) {
        (Some(&lo), Some(&hi)) if hi > lo => ((lo as f64).log2(), (hi as f64).log2()),
        _ => (6.0, 12.0),
    };
    let max_ns = series
        .iter()
        .flatten()
        .map(|&(_, _, ns)| ns)
        .chain(results.iter().map(|r| r.rows[BOX_PER_CALL].ns_per_call))
        .fold(1.0, f64::max);
    let ns_top = nice_ceiling(max_ns);

    let legend_h = 18.0 * results.len() as f64 + 10.0;
    let width = MARGIN_L * 2.0 + PANEL_W * 2.0 + GAP;
    let height = MARGIN_T + PANEL_H + 45.0 + legend_h;
    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    )
    .unwrap();
    writeln!(
        svg,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{}" y="18" font-size="14" text-anchor="middle">{}</text>"#,
        width / 2.0,
        escape(title)
    )
    .unwrap();

    let panels = [
        ("hit ratio (%)", 100.0, 1usize),
        ("ns per call (median)", ns_top, 2usize),
    ];
    for (p, (label, top, field)) in panels.into_iter().enumerate() {
        let x0 = MARGIN_L + p as f64 * (PANEL_W + GAP);
        let x =
            |class: usize| x0 + ((class as f64).log2() - min_log) / (max_log - min_log) * PANEL_W;
        let y = |v: f64| MARGIN_T + PANEL_H - v / top * PANEL_H;
        // Frame, grid and labels.
        writeln!(
            svg,
            r##"<rect x="{x0}" y="{MARGIN_T}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#888"/>"##
        )
        .unwrap();
        for i in 0..=4 {
            let v = top * i as f64 / 4.0;
            writeln!(
                svg,
                r##"<line x1="{x0}" x2="{}" y1="{y}" y2="{y}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
                x0 + PANEL_W,
                x0 - 5.0,
                y(v) + 4.0,
                format_tick(v),
                y = y(v),
            )
            .unwrap();
        }
        for &class in &classes {
            writeln!(
                svg,
                r##"<line x1="{x}" x2="{x}" y1="{MARGIN_T}" y2="{}" stroke="#eee"/><text x="{x}" y="{}" text-anchor="middle">{}</text>"##,
                MARGIN_T + PANEL_H,
                MARGIN_T + PANEL_H + 15.0,
                format_bytes(class),
                x = x(class),
            )
            .unwrap();
        }
        writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">slot size (bytes, Slot&lt;N&gt;)</text><text x="{}" y="{}" text-anchor="middle" font-weight="bold">{label}</text>"#,
            x0 + PANEL_W / 2.0,
            MARGIN_T + PANEL_H + 32.0,
            x0 + PANEL_W / 2.0,
            MARGIN_T - 8.0,
        )
        .unwrap();
        // One line per workload; on the ns panel, its Box per call dashed.
        for (s, points) in series.iter().enumerate() {
            let color = COLORS[s % COLORS.len()];
            if field == 2 {
                let boxed = y(results[s].rows[BOX_PER_CALL].ns_per_call);
                writeln!(
                    svg,
                    r#"<line x1="{x0}" x2="{}" y1="{boxed:.1}" y2="{boxed:.1}" stroke="{color}" stroke-width="1" stroke-dasharray="5,4"/>"#,
                    x0 + PANEL_W
                )
                .unwrap();
            }
            let coords: Vec<(f64, f64)> = points
                .iter()
                .map(|&(class, hit, ns)| (x(class), y(if field == 1 { hit } else { ns })))
                .collect();
            let path = coords
                .iter()
                .map(|(cx, cy)| format!("{cx:.1},{cy:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(
                svg,
                r#"<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>"#
            )
            .unwrap();
            for (cx, cy) in coords {
                writeln!(
                    svg,
                    r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="3" fill="{color}"/>"#
                )
                .unwrap();
            }
        }
    }
    // Legend.
    writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="end">dashed: Box per call, same workload</text>"#,
        width - MARGIN_L,
        MARGIN_T + PANEL_H + 55.0 + 4.0
    )
    .unwrap();
    for (s, result) in results.iter().enumerate() {
        let ly = MARGIN_T + PANEL_H + 55.0 + 18.0 * s as f64;
        let color = COLORS[s % COLORS.len()];
        writeln!(
            svg,
            r#"<line x1="{MARGIN_L}" x2="{}" y1="{ly}" y2="{ly}" stroke="{color}" stroke-width="3"/><text x="{}" y="{}">{}</text>"#,
            MARGIN_L + 25.0,
            MARGIN_L + 32.0,
            ly + 4.0,
            escape(result.workload.name)
        )
        .unwrap();
    }
    svg.push_str("</svg>\n");
    svg
}

fn format_tick(v: f64) -> String {
    if v >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn format_bytes(bytes: usize) -> String {
    if bytes >= 1024 {
        format!("{}K", bytes / 1024)
    } else {
        bytes.to_string()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
