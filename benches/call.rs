//! `Slot::call` against the plain path, side by side in one run:
//!
//! - `ready at once`: one `next()` through `&mut dyn` whose small future
//!   (16 bytes) is ready at once: the floors (`&mut dyn Iterator::next`,
//!   ...), the plain slot hit (`iter.next(slot.as_mut().or_box()).await`)
//!   and the same call through `slot.as_mut().call(|s| iter.next(s))`;
//! - `pending once`: a future that is pending once, then ready (two polls
//!   per call), plain and through `call`;
//! - `fallback`: a 400-byte future that does not fit a `Slot<256>`,
//!   plain, through `call`, and a `Box::pin` per call.
//!
//! Run with `cargo bench --bench call`. Each measurement is of 100 calls
//! (see `common`'s docs for why); compare ratios within one run.

mod common;
#[path = "common/yield_once.rs"]
mod yield_once;

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::Context;

use common::{Counter, Group, expect_ready, group, noop_context, per_call, ready, reference_rows};
use criterion::{Criterion, criterion_group, criterion_main};
use stackslot::{Scratch, Slot, SlotFuture};
use yield_once::YieldOnce;

/// The dyn-compatible method, ready at once.
trait SlotNext {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>>;
}

impl SlotNext for Counter {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        scratch.emplace(self.next_async())
    }
}

/// A counter whose `next` is pending once.
#[derive(Default)]
struct Yielding(Counter);

impl SlotNext for Yielding {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        scratch.emplace(async move {
            YieldOnce(false).await;
            self.0.bump()
        })
    }
}

/// A callee whose future holds 400 bytes of state.
trait Large {
    fn call<'s>(&'s self, scratch: Scratch<'s>, seed: u8) -> SlotFuture<'s, u64>;
    fn call_boxed(&self, seed: u8) -> Pin<Box<dyn Future<Output = u64> + Send + '_>>;
}

struct Payload;

impl Payload {
    #[inline(always)]
    fn future(seed: u8) -> impl Future<Output = u64> + Send {
        let state = [seed; 400];
        async move { u64::from(state[0]) + u64::from(state[399]) }
    }
}

impl Large for Payload {
    fn call<'s>(&'s self, scratch: Scratch<'s>, seed: u8) -> SlotFuture<'s, u64> {
        scratch.emplace(Self::future(seed))
    }
    fn call_boxed(&self, seed: u8) -> Pin<Box<dyn Future<Output = u64> + Send + '_>> {
        Box::pin(Self::future(seed))
    }
}

fn ready_at_once(group: &mut Group<'_>) {
    let mut counter = Counter::default();
    let iter: &mut dyn SlotNext = black_box(&mut counter);
    let mut slot = pin!(Slot::<64>::new());
    let mut cx = noop_context();
    per_call(group, "plain: iter.next(slot.or_box())", || {
        black_box(ready(iter.next(slot.as_mut().or_box()), &mut cx));
    });
    per_call(group, "call: slot.call(|s| iter.next(s))", || {
        black_box(ready(slot.as_mut().call(|s| iter.next(s)), &mut cx));
    });
}

/// Polls `fut` twice: pending, then ready.
#[inline(always)]
fn pending_once<F: Future>(fut: F, cx: &mut Context<'_>) -> F::Output {
    let mut fut = pin!(fut);
    assert!(fut.as_mut().poll(cx).is_pending());
    expect_ready(fut.poll(cx))
}

fn pending(group: &mut Group<'_>) {
    let mut yielding = Yielding::default();
    let iter: &mut dyn SlotNext = black_box(&mut yielding);
    let mut slot = pin!(Slot::<64>::new());
    let mut cx = noop_context();
    per_call(group, "pending once, plain", || {
        black_box(pending_once(iter.next(slot.as_mut().or_box()), &mut cx));
    });
    per_call(group, "pending once, call", || {
        black_box(pending_once(slot.as_mut().call(|s| iter.next(s)), &mut cx));
    });
}

fn fallback(group: &mut Group<'_>) {
    let callee: &dyn Large = black_box(&Payload);
    let mut slot = pin!(Slot::<256>::new());
    let mut cx = noop_context();
    per_call(group, "Box::pin per call (400 B)", || {
        black_box(ready(callee.call_boxed(black_box(1)), &mut cx));
    });
    per_call(group, "fallback, plain (400 B)", || {
        black_box(ready(
            callee.call(slot.as_mut().or_box(), black_box(1)),
            &mut cx,
        ));
    });
    per_call(group, "fallback, call (400 B)", || {
        black_box(ready(
            slot.as_mut().call(|s| callee.call(s, black_box(1))),
            &mut cx,
        ));
    });
}

fn call(c: &mut Criterion) {
    let mut g = group(c, "call: ready at once");
    reference_rows(&mut g);
    ready_at_once(&mut g);
    g.finish();
    let mut g = group(c, "call: pending once");
    pending(&mut g);
    g.finish();
    let mut g = group(c, "call: fallback");
    fallback(&mut g);
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = call
}
criterion_main!(benches);
