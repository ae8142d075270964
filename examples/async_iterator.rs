//! A dyn-compatible async iterator written by hand, used through `&mut dyn`
//! with a stack slot, and a future that escapes its frame with
//! `Scratch::boxed()`.
//!
//! Run with `cargo run --example async_iterator`.

use std::pin::pin;
use std::time::Duration;

use stackslot::{Scratch, Slot, SlotFuture};

/// The dyn-compatible form of
/// `trait AsyncIterator { type Item; async fn next(&mut self) -> Option<Self::Item>; }`.
trait DynAsyncIterator {
    type Item;
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<Self::Item>>;
}

/// Counts up to a limit; its `next` future is a few bytes.
struct Counter {
    n: u32,
    limit: u32,
}

impl DynAsyncIterator for Counter {
    type Item = u32;
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
        scratch.emplace(async move {
            (self.n < self.limit).then(|| {
                self.n += 1;
                self.n
            })
        })
    }
}

/// Reads "lines" slowly; its `next` future holds a timer and a 1 KiB buffer
/// across an await, so it does not fit a small slot.
struct SlowLines {
    left: u32,
}

impl DynAsyncIterator for SlowLines {
    type Item = u32;
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
        scratch.emplace(async move {
            let mut buffer = [0u8; 1024];
            tokio::time::sleep(Duration::from_millis(1)).await;
            buffer[0] = 1;
            if self.left == 0 {
                return None;
            }
            self.left -= 1;
            Some(u32::from(buffer[0]) + self.left)
        })
    }
}

/// The caller: one `Slot` for the whole loop, reused by every `next` call.
async fn sum(iter: &mut dyn DynAsyncIterator<Item = u32>) -> (u32, stackslot::Stats) {
    let mut slot = pin!(Slot::<256>::new());
    let mut total = 0;
    while let Some(x) = iter.next(slot.as_mut().or_box()).await {
        total += x;
    }
    (total, slot.stats())
}

/// A future that outlives the caller's frame: no slot, boxed.
fn next_later(iter: &mut dyn DynAsyncIterator<Item = u32>) -> SlotFuture<'_, Option<u32>> {
    iter.next(Scratch::boxed())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut counter = Counter { n: 0, limit: 100 };
    let (total, stats) = sum(&mut counter).await;
    println!(
        "Counter:   sum {total:>5}, {} calls: {} hits, {} fallbacks (largest future {} bytes)",
        stats.emplacements(),
        stats.hits(),
        stats.fallbacks(),
        stats.largest_future()
    );

    let mut lines = SlowLines { left: 5 };
    let (total, stats) = sum(&mut lines).await;
    println!(
        "SlowLines: sum {total:>5}, {} calls: {} hits, {} fallbacks (largest future {} bytes)",
        stats.emplacements(),
        stats.hits(),
        stats.fallbacks(),
        stats.largest_future()
    );

    let mut counter = Counter { n: 41, limit: 100 };
    let later = next_later(&mut counter);
    println!(
        "escaped future: inline = {}, output = {:?}",
        later.is_inline(),
        later.await
    );
}
