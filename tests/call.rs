//! `Slot::call` and `Slot::call_stack_only`: laziness, the eager path (a
//! future ready at once is polled by `emplace` and its output kept in the
//! slot), the pending path, fallbacks, panics, a stashed scratch, counters,
//! allocations and auto traits (docs/ARCHITECTURE.md, "The eager path").
#![cfg(feature = "alloc")]

mod common;

use core::cell::Cell;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Wake;

use common::alloc_count::count;
use common::futures::{Probe, Tracked};
use common::{panic_message, poll_once, run};
use stackslot::{LocalSlotFuture, Scratch, Slot, SlotCall, SlotFuture, Stats};

fn tracked<'s>(probe: &Probe, value: u64, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
    scratch.emplace(Tracked::<16>::new(probe, value))
}

fn pending_once<'s>(probe: &Probe, value: u64, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
    scratch.emplace(Tracked::<16>::new(probe, value).pending(1))
}

/// A waker that counts its wakes.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

mod auto_traits {
    use super::*;
    use static_assertions::{assert_impl_all, assert_not_impl_any};

    type SendFn = fn(Scratch<'static>) -> SlotFuture<'static, Rc<u8>>;
    type LocalFn = Box<dyn FnOnce(Scratch<'static>) -> SlotFuture<'static, u8>>;
    type LocalHandleFn = fn(Scratch<'static>) -> LocalSlotFuture<'static, u8>;

    // `Send` when `f` is (a `SlotFuture` is, whatever its output).
    assert_impl_all!(SlotCall<'static, SendFn, SlotFuture<'static, Rc<u8>>>: Send, Sync, Unpin);
    assert_not_impl_any!(SlotCall<'static, LocalFn, SlotFuture<'static, u8>>: Send);
    assert_not_impl_any!(SlotCall<'static, LocalHandleFn, LocalSlotFuture<'static, u8>>: Send);
    assert_impl_all!(SlotCall<'static, LocalHandleFn, LocalSlotFuture<'static, u8>>: Unpin);
}

#[test]
fn call_does_nothing_before_its_first_poll() {
    let called = Cell::new(false);
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot.as_mut().call(|s| {
        called.set(true);
        tracked(&probe, 3, s)
    });
    assert!(!called.get());
    assert_eq!(probe.polls(), 0);
    assert_eq!(poll_once(&mut call), Poll::Ready(3));
    assert!(called.get());
    drop(call);
    assert_eq!(slot.stats().hits(), 1);
    // A call dropped before its first poll lends nothing.
    drop(slot.as_mut().call(|s| tracked(&probe, 4, s)));
    assert_eq!(slot.stats().emplacements(), 1);
}

#[test]
fn a_future_ready_at_once_is_polled_once_and_dropped_in_place() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    for (i, via_stack_only) in [(1, false), (2, true)] {
        let output = if via_stack_only {
            poll_once(&mut slot.as_mut().call_stack_only(|s| tracked(&probe, i, s)))
        } else {
            poll_once(&mut slot.as_mut().call(|s| tracked(&probe, i, s)))
        };
        assert_eq!(output, Poll::Ready(i));
        assert_eq!((probe.polls(), probe.drops()), (i as usize, i as usize));
        assert!(!slot.is_occupied());
    }
    assert_eq!((slot.stats().hits(), slot.stats().fallbacks()), (2, 0));
}

#[test]
fn the_eager_poll_keeps_a_ready_output_in_the_handle() {
    // The closure sees the handle the eager path made: inline, not
    // terminated, and its own poll returns the kept output.
    let mut slot = pin!(Slot::<64>::new());
    let mut seen = None;
    let mut call = slot.as_mut().call(|s| {
        let mut handle = s.emplace(async { String::from("kept") });
        seen = Some((handle.is_inline(), handle.is_terminated()));
        let output = poll_once(&mut handle);
        let Poll::Ready(output) = output else {
            panic!("a ready handle returns its output")
        };
        assert!(handle.is_terminated());
        Scratch::boxed().emplace(async move { output + " and moved" })
    });
    assert_eq!(
        poll_once(&mut call),
        Poll::Ready(String::from("kept and moved"))
    );
    assert_eq!(seen, Some((true, false)));
}

#[test]
fn a_ready_handle_dropped_by_the_closure_drops_its_output_once() {
    let drops = Rc::new(Cell::new(0));
    struct Counted(Rc<Cell<u32>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot.as_mut().call(|s| {
        let counted = Counted(Rc::clone(&drops));
        drop(s.emplace_local(async move { counted }));
        Scratch::boxed().emplace_local(async { 9 })
    });
    assert_eq!(poll_once(&mut call), Poll::Ready(9));
    assert_eq!(drops.get(), 1);
    drop(call);
    assert!(!slot.is_occupied());
    assert_eq!(slot.stats().hits(), 1);
}

#[test]
fn a_pending_future_is_polled_once_per_poll_of_the_call() {
    let probe = Probe::new();
    let mut cx = Context::from_waker(Waker::noop());
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot.as_mut().call(|s| pending_once(&probe, 7, s));
    assert_eq!(core::pin::Pin::new(&mut call).poll(&mut cx), Poll::Pending);
    // The eager poll ran the future with the call's own context.
    assert_eq!(probe.polls(), 1);
    assert_eq!(core::pin::Pin::new(&mut call).poll(&mut cx), Poll::Ready(7));
    assert_eq!((probe.polls(), probe.drops()), (2, 1));
    drop(call);
    assert!(!slot.is_occupied());
    assert_eq!(slot.stats().hits(), 1);
    use core::future::Future;
}

#[test]
fn the_eager_poll_wakes_the_callers_waker() {
    let probe = Probe::new();
    let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&wakes));
    let mut cx = Context::from_waker(&waker);
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot.as_mut().call(|s| pending_once(&probe, 7, s));
    assert_eq!(core::pin::Pin::new(&mut call).poll(&mut cx), Poll::Pending);
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert_eq!(core::pin::Pin::new(&mut call).poll(&mut cx), Poll::Ready(7));
    use core::future::Future;
}

#[test]
fn futures_that_do_not_fit_and_outputs_that_do_not_fit_take_the_normal_path() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    // Boxed: polled by the call, once.
    let mut call = slot
        .as_mut()
        .call(|s| s.emplace(Tracked::<100>::new(&probe, 5)));
    assert_eq!(poll_once(&mut call), Poll::Ready(5));
    drop(call);
    assert_eq!((probe.polls(), probe.drops()), (1, 1));
    // A small future with an output larger than the slot: placed, not
    // polled eagerly (inside `emplace`, where the output would be written
    // into the slot), polled by the call.
    let polls = &AtomicUsize::new(0);
    let mut call = slot.as_mut().call(|s| {
        let handle = s.emplace(async move {
            polls.fetch_add(1, Ordering::SeqCst);
            [3u8; 100]
        });
        assert!(handle.is_inline());
        assert_eq!(
            polls.load(Ordering::SeqCst),
            0,
            "a 100-byte output polled in emplace"
        );
        handle
    });
    assert_eq!(poll_once(&mut call), Poll::Ready([3u8; 100]));
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    drop(call);
    let stats = slot.stats();
    assert_eq!((stats.hits(), stats.fallbacks()), (1, 1));
    assert!(!slot.is_occupied());
}

