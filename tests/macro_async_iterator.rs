//! `#[dyn_trait]` on an async iterator (`&mut self`): through `&mut dyn`,
//! through the generated wrapper, and through `BoxingAdapter`s, unpinned
//! and pinned; its associated type, const and plain method pass through.
//!
//! As in a library, the trait has a module of its own, implementors import
//! `AsyncIterator` and dyn callers `DynAsyncIterator`: a scope with both
//! would make method calls on concrete implementors ambiguous.
#![cfg(all(feature = "macros", feature = "alloc"))]

mod common;

use core::pin::pin;

use common::run;
use implementors::{Chunks, Counter};
use stackslot::{BoxingAdapter, LocalSlotFuture, Scratch, Slot};
use traits::{AsyncIteratorWithSlot, DynAsyncIterator};

mod traits {
    /// A stream of items, one `next` at a time.
    #[stackslot::dyn_trait]
    pub trait AsyncIterator {
        /// What it yields.
        type Item;
        /// The most items it yields.
        const LIMIT: usize;
        /// The next item, or `None` at the end.
        async fn next(&mut self) -> Option<Self::Item>;
        /// Bounds on the number of items left.
        fn size_hint(&self) -> (usize, Option<usize>) {
            (0, None)
        }
        /// A new iterator starting after `first`; not callable through `dyn`,
        /// so `DynAsyncIterator` leaves it out.
        fn starting_after(first: u32) -> Self
        where
            Self: Sized;
    }
}

mod implementors {
    use core::future::Future;
    use core::pin::Pin;
    use core::task::{Context, Poll};

    use super::traits::AsyncIterator;

    /// Static dispatch, through the trait as written: no slot, no erasure.
    pub async fn sum_from<I: AsyncIterator<Item = u32>>(first: u32) -> u32 {
        let mut iter = I::starting_after(first);
        let mut sum = 0;
        while let Some(x) = iter.next().await {
            sum += x;
        }
        sum
    }

    /// Returns `Pending` once (waking itself), then `Ready`.
    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    /// Counts from `n + 1` up to `LIMIT`, yielding to the executor before each
    /// item.
    pub struct Counter {
        pub n: u32,
    }

    impl AsyncIterator for Counter {
        type Item = u32;
        const LIMIT: usize = 5;

        async fn next(&mut self) -> Option<u32> {
            YieldOnce(false).await;
            if self.n as usize >= Self::LIMIT {
                return None;
            }
            self.n += 1;
            Some(self.n)
        }

        fn size_hint(&self) -> (usize, Option<usize>) {
            let left = Self::LIMIT - self.n as usize;
            (left, Some(left))
        }

        fn starting_after(first: u32) -> Self {
            Counter { n: first }
        }
    }

    /// Holds a 1 KiB buffer across an await: too large for a 64-byte slot.
    pub struct Chunks {
        pub left: u8,
    }

    impl AsyncIterator for Chunks {
        type Item = u32;
        const LIMIT: usize = 2;

        async fn next(&mut self) -> Option<u32> {
            let buffer = [self.left; 1024];
            YieldOnce(false).await;
            self.left = self.left.checked_sub(1)?;
            Some(buffer.iter().map(|&b| u32::from(b)).sum())
        }

        fn starting_after(first: u32) -> Self {
            Chunks { left: first as u8 }
        }
    }
}

/// The caller of the design: one slot, reused by every call.
async fn drain(iter: &mut dyn DynAsyncIterator<Item = u32>) -> (Vec<u32>, u64, u64) {
    let mut slot = pin!(Slot::<64>::new());
    let mut items = Vec::new();
    while let Some(x) = iter.next(slot.as_mut().or_box()).await {
        items.push(x);
    }
    let stats = slot.stats();
    (items, stats.hits(), stats.fallbacks())
}

#[test]
fn drains_through_mut_dyn_with_one_slot() {
    let mut counter = Counter { n: 0 };
    let (items, hits, fallbacks) = run(&mut pin!(drain(&mut counter)), 100);
    assert_eq!(items, [1, 2, 3, 4, 5]);
    assert_eq!((hits, fallbacks), (6, 0), "five items and the final `None`");
    assert_eq!(counter.n, 5);
}

