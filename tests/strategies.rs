//! Every strategy behind one hand-written dyn trait: caller-side spaces
//! (slots, heap slots, tiers, arenas, side stacks) and callee-side adapters
//! (boxing, cached box, inline, stack-only), with outputs, drop counts and
//! allocation counts over 10,000 calls each.
#![cfg(all(feature = "alloc", feature = "bumpalo"))]

mod common;

use core::future::Future;
use core::pin::{Pin, pin};
use core::task::Poll;
use std::panic::{AssertUnwindSafe, catch_unwind};

use common::alloc_count::count;
use common::futures::{A64, Exact, Probe, Tracked};
use common::{panic_message, poll_once, run};
use stackslot::{
    Adapter, Arena, BoxingAdapter, CachedBoxAdapter, HeapSlot, InlineAdapter, Scratch, SideStack,
    Slot, SlotFuture, StackOnlyAdapter, Strategy,
};

/// Calls per row; fewer under Miri, which interprets every one.
const CALLS: u64 = if cfg!(miri) { 30 } else { 10_000 };
/// The large future of these tests: fits no `Slot` below 1 KiB.
type Large = Tracked<600>;

/// The trait as users write it.
trait Counter {
    fn next(&mut self) -> impl Future<Output = u64> + Send;
    fn peek(&self) -> impl Future<Output = u64> + Send;
}

/// Its dyn-compatible form, written by hand.
trait DynCounter {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, u64>;
    fn peek<'s>(&'s self, scratch: Scratch<'s>) -> SlotFuture<'s, u64>;
}

/// A plain implementor: its futures go where the caller's scratch says.
impl<T: Counter> DynCounter for T {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
        scratch.emplace(Counter::next(self))
    }
    fn peek<'s>(&'s self, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
        scratch.emplace(Counter::peek(self))
    }
}

/// An adapter whose strategy needs no pinning.
impl<T: Counter, S: Strategy + Unpin> DynCounter for Adapter<T, S> {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
        let (inner, strategy) = Pin::new(self).parts_pinned();
        strategy.emplace_exclusive(scratch, inner.next())
    }
    fn peek<'s>(&'s self, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
        let (inner, strategy) = self.parts();
        strategy.emplace_shared(scratch, inner.peek())
    }
}

/// A pinned adapter (inline and stack-only strategies hold a slot).
impl<T: Counter, S: Strategy> DynCounter for Pin<&mut Adapter<T, S>> {
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
        let (inner, strategy) = self.as_mut().parts_pinned();
        strategy.emplace_exclusive(scratch, inner.next())
    }
    fn peek<'s>(&'s self, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
        let (inner, strategy) = self.as_ref().get_ref().parts();
        strategy.emplace_shared(scratch, inner.peek())
    }
}

/// Counts up; every future is a drop-tracked `Tracked<K>` that is pending
/// once, then returns the count.
struct Source<const K: usize> {
    n: u64,
    probe: Probe,
}

impl<const K: usize> Source<K> {
    fn new(probe: &Probe) -> Self {
        Source {
            n: 0,
            probe: probe.clone(),
        }
    }
}

impl<const K: usize> Counter for Source<K> {
    fn next(&mut self) -> impl Future<Output = u64> + Send {
        self.n += 1;
        Tracked::<K>::new(&self.probe, self.n).pending(1)
    }
    fn peek(&self) -> impl Future<Output = u64> + Send {
        Tracked::<K>::new(&self.probe, self.n).pending(1)
    }
}