/// An output more aligned than the slot allows, from a larger future that
/// fits it, is not polled inside `emplace` (where it would be written into
/// the slot), but by the call, after `emplace` returned. (An output larger
/// than the slot: the test above.)
#[test]
fn an_output_more_aligned_than_the_slot_is_not_polled_in_emplace() {
    #[repr(align(32))]
    #[derive(Debug, PartialEq)]
    struct Aligned32(u8);

    let polls = &AtomicUsize::new(0);
    let mut slot = pin!(Slot::<64>::new());
    // Aligned to 32 (the slot to 16), from a larger future aligned to 8.
    let mut call = slot.as_mut().call(|s| {
        let pad = [1u8; 40];
        let handle = s.emplace(async move {
            polls.fetch_add(1, Ordering::SeqCst);
            Aligned32(pad[39] + 8)
        });
        assert!(handle.is_inline());
        assert_eq!(
            polls.load(Ordering::SeqCst),
            0,
            "an output aligned to 32 polled in emplace"
        );
        handle
    });
    assert_eq!(poll_once(&mut call), Poll::Ready(Aligned32(9)));
    drop(call);
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    assert_eq!(slot.stats().hits(), 1);
}

#[test]
fn call_stack_only_panics_on_a_future_too_large_and_the_slot_stays_usable() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        let mut call = slot
            .as_mut()
            .call_stack_only(|s| s.emplace(Tracked::<100>::new(&probe, 5)));
        poll_once(&mut call)
    }));
    let message = panic_message(&*caught.unwrap_err());
    assert!(message.contains("does not fit"), "{message}");
    assert_eq!(probe.drops(), 1);
    let mut call = slot.as_mut().call_stack_only(|s| tracked(&probe, 6, s));
    assert_eq!(poll_once(&mut call), Poll::Ready(6));
}

