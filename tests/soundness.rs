//! docs/ARCHITECTURE.md's soundness rules 2 to 6: layout, aliasing (under Miri),
#![cfg(feature = "alloc")]
//! threads, panics and completion, with drop counts and addresses.

mod common;

use core::mem::{align_of, size_of};
use core::pin::pin;
use core::task::Poll;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use common::alloc_count::count;
use common::futures::*;
use common::{panic_message, poll_once, run};
use stackslot::{Align4096, Scratch, Slot};

// --- Rule 2: layout -----------------------------------------------------------

/// Places a future aligned to exactly `$align` in an `Align4096` slot and in
/// a default (16-aligned) one: inline where the alignment fits, boxed
/// otherwise, and always polled at an aligned address.
macro_rules! alignment_case {
    ($wrapper:ident, $align:literal) => {{
        assert_eq!(align_of::<$wrapper<Exact<8>>>(), $align);

        let mut aligned = pin!(Slot::<4096, Align4096>::new());
        let (allocs, out) = count(|| {
            let mut fut = aligned
                .as_mut()
                .stack_only()
                .emplace($wrapper(Exact::<8>::new()));
            assert!(fut.is_inline(), "align {} fits an Align4096 slot", $align);
            run(&mut fut, 1)
        });
        assert_eq!((allocs, out), (0, (8, true)));

        let mut default = pin!(Slot::<4096>::new());
        let (allocs, out) = count(|| {
            let mut fut = default
                .as_mut()
                .or_box()
                .emplace($wrapper(Exact::<8>::new()));
            assert_eq!(fut.is_inline(), $align <= 16, "align {}", $align);
            run(&mut fut, 1)
        });
        assert_eq!(out, (8, true));
        assert_eq!(allocs, usize::from($align > 16));
        assert_eq!(
            default.stats().alignment_fallbacks(),
            u64::from($align > 16)
        );
    }};
}

#[test]
fn alignments_1_to_4096_are_honoured_inline_and_boxed() {
    alignment_case!(A1, 1);
    alignment_case!(A2, 2);
    alignment_case!(A4, 4);
    alignment_case!(A8, 8);
    alignment_case!(A16, 16);
    alignment_case!(A32, 32);
    alignment_case!(A64, 64);
    alignment_case!(A128, 128);
    alignment_case!(A256, 256);
    alignment_case!(A512, 512);
    alignment_case!(A1024, 1024);
    alignment_case!(A2048, 2048);
    alignment_case!(A4096, 4096);
}

#[test]
fn over_aligned_futures_are_dropped_once_inline_and_boxed() {
    let probe = Probe::new();
    let mut aligned = pin!(Slot::<4096, Align4096>::new());
    let mut default = pin!(Slot::<4096>::new());
    let inline = aligned
        .as_mut()
        .or_box()
        .emplace(A4096(Tracked::<8>::new(&probe, 1).pending(1)));
    let boxed = default
        .as_mut()
        .or_box()
        .emplace(A4096(Tracked::<8>::new(&probe, 2).pending(1)));
    assert!(inline.is_inline() && !boxed.is_inline());
    let (mut inline, mut boxed) = (inline, boxed);
    assert_eq!(poll_once(&mut inline), Poll::Pending);
    assert_eq!(poll_once(&mut boxed), Poll::Pending);
    drop((inline, boxed));
    assert_eq!((probe.polls(), probe.drops()), (2, 2));
}

#[test]
fn zero_sized_futures_are_inline_even_in_an_empty_slot() {
    let mut slot = pin!(Slot::<0>::new());
    let (allocs, out) = count(|| {
        let mut fut = slot.as_mut().stack_only().emplace(Exact::<0>::new());
        assert!(fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (0, 0));
    assert!(
        slot.as_mut()
            .stack_only()
            .try_emplace(Exact::<1>::new())
            .is_err()
    );
}

#[test]
fn exact_fit_at_every_size_class() {
    fn case<const N: usize, const N1: usize>() {
        let mut slot = pin!(Slot::<N>::new());
        assert!(
            slot.as_mut()
                .stack_only()
                .emplace(Exact::<N>::new())
                .is_inline()
        );
        let over = slot
            .as_mut()
            .stack_only()
            .try_emplace(Exact::<N1>::new())
            .unwrap_err();
        assert_eq!((over.future_size(), over.capacity()), (N + 1, N));
        assert_eq!((slot.stats().hits(), slot.stats().size_fallbacks()), (1, 1));
    }
    case::<64, 65>();
    case::<128, 129>();
    case::<256, 257>();
    case::<512, 513>();
    case::<1024, 1025>();
    case::<2048, 2049>();
    case::<4096, 4097>();
}

// --- Rule 6: completion, and cancellation -------------------------------------

#[test]
fn future_is_dropped_on_ready_before_the_handle() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut fut = slot
        .as_mut()
        .or_box()
        .emplace(Tracked::<8>::new(&probe, 5).pending(2));
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    assert_eq!(probe.drops(), 0);
    assert_eq!(poll_once(&mut fut), Poll::Ready(5));
    assert_eq!(probe.drops(), 1, "dropped as soon as it returned Ready");
    drop(fut);
    assert_eq!(probe.drops(), 1, "and not again with the handle");
}

#[test]
fn poll_after_completion_panics_and_touches_nothing() {
    for boxed in [false, true] {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64>::new());
        let scratch = if boxed {
            Scratch::boxed()
        } else {
            slot.as_mut().or_box()
        };
        let mut fut = scratch.emplace(Tracked::<8>::new(&probe, 1));
        assert_eq!(poll_once(&mut fut), Poll::Ready(1));
        let caught = catch_unwind(AssertUnwindSafe(|| poll_once(&mut fut)));
        assert_eq!(
            panic_message(&*caught.unwrap_err()),
            "stackslot: slot future polled after it completed"
        );
        assert_eq!((probe.polls(), probe.drops()), (1, 1));
        drop(fut);
        assert_eq!(probe.drops(), 1);
    }
}

