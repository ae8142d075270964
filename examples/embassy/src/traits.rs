//! The two traits the tasks call through `dyn`.
//!
//! The default mode: the futures need not be `Send`, since embassy's thread
//! executor polls every task on one thread.

/// A sensor that produces a sample when it has one.
#[stackslot::dyn_trait]
#[allow(
    async_fn_in_trait,
    reason = "its futures run on one thread: `Send` is not needed"
)]
pub trait Sensor {
    /// Waits for the next sample.
    async fn sample(&mut self) -> i32;
}

/// Where samples go.
#[stackslot::dyn_trait]
#[allow(
    async_fn_in_trait,
    reason = "its futures run on one thread: `Send` is not needed"
)]
pub trait Sink {
    /// Writes one line; returns the tick it was written at.
    async fn write(&mut self, sensor: usize, value: i32) -> u32;
}
