//! Rule 1, Pin's drop guarantee under `mem::forget`: a slot still occupied
//! by a leaked future with drop glue aborts the process when it is reused or
//! dropped; a leaked future without drop glue is simply forgotten.
//!
//! An abort can only be observed from outside, so those tests run their case
//! in a child process (this test binary, started again on one test).

mod common;

use core::mem::forget;
use core::pin::pin;
use core::task::Poll;

use common::futures::{Exact, Probe, Tracked};
use common::{poll_once, run};
use stackslot::{Align16, Counting, NoStats, Slot, WithStats};

#[test]
fn leaked_future_without_drop_glue_is_forgotten() {
    assert!(!core::mem::needs_drop::<Exact<32>>());
    let mut slot = pin!(Slot::<64>::new());
    forget(slot.as_mut().stack_only().emplace(Exact::<32>::new()));
    assert!(!slot.is_occupied());
    assert_eq!(
        run(
            &mut slot.as_mut().stack_only().emplace(Exact::<64>::new()),
            1
        ),
        64
    );
    assert_eq!(slot.stats().hits(), 2);
}

#[cfg(feature = "alloc")]
#[test]
fn leaked_boxed_future_does_not_occupy_the_slot() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let fut = slot
        .as_mut()
        .or_box()
        .emplace(Tracked::<100>::new(&probe, 1));
    assert!(!fut.is_inline());
    forget(fut);
    assert!(!slot.is_occupied());
    assert_eq!(
        run(&mut slot.as_mut().or_box().emplace(Exact::<8>::new()), 1),
        8
    );
    assert_eq!(
        probe.drops(),
        0,
        "a leaked box is a memory leak, nothing worse"
    );
}

#[test]
fn leaked_inline_future_marks_the_slot_occupied() {
    let probe = Probe::new();
    // The slot is leaked as well, so the test itself does not abort.
    let slot = Box::leak(Box::new(Slot::<64>::new()));
    // SAFETY: the slot is leaked, so it is never moved or freed.
    let mut slot = unsafe { core::pin::Pin::new_unchecked(slot) };
    forget(
        slot.as_mut()
            .stack_only()
            .emplace(Tracked::<8>::new(&probe, 1)),
    );
    assert!(slot.is_occupied());
    assert!(format!("{:?}", slot.as_ref().get_ref()).contains("occupied: true"));
    assert_eq!(slot.stats().hits(), 1, "stats stay readable");
    assert_eq!(probe.drops(), 0);
}

#[test]
fn leaked_inline_future_marks_a_slot_without_counters_occupied() {
    let probe = Probe::new();
    // The slot is leaked as well, so the test itself does not abort.
    let slot = Box::leak(Box::new(Slot::<64, Align16, NoStats>::new()));
    // SAFETY: the slot is leaked, so it is never moved or freed.
    let mut slot = unsafe { core::pin::Pin::new_unchecked(slot) };
    let mut next = pin!(Slot::<16, Align16, NoStats>::new());
    leak_pending_in_chain(slot.as_mut(), next.as_mut(), &probe);
    assert!(slot.is_occupied());
    let debug = format!("{:?}", slot.as_ref().get_ref());
    assert_eq!(
        debug, "Slot { capacity: 64, alignment: 16, occupied: true }",
        "no counters to show"
    );
    assert_eq!(probe.drops(), 0);
}

/// Lends `slot` chained to `next` (its link word then lives in the
/// occupancy record), places a pending future with drop glue in `slot`,
/// polls it once and leaks its handle.
fn leak_pending_in_chain(
    slot: core::pin::Pin<&mut Slot<64, Align16, NoStats>>,
    next: core::pin::Pin<&mut Slot<16, Align16, NoStats>>,
    probe: &Probe,
) {
    let mut fut = slot
        .then(next.stack_only())
        .emplace(Tracked::<8>::new(probe, 1).pending(1));
    assert!(fut.is_inline());
    assert_eq!(poll_once(&mut fut), Poll::Pending);
    forget(fut);
}

/// The abort message of a slot reused while a leaked `Tracked<8>` occupies
/// it: it names the event and the occupant's type.
#[cfg(unix)]
fn assert_reused_under_a_leaked_tracked_future(stderr: &str) {
    assert!(
        stderr.contains("stackslot: a slot was reused while a leaked future still occupied it (`leak::common::futures::Tracked<8>`"),
        "{stderr}"
    );
}