/// Calls `next` `CALLS` times through `counter`, lending each call the
/// scratch that `lend` makes; returns the allocations made and checks the
/// outputs and that every future was dropped once.
fn drive(
    counter: &mut dyn DynCounter,
    probe: &Probe,
    mut lend: impl FnMut(&mut dyn FnMut(Scratch<'_>) -> u64) -> u64,
) -> usize {
    let drops_before = probe.drops();
    let (allocations, outputs) = count(|| {
        let mut sum = 0;
        for _ in 0..CALLS {
            sum += lend(&mut |scratch| run(&mut counter.next(scratch), 3));
        }
        sum
    });
    assert_eq!(
        outputs,
        CALLS * (CALLS + 1) / 2,
        "every call returned its count"
    );
    assert_eq!(
        probe.drops() - drops_before,
        CALLS as usize,
        "every future dropped once"
    );
    allocations
}

#[test]
fn caller_side_spaces_allocate_as_documented() {
    let probe = Probe::new();
    let mut rows = Vec::new();

    let mut slot = pin!(Slot::<64>::new());
    let hit = drive(&mut Source::<8>::new(&probe), &probe, |call| {
        call(slot.as_mut().or_box())
    });
    let miss = drive(&mut Source::<600>::new(&probe), &probe, |call| {
        call(slot.as_mut().or_box())
    });
    rows.push(("Slot<64>, or_box", hit, miss));

    let boxed = drive(&mut Source::<8>::new(&probe), &probe, |call| {
        call(Scratch::boxed())
    });
    rows.push(("Scratch::boxed()", boxed, boxed));

    let mut heap = HeapSlot::new();
    let small = drive(&mut Source::<8>::new(&probe), &probe, |call| {
        call(heap.scratch())
    });
    let large = drive(&mut Source::<600>::new(&probe), &probe, |call| {
        call(heap.scratch())
    });
    rows.push(("HeapSlot", small, large));
    assert!(heap.capacity() >= size_of::<Large>());

    let mut slot = pin!(Slot::<64>::new());
    let mut heap = HeapSlot::new();
    let small = drive(&mut Source::<8>::new(&probe), &probe, |call| {
        call(slot.as_mut().then(heap.scratch()))
    });
    let large = drive(&mut Source::<600>::new(&probe), &probe, |call| {
        call(slot.as_mut().then(heap.scratch()))
    });
    rows.push(("Slot<64> then HeapSlot", small, large));
    assert_eq!(
        heap.stats().emplacements(),
        CALLS,
        "only the large futures reach the heap slot"
    );

    let mut arena = Arena::new();
    let mut slot = pin!(Slot::<64>::new());
    let small = drive(&mut Source::<8>::new(&probe), &probe, |call| {
        call(slot.as_mut().or_arena(&arena))
    });
    let mut calls = 0;
    let mut source = Source::<600>::new(&probe);
    let large = drive(&mut source, &probe, |call| {
        calls += 1;
        if calls % 100 == 0 {
            arena.reset(); // a request boundary
        }
        call(slot.as_mut().or_arena(&arena))
    });
    rows.push(("Slot<64> or_arena (reset every 100)", small, large));

    let stack = pin!(SideStack::<4096>::new());
    let stack = stack.into_ref();
    let small = drive(&mut Source::<8>::new(&probe), &probe, |call| {
        call(stack.or_box())
    });
    let large = drive(&mut Source::<600>::new(&probe), &probe, |call| {
        call(stack.or_box())
    });
    rows.push(("SideStack<4096>", small, large));
    assert_eq!(stack.used(), 0);

    print_table("caller side", &rows);
    let find = |name: &str| {
        rows.iter()
            .find(|row| row.0 == name)
            .map(|row| (row.1, row.2))
            .unwrap()
    };
    assert_eq!(find("Slot<64>, or_box"), (0, CALLS as usize));
    assert_eq!(find("Scratch::boxed()"), (CALLS as usize, CALLS as usize));
    assert_eq!(find("HeapSlot"), (1, 1), "one allocation, then one growth");
    assert_eq!(find("Slot<64> then HeapSlot"), (0, 1));
    let (small, large) = find("Slot<64> or_arena (reset every 100)");
    assert_eq!(small, 0);
    assert!(
        large <= 10,
        "a few chunks while the arena grows to a round's high-water mark, not one per call: {large}"
    );
    assert_eq!(find("SideStack<4096>"), (0, 0));
}

#[test]
fn callee_side_adapters_allocate_as_documented() {
    let probe = Probe::new();
    let mut rows = Vec::new();
    let mut slot = pin!(Slot::<64>::new());

    let plain = drive(&mut Source::<600>::new(&probe), &probe, |call| {
        call(slot.as_mut().or_box())
    });
    rows.push(("plain implementor", plain));
    let boxing = drive(
        &mut BoxingAdapter::new(Source::<600>::new(&probe)),
        &probe,
        |call| call(slot.as_mut().or_box()),
    );
    rows.push(("Boxing", boxing));
    let mut cached = CachedBoxAdapter::new(Source::<600>::new(&probe));
    let cached_allocs = drive(&mut cached, &probe, |call| call(slot.as_mut().or_box()));
    rows.push(("CachedBox", cached_allocs));
    assert_eq!(cached.parts().1.cache().stats().hits(), CALLS - 1);
    let mut inline = pin!(InlineAdapter::<_, 1024>::new(Source::<600>::new(&probe)));
    let inline_allocs = drive(&mut inline, &probe, |call| call(slot.as_mut().or_box()));
    rows.push(("Inline<1024>", inline_allocs));
    assert_eq!(inline.parts().1.stats().hits(), CALLS);
    let mut stack_only = pin!(StackOnlyAdapter::<_, 1024>::new(Source::<600>::new(&probe)));
    let stack_only_allocs = drive(&mut stack_only, &probe, |call| {
        call(slot.as_mut().stack_only())
    });
    rows.push(("StackOnly<1024>", stack_only_allocs));
    assert_eq!(stack_only.parts().1.stats().hits(), CALLS);

    let rows: Vec<_> = rows
        .into_iter()
        .map(|(name, allocs)| (name, allocs, allocs))
        .collect();
    print_table("callee side (large futures, caller Slot<64>)", &rows);
    assert_eq!(plain, CALLS as usize);
    assert_eq!(boxing, CALLS as usize);
    assert_eq!(cached_allocs, 1);
    assert_eq!(inline_allocs, 0);
    assert_eq!(stack_only_allocs, 0);
    assert_eq!(slot.stats().hits(), 0);
}

fn print_table(title: &str, rows: &[(&str, usize, usize)]) {
    println!("{title}: heap allocations over {CALLS} calls (small future / large future)");
    for (name, small, large) in rows {
        println!("  {name:<40} {small:>6} / {large:>6}");
    }
}

#[test]
fn adapters_forward_shared_methods_to_the_caller() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let cached = CachedBoxAdapter::new(Source::<8>::new(&probe));
    let fut = cached.peek(slot.as_mut().or_box());
    assert!(fut.is_inline());
    drop(fut);
    assert_eq!(slot.stats().hits(), 1);
    assert_eq!(cached.parts().1.cache().stats().emplacements(), 0);

    let inline = pin!(InlineAdapter::<_, 1024>::new(Source::<600>::new(&probe)));
    let (allocs, out) = count(|| run(&mut inline.peek(slot.as_mut().or_box()), 3));
    assert_eq!(
        (allocs, out),
        (1, 0),
        "&self futures do not use the inline slot"
    );
    assert_eq!(probe.drops(), 2);
}

#[test]
fn stack_only_adapter_never_allocates_and_panics_on_shared_overflow() {
    let probe = Probe::new();
    let stack_only = pin!(StackOnlyAdapter::<_, 1024>::new(Source::<600>::new(&probe)));
    let mut slot = pin!(Slot::<64>::new());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        drop(stack_only.peek(slot.as_mut().or_box()))
    }));
    let message = panic_message(&*caught.unwrap_err());
    assert!(
        message.contains(&format!("a future of {} bytes", size_of::<Large>())),
        "{message}"
    );
    assert!(
        message.contains("does not fit a space of 64 bytes (align 16)"),
        "{message}"
    );
    assert_eq!(probe.drops(), 1, "the refused future is dropped");
    assert_eq!(slot.stats().size_fallbacks(), 1);
    let mut big = pin!(Slot::<1024>::new());
    let (allocs, out) = count(|| run(&mut stack_only.peek(big.as_mut().or_box()), 3));
    assert_eq!((allocs, out), (0, 0));
}

