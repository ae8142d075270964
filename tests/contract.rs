//! One test (or a few) per promise of the public API: the names and
//! behaviours that docs/ARCHITECTURE.md's API contract lists.
#![cfg(feature = "alloc")]

mod common;

use core::future::Future;
use core::mem::{align_of, align_of_val, size_of};
use core::pin::pin;
use core::task::Poll;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use common::alloc_count::count;
use common::futures::{A32, A64, Exact, Probe, Tracked};
use common::{panic_message, poll_once, run};
use stackslot::{
    Align64, Align4096, FallbackReason, LocalSlotFuture, Overflow, Scratch, Slot, Slot1K, Slot2K,
    Slot4K, Slot64, Slot128, Slot256, Slot512, SlotFuture, Stats,
};
use static_assertions::{assert_eq_size, assert_impl_all, assert_not_impl_any};

// --- Slot<N> -----------------------------------------------------------------

/// `Slot::<N>::new()` is a `const fn` and needs no annotation.
#[allow(clippy::declare_interior_mutable_const)] // a fresh slot per use is the point
const CONST_SLOT: Slot<64> = Slot::<64>::new();

assert_impl_all!(Slot<64>: Send, Sync);
assert_not_impl_any!(Slot<64>: Unpin);
assert_impl_all!(Slot<64, Align64>: Send, Sync);
assert_not_impl_any!(Slot<64, Align64>: Unpin);

#[test]
fn slot_type_and_constructor_need_no_alignment_annotation() {
    let slot: Slot<64> = CONST_SLOT;
    let inferred = Slot::<64>::new();
    assert_eq!(slot.capacity(), 64);
    assert_eq!(inferred.capacity(), 64);
    assert_eq!(slot.alignment(), 16);
}

#[test]
fn slot_is_at_least_16_aligned_and_small() {
    assert_eq!(align_of::<Slot<1>>(), 16);
    assert_eq!(align_of::<Slot<4096>>(), 16);
    assert_eq!(align_of::<Slot<64, Align64>>(), 64);
    assert_eq!(align_of::<Slot<64, Align4096>>(), 4096);
    // The header costs a fixed number of bytes, whatever N.
    let overhead = size_of::<Slot<64>>() - 64;
    assert_eq!(size_of::<Slot<4096>>() - 4096, overhead);
    // The feature `profile` adds the lend's call site (16 bytes with padding).
    let limit = if cfg!(feature = "profile") { 128 } else { 112 };
    assert!(overhead <= limit, "header grew to {overhead} bytes");
    let slot = pin!(Slot::<0>::new());
    assert_eq!(slot.as_ref().get_ref() as *const _ as usize % 16, 0);
}

#[test]
fn size_classes_have_names() {
    assert_eq!(Slot64::new().capacity(), 64);
    assert_eq!(Slot128::new().capacity(), 128);
    assert_eq!(Slot256::new().capacity(), 256);
    assert_eq!(Slot512::new().capacity(), 512);
    assert_eq!(Slot1K::new().capacity(), 1024);
    assert_eq!(Slot2K::new().capacity(), 2048);
    assert_eq!(Slot4K::new().capacity(), 4096);
    assert_eq!(
        stackslot::SIZE_CLASSES,
        [64, 128, 256, 512, 1024, 2048, 4096]
    );
}

#[test]
fn fits_is_a_const_fn_on_size_and_alignment() {
    const EXACT: bool = Slot::<64>::fits::<Exact<64>>();
    const ONE_OVER: bool = Slot::<64>::fits::<Exact<65>>();
    // (`black_box`: checked when the test runs, not only when it builds.)
    assert!(std::hint::black_box(EXACT));
    assert!(!std::hint::black_box(ONE_OVER));
    assert!(Slot::<64>::fits::<()>());
    assert!(!Slot::<64>::fits::<A32<()>>());
    assert!(Slot::<64, Align64>::fits::<A64<()>>());
}

// --- Scratch and the handles --------------------------------------------------

