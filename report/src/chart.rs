//! The SVG chart, written by hand. On top, hit ratio and ns per call
//! against the slot size (log2 axis), one line per workload, each with its
//! own colour, dash pattern and marker and a label at its end; on the ns
//! panel, each workload's `Box` per call as a labelled level. Below, every
//! row of the tables (references, peers, slots, strategies): the median ns
//! per call for each workload with its p25-p75 interval.

use std::fmt::Write;

use crate::axis::{spread_labels, tick_labels, ticks};
use crate::contenders::Reference;
use crate::measure::WorkloadResult;
use crate::metadata::RunInfo;

const WIDTH: f64 = 960.0;
const MARGIN_L: f64 = 50.0;
const PANEL_W: f64 = 300.0;
const PANEL_H: f64 = 220.0;
/// Room right of each top panel for the labels at the lines' ends.
const LABELS_W: f64 = 120.0;
/// The top of the upper panels, below the title and the metadata.
const PANELS_TOP: f64 = 80.0;
/// The vertical room of one label.
const LABEL_GAP: f64 = 11.0;
/// Where the bars of the lower panel start: the row names are left of it.
const BARS_X0: f64 = 290.0;
/// The least height of one row of the lower panel: a line of text.
const MIN_BAND: f64 = 19.0;
/// The vertical step between the workloads' markers within a row.
const MARKER_STEP: f64 = 2.6;
/// The room above and below the markers within a row.
const BAND_PAD: f64 = 6.0;

/// How a workload is drawn, so that overlapping lines stay apart without
/// colour: a dash pattern and a marker each.
struct Style {
    color: &'static str,
    dash: &'static str,
    marker: Marker,
}

#[derive(Clone, Copy)]
enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Cross,
}

const STYLES: [Style; 6] = [
    Style {
        color: "#1f77b4",
        dash: "none",
        marker: Marker::Circle,
    },
    Style {
        color: "#d62728",
        dash: "7,3",
        marker: Marker::Square,
    },
    Style {
        color: "#2ca02c",
        dash: "2,2",
        marker: Marker::TriangleUp,
    },
    Style {
        color: "#9467bd",
        dash: "9,3,2,3",
        marker: Marker::Diamond,
    },
    Style {
        color: "#ff7f0e",
        dash: "4,4",
        marker: Marker::TriangleDown,
    },
    Style {
        color: "#8c564b",
        dash: "1,3",
        marker: Marker::Cross,
    },
];

fn style(series: usize) -> &'static Style {
    &STYLES[series % STYLES.len()]
}

/// One workload's points: (slot class, hit ratio in percent, ns per call).
fn points(result: &WorkloadResult) -> Vec<(usize, f64, f64)> {
    result
        .rows
        .iter()
        .filter_map(|row| {
            let class = row.slot_class?;
            Some((class, 100.0 * row.hit_ratio()?, row.ns.median))
        })
        .collect()
}

/// The workload's name up to its colon: "service", "iterator", ...
fn short_name(result: &WorkloadResult) -> &'static str {
    let name = result.workload.name;
    name.split(':').next().unwrap_or(name)
}

/// The chart for all workloads, with the run's metadata under the title.
pub fn svg(results: &[WorkloadResult], title: &str, info: &RunInfo) -> String {
    let rows = results.first().map_or(0, |r| r.rows.len());
    let legend_top = PANELS_TOP + PANEL_H + 50.0;
    let legend_h = 16.0 * results.len().div_ceil(2) as f64;
    let bars_top = legend_top + legend_h + 45.0;
    let height = bars_top + band(results.len()) * rows as f64 + 45.0;

    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
    )
    .unwrap();
    writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="white"/><text x="{x}" y="20" font-size="14" text-anchor="middle">{}</text><text x="{x}" y="38" font-size="10" fill="#555" text-anchor="middle">{}</text>"##,
        escape(title),
        escape(&info.line()),
        x = WIDTH / 2.0,
    )
    .unwrap();
    slot_panels(&mut svg, results);
    legend(&mut svg, results, legend_top);
    row_bars(&mut svg, results, bars_top);
    svg.push_str("</svg>\n");
    svg
}