#[test]
fn cached_box_refuses_to_grow_under_stack_only() {
    let probe = Probe::new();
    let mut cached = CachedBoxAdapter::new(Source::<600>::new(&probe));
    let mut slot = pin!(Slot::<64>::new());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        drop(cached.next(slot.as_mut().stack_only()))
    }));
    assert!(panic_message(&*caught.unwrap_err()).contains("stack-only"));
    // Once the cache is large enough (grown under `or_box`), stack-only callers may use it.
    run(&mut cached.next(slot.as_mut().or_box()), 3);
    let (allocs, out) = count(|| run(&mut cached.next(slot.as_mut().stack_only()), 3));
    assert_eq!((allocs, out), (0, 3));
}

#[test]
fn heap_slot_grows_to_the_largest_future_and_never_shrinks_unless_asked() {
    let mut heap = HeapSlot::new();
    assert_eq!((heap.capacity(), heap.alignment()), (0, 16));
    let (allocs, _) = count(|| run(&mut heap.scratch().emplace(Exact::<100>::new()), 1));
    assert_eq!((allocs, heap.capacity()), (1, 100));
    let (allocs, _) = count(|| run(&mut heap.scratch().emplace(Exact::<40>::new()), 1));
    assert_eq!(
        (allocs, heap.capacity()),
        (0, 100),
        "smaller futures reuse the buffer"
    );
    let (allocs, out) = count(|| run(&mut heap.scratch().emplace(A64(Exact::<8>::new())), 1));
    assert_eq!(
        (allocs, out, heap.alignment()),
        (1, (8, true), 64),
        "over-aligned futures realign it"
    );
    let stats = heap.stats();
    assert_eq!(
        (
            stats.hits(),
            stats.size_fallbacks(),
            stats.alignment_fallbacks()
        ),
        (1, 1, 1)
    );
    heap.free_buffer();
    assert_eq!((heap.capacity(), heap.alignment()), (0, 16));
    assert_eq!(heap.stats(), stats, "counters survive freeing the buffer");
    heap.reset_stats();
    assert_eq!(heap.stats().emplacements(), 0);
    let with_capacity = HeapSlot::with_capacity(256);
    assert_eq!(
        format!("{with_capacity:?}")
            .split(", stats")
            .next()
            .unwrap(),
        "HeapSlot { capacity: 256, alignment: 16, occupied: false"
    );
}