/// Runs `case` in a child process (this binary, on test `test_name` only) and
/// returns its stderr after checking that it was killed by `SIGABRT`.
#[cfg(unix)]
fn run_aborting_child(test_name: &str, case: impl FnOnce()) -> String {
    use std::os::unix::process::ExitStatusExt;
    const CHILD: &str = "STACKSLOT_LEAK_TEST_CHILD";
    if std::env::var(CHILD).as_deref() == Ok(test_name) {
        case();
        eprintln!("the child survived");
        std::process::exit(0);
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .env(CHILD, test_name)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.signal(),
        Some(6),
        "expected SIGABRT; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("the child survived"));
    stderr
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn reusing_a_slot_occupied_by_a_leaked_future_aborts() {
    let stderr = run_aborting_child("reusing_a_slot_occupied_by_a_leaked_future_aborts", || {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64>::new());
        let mut fut = slot
            .as_mut()
            .stack_only()
            .emplace(Tracked::<8>::new(&probe, 1).pending(1));
        assert_eq!(poll_once(&mut fut), Poll::Pending);
        forget(fut);
        let _reuse = slot.as_mut().stack_only();
    });
    assert_reused_under_a_leaked_tracked_future(&stderr);
    assert!(stderr.contains("Pin's drop guarantee"), "{stderr}");
}

/// A `Slot::call` future leaked while its callee's future waits in the
/// slot (polled once, eagerly, pending) leaks that future like any handle.
#[cfg(all(unix, feature = "alloc"))]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn reusing_a_slot_under_a_leaked_call_future_aborts() {
    let stderr = run_aborting_child("reusing_a_slot_under_a_leaked_call_future_aborts", || {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64>::new());
        let mut call = slot
            .as_mut()
            .call(|s| s.emplace(Tracked::<8>::new(&probe, 1).pending(1)));
        assert_eq!(poll_once(&mut call), Poll::Pending);
        assert_eq!(probe.polls(), 1);
        forget(call);
        let _reuse = slot.as_mut().or_box();
    });
    assert_reused_under_a_leaked_tracked_future(&stderr);
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn dropping_a_slot_occupied_by_a_leaked_future_aborts() {
    dropping_an_occupied_slot_aborts::<WithStats>(
        "dropping_a_slot_occupied_by_a_leaked_future_aborts",
    );
}

/// Leaks a future with drop glue into a `Slot<64, Align16, C>` and drops
/// the slot, in a child process that must abort.
#[cfg(unix)]
fn dropping_an_occupied_slot_aborts<C: Counting>(test_name: &str) {
    let stderr = run_aborting_child(test_name, || {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<64, Align16, C>::new());
        forget(
            slot.as_mut()
                .stack_only()
                .emplace(Tracked::<8>::new(&probe, 1)),
        );
    });
    assert!(
        stderr.contains("stackslot: a slot was dropped while a leaked future still occupied it"),
        "{stderr}"
    );
}

