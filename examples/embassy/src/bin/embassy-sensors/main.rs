//! stackslot on embassy's executor: three statically allocated tasks call
//! async fns through `dyn` traits with stack-only slots, and never touch a
//! heap.
//!
//! The tasks, the traits and the devices are in the `#![no_std]` library
//! (`src/lib.rs`). This binary puts the devices in `static`s, spawns the
//! tasks, and runs them on the executor of the platform it is built for:
//!
//! - on a host (`cargo run -p stackslot-embassy-example`): embassy's `std`
//!   platform, with a counting global allocator; it prints what the tasks
//!   did and exits non-zero on any allocation once the executor started
//!   (`std_platform.rs`);
//! - on a Cortex-M4F (`cargo build -p stackslot-embassy-example --target
//!   thumbv7em-none-eabihf`): a firmware image for an nRF52840's memory map
//!   (`memory.x`), with no allocator at all: anything that needed one would
//!   fail to link (`cortex_m.rs`).

#![cfg_attr(target_os = "none", no_std, no_main)]

use embassy_executor::Spawner;
use sensors::devices::{Accelerometer, Thermometer, Uart};
use sensors::tasks::{self, Results, SENSORS, Samples};
use sensors::{Clock, DynSensor};
use static_cell::StaticCell;

#[cfg(target_os = "none")]
mod cortex_m;
#[cfg(not(target_os = "none"))]
mod std_platform;

static CLOCK: Clock = Clock::new();
static SAMPLES: Samples = Samples::new();
static RESULTS: Results = Results::new();
static THERMOMETER: StaticCell<Thermometer> = StaticCell::new();
static ACCELEROMETER: StaticCell<Accelerometer> = StaticCell::new();
static UART: StaticCell<Uart> = StaticCell::new();

/// Makes the devices and spawns the tasks: the timer, the sampler and the
/// reporter.
///
/// # Panics
///
/// When called twice (each device and each task exists once).
fn spawn_tasks(spawner: Spawner) {
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
    let sensors: [&'static mut dyn DynSensor; SENSORS] = [thermometer, accelerometer];
    spawner.spawn(tasks::timer(&CLOCK, &RESULTS).expect("the timer task is free"));
    spawner.spawn(tasks::sampler(sensors, &SAMPLES, &RESULTS).expect("the sampler task is free"));
    spawner.spawn(tasks::reporter(uart, &SAMPLES, &RESULTS).expect("the reporter task is free"));
}

#[cfg(not(target_os = "none"))]
fn main() -> std::process::ExitCode {
    std_platform::main()
}
