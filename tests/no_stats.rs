//! A slot without counters (`Slot<N, A, NoStats>`) behaves as the default
//! one with every lend: what fits is placed inline, what does not falls
//! back as the lend says, drops happen once, and nothing is counted (a
//! counting slot chained after it counts only what reaches it). Its header
//! keeps a `then` or `or_arena` link in the occupancy word while vacant
//! (docs/ARCHITECTURE.md, "Layout decisions"), so these tests lend it
//! repeatedly, after hits and fallbacks, with and without drop glue.

mod common;

use core::mem::forget;
use core::pin::pin;

use common::alloc_count::count;
use common::futures::{Exact, Probe, Tracked};
use common::run;
use stackslot::{Align16, Align64, NoStats, Slot};

type Lean<const N: usize> = Slot<N, Align16, NoStats>;

#[test]
fn stack_only_places_what_fits_and_refuses_the_rest() {
    let probe = Probe::new();
    let mut slot = pin!(Lean::<64>::new());
    for round in 0..3 {
        let (allocs, out) = count(|| {
            let mut fut = slot
                .as_mut()
                .stack_only()
                .emplace(Tracked::<8>::new(&probe, round));
            assert!(fut.is_inline());
            run(&mut fut, 1)
        });
        assert_eq!((allocs, out), (0, round));
    }
    assert_eq!(probe.drops(), 3);
    assert_eq!(
        run(
            &mut slot.as_mut().stack_only().emplace(Exact::<64>::new()),
            1
        ),
        64
    );
    let refused = slot
        .as_mut()
        .stack_only()
        .try_emplace(Exact::<65>::new())
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "a future of 65 bytes (align 1) does not fit a space of 64 bytes (align 16)"
    );
    assert!(!slot.is_occupied());
}

#[test]
fn a_stack_only_overflow_panics_naming_both_layouts() {
    let mut slot = pin!(Lean::<16>::new());
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        drop(slot.as_mut().stack_only().emplace(Exact::<17>::new()));
    }))
    .unwrap_err();
    let message = common::panic_message(&*caught);
    assert!(
        message
            .contains("a future of 17 bytes (align 1) does not fit a space of 16 bytes (align 16)"),
        "{message}"
    );
    // The slot is usable after the panic.
    assert_eq!(
        run(
            &mut slot.as_mut().stack_only().emplace(Exact::<16>::new()),
            1
        ),
        16
    );
}