#[test]
fn a_panic_in_the_eager_poll_or_the_drop_after_it_drops_the_future_once() {
    type Make = fn(Tracked<16>) -> Tracked<16>;
    let cases: [(Make, &str); 2] = [
        (Tracked::panic_on_poll, "Tracked: panic in poll"),
        (Tracked::panic_on_drop, "Tracked: panic in drop"),
    ];
    for (make, message) in cases {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64>::new());
        let caught = catch_unwind(AssertUnwindSafe(|| {
            let mut call = slot
                .as_mut()
                .call(|s| s.emplace(make(Tracked::<16>::new(&probe, 1))));
            poll_once(&mut call)
        }));
        assert_eq!(panic_message(&*caught.unwrap_err()), message);
        assert_eq!((probe.polls(), probe.drops()), (1, 1), "{message}");
        assert!(!slot.is_occupied());
        let mut call = slot.as_mut().call(|s| tracked(&probe, 2, s));
        assert_eq!(poll_once(&mut call), Poll::Ready(2));
        assert_eq!(probe.drops(), 2);
    }
}

#[test]
fn a_panic_in_the_drop_of_a_kept_output_leaves_a_usable_slot() {
    struct PanicOnDrop(Rc<Cell<u32>>);
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
            panic!("output dropped");
        }
    }
    let drops = Rc::new(Cell::new(0));
    let mut slot = pin!(Slot::<64>::new());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        let mut call = slot.as_mut().call(|s| {
            let output = PanicOnDrop(Rc::clone(&drops));
            drop(s.emplace_local(async move { output }));
            Scratch::boxed().emplace_local(async { 1 })
        });
        poll_once(&mut call)
    }));
    assert_eq!(panic_message(&*caught.unwrap_err()), "output dropped");
    assert_eq!(drops.get(), 1);
    assert!(!slot.is_occupied());
    let probe = Probe::new();
    let mut call = slot.as_mut().call(|s| pending_once(&probe, 2, s));
    assert_eq!(run(&mut call, 2), 2);
}

#[test]
fn a_stashed_scratch_used_after_the_call_returned_finds_no_context() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut stash = None;
    let mut call = slot.as_mut().call(|s| {
        stash = Some(s);
        Scratch::boxed().emplace(async { 1 })
    });
    assert_eq!(poll_once(&mut call), Poll::Ready(1));
    drop(call);
    let mut late = stash.take().unwrap().emplace(Tracked::<16>::new(&probe, 4));
    assert!(late.is_inline());
    assert_eq!(probe.polls(), 0, "not polled eagerly: the context is gone");
    assert_eq!(poll_once(&mut late), Poll::Ready(4));
    assert_eq!(probe.polls(), 1);
}

#[test]
fn a_scratch_stashed_by_a_closure_that_panicked_finds_no_context() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut stash = None;
    let lent = slot.as_mut();
    let caught = catch_unwind(AssertUnwindSafe(|| {
        let mut call = lent.call(|s| {
            stash = Some(s);
            if stash.is_some() {
                panic!("closure panicked");
            }
            Scratch::boxed().emplace(async { 0 })
        });
        poll_once(&mut call)
    }));
    assert_eq!(panic_message(&*caught.unwrap_err()), "closure panicked");
    let mut late = stash.take().unwrap().emplace(Tracked::<16>::new(&probe, 4));
    assert_eq!(probe.polls(), 0);
    assert_eq!(poll_once(&mut late), Poll::Ready(4));
}

#[test]
fn a_closure_that_drops_a_pending_handle_and_returns_another_gets_it_polled() {
    let probe = Probe::new();
    let other = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot.as_mut().call(|s| {
        drop(pending_once(&probe, 1, s));
        Scratch::boxed().emplace(Tracked::<16>::new(&other, 2))
    });
    assert_eq!(poll_once(&mut call), Poll::Ready(2));
    assert_eq!((probe.polls(), probe.drops()), (1, 1));
    assert_eq!((other.polls(), other.drops()), (1, 1));
}

#[test]
fn counters_count_what_the_plain_path_counts() {
    fn sequence<'s>(i: u64, scratch: Scratch<'s>) -> SlotFuture<'s, u64> {
        match i % 3 {
            0 => scratch.emplace(async move { i }),
            1 => {
                let pad = [1u8; 200];
                scratch.emplace(async move { i + u64::from(pad[0]) - 1 })
            }
            _ => scratch.emplace(Tracked::<16>::new(&Probe::new(), i).pending(1)),
        }
    }
    let mut plain = pin!(Slot::<64>::new());
    let mut called = pin!(Slot::<64>::new());
    for i in 0..9 {
        assert_eq!(run(&mut sequence(i, plain.as_mut().or_box()), 3), i);
        assert_eq!(run(&mut called.as_mut().call(|s| sequence(i, s)), 3), i);
    }
    assert_eq!(plain.stats(), called.stats());
    assert_ne!(called.stats(), Stats::default());
}