#[test]
fn cancel_before_first_poll_drops_once() {
    for size_over in [false, true] {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64>::new());
        let fut = if size_over {
            slot.as_mut()
                .or_box()
                .emplace(Tracked::<200>::new(&probe, 1))
        } else {
            slot.as_mut().or_box().emplace(Tracked::<8>::new(&probe, 1))
        };
        assert_eq!(fut.is_inline(), !size_over);
        drop(fut);
        assert_eq!((probe.polls(), probe.drops()), (0, 1));
        assert!(!slot.is_occupied());
    }
}

#[test]
fn cancel_after_first_poll_drops_once() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut fut = slot
        .as_mut()
        .or_box()
        .emplace(Tracked::<8>::new(&probe, 1).pending(5));
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    drop(fut);
    assert_eq!((probe.polls(), probe.drops()), (1, 1));
    // The slot is free for the next future.
    assert_eq!(
        run(
            &mut slot.as_mut().or_box().emplace(Tracked::<8>::new(&probe, 2)),
            1
        ),
        2
    );
    assert_eq!(probe.drops(), 2);
}

// --- Rule 5: panics ------------------------------------------------------------

#[test]
fn panic_in_poll_then_drop_drops_once_and_frees_the_slot() {
    for boxed in [false, true] {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64>::new());
        let future = Tracked::<8>::new(&probe, 1).panic_on_poll();
        let mut fut = if boxed {
            Scratch::boxed().emplace(future)
        } else {
            slot.as_mut().or_box().emplace(future)
        };
        let caught = catch_unwind(AssertUnwindSafe(|| poll_once(&mut fut)));
        assert_eq!(
            panic_message(&*caught.unwrap_err()),
            "Tracked: panic in poll"
        );
        assert!(!fut.is_terminated());
        assert_eq!(probe.drops(), 0);
        drop(fut);
        assert_eq!(probe.drops(), 1);
        assert!(!slot.is_occupied());
        assert_eq!(
            run(&mut slot.as_mut().or_box().emplace(Exact::<8>::new()), 1),
            8
        );
    }
}

#[test]
fn panic_in_drop_on_completion_drops_once_and_frees_the_slot() {
    for boxed in [false, true] {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64>::new());
        let future = Tracked::<8>::new(&probe, 1).panic_on_drop();
        let mut fut = if boxed {
            Scratch::boxed().emplace(future)
        } else {
            slot.as_mut().or_box().emplace(future)
        };
        let caught = catch_unwind(AssertUnwindSafe(|| poll_once(&mut fut)));
        assert_eq!(
            panic_message(&*caught.unwrap_err()),
            "Tracked: panic in drop"
        );
        assert_eq!(probe.drops(), 1);
        assert!(fut.is_terminated(), "the handle knows its future is gone");
        drop(fut);
        assert_eq!(probe.drops(), 1);
        assert!(!slot.is_occupied());
        assert_eq!(
            run(&mut slot.as_mut().or_box().emplace(Exact::<8>::new()), 1),
            8
        );
    }
}

