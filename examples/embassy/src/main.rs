//! stackslot on embassy's executor: three statically allocated tasks call
//! async fns through `dyn` traits with stack-only slots, on the `std`
//! platform, and the heap stays untouched.
//!
//! The tasks, the traits and the devices are in the `#![no_std]` library
//! (`src/lib.rs`); this binary puts them in `static`s, counts every heap
//! allocation made once the executor starts, and exits non-zero on any.
//!
//! Run with `cargo run -p stackslot-embassy-example`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use embassy_executor::Executor;
use sensors::devices::{Accelerometer, Thermometer, Uart};
use sensors::tasks::{self, ROUNDS, Results, SENSORS, Samples};
use sensors::{Clock, DynSensor};
use static_cell::StaticCell;

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

static CLOCK: Clock = Clock::new();
static SAMPLES: Samples = Samples::new();
static RESULTS: Results = Results::new();
static EXECUTOR: StaticCell<Executor> = StaticCell::new();
static THERMOMETER: StaticCell<Thermometer> = StaticCell::new();
static ACCELEROMETER: StaticCell<Accelerometer> = StaticCell::new();
static UART: StaticCell<Uart> = StaticCell::new();

fn main() -> ExitCode {
    let thermometer = THERMOMETER.init(Thermometer {
        clock: &CLOCK,
        period: 10,
        millidegrees: 21_000,
    });
    let accelerometer = ACCELEROMETER.init(Accelerometer {
        clock: &CLOCK,
        raw: 7,
    });
    let uart = UART.init(Uart::new(&CLOCK));
    // Start-up: embassy's `std` platform allocates its wake-up signal here.
    let executor = EXECUTOR.init(Executor::new());

    // The counter counts: one box, one allocation.
    COUNTING.store(true, Ordering::Relaxed);
    drop(std::hint::black_box(Box::new(1u8)));
    assert_eq!(ALLOCATIONS.swap(0, Ordering::Relaxed), 1);

    executor.run_until(
        |spawner| {
            let sensors: [&'static mut dyn DynSensor; SENSORS] = [thermometer, accelerometer];
            spawner.spawn(tasks::timer(&CLOCK).expect("the timer task is free"));
            spawner.spawn(
                tasks::sampler(sensors, &SAMPLES, &RESULTS).expect("the sampler task is free"),
            );
            spawner.spawn(
                tasks::reporter(uart, &SAMPLES, &RESULTS).expect("the reporter task is free"),
            );
        },
        || RESULTS.done(),
    );
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