#[test]
fn hits_allocate_nothing() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, sum) = count(|| {
        let mut sum = 0;
        for i in 0..10 {
            sum += run(&mut slot.as_mut().call(|s| tracked(&probe, i, s)), 1);
            sum += run(&mut slot.as_mut().call(|s| pending_once(&probe, i, s)), 2);
            sum += run(
                &mut slot.as_mut().call_stack_only(|s| tracked(&probe, i, s)),
                1,
            );
        }
        sum
    });
    assert_eq!(sum, 3 * 45);
    assert_eq!(allocs, 0);
    assert_eq!(slot.stats().hits(), 30);
}

#[test]
fn local_futures_are_polled_eagerly_too() {
    let rc = Rc::new(Cell::new(0));
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot.as_mut().call(|s| {
        let rc = Rc::clone(&rc);
        s.emplace_local(async move {
            rc.set(rc.get() + 1);
            rc.get()
        })
    });
    assert_eq!(poll_once(&mut call), Poll::Ready(1));
    assert_eq!(Rc::strong_count(&rc), 1, "the future was dropped");
}

#[test]
fn try_emplace_is_polled_eagerly_too() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot.as_mut().call(|s| {
        let handle = s.try_emplace(Tracked::<16>::new(&probe, 8)).unwrap();
        assert_eq!((probe.polls(), probe.drops()), (1, 1));
        handle
    });
    assert_eq!(poll_once(&mut call), Poll::Ready(8));
    assert_eq!(probe.polls(), 1);
}

#[test]
fn polling_a_completed_call_panics() {
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot.as_mut().call(|s| s.emplace(async { 1 }));
    assert_eq!(poll_once(&mut call), Poll::Ready(1));
    let caught = catch_unwind(AssertUnwindSafe(|| poll_once(&mut call)));
    assert_eq!(
        panic_message(&*caught.unwrap_err()),
        "stackslot: call future polled after it completed"
    );
}

#[test]
fn calls_can_be_awaited_in_a_loop() {
    trait DynNext {
        fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>>;
    }
    struct Upto(u32, u32);
    impl DynNext for Upto {
        fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
            scratch.emplace(async move {
                (self.0 < self.1).then(|| {
                    self.0 += 1;
                    self.0
                })
            })
        }
    }
    async fn sum(iter: &mut dyn DynNext) -> u32 {
        let mut slot = pin!(Slot::<64>::new());
        let mut sum = 0;
        while let Some(x) = slot.as_mut().call(|s| iter.next(s)).await {
            sum += x;
        }
        assert_eq!(slot.stats().hits(), 5);
        sum
    }
    let mut iter = Upto(0, 4);
    assert_eq!(run(&mut Box::pin(sum(&mut iter)), 1), 10);
}

/// A slot without counters has a bare two-word header: the eager path keeps
/// the output after that header, not after a counting one, and the caller
/// reads it there. An output with a destructor and a distinct byte pattern
/// shows a wrong offset as a wrong value (and Miri as an out-of-place read).
#[test]
fn a_slot_without_counters_keeps_and_returns_the_output_in_its_own_layout() {
    use stackslot::{Align16, NoStats};

    fn pattern<'s>(seed: u8, scratch: Scratch<'s>) -> SlotFuture<'s, (Vec<u8>, [u8; 24])> {
        scratch.emplace(async move { (vec![seed; 3], core::array::from_fn(|i| seed + i as u8)) })
    }
    let mut slot = pin!(Slot::<64, Align16, NoStats>::new());
    for seed in [1u8, 50, 100] {
        let mut call = slot.as_mut().call(|s| pattern(seed, s));
        let (bytes, array) = match poll_once(&mut call) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("ready at once"),
        };
        assert_eq!(bytes, vec![seed; 3]);
        assert_eq!(array, core::array::from_fn(|i| seed + i as u8));
    }
    // Pending once, then ready, through the stack-only twin.
    let probe = Probe::new();
    let mut call = slot
        .as_mut()
        .call_stack_only(|s| pending_once(&probe, 9, s));
    assert_eq!(poll_once(&mut call), Poll::Pending);
    assert_eq!(poll_once(&mut call), Poll::Ready(9));
    drop(call);
    assert_eq!(probe.drops(), 1);
    assert!(!slot.is_occupied());
}
