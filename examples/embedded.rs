//! An embedded-style program: the crate built without an allocator, dyn
//! async traits called with `stack_only` slots, and a tiny single-threaded
//! executor written here (no tokio): two tasks pinned on `main`'s stack, a
//! simulated timer, and a one-place mailbox between them.
//!
//! A sampler task reads two sensors through `&mut dyn DynSensor`, lending
//! one `Slot<128>` with `stack_only`; a reporter task writes each sample to
//! a slow "UART" through the generated `SinkWithSlot` wrapper, also
//! `stack_only`. The example counts heap allocations on this thread while
//! the executor runs and fails if there is any.
//!
//! Run with `cargo run --example embedded --no-default-features --features macros`
//! (it builds, and never allocates, with default features too).
//! `examples/embassy/` does the same on embassy-executor, the executor
//! embedded programs run: `cargo run -p stackslot-embassy-example`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use stackslot::{Slot, Stats};

/// Counts allocations while `COUNTING` is on: the proof that the run
/// below never allocates.
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

mod traits {
    /// A sensor that produces a sample when it has one.
    #[stackslot::dyn_trait]
    pub trait Sensor {
        /// Waits for the next sample.
        async fn sample(&mut self) -> i32;
    }

    /// Where samples go.
    #[stackslot::dyn_trait]
    pub trait Sink {
        /// Writes one line; returns the time it was written at.
        async fn write(&mut self, sensor: usize, value: i32) -> u32;
    }
}

/// The simulated clock, in ticks, and the timers waiting on it.
mod clock {
    use std::cell::{Cell, RefCell};
    use std::future::poll_fn;
    use std::task::{Poll, Waker};

    const TIMERS: usize = 4;

    thread_local! {
        static NOW: Cell<u32> = const { Cell::new(0) };
        static WAITING: RefCell<[Option<(u32, Waker)>; TIMERS]> = const { RefCell::new([const { None }; TIMERS]) };
    }

    pub fn now() -> u32 {
        NOW.get()
    }

    /// Waits until `ticks` have passed.
    pub async fn sleep(ticks: u32) {
        let deadline = now() + ticks;
        poll_fn(|cx| {
            if now() >= deadline {
                return Poll::Ready(());
            }
            WAITING.with_borrow_mut(|waiting| {
                let free = waiting.iter_mut().find(|timer| timer.is_none());
                *free.expect("too many timers") = Some((deadline, cx.waker().clone()));
            });
            Poll::Pending
        })
        .await;
    }

    /// The timer interrupt: moves the clock to the earliest deadline and
    /// wakes its timers. `false` when no timer waits.
    pub fn fire_next() -> bool {
        WAITING.with_borrow_mut(|waiting| {
            let Some(next) = waiting.iter().flatten().map(|(at, _)| *at).min() else {
                return false;
            };
            NOW.set(next);
            for timer in waiting.iter_mut() {
                if timer.as_ref().is_some_and(|(at, _)| *at <= next) {
                    timer.take().unwrap().1.wake();
                }
            }
            true
        })
    }
}

mod devices {
    use super::clock;
    use super::traits::{Sensor, Sink};

    /// A slow sensor whose value drifts up.
    pub struct Thermometer {
        pub period: u32,
        pub millidegrees: i32,
    }

    impl Sensor for Thermometer {
        async fn sample(&mut self) -> i32 {
            clock::sleep(self.period).await;
            self.millidegrees += 125;
            self.millidegrees
        }
    }

    /// A fast sensor averaged over a window of raw readings.
    pub struct Accelerometer {
        pub raw: u32,
    }

    impl Sensor for Accelerometer {
        async fn sample(&mut self) -> i32 {
            let mut window = [0i32; 8];
            for reading in &mut window {
                clock::sleep(1).await;
                self.raw = self.raw.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                *reading = (self.raw >> 16) as i32 % 100;
            }
            window.iter().sum::<i32>() / window.len() as i32
        }
    }

    /// A UART that takes a tick per byte; keeps the lines it wrote.
    pub struct Uart {
        pub lines: [(u32, usize, i32); 16],
        pub written: usize,
    }

    impl Sink for Uart {
        async fn write(&mut self, sensor: usize, value: i32) -> u32 {
            clock::sleep(12).await; // "s0=+12345\r\n"
            self.lines[self.written] = (clock::now(), sensor, value);
            self.written += 1;
            clock::now()
        }
    }
}

/// A one-place mailbox between two tasks on one thread.
#[derive(Default)]
struct Mailbox<T> {
    value: Cell<Option<T>>,
    closed: Cell<bool>,
    sender: RefCell<Option<Waker>>,
    receiver: RefCell<Option<Waker>>,
}