#[test]
fn heap_slot_buffers_hold_a_header_and_the_capacity() {
    use common::alloc_count::{last_allocation, last_deallocation};
    // The header is a slot's: the same as `Slot<0>`'s size.
    let header = size_of::<Slot<0>>();
    let mut heap = HeapSlot::with_capacity(100);
    assert_eq!(last_allocation(), ((header + 100).next_multiple_of(16), 16));
    drop(heap.scratch().emplace(A64(Exact::<1>::new())));
    assert_eq!(
        last_deallocation(),
        ((header + 100).next_multiple_of(16), 16)
    );
    assert_eq!(last_allocation(), ((header + 100).next_multiple_of(64), 64));
    heap.free_buffer();
    assert_eq!(
        last_deallocation(),
        ((header + 100).next_multiple_of(64), 64)
    );
    let _one = HeapSlot::with_capacity(1);
    assert_eq!(last_allocation(), ((header + 1).next_multiple_of(16), 16));
}

#[test]
fn heap_slot_capacity_past_isize_max_panics_naming_it() {
    let header = size_of::<Slot<0>>();
    for capacity in [
        usize::MAX,
        usize::MAX - 1,
        usize::MAX - header,
        usize::MAX - header + 1,
        isize::MAX as usize,
        isize::MAX as usize - header + 1,
    ] {
        let caught = catch_unwind(|| HeapSlot::with_capacity(capacity));
        let message = panic_message(&*caught.expect_err("no panic"));
        assert_eq!(
            message,
            format!(
                "stackslot: a heap slot of {capacity} bytes aligned to 16 cannot be allocated: \
                 with its {header}-byte header it would exceed isize::MAX ({}) bytes",
                isize::MAX
            )
        );
    }
}

