//! Instructions per call, for callgrind: the deterministic counterpart of
//! the wall-clock benches, and the measure behind docs/ARCHITECTURE.md
//! ("What bounds the hit path").
//!
//! Each path makes `n` calls of one `next()` through `&mut dyn`; its cost
//! per call is the difference between the totals for 2,000 and 1,000
//! calls, divided by 1,000, which removes the program's start and end.
//! `benches/instructions.sh` builds this target and prints that figure for
//! every path; by hand: `valgrind --tool=callgrind <binary> hit 1000`.
//!
//! The `awaiting-` paths repeat the floor, the bare ABI, the hit and
//! `call` with a future that awaits once before it returns, as the
//! report's handlers do: its state machine is part of every async path's
//! cost and of no synchronous one's.
//!
//! Besides the crate's paths it runs two that are not the crate's: the
//! floor (`&mut dyn Iterator::next`) and the *bare* scratch-space ABI,
//! which writes the future into a caller's buffer and returns a pointer
//! with a `poll` function, and checks nothing: no vacancy, no occupancy
//! record, no counters, no fit test, no fallback; `bare-eager` also polls
//! the future in the callee with the caller's context, as `Slot::call`
//! does, and returns a ready output by value. It is sound only
//! because this file calls it in exactly one way; it is here to measure
//! what the crate's checks cost, not to be used.

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use stackslot::{NoStats, Scratch, Slot, SlotFuture};
use yield_once::YieldOnce;

#[path = "common/yield_once.rs"]
mod yield_once;

/// The dyn-compatible method of every slot path.
trait DynNext {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>>;
}

/// A counter whose future (16 bytes) is ready at once.
struct Counter(u64);

impl Counter {
    #[inline(always)]
    async fn future(&mut self) -> Option<u64> {
        self.0 += 1;
        Some(self.0)
    }
}

/// A counter whose future awaits a ready future before it returns, as the
/// report's handlers do: a state machine with a resume point (40 bytes),
/// where `Counter`'s has none.
struct Awaiting(u64);

impl Awaiting {
    #[inline(always)]
    async fn future(&mut self) -> Option<u64> {
        let step = [1u8; 1];
        std::future::ready(()).await;
        self.0 += u64::from(step[0]);
        Some(self.0)
    }
}

/// `Awaiting`'s floor: the same work, synchronous.
impl Iterator for Awaiting {
    type Item = u64;
    #[inline(never)]
    fn next(&mut self) -> Option<u64> {
        let step = black_box([1u8; 1]);
        self.0 += u64::from(step[0]);
        Some(self.0)
    }
}

/// A counter whose future is pending once.
struct Yielding(u64);

impl Yielding {
    /// Not an `async fn`: that state machine costs 3 more instructions per
    /// call, and the counts here are compared across versions.
    #[inline(always)]
    #[allow(clippy::manual_async_fn)]
    fn future(&mut self) -> impl Future<Output = Option<u64>> + Send + '_ {
        async move {
            YieldOnce(false).await;
            self.0 += 1;
            Some(self.0)
        }
    }
}

/// A counter whose future holds 400 bytes: it falls back from a
/// `Slot<64>`.
struct Large(u64);

impl Large {
    #[inline(always)]
    fn future(&mut self) -> impl Future<Output = Option<u64>> + Send + '_ {
        let pad = [1u8; 400];
        async move {
            self.0 += u64::from(pad[7]);
            Some(self.0)
        }
    }
}

/// `DynNext` for counters whose `future` is their async `next`.
macro_rules! dyn_next {
    ($($counter:ty),*) => {$(
        impl DynNext for $counter {
            #[inline(never)]
            fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
                scratch.emplace(self.future())
            }
        }
    )*};
}

dyn_next!(Counter, Awaiting, Yielding, Large);

/// The same large future, boxed per call as `async-trait` does.
trait BoxedNext {
    fn next_boxed(&mut self) -> Pin<Box<dyn Future<Output = Option<u64>> + Send + '_>>;
}

impl BoxedNext for Large {
    #[inline(never)]
    fn next_boxed(&mut self) -> Pin<Box<dyn Future<Output = Option<u64>> + Send + '_>> {
        Box::pin(self.future())
    }
}

/// A future that must be ready: the paths measured are ready at once.
fn ready<T>(poll: Poll<Option<T>>) -> T {
    match poll {
        Poll::Ready(Some(value)) => value,
        _ => unreachable!("every path here is ready with a value"),
    }
}

#[inline(never)]
fn floor(iter: &mut dyn Iterator<Item = u64>, n: u64) -> u64 {
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(iter.next().expect("an endless range"));
    }
    sum
}