impl<T> Mailbox<T> {
    /// Puts `value` in once the mailbox is empty.
    async fn send(&self, value: T) {
        let mut value = Some(value);
        poll_fn(|cx| {
            let Some(full) = self.value.take() else {
                self.value.set(value.take());
                if let Some(receiver) = self.receiver.take() {
                    receiver.wake();
                }
                return Poll::Ready(());
            };
            self.value.set(Some(full));
            *self.sender.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
    }

    /// Takes the next value; `None` once closed and empty.
    async fn receive(&self) -> Option<T> {
        poll_fn(|cx| match self.value.take() {
            Some(value) => {
                if let Some(sender) = self.sender.take() {
                    sender.wake();
                }
                Poll::Ready(Some(value))
            }
            None if self.closed.get() => Poll::Ready(None),
            None => {
                *self.receiver.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    fn close(&self) {
        self.closed.set(true);
        if let Some(receiver) = self.receiver.take() {
            receiver.wake();
        }
    }
}

/// The executor: a fixed set of tasks, each with a "ready" flag that its
/// waker sets; when no task is ready, the timer interrupt fires.
mod executor {
    use super::*;

    const TASKS: usize = 2;
    static READY: [AtomicBool; TASKS] = [const { AtomicBool::new(true) }; TASKS];

    /// A waker is a pointer to its task's flag: cloning copies the pointer.
    static VTABLE: RawWakerVTable =
        RawWakerVTable::new(|flag| RawWaker::new(flag, &VTABLE), wake, wake, |_| {});

    fn wake(flag: *const ()) {
        // SAFETY: every waker's data pointer is one of the `READY` flags,
        // which are statics.
        unsafe { &*flag.cast::<AtomicBool>() }.store(true, Ordering::Release);
    }

    /// Polls the tasks until all are done; returns how many polls it took.
    pub fn run(mut tasks: [Pin<&mut dyn Future<Output = ()>>; TASKS]) -> usize {
        let wakers = READY
            .each_ref()
            .map(|flag| RawWaker::new(core::ptr::from_ref(flag).cast(), &VTABLE))
            // SAFETY: `VTABLE`'s functions follow `RawWaker`'s contract:
            // the data pointer is a static flag, valid on every thread.
            .map(|raw| unsafe { Waker::from_raw(raw) });
        let mut done = [false; TASKS];
        let mut polls = 0;
        while done.contains(&false) {
            let mut progressed = false;
            for (i, task) in tasks.iter_mut().enumerate() {
                if !done[i] && READY[i].swap(false, Ordering::Acquire) {
                    progressed = true;
                    polls += 1;
                    let mut cx = Context::from_waker(&wakers[i]);
                    done[i] = task.as_mut().poll(&mut cx).is_ready();
                }
            }
            if !progressed {
                assert!(
                    super::clock::fire_next(),
                    "deadlock: no task ready, no timer"
                );
            }
        }
        polls
    }
}

const ROUNDS: usize = 8;

/// Reads each sensor `ROUNDS` times through `dyn`, one slot for all calls.
async fn sampler(
    sensors: &mut [&mut dyn traits::DynSensor],
    mailbox: &Mailbox<(usize, i32)>,
) -> Stats {
    let mut slot = pin!(Slot::<128>::new());
    for _ in 0..ROUNDS {
        for (i, sensor) in sensors.iter_mut().enumerate() {
            let value = sensor.sample(slot.as_mut().stack_only()).await;
            mailbox.send((i, value)).await;
        }
    }
    mailbox.close();
    slot.stats()
}

/// Writes every sample to the sink through the generated wrapper.
async fn reporter(sink: &mut dyn traits::DynSink, mailbox: &Mailbox<(usize, i32)>) -> Stats {
    let mut slot = pin!(Slot::<128>::new());
    let mut sink = traits::SinkWithSlot::stack_only(sink, slot.as_mut());
    while let Some((sensor, value)) = mailbox.receive().await {
        sink.write(sensor, value).await;
    }
    sink.slot.stats()
}

fn main() -> ExitCode {
    let mut thermometer = devices::Thermometer {
        period: 10,
        millidegrees: 21_000,
    };
    let mut accelerometer = devices::Accelerometer { raw: 7 };
    let mut uart = devices::Uart {
        lines: [(0, 0, 0); 16],
        written: 0,
    };
    let mailbox = Mailbox::default();
    let (sampled, reported) = (Cell::new(None), Cell::new(None));

    // The counter counts: one box, one allocation.
    COUNTING.store(true, Ordering::Relaxed);
    drop(std::hint::black_box(Box::new(1u8)));
    assert_eq!(ALLOCATIONS.swap(0, Ordering::Relaxed), 1);

    let polls = {
        let sampler = pin!(async {
            let mut sensors: [&mut dyn traits::DynSensor; 2] =
                [&mut thermometer, &mut accelerometer];
            sampled.set(Some(sampler(&mut sensors, &mailbox).await));
        });
        let reporter = pin!(async {
            reported.set(Some(reporter(&mut uart, &mailbox).await));
        });
        executor::run([sampler, reporter])
    };
    COUNTING.store(false, Ordering::Relaxed);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);

    let alloc = if cfg!(feature = "alloc") {
        "with"
    } else {
        "without"
    };
    println!(
        "stackslot built {alloc} its `alloc` feature; executor: 2 tasks, {polls} polls, {} ticks",
        clock::now()
    );
    println!("\n| tick | sensor | value |\n| ---: | --- | ---: |");
    for (tick, sensor, value) in &uart.lines[..uart.written] {
        let name = ["thermometer (m°C)", "accelerometer"][*sensor];
        println!("| {tick} | {name} | {value} |");
    }
    for (task, stats) in [("sampler", sampled.get()), ("reporter", reported.get())] {
        let stats = stats.expect("the task ran to its end");
        println!(
            "{task}: Slot<128>, stack_only: {} calls, {} hits, {} fallbacks, largest future {} bytes",
            stats.emplacements(),
            stats.hits(),
            stats.fallbacks(),
            stats.largest_future()
        );
    }
    println!("heap allocations while the executor ran: {allocations}");
    if allocations == 0 && uart.written == 2 * ROUNDS {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
