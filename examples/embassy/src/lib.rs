//! Sensors read through `dyn` async traits by [embassy] tasks, without a
//! heap: the library part of the `embassy-sensors` example.
//!
//! Three statically allocated tasks share a simulated clock and a channel:
//!
//! - [`tasks::timer`] is the tick interrupt: it advances the [`Clock`] by
//!   one tick per pass of the executor and wakes the sleeps that are due;
//! - [`tasks::sampler`] reads two sensors through `&mut dyn DynSensor`,
//!   lending one `Slot<128>` with `stack_only` to every call, and sends the
//!   samples over the channel;
//! - [`tasks::reporter`] writes each sample to a slow UART through the
//!   generated [`SinkWithSlot`] wrapper, also stack-only.
//!
//! The library is `#![no_std]`, uses no allocator and names no embassy
//! platform: the binary (`src/bin/embassy-sensors/`) picks one for its
//! target, `std` on a host (where it counts heap allocations) or
//! `cortex-m` on `thumbv7em-none-eabihf`.
//!
//! [embassy]: https://embassy.dev

#![no_std]

pub mod clock;
pub mod devices;
pub mod tasks;
mod traits;

pub use clock::Clock;
pub use traits::{DynSensor, DynSink, Sensor, Sink, SinkWithSlot};
