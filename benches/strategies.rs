//! The callee-side strategies of `src/strategy/`, side by side in one run
//! with the floors they are measured against.
//!
//! Each strategy gets the same two rows (see [`strategy_rows`]): a hit in
//! the caller's `Slot<64>`, and a call whose caller lends no space
//! (`Scratch::boxed()`), where the strategy alone decides where the future
//! goes. docs/ARCHITECTURE.md's targets: a cached buffer or arena allocates 0 times
//! amortized; the inline adapter is within 1.5x of the `poll_next` floor.
//!
//! Run with `cargo bench --bench strategies`. Each measurement is of 100
//! calls (see `common`'s docs for why).

mod common;

use std::hint::black_box;
use std::pin::{Pin, pin};

use common::{Counter, Group, group, noop_context, per_call, ready, reference_rows};
use criterion::{Criterion, criterion_group, criterion_main};
use stackslot::{
    Adapter, Arena, HeapSlot, Scratch, SideStack, Slot, SlotFuture, Strategy, strategy,
};

/// A dyn-compatible `async fn next(&mut self)`, as the `dyn_trait` macro
/// writes it for a `&mut self` method: through a pinned receiver, so that
/// a strategy with storage of its own can use it.
trait DynNext {
    fn next<'s>(self: Pin<&'s mut Self>, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>>;
}

impl DynNext for Counter {
    fn next<'s>(self: Pin<&'s mut Self>, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        scratch.emplace(self.get_mut().next_async())
    }
}

impl<S: Strategy> DynNext for Adapter<Counter, S> {
    fn next<'s>(self: Pin<&'s mut Self>, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        let (inner, strategy) = self.parts_pinned();
        strategy.emplace_exclusive(scratch, inner.next_async())
    }
}

/// Calls `next` on `iter` with scratches made by `lend`.
fn rows_for(group: &mut Group<'_>, name: &str, mut iter: Pin<&mut dyn DynNext>) {
    let mut slot = pin!(Slot::<64>::new());
    let mut cx = noop_context();
    per_call(group, &format!("{name}: Slot<64> hit"), || {
        black_box(ready(iter.as_mut().next(slot.as_mut().or_box()), &mut cx));
    });
    assert_eq!(slot.stats().fallbacks(), 0, "every call must be a hit");
    per_call(group, &format!("{name}: Scratch::boxed()"), || {
        black_box(ready(iter.as_mut().next(Scratch::boxed()), &mut cx));
    });
}

/// The rows of strategy `S`, named `name`, wrapping the same `Counter`.
fn strategy_rows<S: Strategy + Default>(group: &mut Group<'_>, name: &str) {
    let mut adapter = pin!(Adapter::<Counter, S>::new(Counter::default()));
    rows_for(
        group,
        &format!("strategy {name}"),
        black_box(adapter.as_mut()),
    );
}

fn strategies(c: &mut Criterion) {
    let mut group = group(c, "strategies");
    reference_rows(&mut group);

    // No adapter: the plain implementor, for the adapters' overhead.
    let mut counter = Counter::default();
    let counter = Pin::new(&mut counter) as Pin<&mut dyn DynNext>;
    rows_for(&mut group, "no adapter", black_box(counter));

    // One line per strategy of `src/strategy/`.
    strategy_rows::<strategy::Boxing>(&mut group, "Boxing");
    strategy_rows::<strategy::CachedBox>(&mut group, "CachedBox");
    strategy_rows::<strategy::Inline<64>>(&mut group, "Inline<64>");
    strategy_rows::<strategy::StackOnly<64>>(&mut group, "StackOnly<64>");

    caller_rows(&mut group);
    group.finish();
}

/// The caller-side spaces, each lending to the plain `Counter`.
fn caller_rows(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let mut iter = black_box(Pin::new(&mut counter) as Pin<&mut dyn DynNext>);
    let mut cx = noop_context();

    let mut heap = HeapSlot::new();
    per_call(group, "space HeapSlot", || {
        black_box(ready(iter.as_mut().next(heap.scratch()), &mut cx));
    });
    assert_eq!(heap.stats().fallbacks(), 1, "one allocation, then hits");

    let mut slot = pin!(Slot::<16>::new());
    per_call(group, "space Slot<16> then HeapSlot (second tier)", || {
        black_box(ready(
            iter.as_mut().next(slot.as_mut().then(heap.scratch())),
            &mut cx,
        ));
    });

    let mut arena = Arena::new();
    let mut calls = 0u32;
    per_call(group, "space Slot<16> or_arena (reset every 100)", || {
        calls += 1;
        if calls % 100 == 0 {
            arena.reset();
        }
        black_box(ready(
            iter.as_mut().next(slot.as_mut().or_arena(&arena)),
            &mut cx,
        ));
    });

    let stack = pin!(SideStack::<4096>::new());
    let stack = stack.into_ref();
    per_call(group, "space SideStack<4096>", || {
        black_box(ready(iter.as_mut().next(stack.or_box()), &mut cx));
    });
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = strategies
}
criterion_main!(benches);
