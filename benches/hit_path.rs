//! The hit path, side by side in one run: one `next()` through `&mut dyn`
//! whose small future is ready at once, against the synchronous floor
//! (`&mut dyn Iterator::next`), `Box::pin` per call (what `async-trait`
//! does), and `StackFuture::from_or_box`.
//!
//! Run with `cargo bench --bench hit_path`; each measurement is of 100 calls.
//! Compare the ratios, not the absolute times.

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use stackfuture::StackFuture;
use stackslot::{Scratch, Slot, SlotFuture};

/// The implementor behind every `dyn`: a counter.
struct Counter {
    n: u64,
}

impl Iterator for Counter {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        self.n = self.n.wrapping_add(1);
        Some(self.n)
    }
}

trait BoxedNext {
    fn next(&mut self) -> Pin<Box<dyn Future<Output = Option<u64>> + Send + '_>>;
}

impl BoxedNext for Counter {
    fn next(&mut self) -> Pin<Box<dyn Future<Output = Option<u64>> + Send + '_>> {
        Box::pin(async move { Iterator::next(self) })
    }
}

trait StackNext<const N: usize> {
    fn next(&mut self) -> StackFuture<'_, Option<u64>, N>;
}

impl<const N: usize> StackNext<N> for Counter {
    fn next(&mut self) -> StackFuture<'_, Option<u64>, N> {
        StackFuture::from_or_box(async move { Iterator::next(self) })
    }
}

trait SlotNext {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>>;
}

impl SlotNext for Counter {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        scratch.emplace(async move { Iterator::next(self) })
    }
}

/// Calls per measured iteration: the per-iteration overhead of the harness
/// is of the order of the floor itself, so each iteration makes this many
/// calls and the reported time is divided by it (see `per_call`).
const CALLS: u64 = 100;

/// Runs `call` `CALLS` times per iteration.
fn per_call(group: &mut Group<'_>, name: String, mut call: impl FnMut()) {
    group.bench_function(name, |b| {
        b.iter(|| {
            for _ in 0..CALLS {
                call();
            }
        })
    });
}

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// Polls a future that is ready at once, as `.await` would.
#[inline(always)]
fn ready<F: Future>(fut: F, cx: &mut Context<'_>) -> F::Output {
    match pin!(fut).poll(cx) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the benchmark futures are ready at once"),
    }
}

fn slot_hit<const N: usize>(group: &mut Group<'_>) {
    let mut counter = Counter { n: 0 };
    let iter: &mut dyn SlotNext = black_box(&mut counter);
    let mut slot = pin!(Slot::<N>::new());
    let mut cx = Context::from_waker(Waker::noop());
    per_call(group, format!("stackslot Slot<{N}> (hit)"), || {
        black_box(ready(iter.next(slot.as_mut().or_box()), &mut cx));
    });
    assert_eq!(slot.stats().fallbacks(), 0, "every call must be a hit");
}

fn stackfuture<const N: usize>(group: &mut Group<'_>) {
    let mut counter = Counter { n: 0 };
    let iter: &mut dyn StackNext<N> = black_box(&mut counter);
    let mut cx = Context::from_waker(Waker::noop());
    per_call(group, format!("StackFuture<{N}>::from_or_box"), || {
        black_box(ready(iter.next(), &mut cx));
    });
}

fn hit_path(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("hit_path (x{CALLS} calls)"));
    let mut cx = Context::from_waker(Waker::noop());

    let mut counter = Counter { n: 0 };
    let iter: &mut dyn Iterator<Item = u64> = black_box(&mut counter);
    per_call(&mut group, "floor: &mut dyn Iterator::next".into(), || {
        black_box(iter.next());
    });

    let mut counter = Counter { n: 0 };
    let iter: &mut dyn BoxedNext = black_box(&mut counter);
    per_call(&mut group, "Box::pin per call".into(), || {
        black_box(ready(iter.next(), &mut cx));
    });

    stackfuture::<64>(&mut group);
    stackfuture::<4096>(&mut group);
    slot_hit::<64>(&mut group);
    slot_hit::<4096>(&mut group);
    group.finish();
}

criterion_group!(benches, hit_path);
criterion_main!(benches);
