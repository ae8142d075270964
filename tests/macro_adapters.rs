//! The strategy hook: the generated impls for `Adapter<T, S>` (strategy
//! `Unpin`) and `Pin<&mut Adapter<T, S>>` (any strategy) next to the blanket
//! impl, with `BoxingAdapter` and with a `!Unpin` strategy written here, as a new
//! strategy would be.
#![cfg(all(feature = "macros", feature = "alloc"))]

mod common;

use core::cell::Cell;
use core::future::Future;
use core::marker::PhantomPinned;
use core::pin::{Pin, pin};

use common::run;
use stackslot::{Adapter, BoxingAdapter, LocalSlotFuture, Scratch, Slot, SlotFuture, Strategy};
use static_assertions::{assert_impl_all, assert_not_impl_any};
use traits::DynCounter;

mod traits {
    /// A counter with a shared and an exclusive async method, and plain
    /// methods of both kinds.
    #[stackslot::dyn_trait]
    pub trait Counter {
        /// Adds `by` and returns the new count.
        async fn add(&mut self, by: u32) -> u32;
        /// The count.
        async fn get(&self) -> u32;
        /// The count, synchronously.
        fn peek(&self) -> u32;
        /// Sets the count, synchronously.
        fn reset(&mut self, to: u32);
    }
}

mod implementors {
    use super::traits::Counter;

    pub struct Plain(pub u32);

    impl Counter for Plain {
        async fn add(&mut self, by: u32) -> u32 {
            self.0 += by;
            self.0
        }
        async fn get(&self) -> u32 {
            self.0
        }
        fn peek(&self) -> u32 {
            self.0
        }
        fn reset(&mut self, to: u32) {
            self.0 = to;
        }
    }
}

use implementors::Plain;

/// A strategy with storage of its own: it counts placements per kind, and
/// is `!Unpin` like a strategy that keeps a buffer would be. It only uses
/// the `Strategy` contract, as any new strategy does.
#[derive(Default)]
struct Tally {
    shared: Cell<u32>,
    exclusive: Cell<u32>,
    _pinned: PhantomPinned,
}

impl Strategy for Tally {
    fn emplace_shared<'s, F>(&'s self, scratch: Scratch<'s>, f: F) -> SlotFuture<'s, F::Output>
    where
        F: Future + Send + 's,
    {
        self.shared.set(self.shared.get() + 1);
        scratch.emplace(f)
    }
    fn emplace_shared_local<'s, F>(
        &'s self,
        scratch: Scratch<'s>,
        f: F,
    ) -> LocalSlotFuture<'s, F::Output>
    where
        F: Future + 's,
    {
        self.shared.set(self.shared.get() + 1);
        scratch.emplace_local(f)
    }
    fn emplace_exclusive<'s, F>(
        self: Pin<&'s mut Self>,
        scratch: Scratch<'s>,
        f: F,
    ) -> SlotFuture<'s, F::Output>
    where
        F: Future + Send + 's,
    {
        let this = self.into_ref().get_ref();
        this.exclusive.set(this.exclusive.get() + 1);
        scratch.emplace(f)
    }
    fn emplace_exclusive_local<'s, F>(
        self: Pin<&'s mut Self>,
        scratch: Scratch<'s>,
        f: F,
    ) -> LocalSlotFuture<'s, F::Output>
    where
        F: Future + 's,
    {
        let this = self.into_ref().get_ref();
        this.exclusive.set(this.exclusive.get() + 1);
        scratch.emplace_local(f)
    }
}

// The blanket impl and both adapter impls hold at once: coherent, because
// `Adapter` and `Pin` are foreign types and `Counter` is local, so no
// other crate can make `Adapter<T, S>: Counter` hold.
assert_impl_all!(Plain: DynCounter);
assert_impl_all!(BoxingAdapter<Plain>: DynCounter);
assert_impl_all!(Pin<&mut BoxingAdapter<Plain>>: DynCounter);
assert_impl_all!(Pin<&mut Adapter<Plain, Tally>>: DynCounter);
// A `!Unpin` strategy is used pinned only.
assert_not_impl_any!(Adapter<Plain, Tally>: DynCounter);
// An adapter of a type that does not implement the trait is not one.
assert_not_impl_any!(BoxingAdapter<String>: DynCounter);

/// Coherence again: a type that does not implement `Counter` may implement
/// `DynCounter` by hand next to the blanket impl.
struct HandWritten(u32);