/// A slot without counters keeps its fallback's link word in the
/// occupancy record while vacant; an occupant's record replaces it, and the
/// next lend (here a chained one, which sets the link again) still finds
/// the occupant.
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn reusing_a_slot_without_counters_occupied_by_a_leaked_future_aborts() {
    let stderr = run_aborting_child(
        "reusing_a_slot_without_counters_occupied_by_a_leaked_future_aborts",
        || {
            let probe = Probe::new();
            let mut slot = pin!(Slot::<64, Align16, NoStats>::new());
            let mut next = pin!(Slot::<16, Align16, NoStats>::new());
            leak_pending_in_chain(slot.as_mut(), next.as_mut(), &probe);
            let _reuse = slot.as_mut().then(next.as_mut().stack_only());
        },
    );
    assert_reused_under_a_leaked_tracked_future(&stderr);
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn dropping_a_slot_without_counters_occupied_by_a_leaked_future_aborts() {
    dropping_an_occupied_slot_aborts::<NoStats>(
        "dropping_a_slot_without_counters_occupied_by_a_leaked_future_aborts",
    );
}

/// The scenario that corrupts tokio's waiter list when a buffer is reused
/// under a leaked `Notified`: here it aborts before anything is overwritten.
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn leaked_tokio_notified_aborts_instead_of_corrupting_the_waiter_list() {
    let stderr = run_aborting_child(
        "leaked_tokio_notified_aborts_instead_of_corrupting_the_waiter_list",
        || {
            let notify = std::sync::Arc::new(tokio::sync::Notify::new());
            let mut slot = pin!(Slot::<256>::new());
            let mut fut = slot.as_mut().stack_only().emplace({
                let notify = notify.clone();
                async move { notify.notified().await }
            });
            assert_eq!(poll_once(&mut fut), Poll::Pending); // linked into `notify`
            forget(fut);
            let _overwrite = slot
                .as_mut()
                .stack_only()
                .emplace(async { [0u8; 200].len() });
            notify.notify_waiters(); // would walk into the overwritten waiter
        },
    );
    assert!(
        stderr.contains("a slot was reused while a leaked future still occupied it"),
        "{stderr}"
    );
    assert!(
        stderr.contains("::{{closure}}`, "),
        "names the future's type: {stderr}"
    );
}

// --- the other storages: the same rule everywhere ------------------------------

#[cfg(all(unix, feature = "alloc"))]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn reusing_a_heap_slot_occupied_by_a_leaked_future_aborts() {
    let stderr = run_aborting_child(
        "reusing_a_heap_slot_occupied_by_a_leaked_future_aborts",
        || {
            let probe = Probe::new();
            let mut heap = stackslot::HeapSlot::new();
            forget(heap.scratch().emplace(Tracked::<100>::new(&probe, 1)));
            assert!(heap.is_occupied());
            let _reuse = heap.scratch();
        },
    );
    assert!(
        stderr
            .contains("stackslot: a heap slot was reused while a leaked future still occupied it"),
        "{stderr}"
    );
}

#[cfg(all(unix, feature = "alloc"))]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn dropping_a_heap_slot_occupied_by_a_leaked_future_aborts() {
    let stderr = run_aborting_child(
        "dropping_a_heap_slot_occupied_by_a_leaked_future_aborts",
        || {
            let probe = Probe::new();
            let mut heap = stackslot::HeapSlot::new();
            forget(heap.scratch().emplace(Tracked::<100>::new(&probe, 1)));
        },
    );
    assert!(
        stderr
            .contains("stackslot: a heap slot was dropped while a leaked future still occupied it"),
        "{stderr}"
    );
}

#[cfg(all(unix, feature = "bumpalo"))]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn resetting_an_arena_with_a_leaked_future_aborts() {
    let stderr = run_aborting_child("resetting_an_arena_with_a_leaked_future_aborts", || {
        let probe = Probe::new();
        let mut arena = stackslot::Arena::new();
        let mut slot = pin!(Slot::<64>::new());
        forget(
            slot.as_mut()
                .or_arena(&arena)
                .emplace(Tracked::<100>::new(&probe, 1)),
        );
        arena.reset();
    });
    assert!(
        stderr.contains("stackslot: an arena was reset while a leaked future still occupied it"),
        "{stderr}"
    );
}