#[test]
fn heap_slot_places_zero_sized_futures_before_its_first_allocation() {
    let mut heap = HeapSlot::new();
    let (allocs, out) = count(|| {
        let mut fut = heap.scratch().emplace(Exact::<0>::new());
        assert!(fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out, heap.capacity()), (0, 0, 0));
}

#[test]
fn tiers_take_the_first_space_that_fits() {
    let mut small = pin!(Slot::<32>::new());
    let mut medium = pin!(Slot::<256>::new());
    let mut heap = HeapSlot::new();
    for _ in 0..2 {
        let (allocs, outs) = count(|| {
            let a = run(
                &mut small
                    .as_mut()
                    .then(medium.as_mut().then(heap.scratch()))
                    .emplace(Exact::<16>::new()),
                1,
            );
            let b = run(
                &mut small
                    .as_mut()
                    .then(medium.as_mut().then(heap.scratch()))
                    .emplace(Exact::<200>::new()),
                1,
            );
            let c = run(
                &mut small
                    .as_mut()
                    .then(medium.as_mut().then(heap.scratch()))
                    .emplace(Exact::<900>::new()),
                1,
            );
            (a, b, c)
        });
        assert_eq!(outs, (16, 200, 900));
        assert!(allocs <= 1, "at most the heap slot's first growth");
    }
    assert_eq!((small.stats().hits(), small.stats().fallbacks()), (2, 4));
    assert_eq!((medium.stats().hits(), medium.stats().fallbacks()), (2, 2));
    assert_eq!((heap.stats().hits(), heap.stats().fallbacks()), (1, 1));

    // `try_emplace` tries every space of the chain and allocates nothing.
    let err = small
        .as_mut()
        .then(medium.as_mut().stack_only())
        .try_emplace(Exact::<900>::new())
        .unwrap_err();
    assert_eq!(err.capacity(), 256, "names the last space tried");
    let fut = small
        .as_mut()
        .then(medium.as_mut().stack_only())
        .try_emplace(Exact::<200>::new())
        .unwrap();
    assert!(fut.is_inline());
    drop(fut);
    // The chain's last fallback applies, and `may_allocate` follows it.
    assert!(
        !small
            .as_mut()
            .then(medium.as_mut().stack_only())
            .may_allocate()
    );
    assert!(small.as_mut().then(Scratch::boxed()).may_allocate());
    let (allocs, out) = count(|| {
        run(
            &mut small
                .as_mut()
                .then(Scratch::boxed())
                .emplace(Exact::<900>::new()),
            1,
        )
    });
    assert_eq!((allocs, out), (1, 900));
}

#[test]
fn arena_holds_what_the_slot_does_not_and_resets_when_vacant() {
    let mut arena = Arena::with_capacity(16 * 1024);
    let mut slot = pin!(Slot::<64>::new());
    let probe = Probe::new();
    const ROUNDS: u64 = if cfg!(miri) { 5 } else { 50 };
    let (allocs, ()) = count(|| {
        for round in 0..ROUNDS {
            let mut fut = slot
                .as_mut()
                .or_arena(&arena)
                .emplace(Tracked::<600>::new(&probe, round).pending(1));
            assert!(!fut.is_inline());
            assert_eq!(poll_once(&mut fut), Poll::Pending);
            assert_eq!(poll_once(&mut fut), Poll::Ready(round));
            drop(fut);
            arena.reset();
        }
    });
    assert_eq!(
        allocs, 0,
        "the preallocated chunk is reused after each reset"
    );
    assert_eq!(probe.drops(), ROUNDS as usize);
    assert!(arena.allocated_bytes() >= 16 * 1024);
    assert!(format!("{arena:?}").starts_with("Arena { allocated_bytes: "));
    assert!(slot.as_mut().or_arena(&arena).may_allocate());
}

#[test]
fn side_stack_frames_are_reclaimed_in_lifo_order() {
    let stack = pin!(SideStack::<1024>::new());
    let stack = stack.into_ref();
    let probe = Probe::new();
    let mut a = stack
        .stack_only()
        .emplace(Tracked::<100>::new(&probe, 1).pending(1));
    let used_a = stack.used();
    assert!(used_a >= 100);
    let mut b = stack
        .stack_only()
        .emplace(Tracked::<100>::new(&probe, 2).pending(1));
    let used_ab = stack.used();
    assert!(used_ab >= used_a + 100);
    assert_eq!(poll_once(&mut a), Poll::Pending);
    drop(a); // not on top: its frame waits for b's
    assert_eq!(stack.used(), used_ab);
    assert_eq!(run(&mut b, 3), 2);
    drop(b);
    assert_eq!(stack.used(), 0, "both frames reclaimed");
    assert_eq!(probe.drops(), 2);
    let stats = stack.stats();
    assert_eq!((stats.hits(), stats.fallbacks()), (2, 0));
}

#[test]
fn side_stack_falls_back_when_full() {
    let stack = pin!(SideStack::<256>::new());
    let stack = stack.into_ref();
    let first = stack.or_box().emplace(Exact::<200>::new());
    assert!(first.is_inline());
    let (allocs, second) = count(|| stack.or_box().emplace(Exact::<200>::new()));
    assert!(!second.is_inline());
    assert_eq!(allocs, 1);
    let err = stack
        .stack_only()
        .try_emplace(Exact::<200>::new())
        .unwrap_err();
    assert_eq!(err.capacity(), 256 - stack.used());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        drop(stack.stack_only().emplace(Exact::<200>::new()))
    }));
    assert!(panic_message(&*caught.unwrap_err()).contains("stack-only"));
    drop((first, second));
    assert_eq!(stack.used(), 0);
    assert_eq!(stack.stats().size_fallbacks(), 3);
    assert!(!stack.stack_only().may_allocate());
    assert!(stack.or_box().may_allocate());
    // `try_emplace` uses the free bytes of either kind, and never the heap.
    let (allocs, fut) = count(|| stack.or_box().try_emplace(Exact::<100>::new()).unwrap());
    assert_eq!(allocs, 0);
    assert!(fut.is_inline());
    assert_eq!(
        format!("{:?}", stack.get_ref()),
        format!(
            "SideStack {{ capacity: 256, alignment: 16, used: {}, stats: {:?} }}",
            stack.used(),
            stack.stats()
        )
    );
    drop(fut);
    let aligned = stack.or_box().emplace(A64(Exact::<8>::new()));
    assert!(
        !aligned.is_inline(),
        "a 16-aligned stack cannot hold a 64-aligned future"
    );
    drop(aligned);
    assert_eq!(stack.stats().alignment_fallbacks(), 1);
}