#[test]
fn static_dispatch_uses_the_trait_as_written() {
    let sum = run(&mut pin!(implementors::sum_from::<Counter>(2)), 100);
    assert_eq!(sum, 3 + 4 + 5);
}

#[test]
fn associated_const_and_plain_methods_pass_through() {
    let mut counter = Counter { n: 2 };
    let iter: &mut dyn DynAsyncIterator<Item = u32> = &mut counter;
    assert_eq!(iter.LIMIT(), 5);
    assert_eq!(iter.size_hint(), (3, Some(3)));
    let mut slot = pin!(Slot::<64>::new());
    assert_eq!(run(&mut iter.next(slot.as_mut().or_box()), 10), Some(3));
    assert_eq!(iter.size_hint(), (2, Some(2)));
}

#[test]
fn the_dyn_method_returns_a_local_slot_future() {
    fn next<'s>(
        iter: &'s mut dyn DynAsyncIterator<Item = u32>,
        scratch: Scratch<'s>,
    ) -> LocalSlotFuture<'s, Option<u32>> {
        iter.next(scratch)
    }
    let mut counter = Counter { n: 0 };
    let mut slot = pin!(Slot::<64>::new());
    let mut fut = next(&mut counter, slot.as_mut().or_box());
    assert!(fut.is_inline());
    assert_eq!(run(&mut fut, 10), Some(1));
}

#[test]
fn wrapper_lends_its_slot_to_every_call() {
    let mut counter = Counter { n: 1 };
    let mut slot = pin!(Slot::<64>::new());
    let mut iter = AsyncIteratorWithSlot::new(&mut counter, slot.as_mut());
    let mut items = Vec::new();
    loop {
        let next = run(&mut iter.next(), 10);
        let Some(x) = next else { break };
        items.push(x);
        assert_eq!(iter.target.size_hint().0, 5 - x as usize);
    }
    assert_eq!(items, [2, 3, 4, 5]);
    assert_eq!(iter.slot.stats().hits(), 5);
    assert_eq!(iter.slot.stats().fallbacks(), 0);
}

#[test]
fn wrapper_over_a_dyn_target_in_an_async_fn() {
    async fn sum(iter: &mut dyn DynAsyncIterator<Item = u32>) -> u32 {
        let mut slot = pin!(Slot::<64>::new());
        let mut iter = AsyncIteratorWithSlot::stack_only(iter, slot.as_mut());
        let mut sum = 0;
        while let Some(x) = iter.next().await {
            sum += x;
        }
        sum
    }
    let mut counter = Counter { n: 0 };
    assert_eq!(run(&mut pin!(sum(&mut counter)), 100), 15);
}

#[test]
fn boxing_adapter_unpinned() {
    let mut adapter = BoxingAdapter::new(Counter { n: 3 });
    let (items, hits, _) = run(&mut pin!(drain(&mut adapter)), 100);
    assert_eq!(items, [4, 5]);
    assert_eq!(hits, 3);
    let iter: &dyn DynAsyncIterator<Item = u32> = &adapter;
    assert_eq!((iter.LIMIT(), iter.size_hint()), (5, (0, Some(0))));
}

#[test]
fn boxing_adapter_pinned() {
    let mut adapter = pin!(BoxingAdapter::new(Counter { n: 2 }));
    let (items, hits, _) = run(&mut pin!(drain(&mut adapter)), 100);
    assert_eq!(items, [3, 4, 5]);
    assert_eq!(hits, 4);
    assert_eq!(adapter.inner().n, 5);
}

#[test]
fn a_future_too_large_for_the_slot_falls_back() {
    let mut chunks = Chunks { left: 2 };
    let (items, hits, fallbacks) = run(&mut pin!(drain(&mut chunks)), 100);
    assert_eq!(items, [2048, 1024]);
    assert_eq!((hits, fallbacks), (0, 3));
}

#[test]
fn an_escaping_future_takes_no_slot() {
    fn later(iter: &mut dyn DynAsyncIterator<Item = u32>) -> LocalSlotFuture<'_, Option<u32>> {
        iter.next(Scratch::boxed())
    }
    let mut counter = Counter { n: 4 };
    let mut fut = later(&mut counter);
    assert!(!fut.is_inline());
    assert_eq!(run(&mut fut, 10), Some(5));
}
