//! Runs a workload through every row: one counting pass (exact heap
//! allocations and the slot statistics; it also warms up), then timed
//! rounds, the rows taking turns within each round so that a noisy moment
//! of a shared machine spreads over all of them.

use std::hint::black_box;
use std::time::Instant;

use stackslot::Stats;

use crate::alloc_count::count_allocations;
use crate::contenders::{Contender, Reference};
use crate::handlers::Kind;
use crate::workloads::Workload;

/// How much to measure. Many short rounds: a round of a few thousand
/// calls is shorter than a scheduler's time slice, so on a shared machine
/// most rounds run uninterrupted and the median skips those that were not.
pub struct Settings {
    pub rounds: usize,
    pub calls: usize,
    /// `"quick"` or `"full"`.
    pub mode: &'static str,
}

impl Settings {
    pub const FULL: Settings = Settings {
        rounds: 201,
        calls: 10_000,
        mode: "full",
    };
    pub const QUICK: Settings = Settings {
        rounds: 11,
        calls: 2_000,
        mode: "quick",
    };
}

/// One row's results on one workload.
pub struct RowResult {
    pub name: String,
    pub stack_bytes: usize,
    /// ns per call over the rounds: the median and the quartiles.
    pub ns: Spread,
    pub allocations_per_call: f64,
    /// The slot's counters, for rows that lend a slot.
    pub stats: Option<Stats>,
    /// The share of calls kept off the heap, for rows without a slot.
    pub inline_ratio: Option<f64>,
    /// Which reference this row is, if it is one.
    pub reference: Option<Reference>,
    /// `N` for the plain `Slot<N>` rows.
    pub slot_class: Option<usize>,
}

impl RowResult {
    /// The share of the futures offered to the caller's space that fit
    /// it; `None` when none was offered (an adapter with storage of its own
    /// kept them all).
    pub fn hit_ratio(&self) -> Option<f64> {
        match self.stats {
            Some(stats) if stats.emplacements() == 0 => None,
            Some(stats) => Some(stats.hits() as f64 / stats.emplacements() as f64),
            None => self.inline_ratio,
        }
    }
}

/// A workload's results.
pub struct WorkloadResult {
    pub workload: &'static Workload,
    /// Each implementor in the mix: its future's size and its share.
    pub sizes: Vec<(Kind, usize, u32)>,
    pub rows: Vec<RowResult>,
}

impl WorkloadResult {
    /// The row that is `reference`.
    ///
    /// # Panics
    ///
    /// If no row is that reference.
    pub fn reference(&self, reference: Reference) -> &RowResult {
        self.rows
            .iter()
            .find(|row| row.reference == Some(reference))
            .expect("every reference is a row of the table")
    }

    /// The statistics of the slot row with the most hits. The histogram of
    /// future sizes is the same whatever the slot's size, but a future that
    /// fails both the size and the alignment check counts as a size
    /// fallback, so the largest slot tells alignment fallbacks best.
    pub fn slot_stats(&self) -> Option<Stats> {
        self.rows
            .iter()
            .filter_map(|row| row.stats)
            .max_by_key(Stats::hits)
    }
}

/// Runs `workload` through `rows`; `progress` is told each round.
pub fn run(
    workload: &'static Workload,
    rows: &mut [Box<dyn Contender>],
    settings: &Settings,
    mut progress: impl FnMut(usize),
) -> WorkloadResult {
    let calls = workload.calls(settings.calls);
    let per_call = settings.calls as f64;

    let mut results: Vec<RowResult> = Vec::with_capacity(rows.len());
    let mut checksum = None;
    for row in rows.iter_mut() {
        let (outcome, allocations) = count_allocations(|| row.run(&calls));
        // Every convention computes the same outputs; a difference is a bug.
        assert_eq!(
            *checksum.get_or_insert(outcome.checksum),
            outcome.checksum,
            "{} computed different outputs",
            row.name()
        );
        let allocations_per_call = allocations as f64 / per_call;
        results.push(RowResult {
            name: row.name(),
            stack_bytes: row.stack_bytes(),
            ns: Spread::default(),
            allocations_per_call,
            stats: outcome.stats,
            reference: row.reference(),
            slot_class: row.slot_class(),
            inline_ratio: row.inline_ratio(allocations_per_call),
        });
    }

    let mut times = vec![Vec::with_capacity(settings.rounds); rows.len()];
    for round in 0..settings.rounds {
        progress(round);
        for turn in 0..rows.len() {
            let i = (turn + round) % rows.len();
            let start = Instant::now();
            black_box(rows[i].run(black_box(&calls)).checksum);
            times[i].push(start.elapsed().as_nanos() as f64 / per_call);
        }
    }
    for (result, mut times) in results.iter_mut().zip(times) {
        result.ns = Spread::of(&mut times);
    }

    WorkloadResult {
        workload,
        sizes: workload
            .mix
            .iter()
            .map(|&(kind, percent)| (kind, kind.future_size(), percent))
            .collect(),
        rows: results,
    }
}

