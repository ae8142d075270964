//! The hit path, side by side in one run: one `next()` through dynamic
//! dispatch whose small future (16 bytes) is ready at once, for
//!
//! - the floors (`&mut dyn Iterator::next`, `Pin<&mut dyn Stream>::poll_next`)
//!   and the limit (static dispatch of the same `async fn`);
//! - the peers: `async-trait` (a `Box` per call), `dynosaur`, `stackfuture`,
//!   `dynify` (stack and heap containers), `smallbox`, and tokio-util's
//!   `ReusableBoxFuture`;
//! - `stackslot` with every named slot class from 64 bytes to 4 KiB, and
//!   `Slot<64>` without counters (`NoStats`) next to the counting one.
//!
//! Run with `cargo bench --bench hit_path`. Each measurement is of 100
//! calls (see `common`'s docs for why); compare ratios within one run, not
//! absolute times across runs.

mod common;

use std::future::Future;
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};

use common::{Counter, Group, expect_ready, group, noop_context, per_call, ready, reference_rows};
use criterion::{Criterion, criterion_group, criterion_main};
use dynify::Dynify;
use smallbox::SmallBox;
use smallbox::space::S8;
use stackfuture::StackFuture;
use stackslot::{Align16, NoStats, Scratch, Slot, SlotFuture};
use tokio_util::sync::ReusableBoxFuture;

/// `stackslot`'s form of the method: the caller lends a scratch.
trait SlotNext {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>>;
}

impl SlotNext for Counter {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        scratch.emplace(self.next_async())
    }
}

/// `async-trait`: a `Pin<Box<dyn Future + Send>>` per call.
#[async_trait::async_trait]
trait AsyncTraitNext {
    async fn next(&mut self) -> Option<u64>;
}

#[async_trait::async_trait]
impl AsyncTraitNext for Counter {
    async fn next(&mut self) -> Option<u64> {
        self.bump()
    }
}

/// `dynosaur`: the `DynDynosaurNext` type stands for `dyn DynosaurNext` and
/// boxes each future when dispatched dynamically.
#[dynosaur::dynosaur(DynDynosaurNext = dyn(box) DynosaurNext)]
trait DynosaurNext {
    async fn next(&mut self) -> Option<u64>;
}

impl DynosaurNext for Counter {
    async fn next(&mut self) -> Option<u64> {
        self.bump()
    }
}

/// `dynify`: the generated `DynDynifyNext` returns a constructor that the
/// caller initializes in a container of its choice.
#[dynify::dynify]
trait DynifyNext {
    async fn next(&mut self) -> Option<u64>;
}

impl DynifyNext for Counter {
    async fn next(&mut self) -> Option<u64> {
        self.bump()
    }
}

/// `stackfuture`: the future is returned by value in `N` bytes, checked at
/// compile time (`from`) or boxed when too large (`from_or_box`).
trait StackNext<const N: usize> {
    fn next(&mut self) -> StackFuture<'_, Option<u64>, N>;
    fn next_or_box(&mut self) -> StackFuture<'_, Option<u64>, N>;
}

impl<const N: usize> StackNext<N> for Counter {
    fn next(&mut self) -> StackFuture<'_, Option<u64>, N> {
        StackFuture::from(self.next_async())
    }
    fn next_or_box(&mut self) -> StackFuture<'_, Option<u64>, N> {
        StackFuture::from_or_box(self.next_async())
    }
}

/// `smallbox`: a `SmallBox<dyn Future>` with 64 bytes (`S8`) inline,
/// returned by value.
trait SmallBoxNext {
    fn next(&mut self) -> SmallBox<dyn Future<Output = Option<u64>> + Send + '_, S8>;
}

impl SmallBoxNext for Counter {
    fn next(&mut self) -> SmallBox<dyn Future<Output = Option<u64>> + Send + '_, S8> {
        smallbox::smallbox!(self.next_async())
    }
}

/// tokio-util's `ReusableBoxFuture`: the caller keeps one box and the
/// callee replaces its future, reallocating only when the layout changes.
/// The box outlives each call, so the callee takes `&self`; its counter is
/// an atomic used with relaxed loads and stores, which compile to the same
/// plain moves as [`Counter::bump`].
trait ReusableNext {
    fn next<'a>(&'a self, buf: &mut ReusableBoxFuture<'a, Option<u64>>);
}

#[derive(Default)]
struct SharedCounter {
    n: AtomicU64,
}

