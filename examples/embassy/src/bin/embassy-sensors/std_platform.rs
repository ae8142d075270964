//! On a host: embassy's `std` platform, and a counting global allocator
//! that proves the run makes no heap allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use embassy_executor::Executor;
use sensors::tasks::{ROUNDS, SENSORS};
use static_cell::StaticCell;

use super::{CLOCK, RESULTS, spawn_tasks};

/// Counts allocations while `COUNTING` is on, on every thread.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the arguments it was
// given, so `System`'s guarantees hold; counting touches two atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

static EXECUTOR: StaticCell<Executor> = StaticCell::new();

/// Runs the tasks until the sampler and the reporter are done, counting
/// allocations, then prints what they did.
pub fn main() -> ExitCode {
    // Start-up: embassy's `std` platform allocates its wake-up signal here.
    let executor = EXECUTOR.init(Executor::new());

    // The counter counts: one box, one allocation.
    COUNTING.store(true, Ordering::Relaxed);
    drop(std::hint::black_box(Box::new(1u8)));
    assert_eq!(ALLOCATIONS.swap(0, Ordering::Relaxed), 1);

    executor.run_until(spawn_tasks, || RESULTS.done());
    COUNTING.store(false, Ordering::Relaxed);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);

    let sampled = RESULTS.sampled.try_take().expect("the sampler finished");
    let (reported, uart) = RESULTS.reported.try_take().expect("the reporter finished");
    println!(
        "embassy-executor (platform-std, executor-thread): 3 static tasks, {} ticks",
        CLOCK.now()
    );
    println!("\n| tick | sensor | value |\n| ---: | --- | ---: |");
    for line in uart.lines() {
        let name = ["thermometer (m°C)", "accelerometer"][line.sensor];
        println!("| {} | {name} | {} |", line.tick, line.value);
    }
    println!();
    for (task, stats) in [("sampler", sampled), ("reporter", reported)] {
        println!(
            "{task}: Slot<128>, stack_only: {} calls, {} hits, {} fallbacks, largest future {} bytes",
            stats.emplacements(),
            stats.hits(),
            stats.fallbacks(),
            stats.largest_future()
        );
    }
    println!("heap allocations while the executor ran: {allocations}");
    if allocations == 0 && uart.lines().len() == ROUNDS * SENSORS {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