#[test]
fn panic_in_drop_on_cancel_drops_once_and_frees_the_slot() {
    for boxed in [false, true] {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64>::new());
        let future = Tracked::<8>::new(&probe, 1).pending(3).panic_on_drop();
        let mut fut = if boxed {
            Scratch::boxed().emplace(future)
        } else {
            slot.as_mut().or_box().emplace(future)
        };
        assert_eq!(poll_once(&mut fut), Poll::Pending);
        let caught = catch_unwind(AssertUnwindSafe(move || drop(fut)));
        assert_eq!(
            panic_message(&*caught.unwrap_err()),
            "Tracked: panic in drop"
        );
        assert_eq!(probe.drops(), 1);
        assert!(!slot.is_occupied());
        assert_eq!(
            run(&mut slot.as_mut().or_box().emplace(Exact::<8>::new()), 1),
            8
        );
    }
}

#[test]
fn callee_panicking_after_placing_drops_the_future_once() {
    fn callee<'s>(probe: &Probe, scratch: Scratch<'s>) -> stackslot::SlotFuture<'s, u64> {
        let fut = scratch.emplace(Tracked::<8>::new(probe, 1));
        assert!(fut.is_inline());
        panic!("callee failed after placing");
    }
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        drop(callee(&probe, slot.as_mut().or_box()));
    }));
    assert_eq!(
        panic_message(&*caught.unwrap_err()),
        "callee failed after placing"
    );
    assert_eq!(probe.drops(), 1);
    assert!(!slot.is_occupied());
    assert_eq!(
        run(&mut slot.as_mut().or_box().emplace(Exact::<8>::new()), 1),
        8
    );
}

// --- Rule 4: threads -------------------------------------------------------------

#[test]
fn send_future_is_polled_on_another_thread() {
    let mut slot = pin!(Slot::<64>::new());
    let main = std::thread::current().id();
    let mut fut = slot
        .as_mut()
        .or_box()
        .emplace(async move { std::thread::current().id() != main });
    let polled_elsewhere =
        std::thread::scope(|s| s.spawn(move || run(&mut fut, 1)).join().unwrap());
    assert!(polled_elsewhere);
    assert!(!slot.is_occupied());
}

#[test]
fn pending_future_is_cancelled_on_another_thread() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut fut = slot
        .as_mut()
        .or_box()
        .emplace(Tracked::<8>::new(&probe, 1).pending(10));
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    std::thread::scope(|s| {
        s.spawn(move || drop(fut));
    });
    assert_eq!(probe.drops(), 1);
    assert!(!slot.is_occupied());
}

// --- tokio's intrusive futures inside a slot -------------------------------------

#[test]
fn tokio_notified_cancelled_in_a_slot_unlinks_itself() {
    let notify = Arc::new(tokio::sync::Notify::new());
    let mut slot = pin!(Slot::<256>::new());
    for round in 0..3 {
        let mut fut = slot.as_mut().stack_only().emplace({
            let notify = Arc::clone(&notify);
            async move { notify.notified().await }
        });
        assert_eq!(
            poll_once(&mut fut),
            Poll::Pending,
            "round {round}: waiter registered in the slot"
        );
        drop(fut); // unlinks the waiter from the slot's memory
    }
    // A waiter list that still pointed into the slot would be read here.
    notify.notify_waiters();
    notify.notify_one(); // stores a permit: no waiter is left
    let mut fut = slot.as_mut().stack_only().emplace({
        let notify = Arc::clone(&notify);
        async move { notify.notified().await }
    });
    assert_eq!(poll_once(&mut fut), Poll::Ready(()));
}

#[test]
fn tokio_semaphore_acquire_cancelled_in_a_slot_returns_nothing() {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(0));
    let mut slot = pin!(Slot::<256>::new());
    let mut fut = slot.as_mut().stack_only().emplace({
        let semaphore = Arc::clone(&semaphore);
        async move {
            semaphore
                .acquire()
                .await
                .map(|permit| permit.forget())
                .is_ok()
        }
    });
    assert!(fut.is_inline());
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    drop(fut);
    semaphore.add_permits(1);
    assert_eq!(
        semaphore.available_permits(),
        1,
        "the cancelled waiter took nothing"
    );
    let mut fut = slot.as_mut().stack_only().emplace({
        let semaphore = Arc::clone(&semaphore);
        async move {
            semaphore
                .acquire()
                .await
                .map(|permit| permit.forget())
                .is_ok()
        }
    });
    assert_eq!(poll_once(&mut fut), Poll::Ready(true));
    assert_eq!(semaphore.available_permits(), 0);
}

#[test]
fn notified_future_completes_in_the_slot() {
    let notify = Arc::new(tokio::sync::Notify::new());
    let mut slot = pin!(Slot::<256>::new());
    let mut fut = slot.as_mut().stack_only().emplace({
        let notify = Arc::clone(&notify);
        async move {
            notify.notified().await;
            size_of::<u64>()
        }
    });
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    notify.notify_one();
    assert_eq!(poll_once(&mut fut), Poll::Ready(8));
    drop(fut);
    assert!(!slot.is_occupied());
}