#[test]
fn place_writes_inline() {
    let probe = Probe::new();
    let mut slot = pin!(Lean::<64>::new());
    let (allocs, out) = count(|| {
        let mut fut = slot.as_mut().place(Tracked::<8>::new(&probe, 9));
        assert!(fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (0, 9));
    let rc = std::rc::Rc::new(4u8);
    let mut local = slot.as_mut().place_local(async move { *rc });
    assert!(local.is_inline());
    assert_eq!(run(&mut local, 1), 4);
    drop(local);
    assert_eq!(probe.drops(), 1);
}

#[cfg(feature = "alloc")]
#[test]
fn or_box_boxes_what_does_not_fit() {
    let probe = Probe::new();
    let mut slot = pin!(Lean::<64>::new());
    let (allocs, out) = count(|| {
        let mut fut = slot.as_mut().or_box().emplace(Tracked::<8>::new(&probe, 1));
        assert!(fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (0, 1));
    let (allocs, out) = count(|| {
        let mut fut = slot
            .as_mut()
            .or_box()
            .emplace(Tracked::<100>::new(&probe, 2));
        assert!(!fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (1, 2));
    assert_eq!(probe.drops(), 2);
}

#[cfg(feature = "alloc")]
#[test]
fn a_chain_of_slots_without_counters_takes_the_first_that_fits() {
    let mut small = pin!(Lean::<16>::new());
    let mut large = pin!(Lean::<256>::new());
    for _ in 0..2 {
        let (allocs, sizes) = count(|| {
            let a = run(
                &mut small
                    .as_mut()
                    .then(large.as_mut().stack_only())
                    .emplace(Exact::<16>::new()),
                1,
            );
            let mut in_large = small
                .as_mut()
                .then(large.as_mut().stack_only())
                .emplace(Exact::<200>::new());
            assert!(in_large.is_inline());
            let b = run(&mut in_large, 1);
            drop(in_large);
            let c = run(
                &mut small
                    .as_mut()
                    .then(large.as_mut().or_box())
                    .emplace(Exact::<300>::new()),
                1,
            );
            (a, b, c)
        });
        assert_eq!(sizes, (16, 200, 300));
        assert_eq!(allocs, 1, "only the future that fits neither is boxed");
    }
    assert!(!small.is_occupied() && !large.is_occupied());
}

#[test]
fn a_counting_slot_after_one_without_counters_counts_what_reaches_it() {
    let mut lean = pin!(Lean::<32>::new());
    let mut counted = pin!(Slot::<128>::new());
    drop(
        lean.as_mut()
            .then(counted.as_mut().stack_only())
            .emplace(Exact::<8>::new()),
    );
    drop(
        lean.as_mut()
            .then(counted.as_mut().stack_only())
            .emplace(Exact::<100>::new()),
    );
    let stats = counted.stats();
    assert_eq!((stats.hits(), stats.fallbacks()), (1, 0));
    assert_eq!(stats.largest_future(), 100);

    // And the other way round: the counting slot counts both, the slot
    // without counters holds the one that did not fit the first.
    let mut first = pin!(Slot::<32>::new());
    let mut lean = pin!(Lean::<128>::new());
    let mut in_lean = first
        .as_mut()
        .then(lean.as_mut().stack_only())
        .emplace(Exact::<100>::new());
    assert!(in_lean.is_inline());
    assert_eq!(run(&mut in_lean, 1), 100);
    drop(in_lean);
    drop(
        first
            .as_mut()
            .then(lean.as_mut().stack_only())
            .emplace(Exact::<8>::new()),
    );
    let stats = first.stats();
    assert_eq!((stats.hits(), stats.fallbacks()), (1, 1));
}

#[cfg(feature = "bumpalo")]
#[test]
fn or_arena_places_what_does_not_fit_in_the_arena() {
    let arena = stackslot::Arena::new();
    let probe = Probe::new();
    let mut slot = pin!(Lean::<64>::new());
    let (allocs, out) = count(|| {
        let mut fut = slot
            .as_mut()
            .or_arena(&arena)
            .emplace(Tracked::<8>::new(&probe, 1));
        assert!(fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (0, 1));
    let mut fut = slot
        .as_mut()
        .or_arena(&arena)
        .emplace(Tracked::<100>::new(&probe, 2));
    assert!(!fut.is_inline());
    assert!(arena.allocated_bytes() > 100);
    assert_eq!(run(&mut fut, 1), 2);
    drop(fut);
    assert_eq!(probe.drops(), 2);
}

#[test]
fn an_aligned_slot_without_counters_places_aligned_futures() {
    #[repr(align(64))]
    struct Aligned(u8);
    impl Future for Aligned {
        type Output = usize;
        fn poll(
            self: core::pin::Pin<&mut Self>,
            _: &mut core::task::Context<'_>,
        ) -> core::task::Poll<usize> {
            let at = core::ptr::from_ref(&*self).addr();
            core::task::Poll::Ready(at % 64 + usize::from(self.0))
        }
    }
    let mut slot = pin!(Slot::<64, Align64, NoStats>::new());
    let mut fut = slot.as_mut().stack_only().emplace(Aligned(0));
    assert!(fut.is_inline());
    assert_eq!(run(&mut fut, 1), 0, "polled at a 64-aligned address");
}

#[test]
fn a_leaked_future_without_drop_glue_is_forgotten_and_the_link_still_works() {
    let mut slot = pin!(Lean::<64>::new());
    let mut next = pin!(Lean::<256>::new());
    forget(
        slot.as_mut()
            .then(next.as_mut().stack_only())
            .emplace(Exact::<32>::new()),
    );
    assert!(!slot.is_occupied());
    let mut in_next = slot
        .as_mut()
        .then(next.as_mut().stack_only())
        .emplace(Exact::<128>::new());
    assert!(in_next.is_inline());
    assert_eq!(run(&mut in_next, 1), 128);
}

#[test]
fn a_slot_of_no_capacity_without_counters_holds_zero_sized_futures() {
    let mut slot = pin!(Lean::<0>::new());
    let mut fut = slot.as_mut().stack_only().emplace(Exact::<0>::new());
    assert!(fut.is_inline());
    assert_eq!(run(&mut fut, 1), 0);
    drop(fut);
    assert!(
        slot.as_mut()
            .stack_only()
            .try_emplace(Exact::<1>::new())
            .is_err()
    );
}
