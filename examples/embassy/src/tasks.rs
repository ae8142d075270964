//! The embassy tasks, statically allocated by `#[embassy_executor::task]`,
//! and what they share.

use core::future::poll_fn;
use core::pin::pin;
use core::task::Poll;

use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::channel::Channel;
use embassy_sync::signal::Signal;
use stackslot::{Slot, Stats};

use crate::clock::Clock;
use crate::devices::Uart;
use crate::traits::{DynSensor, DynSink, SinkWithSlot};

/// How many times the sampler reads each sensor.
pub const ROUNDS: usize = 8;

/// The sensors the sampler reads, by index.
pub const SENSORS: usize = 2;

/// Samples from the sampler to the reporter, one at a time: a sensor's
/// index and its value.
pub type Samples = Channel<CriticalSectionRawMutex, (usize, i32), 1>;

/// What the tasks hand back when they are done.
pub struct Results {
    /// The sampler's slot counters.
    pub sampled: Signal<CriticalSectionRawMutex, Stats>,
    /// The reporter's slot counters, and the UART it borrowed.
    pub reported: Signal<CriticalSectionRawMutex, (Stats, &'static mut Uart)>,
}

impl Results {
    /// Nothing reported yet.
    pub const fn new() -> Self {
        Self {
            sampled: Signal::new(),
            reported: Signal::new(),
        }
    }

    /// Whether both the sampler and the reporter have finished.
    pub fn done(&self) -> bool {
        self.sampled.signaled() && self.reported.signaled()
    }
}

impl Default for Results {
    fn default() -> Self {
        Self::new()
    }
}

/// The tick interrupt: one tick of `clock` per pass of the executor, until
/// the sampler and the reporter are done.
#[embassy_executor::task]
pub async fn timer(clock: &'static Clock, results: &'static Results) {
    while !results.done() {
        yield_now().await;
        clock.tick();
    }
}

/// Reads each sensor [`ROUNDS`] times through `dyn`, lending one stack-only
/// slot to every call, and sends the samples.
#[embassy_executor::task]
pub async fn sampler(
    mut sensors: [&'static mut dyn DynSensor; SENSORS],
    samples: &'static Samples,
    results: &'static Results,
) {
    let mut slot = pin!(Slot::<128>::new());
    for _ in 0..ROUNDS {
        for (i, sensor) in sensors.iter_mut().enumerate() {
            let value = sensor.sample(slot.as_mut().stack_only()).await;
            samples.send((i, value)).await;
        }
    }
    results.sampled.signal(slot.stats());
}

/// Writes every sample to the UART through `dyn` and the generated
/// wrapper, stack-only; then hands the UART back.
#[embassy_executor::task]
pub async fn reporter(
    uart: &'static mut Uart,
    samples: &'static Samples,
    results: &'static Results,
) {
    let mut slot = pin!(Slot::<128>::new());
    let sink: &mut dyn DynSink = uart;
    let mut sink = SinkWithSlot::stack_only(sink, slot.as_mut());
    for _ in 0..ROUNDS * SENSORS {
        let (sensor, value) = samples.receive().await;
        sink.write(sensor, value).await;
    }
    let stats = sink.slot.stats();
    results.reported.signal((stats, uart));
}

/// Lets every other ready task run once.
async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}