#[test]
fn side_stack_serves_nested_calls() {
    fn depth<'s>(
        stack: Pin<&'s SideStack<8192>>,
        scratch: Scratch<'s>,
        n: u32,
    ) -> SlotFuture<'s, u32> {
        scratch.emplace(async move {
            if n == 0 {
                0
            } else {
                tokio::task::yield_now().await;
                1 + depth(stack, stack.stack_only(), n - 1).await
            }
        })
    }
    let stack = pin!(SideStack::<8192>::new());
    let stack = stack.into_ref();
    let (allocs, out) = count(|| run(&mut depth(stack, stack.stack_only(), 20), 100));
    assert_eq!((allocs, out), (0, 20));
    assert_eq!(stack.stats().hits(), 21);
    assert_eq!(stack.used(), 0);
}

#[test]
fn side_stack_frames_released_on_other_threads() {
    let stack = pin!(SideStack::<4096>::new());
    let stack = stack.into_ref();
    let probe = Probe::new();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            stack
                .stack_only()
                .emplace(Tracked::<64>::new(&probe, i).pending(2))
        })
        .collect();
    std::thread::scope(|s| {
        for (i, mut handle) in handles.into_iter().enumerate() {
            s.spawn(move || assert_eq!(run(&mut handle, 5), i as u64));
        }
    });
    assert_eq!(probe.drops(), 8);
    assert_eq!(stack.used(), 0);
}