assert_eq_size!(Scratch<'static>, [usize; 2]);
assert_eq_size!(SlotFuture<'static, u64>, [usize; 2]);
assert_eq_size!(LocalSlotFuture<'static, [u8; 100]>, [usize; 2]);
assert_not_impl_any!(Scratch<'static>: Send, Sync, Clone);
assert_impl_all!(SlotFuture<'static, u64>: Future, Send, Sync, Unpin);
assert_impl_all!(SlotFuture<'static, Rc<u8>>: Send);
assert_impl_all!(LocalSlotFuture<'static, u64>: Future, Unpin);
assert_not_impl_any!(LocalSlotFuture<'static, u64>: Send, Sync);

// --- or_box --------------------------------------------------------------------

#[test]
fn or_box_places_a_fitting_future_without_allocating() {
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, out) = count(|| {
        let mut fut = slot.as_mut().or_box().emplace(Exact::<64>::new());
        assert!(fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (0, 64));
    assert_eq!((slot.stats().hits(), slot.stats().fallbacks()), (1, 0));
}

#[test]
fn or_box_boxes_one_byte_over() {
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, out) = count(|| {
        let mut fut = slot.as_mut().or_box().emplace(Exact::<65>::new());
        assert!(!fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (1, 65));
    let stats = slot.stats();
    assert_eq!(
        (stats.hits(), stats.fallbacks(), stats.size_fallbacks()),
        (0, 1, 1)
    );
}

#[test]
fn or_box_boxes_an_over_aligned_future() {
    let mut slot = pin!(Slot::<256>::new());
    let (allocs, out) = count(|| {
        let mut fut = slot.as_mut().or_box().emplace(A32(Exact::<8>::new()));
        assert!(!fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (1, (8, true)));
    assert_eq!(slot.stats().alignment_fallbacks(), 1);
}

// --- stack_only ----------------------------------------------------------------

#[test]
fn stack_only_places_a_fitting_future() {
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, out) = count(|| {
        run(
            &mut slot.as_mut().stack_only().emplace(Exact::<64>::new()),
            1,
        )
    });
    assert_eq!((allocs, out), (0, 64));
}

#[test]
fn stack_only_overflow_panics_naming_both_layouts() {
    let mut slot = pin!(Slot::<64>::new());
    let probe = Probe::new();
    // (The panic machinery allocates; `try_emplace` shows that the check does not.)
    let caught = catch_unwind(AssertUnwindSafe(|| {
        drop(
            slot.as_mut()
                .stack_only()
                .emplace(Tracked::<128>::new(&probe, 1)),
        );
    }));
    let message = panic_message(&*caught.unwrap_err());
    let size = size_of::<Tracked<128>>();
    let align = align_of::<Tracked<128>>();
    assert_eq!(
        message,
        format!(
            "stackslot: a future of {size} bytes (align {align}) does not fit a space of 64 bytes \
             (align 16) and the scratch is stack-only (may not allocate); use a larger Slot, a \
             Slot aligned with an Align* marker, or `or_box` to allow a heap fallback"
        )
    );
    assert_eq!(
        probe.drops(),
        1,
        "the refused future is dropped while unwinding"
    );
    assert_eq!(slot.stats().size_fallbacks(), 1);
    // The slot is still usable.
    assert_eq!(
        run(
            &mut slot.as_mut().stack_only().emplace(Exact::<8>::new()),
            1
        ),
        8
    );
}

#[test]
fn stack_only_overflow_names_alignment() {
    let mut slot = pin!(Slot::<64>::new());
    let caught = catch_unwind(AssertUnwindSafe(|| {
        drop(slot.as_mut().stack_only().emplace(A64(Exact::<1>::new())));
    }));
    let message = panic_message(&*caught.unwrap_err());
    assert!(
        message.starts_with(
            "stackslot: a future of 64 bytes (align 64) does not fit a space of 64 bytes (align 16)"
        ),
        "{message}"
    );
}

// --- Scratch::boxed --------------------------------------------------------------

#[test]
fn boxed_scratch_boxes_everything_once() {
    let (allocs, out) = count(|| {
        let mut fut = Scratch::boxed().emplace(Exact::<1>::new());
        assert!(!fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (1, 1));
    let scratch = Scratch::boxed();
    assert_eq!((scratch.capacity(), scratch.alignment()), (0, 0));
    assert!(scratch.may_allocate());
    assert!(!scratch.fits::<()>());
}

#[test]
fn boxed_scratch_boxes_zero_sized_futures_like_any_other() {
    // A boxed future's block starts with a small header, so even a
    // zero-sized future costs exactly the one allocation of a fallback.
    assert_eq!(size_of::<Exact<0>>(), 0);
    let (allocs, out) = count(|| run(&mut Scratch::boxed().emplace(Exact::<0>::new()), 1));
    assert_eq!((allocs, out), (1, 0));
}

#[test]
fn a_boxed_future_gets_one_block_of_header_and_future() {
    use common::alloc_count::{last_allocation, last_deallocation};
    // A one-word header, then the future at its alignment.
    let mut fut = Scratch::boxed().emplace(Exact::<1>::new());
    assert_eq!(last_allocation(), (9, 8));
    run(&mut fut, 1);
    assert_eq!(last_deallocation(), (9, 8));
    let fut = Scratch::boxed().emplace(A64(Exact::<100>::new()));
    assert_eq!(last_allocation(), (64 + 128, 64));
    drop(fut);
    assert_eq!(last_deallocation(), (64 + 128, 64));
    let fut = Scratch::boxed().emplace(Exact::<0>::new());
    assert_eq!(last_allocation(), (8, 8));
    drop(fut);
    assert_eq!(last_deallocation(), (8, 8));
}

/// A future that escapes its frame: only the callee's borrow is in the type.
fn escaping(data: &[u8]) -> SlotFuture<'_, usize> {
    Scratch::boxed().emplace(async move { data.len() })
}

#[test]
fn boxed_scratch_futures_escape_the_frame() {
    let data = vec![1, 2, 3];
    let mut fut = escaping(&data);
    assert_eq!(run(&mut fut, 1), 3);
}

// --- emplace ----------------------------------------------------------------------

#[test]
fn emplace_fits_exactly_n_and_not_n_plus_one() {
    let mut slot = pin!(Slot::<100>::new());
    assert!(
        slot.as_mut()
            .or_box()
            .emplace(Exact::<100>::new())
            .is_inline()
    );
    assert!(
        !slot
            .as_mut()
            .or_box()
            .emplace(Exact::<101>::new())
            .is_inline()
    );
    assert!(
        slot.as_mut()
            .or_box()
            .emplace(Exact::<0>::new())
            .is_inline()
    );
    let stats = slot.stats();
    assert_eq!(
        (stats.hits(), stats.fallbacks(), stats.largest_future()),
        (2, 1, 101)
    );
}

#[test]
fn emplace_returns_the_output_on_every_path() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<256>::new());
    let inline = run(
        &mut slot
            .as_mut()
            .or_box()
            .emplace(Tracked::<8>::new(&probe, 11).pending(3)),
        10,
    );
    let boxed = run(
        &mut slot
            .as_mut()
            .or_box()
            .emplace(Tracked::<512>::new(&probe, 22).pending(3)),
        10,
    );
    let escaped = run(
        &mut Scratch::boxed().emplace(Tracked::<8>::new(&probe, 33)),
        1,
    );
    assert_eq!((inline, boxed, escaped), (11, 22, 33));
    assert_eq!(probe.drops(), 3);
    assert_eq!(probe.polls(), 4 + 4 + 1);
}

#[test]
fn emplace_local_takes_non_send_futures() {
    let shared = Rc::new(5u32);
    let mut slot = pin!(Slot::<64>::new());
    let mut fut = slot.as_mut().or_box().emplace_local({
        let shared = Rc::clone(&shared);
        async move { *shared * 2 }
    });
    assert!(fut.is_inline());
    assert_eq!(Rc::strong_count(&shared), 2);
    assert_eq!(run(&mut fut, 1), 10);
    assert_eq!(Rc::strong_count(&shared), 1, "dropped on completion");
}

#[test]
fn emplace_local_falls_back_to_the_heap() {
    let shared = Rc::new([0u8; 128]);
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, len) = count(|| {
        let payload = *shared;
        let mut fut = slot.as_mut().or_box().emplace_local(async move {
            let _keep = Rc::new(());
            payload.len()
        });
        assert!(!fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!(len, 128);
    assert_eq!(allocs, 2, "one box, one Rc");
}

#[test]
fn local_handles_come_from_send_ones() {
    let mut slot = pin!(Slot::<64>::new());
    let mut local: LocalSlotFuture<'_, usize> =
        slot.as_mut().or_box().emplace(Exact::<3>::new()).into();
    assert!(local.is_inline());
    assert_eq!(run(&mut local, 1), 3);
}

// --- try_emplace -------------------------------------------------------------------

#[test]
fn try_emplace_places_what_fits() {
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, out) = count(|| {
        let mut fut = slot
            .as_mut()
            .or_box()
            .try_emplace(Exact::<64>::new())
            .unwrap();
        assert!(fut.is_inline());
        run(&mut fut, 1)
    });
    assert_eq!((allocs, out), (0, 64));
}

#[test]
#[allow(clippy::result_large_err)]
fn try_emplace_gives_the_future_back_without_allocating() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, result) = count(|| {
        slot.as_mut()
            .or_box()
            .try_emplace(Tracked::<100>::new(&probe, 7))
    });
    assert_eq!(allocs, 0, "try_emplace never allocates, even under or_box");
    let err: Overflow<Tracked<100>> = result.unwrap_err();
    assert_eq!(err.reason(), FallbackReason::Size);
    assert_eq!(
        (err.future_size(), err.future_align()),
        (size_of::<Tracked<100>>(), 8)
    );
    assert_eq!((err.capacity(), err.space_align()), (64, 16));
    assert_eq!(probe.drops(), 0);
    let mut fut = err.into_inner();
    assert_eq!(poll_once(&mut fut), Poll::Ready(7));
    drop(fut);
    assert_eq!(probe.drops(), 1);
    assert_eq!(slot.stats().fallbacks(), 1);
}

#[test]
fn overflow_display_debug_and_error_name_both_layouts() {
    let mut slot = pin!(Slot::<64>::new());
    let err = slot
        .as_mut()
        .stack_only()
        .try_emplace(A64(Exact::<1>::new()))
        .unwrap_err();
    assert_eq!(err.reason(), FallbackReason::Alignment);
    assert_eq!(
        err.to_string(),
        "a future of 64 bytes (align 64) does not fit a space of 64 bytes (align 16)"
    );
    assert_eq!(
        format!("{err:?}"),
        "Overflow { future_size: 64, future_align: 64, capacity: 64, space_align: 16, .. }"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert!(boxed.source().is_none());

    let none = Scratch::boxed().try_emplace(Exact::<4>::new()).unwrap_err();
    assert_eq!(none.reason(), FallbackReason::NoSpace);
    assert_eq!(
        none.to_string(),
        "a future of 4 bytes (align 1) does not fit: the scratch has no space"
    );
}

#[test]
fn try_emplace_local_gives_non_send_futures_back() {
    let rc = Rc::new(());
    let payload = [1u8; 80];
    let mut slot = pin!(Slot::<64>::new());
    let fut = async move {
        let _rc = rc;
        payload.len()
    };
    let err = slot
        .as_mut()
        .stack_only()
        .try_emplace_local(fut)
        .unwrap_err();
    assert_eq!(err.capacity(), 64);
    let mut slot2 = pin!(Slot::<128>::new());
    let mut fut = slot2
        .as_mut()
        .stack_only()
        .try_emplace_local(err.into_inner())
        .unwrap();
    assert_eq!(run(&mut fut, 1), 80);
}

// --- is_inline, Stats ------------------------------------------------------------

#[test]
fn is_inline_survives_completion() {
    let mut slot = pin!(Slot::<64>::new());
    let mut inline = slot.as_mut().or_box().emplace(Exact::<1>::new());
    assert_eq!(poll_once(&mut inline), Poll::Ready(1));
    assert!(inline.is_inline() && inline.is_terminated());
    drop(inline);
    let mut boxed = Scratch::boxed().emplace(Exact::<1>::new());
    assert!(!boxed.is_terminated());
    assert_eq!(poll_once(&mut boxed), Poll::Ready(1));
    assert!(!boxed.is_inline() && boxed.is_terminated());
    assert_eq!(
        format!("{boxed:?}"),
        "SlotFuture { inline: false, terminated: true }"
    );
}

#[test]
fn stats_count_hits_fallbacks_reasons_and_largest() {
    let mut slot = pin!(Slot::<64>::new());
    assert_eq!(slot.stats(), Stats::default());
    for _ in 0..5 {
        run(&mut slot.as_mut().or_box().emplace(Exact::<10>::new()), 1);
    }
    run(&mut slot.as_mut().or_box().emplace(Exact::<300>::new()), 1);
    run(
        &mut slot.as_mut().or_box().emplace(A64(Exact::<1>::new())),
        1,
    );
    let _ = slot.as_mut().stack_only().try_emplace(Exact::<65>::new());
    let stats = slot.stats();
    assert_eq!(stats.emplacements(), 8);
    assert_eq!(stats.hits(), 5);
    assert_eq!(stats.fallbacks(), 3);
    assert_eq!(stats.size_fallbacks(), 2);
    assert_eq!(stats.alignment_fallbacks(), 1);
    assert_eq!(stats.largest_future(), 300);
    // Scratch::boxed has no slot to count in.
    run(&mut Scratch::boxed().emplace(Exact::<1>::new()), 1);
    assert_eq!(slot.stats(), stats);
    slot.as_mut().reset_stats();
    assert_eq!(slot.stats(), Stats::default());
}

#[test]
fn slot_debug_shows_its_state() {
    let mut slot = pin!(Slot::<64>::new());
    run(&mut slot.as_mut().or_box().emplace(Exact::<3>::new()), 1);
    let shown = format!("{:?}", slot.as_ref().get_ref());
    assert!(
        shown.starts_with("Slot { capacity: 64, alignment: 16, occupied: false, stats: Stats {"),
        "{shown}"
    );
    let scratch = format!("{:?}", slot.as_mut().stack_only());
    assert_eq!(
        scratch,
        "Scratch { capacity: 64, alignment: 16, may_allocate: false }"
    );
}

#[test]
fn place_checks_the_fit_at_compile_time() {
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, out) = count(|| run(&mut slot.as_mut().place(Exact::<64>::new()), 1));
    assert_eq!((allocs, out), (0, 64));
    let rc = Rc::new(2);
    let mut local = slot.as_mut().place_local(async move { *rc });
    assert!(local.is_inline());
    assert_eq!(run(&mut local, 1), 2);
}

#[test]
fn a_slot_inside_a_send_async_fn_keeps_it_send() {
    async fn caller() -> usize {
        let mut slot = pin!(Slot::<64>::new());
        let mut total = 0;
        for _ in 0..3 {
            total += slot.as_mut().or_box().emplace(Exact::<4>::new()).await;
            tokio::task::yield_now().await;
        }
        total
    }
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let fut = assert_send(caller());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(fut), 12);
}

#[test]
fn slot_alignment_is_real() {
    let mut slot = pin!(Slot::<4096, Align4096>::new());
    assert_eq!(align_of_val(slot.as_ref().get_ref()), 4096);
    let probe = Probe::new();
    let mut fut = slot
        .as_mut()
        .stack_only()
        .emplace(common::futures::A4096(Tracked::<8>::new(&probe, 1)));
    assert_eq!(run(&mut fut, 1), (1, true));
}

#[cfg(feature = "alloc")]
#[test]
fn call_is_lazy_and_gives_the_output_of_a_future_ready_at_once() {
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let mut call = slot
        .as_mut()
        .call(|s| s.emplace(Tracked::<8>::new(&probe, 5)));
    assert_eq!(probe.polls(), 0, "nothing before the first poll");
    let (allocs, output) = count(|| poll_once(&mut call));
    assert_eq!((output, allocs), (Poll::Ready(5), 0));
    assert_eq!((probe.polls(), probe.drops()), (1, 1));
    drop(call);
    assert_eq!(slot.stats().hits(), 1);
    assert_impl_all!(stackslot::SlotCall<'static, fn(stackslot::Scratch<'static>) -> stackslot::SlotFuture<'static, u8>, stackslot::SlotFuture<'static, u8>>: Send);
}