impl DynCounter for HandWritten {
    fn add<'s>(&'s mut self, scratch: Scratch<'s>, by: u32) -> LocalSlotFuture<'s, u32> {
        scratch.emplace_local(async move {
            self.0 += by;
            self.0
        })
    }
    fn get<'s>(&'s self, scratch: Scratch<'s>) -> LocalSlotFuture<'s, u32> {
        scratch.emplace_local(async { self.0 })
    }
    fn peek(&self) -> u32 {
        self.0
    }
    fn reset(&mut self, to: u32) {
        self.0 = to;
    }
}

/// Two `add`s, a `get`, and the plain methods, through `dyn`.
fn exercise(counter: &mut dyn DynCounter) -> [u32; 4] {
    let mut slot = pin!(Slot::<64>::new());
    let first = run(&mut counter.add(slot.as_mut().or_box(), 2), 1);
    let second = run(&mut counter.add(slot.as_mut().or_box(), 3), 1);
    let got = run(&mut counter.get(slot.as_mut().or_box()), 1);
    let peeked = counter.peek();
    counter.reset(0);
    assert_eq!(counter.peek(), 0);
    assert_eq!(slot.stats().hits(), 3);
    [first, second, got, peeked]
}

#[test]
fn blanket_impl() {
    assert_eq!(exercise(&mut Plain(1)), [3, 6, 6, 6]);
}

#[test]
fn boxing_unpinned() {
    let mut adapter = BoxingAdapter::new(Plain(1));
    assert_eq!(exercise(&mut adapter), [3, 6, 6, 6]);
    assert_eq!(adapter.inner().0, 0);
}

#[test]
fn boxing_pinned() {
    let mut adapter = pin!(BoxingAdapter::new(Plain(1)));
    assert_eq!(exercise(&mut adapter), [3, 6, 6, 6]);
    assert_eq!(adapter.inner().0, 0);
}

#[test]
fn a_pinned_strategy_with_storage_sees_every_call() {
    let mut adapter = pin!(Adapter::with_strategy(Plain(1), Tally::default()));
    assert_eq!(exercise(&mut adapter), [3, 6, 6, 6]);
    let (_, tally) = adapter.as_ref().get_ref().parts();
    assert_eq!((tally.exclusive.get(), tally.shared.get()), (2, 1));
}

#[test]
fn a_hand_written_impl_coexists() {
    assert_eq!(exercise(&mut HandWritten(1)), [3, 6, 6, 6]);
}

/// The crate's own strategies through the generated trait: `CachedBoxAdapter`
/// (unpinned), `InlineAdapter` and `StackOnlyAdapter` (pinned, as their slots require).
#[test]
fn the_crate_strategies_work_through_the_generated_trait() {
    use stackslot::{CachedBoxAdapter, InlineAdapter, StackOnlyAdapter};
    // The caller lends no room at all: every `add` future is a miss there.
    let mut caller = pin!(Slot::<0>::new());
    let mut cached = CachedBoxAdapter::new(Plain(0));
    let (allocs, sum) = common::alloc_count::count(|| {
        (1..=10)
            .map(|i| {
                run(
                    &mut DynCounter::add(&mut cached, caller.as_mut().or_box(), i),
                    3,
                )
            })
            .last()
    });
    assert_eq!((allocs, sum), (1, Some(55)), "the cache is allocated once");

    let mut inline = pin!(InlineAdapter::<_, 128>::new(Plain(0)));
    let (allocs, sum) = common::alloc_count::count(|| {
        (1..=10)
            .map(|i| {
                run(
                    &mut DynCounter::add(&mut inline, caller.as_mut().or_box(), i),
                    3,
                )
            })
            .last()
    });
    assert_eq!((allocs, sum), (0, Some(55)));
    assert_eq!(inline.parts().1.stats().hits(), 10);

    let mut stack_only = pin!(StackOnlyAdapter::<_, 128>::new(Plain(0)));
    let (allocs, sum) = common::alloc_count::count(|| {
        (1..=10)
            .map(|i| {
                run(
                    &mut DynCounter::add(&mut stack_only, caller.as_mut().stack_only(), i),
                    3,
                )
            })
            .last()
    });
    assert_eq!((allocs, sum), (0, Some(55)));
    // `&self` futures go to the caller's space under every strategy.
    let mut big = pin!(Slot::<128>::new());
    assert_eq!(
        run(
            &mut DynCounter::get(&stack_only, big.as_mut().stack_only()),
            3
        ),
        55
    );
    assert_eq!(big.stats().hits(), 1);
    assert_eq!(
        caller.stats().size_fallbacks(),
        10,
        "only CachedBoxAdapter's futures reached it"
    );
}