/// Rule 5 for every storage: a destructor that panics when its future
/// completes, or when it is cancelled, drops it once and leaves the storage
/// usable.
#[test]
fn panicking_destructors_leave_every_storage_usable() {
    /// Completes `fut` with a panicking destructor, then drops it.
    fn complete_panicking(mut fut: SlotFuture<'_, u64>, probe: &Probe, drops: usize) {
        let caught = catch_unwind(AssertUnwindSafe(|| poll_once(&mut fut)));
        assert_eq!(
            panic_message(&*caught.unwrap_err()),
            "Tracked: panic in drop"
        );
        assert!(fut.is_terminated());
        drop(fut);
        assert_eq!(probe.drops(), drops);
    }
    /// Cancels `fut` with a panicking destructor.
    fn cancel_panicking(fut: SlotFuture<'_, u64>, probe: &Probe, drops: usize) {
        let caught = catch_unwind(AssertUnwindSafe(move || drop(fut)));
        assert_eq!(
            panic_message(&*caught.unwrap_err()),
            "Tracked: panic in drop"
        );
        assert_eq!(probe.drops(), drops);
    }
    let probe = Probe::new();
    let panicking = || Tracked::<100>::new(&probe, 1).panic_on_drop();

    let mut heap = HeapSlot::new();
    complete_panicking(heap.scratch().emplace(panicking()), &probe, 1);
    cancel_panicking(heap.scratch().emplace(panicking().pending(1)), &probe, 2);
    assert_eq!(run(&mut heap.scratch().emplace(Exact::<8>::new()), 1), 8);

    let stack = pin!(SideStack::<1024>::new());
    let stack = stack.into_ref();
    complete_panicking(stack.stack_only().emplace(panicking()), &probe, 3);
    cancel_panicking(
        stack.stack_only().emplace(panicking().pending(1)),
        &probe,
        4,
    );
    assert_eq!(stack.used(), 0, "both frames reclaimed");

    let mut arena = Arena::new();
    let mut slot = pin!(Slot::<16>::new());
    complete_panicking(
        slot.as_mut().or_arena(&arena).emplace(panicking()),
        &probe,
        5,
    );
    cancel_panicking(
        slot.as_mut()
            .or_arena(&arena)
            .emplace(panicking().pending(1)),
        &probe,
        6,
    );
    arena.reset();

    let mut boxed_probe_drops = 6;
    for scratch in [Scratch::boxed(), slot.as_mut().then(Scratch::boxed())] {
        boxed_probe_drops += 1;
        complete_panicking(scratch.emplace(panicking()), &probe, boxed_probe_drops);
    }
    assert!(!slot.is_occupied());
}

/// A side stack aligned to more than 16 bytes places futures up to its
/// alignment at aligned addresses (its region follows its control block).
#[test]
fn side_stack_frames_are_aligned_to_the_stack_alignment() {
    use common::futures::{A32, A64};
    use stackslot::Align64;
    let stack = pin!(SideStack::<1024, Align64>::new());
    let stack = stack.into_ref();
    let mut a = stack.stack_only().emplace(A32(Exact::<0>::new()));
    let mut b = stack.stack_only().emplace(A64(Exact::<8>::new()));
    assert!(a.is_inline() && b.is_inline());
    assert_eq!(
        run(&mut b, 1),
        (8, true),
        "a 64-aligned future at a 64-aligned address"
    );
    assert_eq!(
        run(&mut a, 1),
        (0, true),
        "a 32-aligned one at a 32-aligned address"
    );
    drop((a, b));
    // Too large and too aligned at once counts as a size fallback, as `Stats` says.
    let small = pin!(SideStack::<0>::new());
    let small = small.into_ref();
    assert!(
        small
            .stack_only()
            .try_emplace(A32(Exact::<0>::new()))
            .is_err()
    );
    assert_eq!(
        (
            small.stats().size_fallbacks(),
            small.stats().alignment_fallbacks()
        ),
        (1, 0)
    );
}
