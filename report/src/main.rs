//! The hit/fallback report: calls a dyn async trait whose implementors
//! return futures of different sizes (ready at once, or pending once
//! before they are ready), in realistic mixes, through every
//! slot class, the strategies and the peers, and prints a table per
//! workload: ns per call, exact heap allocations per call, hit ratio,
//! fallbacks by reason, the stack bytes each caller reserves, the ratios
//! against the floor and the peers, and the sizing advice of
//! `Stats::smallest_class`. Writes the same as Markdown and an SVG chart
//! under `target/stackslot-report/`, each with the run's metadata
//! (toolchain, CPU, cores, date, mode).
//!
//! Run with `cargo run --release -p stackslot-report`; add `-- --quick` (or
//! set `STACKSLOT_REPORT_QUICK=1`) for a few short rounds, as CI does.
//! The timings are for people to read: compare them within one run.

mod alloc_count;
mod axis;
mod chart;
mod contenders;
mod handlers;
mod markdown;
mod measure;
mod metadata;
mod peers;
mod tables;
mod workloads;

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::time::Instant;
use std::{env, fs, io};

use measure::{Settings, WorkloadResult};
use metadata::RunInfo;
use workloads::WORKLOADS;

#[global_allocator]
static ALLOCATOR: alloc_count::CountingAlloc = alloc_count::CountingAlloc;

fn quick_mode() -> bool {
    env::args().any(|arg| arg == "--quick")
        || env::var_os("STACKSLOT_REPORT_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// `target/stackslot-report/`: beside the `release` or `debug` directory
/// that holds this binary, wherever the target directory is.
fn output_dir() -> PathBuf {
    let target = env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(2).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("stackslot-report")
}

/// What the columns count, for adapters with storage of their own too.
const LEGEND: &str = "hit ratio and fallbacks count the futures offered to the caller's slot \
(its counters: a default Slot<N>, which keeps Stats; a Slot<N, A, NoStats> keeps none); \
an adapter with storage of its own (CachedBox, Inline, StackOnly) offers it only what it \
does not hold itself, so read its allocations per call instead (- when it offered none). \
Peers without a slot show the share of calls kept off the heap where allocations tell it; \
dynify's reused Vec allocates only when a future outgrows it, tokio-util's reused box \
whenever the future's layout changes.";

fn main() -> io::Result<()> {
    let quick = quick_mode();
    let settings = if quick {
        Settings::QUICK
    } else {
        Settings::FULL
    };
    let mode = settings.mode;
    let info = RunInfo::now(mode);
    let started = Instant::now();
    println!(
        "stackslot report ({mode}: {} rounds of {} calls per row, median and p25-p75 \
         shown; ratios are median / reference median, below 1 is faster)\n{}\n{LEGEND}\n",
        settings.rounds,
        settings.calls,
        info.line()
    );

    let mut rows = contenders::all();
    let terminal = io::stderr().is_terminal();
    let mut results: Vec<WorkloadResult> = Vec::new();
    for (w, workload) in WORKLOADS.iter().enumerate() {
        let progress = format!("[{}/{}] {}", w + 1, WORKLOADS.len(), workload.name);
        if !terminal {
            eprintln!("{progress}");
        }
        let result = measure::run(workload, &mut rows, &settings, |round| {
            if terminal {
                eprint!(
                    "\r\x1b[2K{progress}: round {}/{}",
                    round + 1,
                    settings.rounds
                );
                let _ = io::stderr().flush();
            }
        });
        if terminal {
            eprint!("\r\x1b[2K");
        }
        println!("{}", tables::text(&result));
        results.push(result);
    }

    let dir = output_dir();
    fs::create_dir_all(&dir)?;
    let markdown_path = dir.join("report.md");
    let chart_path = dir.join("report.svg");
    let mut markdown = format!(
        "# stackslot report\n\n`cargo run --release -p stackslot-report` ({mode}: {} rounds of {} \
         calls per row; ns per call: the median and, as p25-p75, the middle half of the \
         rounds). Ratios are the row's median over the reference's, both from this run: below \
         1 is faster. `SF<4096>` is `StackFuture<4096>::from_or_box`. Timings are for people \
         to read: compare them within one run.\n\nRun: {}.\n\n{LEGEND}\n\n",
        settings.rounds,
        settings.calls,
        info.line()
    );
    for result in &results {
        markdown.push_str(&tables::markdown(result));
    }
    fs::write(&markdown_path, markdown)?;
    fs::write(
        &chart_path,
        chart::svg(
            &results,
            "stackslot: hit ratio and cost per call by slot size, and every row",
            &info,
        ),
    )?;
    println!(
        "wrote {} and {} in {:.1} s",
        markdown_path.display(),
        chart_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