/// A robust summary of the rounds' times: the median and the quartiles.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spread {
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
}

impl Spread {
    /// The quartiles of `values` (sorted in place).
    ///
    /// # Panics
    ///
    /// If `values` is empty.
    pub fn of(values: &mut [f64]) -> Spread {
        values.sort_by(f64::total_cmp);
        Spread {
            p25: percentile(values, 0.25),
            median: percentile(values, 0.5),
            p75: percentile(values, 0.75),
        }
    }
}

/// The `q` quantile (0 to 1) of sorted `values`, interpolated linearly
/// between the two nearest ranks (so the median of an even count is the
/// mean of the middle two).
///
/// # Panics
///
/// If `values` is empty.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "no value to take a percentile of");
    let rank = q * (sorted.len() - 1) as f64;
    let (below, above) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[below] + (sorted[above] - sorted[below]) * (rank - below as f64)
}

/// Results made up for the tests of what renders them.
#[cfg(test)]
pub mod fixture {
    use super::*;
    use crate::workloads::WORKLOADS;

    fn row(name: &str, median: f64, reference: Option<Reference>) -> RowResult {
        RowResult {
            name: name.into(),
            stack_bytes: 16,
            ns: Spread {
                p25: median - 0.5,
                median,
                p75: median + 0.5,
            },
            allocations_per_call: 0.0,
            stats: None,
            inline_ratio: Some(1.0),
            reference,
            slot_class: None,
        }
    }

    /// The service workload with the references and two slot classes.
    pub fn service() -> WorkloadResult {
        workload(&WORKLOADS[0])
    }

    /// Every workload with the rows of [`service`]: their lines end at the
    /// same points, the worst case for the chart's labels.
    pub fn every_workload() -> Vec<WorkloadResult> {
        WORKLOADS.iter().map(workload).collect()
    }

    /// `workload` with the references and two slot classes.
    fn workload(workload: &'static Workload) -> WorkloadResult {
        let mut rows = vec![
            row("floor: sync dyn call", 2.0, Some(Reference::Floor)),
            row("Box per call", 20.0, Some(Reference::BoxPerCall)),
            row(
                "StackFuture<4096>::from_or_box",
                50.0,
                Some(Reference::StackFuture4K),
            ),
        ];
        for (class, median) in [(64, 9.2), (4096, 7.5)] {
            rows.push(RowResult {
                slot_class: Some(class),
                ..row(&format!("stackslot Slot<{class}>"), median, None)
            });
        }
        WorkloadResult {
            workload,
            sizes: vec![],
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_of_one_value_is_that_value() {
        assert_eq!(percentile(&[7.0], 0.25), 7.0);
        assert_eq!(percentile(&[7.0], 0.75), 7.0);
    }

    #[test]
    fn median_of_odd_count_is_the_middle_value() {
        assert_eq!(percentile(&[1.0, 2.0, 10.0], 0.5), 2.0);
    }

    #[test]
    fn median_of_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(percentile(&[1.0, 2.0, 4.0, 10.0], 0.5), 3.0);
    }

    #[test]
    fn quartiles_interpolate_between_ranks() {
        // Ranks 0..=4: p25 at rank 1, p75 at rank 3.
        let spread = Spread::of(&mut [5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!(
            spread,
            Spread {
                p25: 2.0,
                median: 3.0,
                p75: 4.0
            }
        );
        // Ranks 0..=3: p25 at rank 0.75, p75 at rank 2.25.
        let spread = Spread::of(&mut [40.0, 10.0, 30.0, 20.0]);
        assert_eq!((spread.p25, spread.p75), (17.5, 32.5));
    }

    #[test]
    fn an_outlier_moves_the_quartiles_little() {
        let spread = Spread::of(&mut [10.0, 10.0, 11.0, 11.0, 1000.0]);
        assert_eq!((spread.p25, spread.median, spread.p75), (10.0, 11.0, 11.0));
    }
}