impl ReusableNext for SharedCounter {
    fn next<'a>(&'a self, buf: &mut ReusableBoxFuture<'a, Option<u64>>) {
        buf.set(async move {
            let n = self.n.load(Ordering::Relaxed).wrapping_add(1);
            self.n.store(n, Ordering::Relaxed);
            Some(n)
        })
    }
}

fn async_trait(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut dyn AsyncTraitNext = black_box(&mut counter);
    let mut cx = noop_context();
    per_call(group, "peer: async-trait (Box per call)", || {
        black_box(ready(iter.next(), &mut cx));
    });
}

fn dynosaur(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut DynDynosaurNext<'_> = black_box(DynDynosaurNext::from_mut(&mut counter));
    let mut cx = noop_context();
    per_call(group, "peer: dynosaur (Box per call)", || {
        black_box(ready(iter.next(), &mut cx));
    });
}

fn stackfuture<const N: usize>(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut dyn StackNext<N> = black_box(&mut counter);
    let mut cx = noop_context();
    per_call(group, &format!("peer: StackFuture<{N}>::from"), || {
        black_box(ready(iter.next(), &mut cx));
    });
    per_call(
        group,
        &format!("peer: StackFuture<{N}>::from_or_box"),
        || {
            black_box(ready(iter.next_or_box(), &mut cx));
        },
    );
}

fn dynify(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut dyn DynDynifyNext = black_box(&mut counter);
    let mut cx = noop_context();
    let mut stack = [MaybeUninit::<u8>::uninit(); 64];
    let mut heap = Vec::<MaybeUninit<u8>>::new();
    per_call(group, "peer: dynify init2(stack 64, heap)", || {
        black_box(ready(iter.next().init2(&mut stack, &mut heap), &mut cx));
    });
    per_call(group, "peer: dynify init(heap Vec, reused)", || {
        black_box(ready(iter.next().init(&mut heap), &mut cx));
    });
}

fn smallbox(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut dyn SmallBoxNext = black_box(&mut counter);
    let mut cx = noop_context();
    per_call(group, "peer: SmallBox<dyn Future, S8>", || {
        black_box(ready(iter.next(), &mut cx));
    });
}

fn reusable_box(group: &mut Group<'_>) {
    let counter = SharedCounter::default();
    let iter: &dyn ReusableNext = black_box(&counter);
    let mut cx = noop_context();
    let mut buf = ReusableBoxFuture::new(async { None });
    per_call(group, "peer: tokio-util ReusableBoxFuture", || {
        iter.next(&mut buf);
        black_box(expect_ready(buf.poll(&mut cx)));
    });
}

/// A `stackslot` hit in a `Slot<N>` reused by every call.
fn slot_hit<const N: usize>(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut dyn SlotNext = black_box(&mut counter);
    let mut slot = pin!(Slot::<N>::new());
    let mut cx = noop_context();
    per_call(group, &format!("stackslot: Slot<{N}> hit"), || {
        black_box(ready(iter.next(slot.as_mut().or_box()), &mut cx));
    });
    assert_eq!(slot.stats().fallbacks(), 0, "every call must be a hit");
}

/// A `stackslot` hit in a `Slot<N, Align16, NoStats>` (no counters)
/// reused by every call.
fn slot_hit_without_counters<const N: usize>(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut dyn SlotNext = black_box(&mut counter);
    let mut slot = pin!(Slot::<N, Align16, NoStats>::new());
    let mut cx = noop_context();
    per_call(group, &format!("stackslot: Slot<{N}, NoStats> hit"), || {
        black_box(ready(iter.next(slot.as_mut().or_box()), &mut cx));
    });
}

fn hit_path(c: &mut Criterion) {
    let mut group = group(c, "hit_path");
    reference_rows(&mut group);
    async_trait(&mut group);
    dynosaur(&mut group);
    stackfuture::<256>(&mut group);
    stackfuture::<4096>(&mut group);
    dynify(&mut group);
    smallbox(&mut group);
    reusable_box(&mut group);
    slot_hit::<64>(&mut group);
    slot_hit_without_counters::<64>(&mut group);
    slot_hit::<128>(&mut group);
    slot_hit::<256>(&mut group);
    slot_hit::<512>(&mut group);
    slot_hit::<1024>(&mut group);
    slot_hit::<2048>(&mut group);
    slot_hit::<4096>(&mut group);
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = hit_path
}
criterion_main!(benches);
