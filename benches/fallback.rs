//! The fallback path and the hit → fallback cliff, side by side in one run.
//!
//! - `fallback`: a 300-byte future that does not fit a `Slot<256>`, so
//!   `or_box` boxes it, against a plain `Box::pin` per call (docs/ARCHITECTURE.md's
//!   target: at most 1.15x), a scratch with no space (`Scratch::boxed()`),
//!   and `StackFuture<256>::from_or_box`, which boxes it too.
//! - `cliff`: futures from 16 bytes to 16 KiB through a `Slot<256>` and a
//!   `Slot<4096>`, against `Box::pin`. Each slot is a hit up to its size
//!   and a fallback past it; the larger futures also show what moving and
//!   initializing their state costs in any storage.
//!
//! Run with `cargo bench --bench fallback`. Each measurement is of 100
//! calls (see `common`'s docs for why).

mod common;

use std::future::Future;
use std::hint::black_box;
use std::mem::size_of_val;
use std::pin::{Pin, pin};

use common::{Group, group, noop_context, per_call, ready, reference_rows};
use criterion::{Criterion, criterion_group, criterion_main};
use stackfuture::StackFuture;
use stackslot::{Scratch, Slot, SlotFuture};

/// A callee whose futures hold `K` bytes of state; each future is `K + 1`
/// bytes (the state and the async block's discriminant), align 1.
struct Payload<const K: usize>;

impl<const K: usize> Payload<K> {
    #[inline(always)]
    fn future(seed: u8) -> impl Future<Output = u64> + Send {
        let state = [seed; K];
        async move {
            let first = state.first().copied().unwrap_or(0);
            let last = state.last().copied().unwrap_or(0);
            u64::from(first) + u64::from(last)
        }
    }
}

/// One dyn-compatible trait with each caller-side convention as a method.
trait DynPayload {
    fn call<'s>(&'s self, scratch: Scratch<'s>, seed: u8) -> SlotFuture<'s, u64>;
    fn call_boxed(&self, seed: u8) -> Pin<Box<dyn Future<Output = u64> + Send + '_>>;
    fn call_stack(&self, seed: u8) -> StackFuture<'_, u64, 256>;
}

impl<const K: usize> DynPayload for Payload<K> {
    fn call<'s>(&'s self, scratch: Scratch<'s>, seed: u8) -> SlotFuture<'s, u64> {
        scratch.emplace(Self::future(seed))
    }
    fn call_boxed(&self, seed: u8) -> Pin<Box<dyn Future<Output = u64> + Send + '_>> {
        Box::pin(Self::future(seed))
    }
    fn call_stack(&self, seed: u8) -> StackFuture<'_, u64, 256> {
        StackFuture::from_or_box(Self::future(seed))
    }
}

/// The size of `Payload<K>`'s future.
fn future_size<const K: usize>() -> usize {
    size_of_val(&Payload::<K>::future(0))
}

fn box_pin(group: &mut Group<'_>, name: &str, callee: &dyn DynPayload) {
    let callee = black_box(callee);
    let mut cx = noop_context();
    per_call(group, name, || {
        black_box(ready(callee.call_boxed(black_box(1)), &mut cx));
    });
}

/// Calls `callee` through a `Slot<N>` lent with `or_box`.
fn slot<const N: usize>(group: &mut Group<'_>, name: &str, callee: &dyn DynPayload) {
    let callee = black_box(callee);
    let mut slot = pin!(Slot::<N>::new());
    let mut cx = noop_context();
    per_call(group, name, || {
        black_box(ready(
            callee.call(slot.as_mut().or_box(), black_box(1)),
            &mut cx,
        ));
    });
}

fn fallback(c: &mut Criterion) {
    const K: usize = 299;
    let size = future_size::<K>();
    assert!(size > 256, "the future must not fit a Slot<256>");
    let callee: &dyn DynPayload = &Payload::<K>;
    let mut group = group(c, &format!("fallback, {size}-byte future"));
    reference_rows(&mut group);
    box_pin(&mut group, "Box::pin per call", callee);
    slot::<256>(&mut group, "stackslot: Slot<256> or_box (fallback)", callee);

    let callee_ = black_box(callee);
    let mut cx = noop_context();
    per_call(&mut group, "stackslot: Scratch::boxed()", || {
        black_box(ready(callee_.call(Scratch::boxed(), black_box(1)), &mut cx));
    });
    per_call(
        &mut group,
        "peer: StackFuture<256>::from_or_box (boxed)",
        || {
            black_box(ready(callee_.call_stack(black_box(1)), &mut cx));
        },
    );
    group.finish();
}

/// The cliff rows for futures of `K + 1` bytes.
fn cliff_rows<const K: usize>(group: &mut Group<'_>) {
    let size = future_size::<K>();
    let callee: &dyn DynPayload = &Payload::<K>;
    box_pin(group, &format!("{size:>5} B: Box::pin"), callee);
    slot::<256>(group, &format!("{size:>5} B: Slot<256>"), callee);
    slot::<4096>(group, &format!("{size:>5} B: Slot<4096>"), callee);
}

fn cliff(c: &mut Criterion) {
    let mut group = group(c, "cliff");
    cliff_rows::<15>(&mut group);
    cliff_rows::<63>(&mut group);
    cliff_rows::<255>(&mut group);
    cliff_rows::<256>(&mut group);
    cliff_rows::<1023>(&mut group);
    cliff_rows::<4095>(&mut group);
    cliff_rows::<4096>(&mut group);
    cliff_rows::<16383>(&mut group);
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = fallback, cliff
}
criterion_main!(benches);