#[cfg(all(unix, feature = "bumpalo"))]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn dropping_an_arena_with_a_leaked_future_aborts() {
    let stderr = run_aborting_child("dropping_an_arena_with_a_leaked_future_aborts", || {
        let probe = Probe::new();
        let arena = stackslot::Arena::new();
        let mut slot = pin!(Slot::<64>::new());
        forget(
            slot.as_mut()
                .or_arena(&arena)
                .emplace(Tracked::<100>::new(&probe, 1)),
        );
        drop(arena);
    });
    assert!(
        stderr.contains("stackslot: an arena was dropped while a leaked future still occupied it"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn dropping_a_side_stack_with_a_leaked_future_aborts() {
    let stderr = run_aborting_child("dropping_a_side_stack_with_a_leaked_future_aborts", || {
        let probe = Probe::new();
        let stack = pin!(stackslot::SideStack::<1024>::new());
        forget(
            stack
                .as_ref()
                .stack_only()
                .emplace(Tracked::<100>::new(&probe, 1)),
        );
    });
    assert!(
        stderr.contains(
            "stackslot: a side stack was dropped while a leaked future still occupied it"
        ),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn reusing_an_inline_adapter_with_a_leaked_future_aborts() {
    use stackslot::{Strategy, strategy::Inline};
    let stderr = run_aborting_child(
        "reusing_an_inline_adapter_with_a_leaked_future_aborts",
        || {
            let probe = Probe::new();
            let mut strategy = pin!(Inline::<256>::default());
            let mut caller = pin!(Slot::<16>::new());
            forget(
                strategy.as_mut().emplace_exclusive(
                    caller.as_mut().stack_only(),
                    Tracked::<100>::new(&probe, 1),
                ),
            );
            let _reuse = strategy
                .as_mut()
                .emplace_exclusive(caller.as_mut().stack_only(), Tracked::<100>::new(&probe, 2));
        },
    );
    assert!(
        stderr.contains("stackslot: a slot was reused while a leaked future still occupied it"),
        "{stderr}"
    );
}

#[cfg(all(unix, feature = "alloc"))]
#[test]
#[cfg_attr(miri, ignore = "Miri cannot start processes")]
fn reusing_a_cached_box_with_a_leaked_future_aborts() {
    use stackslot::{Strategy, strategy::CachedBox};
    let stderr = run_aborting_child("reusing_a_cached_box_with_a_leaked_future_aborts", || {
        let probe = Probe::new();
        let mut strategy = CachedBox::default();
        let mut caller = pin!(Slot::<16>::new());
        forget(
            core::pin::Pin::new(&mut strategy)
                .emplace_exclusive(caller.as_mut().or_box(), Tracked::<100>::new(&probe, 1)),
        );
        let _reuse = core::pin::Pin::new(&mut strategy)
            .emplace_exclusive(caller.as_mut().or_box(), Tracked::<100>::new(&probe, 2));
    });
    assert!(
        stderr
            .contains("stackslot: a heap slot was reused while a leaked future still occupied it"),
        "{stderr}"
    );
}

/// Leaked futures without drop glue never abort, whatever the storage; the
/// ones with drop glue are seen as occupying it (checked without aborting:
/// the storages are leaked too).
#[test]
fn every_storage_records_leaked_futures() {
    let stack =
        core::pin::Pin::static_ref(Box::leak(Box::new(stackslot::SideStack::<1024>::new())));
    forget(stack.stack_only().emplace(Exact::<100>::new()));
    let used = stack.used();
    assert!(used >= 100, "the leaked frame stays in use");
    let probe = Probe::new();
    forget(stack.stack_only().emplace(Tracked::<8>::new(&probe, 1)));
    assert!(stack.used() > used);

    #[cfg(feature = "alloc")]
    {
        let heap = Box::leak(Box::new(stackslot::HeapSlot::new()));
        forget(heap.scratch().emplace(Exact::<100>::new()));
        assert!(!heap.is_occupied(), "no drop glue: forgotten");
        forget(heap.scratch().emplace(Tracked::<8>::new(&probe, 1)));
        assert!(heap.is_occupied());
    }
    #[cfg(feature = "bumpalo")]
    {
        let mut arena = stackslot::Arena::new();
        let mut slot = pin!(Slot::<16>::new());
        forget(slot.as_mut().or_arena(&arena).emplace(Exact::<100>::new()));
        arena.reset(); // no drop glue: nothing to abort for
    }
    assert_eq!(probe.drops(), 0);
}

#[test]
fn side_stack_with_a_leaked_future_without_drop_glue_drops_quietly() {
    let stack = pin!(stackslot::SideStack::<1024>::new());
    forget(stack.as_ref().stack_only().emplace(Exact::<100>::new()));
    assert!(stack.used() >= 100);
}

/// The stream's counters stay readable while a leaked future occupies its
/// slot (it is not in flight), as its docs say.
#[cfg(all(feature = "futures", feature = "alloc"))]
#[test]
fn slot_stream_counters_stay_readable_under_a_future_leaked_by_next() {
    use futures_util::StreamExt as _;
    use stackslot::{Scratch, SlotFuture, SlotStream};

    fn leak_and_end<'s>(iter: &'s mut u8, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u8>> {
        forget(scratch.emplace(async move {
            let _borrowed = &mut *iter;
            core::future::pending::<()>().await
        }));
        stackslot::Scratch::boxed().emplace(async { None })
    }

    let mut stream = Box::pin(SlotStream::new(0u8, Slot::<256>::new(), leak_and_end));
    assert_eq!(poll_once(&mut stream.next()), Poll::Ready(None));
    let stats = stream.stats().expect("no item in flight");
    assert_eq!((stats.hits(), stats.fallbacks()), (1, 0));
    // Dropping the stream would abort (see `tests/leak_unwritable_stderr.rs`).
    forget(stream);
}
