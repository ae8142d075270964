//! Runs a workload through every row: one counting pass (exact heap
//! allocations and the slot statistics; it also warms up), then timed
//! rounds, the rows taking turns within each round so that a noisy moment
//! of a shared machine spreads over all of them.

use std::hint::black_box;
use std::time::Instant;

use stackslot::Stats;

use crate::alloc_count::count_allocations;
use crate::contenders::Contender;
use crate::handlers::Kind;
use crate::workloads::Workload;

/// How much to measure.
pub struct Settings {
    pub rounds: usize,
    pub calls: usize,
}

impl Settings {
    pub const FULL: Settings = Settings {
        rounds: 51,
        calls: 100_000,
    };
    pub const QUICK: Settings = Settings {
        rounds: 3,
        calls: 2_000,
    };
}

/// One row's results on one workload.
pub struct RowResult {
    pub name: String,
    pub stack_bytes: usize,
    /// The median over the rounds.
    pub ns_per_call: f64,
    pub allocations_per_call: f64,
    /// The slot's counters, for rows that lend a slot.
    pub stats: Option<Stats>,
    /// The share of calls kept off the heap, for rows without a slot.
    pub inline_ratio: Option<f64>,
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
            ns_per_call: 0.0,
            allocations_per_call,
            stats: outcome.stats,
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
        result.ns_per_call = median(&mut times);
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

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}