/// `iter.next(slot.as_mut().or_box())`, polled once.
#[inline(never)]
fn plain<C: stackslot::Counting>(
    iter: &mut dyn DynNext,
    mut slot: Pin<&mut Slot<64, stackslot::Align16, C>>,
    n: u64,
) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    let mut sum = 0u64;
    for _ in 0..n {
        let mut fut = iter.next(slot.as_mut().or_box());
        sum = sum.wrapping_add(ready(Pin::new(&mut fut).poll(&mut cx)));
    }
    sum
}

/// `slot.as_mut().call(|s| iter.next(s))`, polled once.
#[inline(never)]
fn call(iter: &mut dyn DynNext, n: u64) -> u64 {
    let mut slot = pin!(Slot::<64>::new());
    let mut cx = Context::from_waker(Waker::noop());
    let mut sum = 0u64;
    for _ in 0..n {
        let mut fut = slot.as_mut().call(|s| iter.next(s));
        sum = sum.wrapping_add(ready(Pin::new(&mut fut).poll(&mut cx)));
    }
    sum
}

/// A future pending once, polled twice: plain, or through `call`.
#[inline(never)]
fn pending(iter: &mut dyn DynNext, through_call: bool, n: u64) -> u64 {
    let mut slot = pin!(Slot::<64>::new());
    let mut cx = Context::from_waker(Waker::noop());
    let mut sum = 0u64;
    for _ in 0..n {
        if through_call {
            let mut fut = slot.as_mut().call(|s| iter.next(s));
            assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
            sum = sum.wrapping_add(ready(Pin::new(&mut fut).poll(&mut cx)));
        } else {
            let mut fut = iter.next(slot.as_mut().or_box());
            assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
            sum = sum.wrapping_add(ready(Pin::new(&mut fut).poll(&mut cx)));
        }
    }
    sum
}

#[inline(never)]
fn boxed(iter: &mut dyn BoxedNext, n: u64) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    let mut sum = 0u64;
    for _ in 0..n {
        let mut fut = iter.next_boxed();
        sum = sum.wrapping_add(ready(fut.as_mut().poll(&mut cx)));
    }
    sum
}

/// The bare ABI: no check of any kind (see the module's docs).
mod bare {
    use super::*;

    /// A future written into the caller's buffer: where, and how to poll it.
    pub struct Placed {
        at: *mut u8,
        poll: unsafe fn(*mut u8, &mut Context<'_>) -> Poll<Option<u64>>,
    }

    impl Placed {
        /// Polls the placed future; it is dropped when ready.
        pub fn poll(&self, cx: &mut Context<'_>) -> Poll<Option<u64>> {
            // SAFETY: `at` holds the `F` that `poll` was made for, written
            // by `place`, pinned in a buffer that `run` does not touch
            // again until it is dropped; `run` polls it until ready, once
            // after that never.
            unsafe { (self.poll)(self.at, cx) }
        }
    }

    /// # Safety
    ///
    /// `at` holds a live `F`, pinned, not polled after `Ready`.
    unsafe fn poll_placed<F: Future<Output = Option<u64>>>(
        at: *mut u8,
        cx: &mut Context<'_>,
    ) -> Poll<Option<u64>> {
        // SAFETY: a live, pinned `F` (contract).
        let poll = unsafe { Pin::new_unchecked(&mut *at.cast::<F>()) }.poll(cx);
        if poll.is_ready() {
            // SAFETY: ready, so never polled again: dropped here, once.
            unsafe { at.cast::<F>().drop_in_place() }
        }
        poll
    }

    /// Writes `f` at `at`, a `Buffer` that fits it (the assertion is a
    /// constant), and returns how to poll it.
    #[inline(always)]
    fn place<F: Future<Output = Option<u64>>>(at: *mut u8, f: F) -> Placed {
        const { assert!(size_of::<F>() <= 64 && align_of::<F>() <= 16) };
        // SAFETY: `at` is a `Buffer`'s 64 bytes aligned to 16, vacant (the
        // previous future was dropped when ready), which fit `F`.
        unsafe { at.cast::<F>().write(f) };
        Placed {
            at,
            poll: poll_placed::<F>,
        }
    }

    /// [`place`], then a poll with the caller's context, the eager path
    /// without its checks: the output when ready, else how to poll again.
    #[inline(always)]
    fn place_eagerly<F: Future<Output = Option<u64>>>(
        at: *mut u8,
        f: F,
        cx: &mut Context<'_>,
    ) -> Result<Option<u64>, Placed> {
        let placed = place(at, f);
        // SAFETY: `place` just wrote a `F` at `at`, not polled yet.
        match unsafe { poll_placed::<F>(at, cx) } {
            Poll::Ready(output) => Ok(output),
            Poll::Pending => Err(placed),
        }
    }

