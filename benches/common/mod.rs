//! What every bench shares: the measuring harness, the `Counter` behind
//! every `dyn`, and the two floors of dynamic dispatch.
//!
//! # Why 100 calls per sample
//!
//! On this kind of machine criterion's own per-iteration overhead (reading
//! the clock, the loop, `black_box` of the result) is of the order of one
//! synchronous dyn call (~1.5 ns), so a bench that makes a single call per
//! iteration measures mostly the harness and squashes every ratio towards
//! one. Each iteration therefore makes [`CALLS`] calls; criterion reports the
//! time of the whole iteration, so divide by 100 for ns per call (the
//! throughput line, in elements per second, already counts calls).

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{Criterion, Throughput};

/// Calls per measured iteration (see the module's docs).
pub const CALLS: u64 = 100;

/// A benchmark group measured in wall-clock time.
pub type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// Shorter than criterion's defaults so that a whole bench target runs in
/// a minute or two; command-line options (`--measurement-time`, ...)
/// still override it.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

/// A group named `name` whose throughput counts calls.
pub fn group<'c>(c: &'c mut Criterion, name: &str) -> Group<'c> {
    let mut group = c.benchmark_group(format!("{name} (x{CALLS} calls)"));
    group.throughput(Throughput::Elements(CALLS));
    group
}

/// Measures `call`, made [`CALLS`] times per iteration.
pub fn per_call(group: &mut Group<'_>, name: &str, mut call: impl FnMut()) {
    group.bench_function(name, |b| {
        b.iter(|| {
            for _ in 0..CALLS {
                call();
            }
        })
    });
}

/// Polls a future that is ready at once, as `.await` would.
#[inline(always)]
pub fn ready<F: Future>(fut: F, cx: &mut Context<'_>) -> F::Output {
    expect_ready(pin!(fut).poll(cx))
}

/// The output of a poll that must be ready: no bench future ever waits.
#[inline(always)]
pub fn expect_ready<T>(poll: Poll<T>) -> T {
    match poll {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the benchmark futures are ready at once"),
    }
}

/// A context whose waker does nothing: no bench future ever waits.
pub fn noop_context() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

/// The implementor behind every `dyn`: a counter. Every variant of `next`,
/// synchronous or async, does exactly [`Counter::bump`].
#[derive(Default)]
pub struct Counter {
    n: u64,
}

impl Counter {
    /// The work of one `next` call.
    #[inline(always)]
    pub fn bump(&mut self) -> Option<u64> {
        self.n = self.n.wrapping_add(1);
        Some(self.n)
    }

    /// The `async fn` every async variant wraps; its future is 16 bytes.
    pub async fn next_async(&mut self) -> Option<u64> {
        self.bump()
    }
}

impl Iterator for Counter {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        self.bump()
    }
}

/// A `Stream`-style trait: the poll-based floor.
pub trait PollNext {
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>>;
}

impl PollNext for Counter {
    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u64>> {
        Poll::Ready(self.get_mut().bump())
    }
}

/// The references for the ratios of every other row in the same group:
/// the floors of dynamic dispatch, a synchronous `&mut dyn Iterator::next`
/// and a `Stream`-style `poll_next` through `Pin<&mut dyn PollNext>`, and
/// the limit, static dispatch of the same `async fn`.
pub fn reference_rows(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut dyn Iterator<Item = u64> = black_box(&mut counter);
    per_call(group, "floor: &mut dyn Iterator::next", || {
        black_box(iter.next());
    });

    let mut counter = Counter::default();
    let mut stream: Pin<&mut dyn PollNext> =
        black_box(Pin::new(&mut counter) as Pin<&mut dyn PollNext>);
    let mut cx = noop_context();
    per_call(group, "floor: Pin<&mut dyn Stream>::poll_next", || {
        black_box(expect_ready(stream.as_mut().poll_next(&mut cx)));
    });

    let mut counter = Counter::default();
    let counter: &mut Counter = black_box(&mut counter);
    per_call(group, "limit: static Counter::next_async", || {
        black_box(ready(counter.next_async(), &mut cx));
    });
}
