//! The crate without `alloc`: `stack_only`, `try_emplace` and `place` work
//! and never allocate (checked with a counting allocator), in every build.

mod common;

use core::pin::pin;
use core::task::Poll;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use common::alloc_count::count;
use common::futures::{Exact, Probe, Tracked};
use common::{panic_message, poll_once, run};
use stackslot::{FallbackReason, Slot};

#[test]
fn stack_only_round_trip_allocates_nothing() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<128>::new());
    let (allocs, outputs) = count(|| {
        let mut outputs = Vec::with_capacity(100);
        for i in 0..100 {
            let mut fut = slot
                .as_mut()
                .stack_only()
                .emplace(Tracked::<64>::new(&probe, i).pending(2));
            assert!(fut.is_inline());
            outputs.push(run(&mut fut, 5));
        }
        outputs
    });
    assert_eq!(allocs, 1, "only the Vec");
    assert_eq!(outputs, (0..100).collect::<Vec<_>>());
    assert_eq!((probe.polls(), probe.drops()), (300, 100));
    assert_eq!(slot.stats().hits(), 100);
}

#[test]
fn try_emplace_refuses_without_allocating() {
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, err) = count(|| {
        slot.as_mut()
            .stack_only()
            .try_emplace(Exact::<65>::new())
            .unwrap_err()
    });
    assert_eq!(allocs, 0);
    assert_eq!(err.reason(), FallbackReason::Size);
    assert_eq!(slot.stats().size_fallbacks(), 1);
}

#[test]
fn stack_only_overflow_panics_and_leaves_the_slot_usable() {
    let mut slot = pin!(Slot::<64>::new());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        drop(slot.as_mut().stack_only().emplace(Exact::<100>::new()))
    }));
    let message = panic_message(&*caught.unwrap_err());
    assert!(
        message.contains(
            "a future of 100 bytes (align 1) does not fit a space of 64 bytes (align 16)"
        ),
        "{message}"
    );
    assert_eq!(run(&mut slot.as_mut().place(Exact::<64>::new()), 1), 64);
}

#[test]
fn cancel_and_panics_drop_exactly_once() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut fut = slot
        .as_mut()
        .stack_only()
        .emplace(Tracked::<8>::new(&probe, 1).pending(3));
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    drop(fut);
    assert_eq!(probe.drops(), 1);

    let mut fut = slot
        .as_mut()
        .stack_only()
        .emplace(Tracked::<8>::new(&probe, 1).panic_on_poll());
    assert!(catch_unwind(AssertUnwindSafe(|| poll_once(&mut fut))).is_err());
    drop(fut);
    assert_eq!(probe.drops(), 2);

    let mut fut = slot
        .as_mut()
        .stack_only()
        .emplace(Tracked::<8>::new(&probe, 1).panic_on_drop());
    assert!(catch_unwind(AssertUnwindSafe(|| poll_once(&mut fut))).is_err());
    drop(fut);
    assert_eq!(probe.drops(), 3);
    assert!(!slot.is_occupied());
}

#[test]
fn tokio_notified_cancelled_in_a_stack_only_slot() {
    let notify = Arc::new(tokio::sync::Notify::new());
    let mut slot = pin!(Slot::<256>::new());
    let mut fut = slot.as_mut().stack_only().emplace({
        let notify = Arc::clone(&notify);
        async move { notify.notified().await }
    });
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    drop(fut);
    notify.notify_waiters();
    assert!(!slot.is_occupied());
}