/// The two upper panels: hit ratio and ns per call against the slot size.
fn slot_panels(svg: &mut String, results: &[WorkloadResult]) {
    let series: Vec<_> = results.iter().map(points).collect();
    let classes: Vec<usize> = series
        .first()
        .map_or(vec![], |s| s.iter().map(|&(class, _, _)| class).collect());
    let (min_log, max_log) = match (classes.first(), classes.last()) {
        (Some(&lo), Some(&hi)) if hi > lo => ((lo as f64).log2(), (hi as f64).log2()),
        _ => (6.0, 12.0),
    };
    let boxed = |r: &WorkloadResult| r.reference(Reference::BoxPerCall).ns.median;
    let max_ns = series
        .iter()
        .flatten()
        .map(|&(_, _, ns)| ns)
        .chain(results.iter().map(boxed))
        .fold(0.0, f64::max);

    let panels = [
        ("hit ratio (%)", ticks(100.0), true),
        ("ns per call (median)", ticks(max_ns), false),
    ];
    for (p, (label, y_ticks, hits)) in panels.into_iter().enumerate() {
        let x0 = MARGIN_L + p as f64 * (PANEL_W + LABELS_W + MARGIN_L);
        let top = *y_ticks.last().unwrap_or(&1.0);
        let x =
            |class: usize| x0 + ((class as f64).log2() - min_log) / (max_log - min_log) * PANEL_W;
        let y = |v: f64| PANELS_TOP + PANEL_H - v / top * PANEL_H;
        writeln!(
            svg,
            r##"<rect x="{x0}" y="{PANELS_TOP}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#888"/>"##
        )
        .unwrap();
        for (v, text) in y_ticks.iter().zip(tick_labels(&y_ticks)) {
            writeln!(
                svg,
                r##"<line x1="{x0}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{text}</text>"##,
                x0 + PANEL_W,
                x0 - 5.0,
                y(*v) + 4.0,
                y = y(*v),
            )
            .unwrap();
        }
        for &class in &classes {
            writeln!(
                svg,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{PANELS_TOP}" y2="{}" stroke="#eee"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
                PANELS_TOP + PANEL_H,
                PANELS_TOP + PANEL_H + 15.0,
                format_bytes(class),
                x = x(class),
            )
            .unwrap();
        }
        writeln!(
            svg,
            r#"<text x="{cx}" y="{}" text-anchor="middle">slot size N of Slot&lt;N&gt; (bytes)</text><text x="{cx}" y="{}" text-anchor="middle" font-weight="bold">{label}</text>"#,
            PANELS_TOP + PANEL_H + 32.0,
            PANELS_TOP - 8.0,
            cx = x0 + PANEL_W / 2.0,
        )
        .unwrap();

        // The labels at the right edge: (where the line ends, text, colour).
        let mut labels: Vec<(f64, String, &str)> = Vec::new();
        if !hits {
            for (s, result) in results.iter().enumerate() {
                let level = y(boxed(result));
                let color = style(s).color;
                writeln!(
                    svg,
                    r#"<line x1="{x0}" x2="{}" y1="{level:.1}" y2="{level:.1}" stroke="{color}" stroke-width="1" stroke-dasharray="12,3" opacity="0.6"/>"#,
                    x0 + PANEL_W
                )
                .unwrap();
                labels.push((level, format!("Box: {}", short_name(result)), color));
            }
        }
        for (s, points) in series.iter().enumerate() {
            let Style {
                color,
                dash,
                marker,
            } = style(s);
            let coords: Vec<(f64, f64)> = points
                .iter()
                .map(|&(class, hit, ns)| (x(class), y(if hits { hit } else { ns })))
                .collect();
            let path = coords
                .iter()
                .map(|(cx, cy)| format!("{cx:.1},{cy:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(
                svg,
                r#"<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>"#
            )
            .unwrap();
            for &(cx, cy) in &coords {
                svg.push_str(&draw_marker(*marker, cx, cy, color));
            }
            if let Some(&(_, end)) = coords.last() {
                labels.push((end, short_name(&results[s]).to_string(), color));
            }
        }
        let wanted: Vec<f64> = labels.iter().map(|&(at, _, _)| at).collect();
        let placed = spread_labels(
            &wanted,
            LABEL_GAP,
            PANELS_TOP + 4.0,
            PANELS_TOP + PANEL_H + 8.0,
        );
        let edge = x0 + PANEL_W;
        for ((at, text, color), label_y) in labels.iter().zip(placed) {
            writeln!(
                svg,
                r#"<line x1="{edge}" x2="{}" y1="{at:.1}" y2="{label_y:.1}" stroke="{color}" stroke-width="0.8"/><text x="{}" y="{:.1}" fill="{color}">{}</text>"#,
                edge + 10.0,
                edge + 13.0,
                label_y + 4.0,
                escape(text)
            )
            .unwrap();
        }
    }
}

/// Each workload's style and full name, in two columns read down.
fn legend(svg: &mut String, results: &[WorkloadResult], top: f64) {
    let per_column = results.len().div_ceil(2);
    for (s, result) in results.iter().enumerate() {
        let Style {
            color,
            dash,
            marker,
        } = style(s);
        let lx = MARGIN_L + (s / per_column) as f64 * (WIDTH / 2.0 - 20.0);
        let ly = top + 16.0 * (s % per_column) as f64;
        writeln!(
            svg,
            r#"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>"#,
            lx + 30.0,
        )
        .unwrap();
        svg.push_str(&draw_marker(*marker, lx + 15.0, ly, color));
        writeln!(
            svg,
            r#"<text x="{}" y="{}">{}</text>"#,
            lx + 38.0,
            ly + 4.0,
            escape(result.workload.name)
        )
        .unwrap();
    }
}

/// The lower panel: every row, its median per workload (the workload's
/// marker) and p25-p75 interval (a bar), on one ns axis.
fn row_bars(svg: &mut String, results: &[WorkloadResult], top: f64) {
    let Some(first) = results.first() else {
        return;
    };
    let max_ns = results
        .iter()
        .flat_map(|r| r.rows.iter().map(|row| row.ns.p75))
        .fold(0.0, f64::max);
    let x_ticks = ticks(max_ns);
    let right = *x_ticks.last().unwrap_or(&1.0);
    let width = WIDTH - BARS_X0 - 30.0;
    let x = |ns: f64| BARS_X0 + ns / right * width;
    let band = band(results.len());
    let bottom = top + band * first.rows.len() as f64;
    writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle" font-weight="bold">ns per call of every row: median (marker) and p25-p75 (bar), per workload</text>"#,
        WIDTH / 2.0,
        top - 12.0
    )
    .unwrap();
    for (v, text) in x_ticks.iter().zip(tick_labels(&x_ticks)) {
        writeln!(
            svg,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{bottom}" stroke="#ddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{text}</text>"##,
            bottom + 15.0,
            x = x(*v),
        )
        .unwrap();
    }
    writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">ns per call</text>"#,
        BARS_X0 + width / 2.0,
        bottom + 32.0
    )
    .unwrap();
    let spacing = (band - BAND_PAD) / results.len().max(1) as f64;
    for (r, row) in first.rows.iter().enumerate() {
        let band_top = top + band * r as f64;
        let shade = if r % 2 == 0 { "#f4f4f4" } else { "white" };
        let weight = if row.reference.is_some() {
            r#" font-weight="bold""#
        } else {
            ""
        };
        writeln!(
            svg,
            r#"<rect x="{}" y="{band_top}" width="{}" height="{band}" fill="{shade}"/><text x="{}" y="{:.1}" text-anchor="end"{weight}>{}</text>"#,
            MARGIN_L - 40.0,
            WIDTH - MARGIN_L + 10.0,
            BARS_X0 - 8.0,
            band_top + band / 2.0 + 4.0,
            escape(&row.name)
        )
        .unwrap();
        for (s, result) in results.iter().enumerate() {
            let Style { color, marker, .. } = style(s);
            let ns = result.rows[r].ns;
            let cy = band_top + 3.0 + spacing * (s as f64 + 0.5);
            writeln!(
                svg,
                r#"<line x1="{:.1}" x2="{:.1}" y1="{cy:.1}" y2="{cy:.1}" stroke="{color}" stroke-width="1.5"/>"#,
                x(ns.p25),
                x(ns.p75)
            )
            .unwrap();
            svg.push_str(&draw_marker(*marker, x(ns.median), cy, color));
        }
    }
    writeln!(
        svg,
        r##"<line x1="{BARS_X0}" x2="{BARS_X0}" y1="{top}" y2="{bottom}" stroke="#888"/>"##
    )
    .unwrap();
}