    /// The dyn-compatible methods of the bare ABI.
    pub trait BareNext {
        fn next(&mut self, at: *mut u8) -> Placed;
        fn next_eagerly(
            &mut self,
            at: *mut u8,
            cx: &mut Context<'_>,
        ) -> Result<Option<u64>, Placed>;
    }

    /// The bare methods of a counter whose `future` is its async `next`.
    macro_rules! bare_next {
        ($counter:ty) => {
            impl BareNext for $counter {
                #[inline(never)]
                fn next(&mut self, at: *mut u8) -> Placed {
                    place(at, self.future())
                }
                #[inline(never)]
                fn next_eagerly(
                    &mut self,
                    at: *mut u8,
                    cx: &mut Context<'_>,
                ) -> Result<Option<u64>, Placed> {
                    place_eagerly(at, self.future(), cx)
                }
            }
        };
    }

    bare_next!(Counter);
    bare_next!(Awaiting);

    #[repr(C, align(16))]
    struct Buffer([u8; 64]);

    #[inline(never)]
    pub fn run(iter: &mut dyn BareNext, n: u64) -> u64 {
        let mut buffer = Buffer([0; 64]);
        let mut cx = Context::from_waker(Waker::noop());
        let mut sum = 0u64;
        for _ in 0..n {
            let placed = iter.next(buffer.0.as_mut_ptr());
            sum = sum.wrapping_add(ready(placed.poll(&mut cx)));
        }
        sum
    }

    #[inline(never)]
    pub fn run_eagerly(iter: &mut dyn BareNext, n: u64) -> u64 {
        let mut buffer = Buffer([0; 64]);
        let mut cx = Context::from_waker(Waker::noop());
        let mut sum = 0u64;
        for _ in 0..n {
            let output = match iter.next_eagerly(buffer.0.as_mut_ptr(), &mut cx) {
                Ok(output) => Poll::Ready(output),
                Err(placed) => placed.poll(&mut cx),
            };
            sum = sum.wrapping_add(ready(output));
        }
        sum
    }
}

/// The paths, by name.
const PATHS: [&str; 16] = [
    "floor",
    "bare",
    "bare-eager",
    "hit",
    "awaiting-floor",
    "awaiting-bare",
    "awaiting-bare-eager",
    "awaiting-hit",
    "awaiting-call",
    "hit-no-stats",
    "call",
    "pending",
    "call-pending",
    "fallback",
    "call-fallback",
    "box-per-call",
];

fn run(path: &str, n: u64) -> u64 {
    let mut counter = Counter(0);
    let mut yielding = Yielding(0);
    let mut large = Large(0);
    let mut awaiting = Awaiting(0);
    match path {
        "floor" => floor(black_box(&mut (0u64..)), n),
        "bare" => bare::run(black_box(&mut counter), n),
        "bare-eager" => bare::run_eagerly(black_box(&mut counter), n),
        "hit" => plain(black_box(&mut counter), pin!(Slot::<64>::new()), n),
        "awaiting-floor" => floor(black_box(&mut awaiting), n),
        "awaiting-bare" => bare::run(black_box(&mut awaiting), n),
        "awaiting-bare-eager" => bare::run_eagerly(black_box(&mut awaiting), n),
        "awaiting-hit" => plain(black_box(&mut awaiting), pin!(Slot::<64>::new()), n),
        "awaiting-call" => call(black_box(&mut awaiting), n),
        "hit-no-stats" => plain(
            black_box(&mut counter),
            pin!(Slot::<64, stackslot::Align16, NoStats>::new()),
            n,
        ),
        "call" => call(black_box(&mut counter), n),
        "pending" => pending(black_box(&mut yielding), false, n),
        "call-pending" => pending(black_box(&mut yielding), true, n),
        "fallback" => plain(black_box(&mut large), pin!(Slot::<64>::new()), n),
        "call-fallback" => call(black_box(&mut large), n),
        "box-per-call" => boxed(black_box(&mut large), n),
        _ => unreachable!("checked against PATHS"),
    }
}

fn main() {
    // `cargo bench` passes `--bench`: only the words count.
    let words: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let (path, n) = match words.as_slice() {
        [path, n] if PATHS.contains(&path.as_str()) => {
            (path.as_str(), n.parse().expect("a number of calls"))
        }
        _ => {
            eprintln!("usage: instructions <path> <calls>; paths: {PATHS:?}");
            // Run as part of `cargo bench`: nothing to measure without
            // callgrind; `benches/instructions.sh` runs it.
            return;
        }
    };
    println!("{}", run(path, n));
}
