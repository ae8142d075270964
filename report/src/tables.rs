//! A workload's results as a table: the same cells rendered as aligned
//! text for the terminal and as Markdown for the report file.

use std::fmt::Write;

use crate::contenders::Reference;
use crate::markdown::{cell, code_generics};
use crate::measure::WorkloadResult;

/// The shares the sizing advice is asked for, in percent.
const ADVICE_SHARES: [f64; 3] = [90.0, 99.0, 100.0];

const HEADER: [&str; 10] = [
    "row",
    "ns/call",
    "p25-p75",
    "x floor",
    "x Box",
    "x SF<4096>",
    "allocs/call",
    "hit ratio",
    "fallbacks size / align",
    "stack bytes",
];

/// The cells of the table, one `Vec` per row.
fn cells(result: &WorkloadResult) -> Vec<Vec<String>> {
    let reference = |r: Reference| result.reference(r).ns.median;
    let (floor, boxed, stack_4k) = (
        reference(Reference::Floor),
        reference(Reference::BoxPerCall),
        reference(Reference::StackFuture4K),
    );
    result
        .rows
        .iter()
        .map(|row| {
            let ratio = |to: f64| format!("{:.2}", row.ns.median / to);
            let percent = |share: f64| format!("{:.1}%", 100.0 * share);
            let offered = row.stats.filter(|stats| stats.emplacements() > 0);
            let fallbacks = offered.map_or("-".into(), |stats| {
                let of = |n: u64| percent(n as f64 / stats.emplacements() as f64);
                format!(
                    "{} / {}",
                    of(stats.size_fallbacks()),
                    of(stats.alignment_fallbacks())
                )
            });
            vec![
                row.name.clone(),
                format!("{:.1}", row.ns.median),
                format!("{:.1}-{:.1}", row.ns.p25, row.ns.p75),
                ratio(floor),
                ratio(boxed),
                ratio(stack_4k),
                format!("{:.2}", row.allocations_per_call),
                row.hit_ratio().map_or("-".into(), percent),
                fallbacks,
                row.stack_bytes.to_string(),
            ]
        })
        .collect()
}

/// The lines above the table: the mix and the sizes of its futures.
fn preamble(result: &WorkloadResult) -> Vec<String> {
    let futures = result
        .sizes
        .iter()
        .map(|(kind, size, percent)| format!("{} {size} B ({percent}%)", kind.name()))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        result.workload.why.to_string(),
        format!("futures: {futures}"),
    ]
}

/// The sizing advice of `Stats::smallest_class` for the workload.
pub fn advice(result: &WorkloadResult) -> String {
    let Some(stats) = result.slot_stats() else {
        return "no slot rows".into();
    };
    let answers = ADVICE_SHARES
        .iter()
        .map(|&share| match stats.smallest_class(share) {
            Some(class) => format!(">= {share}% hits: Slot<{class}>"),
            None => format!(
                ">= {share}% hits: no class (largest future {} B)",
                stats.largest_future()
            ),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let aligned = if stats.alignment_fallbacks() > 0 {
        "; over-aligned futures need an aligned slot (e.g. Slot<N, Align64>) whatever N"
    } else {
        ""
    };
    format!("sizing advice (Stats::smallest_class): {answers}{aligned}")
}

/// The table as aligned text.
pub fn text(result: &WorkloadResult) -> String {
    let cells = cells(result);
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|c| {
            cells
                .iter()
                .map(|row| row[c].len())
                .chain([HEADER[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |row: &[String]| {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c == 0 {
                write!(line, "{cell:<w$}", w = widths[c]).unwrap();
            } else {
                write!(line, "  {cell:>w$}", w = widths[c]).unwrap();
            }
        }
        line
    };
    let mut out = format!("== {}\n", result.workload.name);
    for text in preamble(result) {
        writeln!(out, "   {text}").unwrap();
    }
    writeln!(out, "{}", line(&HEADER.map(String::from))).unwrap();
    for row in &cells {
        writeln!(out, "{}", line(row)).unwrap();
    }
    writeln!(out, "{}", advice(result)).unwrap();
    out
}

/// The table as Markdown that reads as plain text too: generic types in
/// code spans, no HTML entities.
pub fn markdown(result: &WorkloadResult) -> String {
    let mut out = format!("### {}\n\n", code_generics(result.workload.name));
    for text in preamble(result) {
        writeln!(out, "{}  ", code_generics(&text)).unwrap();
    }
    let header: Vec<String> = HEADER.iter().map(|h| cell(h)).collect();
    writeln!(out, "\n| {} |", header.join(" | ")).unwrap();
    let align: Vec<&str> = (0..HEADER.len())
        .map(|c| if c == 0 { "---" } else { "---:" })
        .collect();
    writeln!(out, "| {} |", align.join(" | ")).unwrap();
    for row in cells(result) {
        let row: Vec<String> = row.iter().map(|c| cell(c)).collect();
        writeln!(out, "| {} |", row.join(" | ")).unwrap();
    }
    writeln!(out, "\n{}\n", code_generics(&advice(result))).unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::fixture;

    #[test]
    fn markdown_puts_generics_in_code_spans_without_entities() {
        let markdown = markdown(&fixture::service());
        assert!(!markdown.contains("&lt;") && !markdown.contains("&gt;"));
        assert!(markdown.contains("| x `SF<4096>` |"), "{markdown}");
        assert!(markdown.contains("\n| stackslot `Slot<64>` | 9.2 | 8.7-9.7 | 4.60 | 0.46 |"));
    }

    #[test]
    fn text_shows_median_spread_and_ratios_to_the_references() {
        let text = text(&fixture::service());
        let row = text
            .lines()
            .find(|line| line.starts_with("stackslot Slot<4096>"))
            .unwrap();
        let cells: Vec<&str> = row.split_whitespace().collect();
        // name (2 words), median, p25-p75, x floor, x Box, x SF<4096>.
        assert_eq!(cells[2..7], ["7.5", "7.0-8.0", "3.75", "0.38", "0.15"]);
    }
}