/// The height of one row of the lower panel with `workloads` markers in
/// it, so that each workload added keeps its markers as far apart.
fn band(workloads: usize) -> f64 {
    (BAND_PAD + MARKER_STEP * workloads as f64).max(MIN_BAND)
}

/// A marker of `size` 3.5 centred on (`x`, `y`).
fn draw_marker(marker: Marker, x: f64, y: f64, color: &str) -> String {
    let r = 3.5;
    let polygon = |points: &[(f64, f64)]| {
        let points = points
            .iter()
            .map(|(dx, dy)| format!("{:.1},{:.1}", x + dx * r, y + dy * r))
            .collect::<Vec<_>>()
            .join(" ");
        format!(r#"<polygon points="{points}" fill="{color}"/>"#)
    };
    let shape = match marker {
        Marker::Circle => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{color}"/>"#),
        Marker::Square => polygon(&[(-0.9, -0.9), (0.9, -0.9), (0.9, 0.9), (-0.9, 0.9)]),
        Marker::TriangleUp => polygon(&[(0.0, -1.2), (1.1, 0.9), (-1.1, 0.9)]),
        Marker::Diamond => polygon(&[(0.0, -1.3), (1.1, 0.0), (0.0, 1.3), (-1.1, 0.0)]),
        Marker::TriangleDown => polygon(&[(0.0, 1.2), (1.1, -0.9), (-1.1, -0.9)]),
        Marker::Cross => format!(
            r#"<path d="M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}" stroke="{color}" stroke-width="2"/>"#,
            x - r,
            y - r,
            x + r,
            y + r,
            x - r,
            y + r,
            x + r,
            y - r
        ),
    };
    shape + "\n"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::fixture;

    fn info() -> RunInfo {
        RunInfo {
            rustc: "rustc 1.0.0",
            cpu: "Some CPU".into(),
            cores: 2,
            date: "2026-12-01 17:45 UTC".into(),
            mode: "quick",
        }
    }

    fn chart() -> String {
        svg(&[fixture::service()], "title", &info())
    }

    #[test]
    fn chart_prints_the_metadata() {
        assert!(
            chart()
                .contains(">rustc 1.0.0 · Some CPU · 2 cores · 2026-12-01 17:45 UTC · quick run<")
        );
    }

    #[test]
    fn box_levels_and_line_ends_are_labelled() {
        let chart = chart();
        assert!(chart.contains(">Box: service</text>"));
        // One end label per panel.
        assert_eq!(chart.matches(">service</text>").count(), 2);
    }

    /// The heights of the texts drawn at `x`, sorted.
    fn texts_at(chart: &str, x: f64) -> Vec<f64> {
        let start = format!(r#"<text x="{x}" y=""#);
        let mut ys: Vec<f64> = chart
            .match_indices(&start)
            .map(|(at, _)| {
                let rest = &chart[at + start.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        ys.sort_by(f64::total_cmp);
        ys
    }

    #[test]
    fn every_workload_has_a_style_of_its_own() {
        let count = fixture::every_workload().len();
        assert!(
            STYLES.len() >= count,
            "{count} workloads, {} styles",
            STYLES.len()
        );
        for (a, b) in (0..count).flat_map(|a| (a + 1..count).map(move |b| (a, b))) {
            let (a, b) = (style(a), style(b));
            assert_ne!(a.color, b.color);
            assert_ne!(a.dash, b.dash);
        }
    }

    #[test]
    fn end_labels_of_every_workload_do_not_collide() {
        let results = fixture::every_workload();
        let chart = svg(&results, "title", &info());
        // Every line ends at the same point and every Box level is the
        // same: each panel's labels are spread at least a label apart.
        let ns_x0 = MARGIN_L + PANEL_W + LABELS_W + MARGIN_L;
        for (x0, labels) in [(MARGIN_L, results.len()), (ns_x0, 2 * results.len())] {
            let ys = texts_at(&chart, x0 + PANEL_W + 13.0);
            assert_eq!(ys.len(), labels);
            for pair in ys.windows(2) {
                assert!(pair[1] - pair[0] >= LABEL_GAP - 0.1, "{ys:?}");
            }
            assert!(ys[labels - 1] <= PANELS_TOP + PANEL_H + 12.0, "{ys:?}");
        }
        for result in &results {
            let name = short_name(result);
            assert_eq!(chart.matches(&format!(">{name}</text>")).count(), 2);
            assert!(chart.contains(&format!(">Box: {name}</text>")), "{name}");
        }
    }

    #[test]
    fn end_labels_fit_right_of_the_ns_panel() {
        // About 0.6 em per character of an 11 px sans-serif font.
        let glyph = 0.6 * 11.0;
        let room = WIDTH - (2.0 * MARGIN_L + 2.0 * PANEL_W + LABELS_W + 13.0);
        for result in &fixture::every_workload() {
            let label = format!("Box: {}", short_name(result));
            assert!(label.len() as f64 * glyph <= room, "{label}");
        }
    }

    #[test]
    fn every_row_is_in_the_lower_panel() {
        let chart = chart();
        for name in [
            "floor: sync dyn call",
            "Box per call",
            "stackslot Slot&lt;64&gt;",
        ] {
            assert!(chart.contains(&format!(">{name}</text>")), "{name}");
        }
    }

    #[test]
    fn axis_labels_are_round_values() {
        // ns panel: up to the Box's 20 ns; lower panel: up to 50.5 ns.
        let chart = chart();
        for tick in [">0</text>", ">5</text>", ">20</text>", ">60</text>"] {
            assert!(chart.contains(tick), "{tick}");
        }
    }
}
