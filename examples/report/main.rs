//! The hit/fallback report: calls a dyn async trait whose implementors return
//! futures of different sizes, through every named slot class, and prints how
//! many calls fit the slot and how many fell back to the heap.
//!
//! Run with `cargo run --release --example report`.

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use stackslot::{Scratch, Slot, SlotFuture, Stats};

/// A dyn-compatible request handler.
trait DynHandler {
    fn call<'s>(&'s self, scratch: Scratch<'s>, request: u64) -> SlotFuture<'s, u64>;
}

/// A handler whose future carries `K` bytes of state.
struct Handler<const K: usize>;

impl<const K: usize> DynHandler for Handler<K> {
    fn call<'s>(&'s self, scratch: Scratch<'s>, request: u64) -> SlotFuture<'s, u64> {
        let state = [request as u8; K];
        scratch.emplace(async move { state.iter().map(|&b| u64::from(b)).sum::<u64>() + request })
    }
}

/// Calls every handler in `mix` (90% small, 9% medium, 1% large) through one
/// slot of `N` bytes and returns the slot's counters.
fn run_mix<const N: usize>(mix: &[&dyn DynHandler]) -> Stats {
    let mut slot = pin!(Slot::<N>::new());
    let mut cx = Context::from_waker(Waker::noop());
    for (i, handler) in mix.iter().cycle().take(10_000).enumerate() {
        let mut fut = handler.call(slot.as_mut().or_box(), i as u64);
        assert!(matches!(pin!(&mut fut).poll(&mut cx), Poll::Ready(_)));
    }
    slot.stats()
}

fn main() {
    let (small, medium, large) = (Handler::<48>, Handler::<400>, Handler::<3000>);
    let mut mix: Vec<&dyn DynHandler> = vec![&small; 90];
    mix.extend([&medium as &dyn DynHandler; 9]);
    mix.push(&large);

    println!("workload: 10,000 calls, 90% small / 9% medium / 1% large futures");
    println!(
        "{:>10} {:>8} {:>10} {:>10} {:>16}",
        "slot", "hits", "fallbacks", "hit ratio", "largest future"
    );
    for (class, stats) in [
        (64, run_mix::<64>(&mix)),
        (128, run_mix::<128>(&mix)),
        (256, run_mix::<256>(&mix)),
        (512, run_mix::<512>(&mix)),
        (1024, run_mix::<1024>(&mix)),
        (2048, run_mix::<2048>(&mix)),
        (4096, run_mix::<4096>(&mix)),
    ] {
        println!(
            "{:>10} {:>8} {:>10} {:>9.1}% {:>14} B",
            format!("Slot<{class}>"),
            stats.hits(),
            stats.fallbacks(),
            100.0 * stats.hits() as f64 / stats.emplacements() as f64,
            stats.largest_future()
        );
    }
}
