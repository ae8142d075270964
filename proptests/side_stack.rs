//! Property 8, side stack: futures pushed on one side stack while others
//! are alive, and dropped in any order. Each lands in a frame exactly as
//! the contract says (never past the free bytes or over-aligned, always
//! when it fits with room for its frame), inside the stack and aligned,
//! overlapping no live future; the statistics count each push; a frame is
//! reclaimed once every frame above it is gone, so `used()` is where the
//! topmost live frame left it, and 0 when all are gone. A future that misses
//! goes to the heap (`or_box`) or makes `stack_only` panic naming the free
//! bytes and the stack's alignment.

use core::ops::Range;
use core::pin::Pin;
use core::task::{Context, Poll};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::common::futures::registry::{self, Behaviour};
use crate::support::catalogue::FutureType;
use crate::support::contract::{self, side_stack_fit};
use crate::support::rig::{self, Rig};
use crate::support::storage::Counters;
use crate::support::{config, strategies};

proptest! {
    // Under Miri, half the cases of the other properties: each case here
    // keeps up to twelve futures alive at once.
    #![proptest_config(Config { cases: if cfg!(miri) { 8 } else { config().cases }, ..config() })]

    /// Up to twelve pushes and drops on one side stack.
    #[test]
    fn side_stack_frames_are_reclaimed_lifo(
        (slot, ops) in strategies::slot_class().prop_flat_map(|slot| {
            let push = (strategies::future_for(slot), any::<bool>(), prop::option::of(any::<prop::sample::Index>()));
            (Just(slot), vec(push, 1..=12))
        }),
    ) {
        let rig = Rig::new(slot);
        let stack = rig.storages.spaces.side_stack.pin();
        let span = stack.span();
        let waker = rig.waker.clone();
        // Live handles, each with its frame if it has one.
        let mut live: Vec<(_, Option<Frame>)> = Vec::new();
        for (ty, or_box, drop_at) in ops {
            let ty: &FutureType = ty;
            let (used, counters): (usize, Counters) = (stack.used(), stack.stats().into());
            let id = ty.register(Behaviour { pending: u32::MAX, ..Behaviour::default() });
            let fit = side_stack_fit(ty, slot.capacity, slot.align, used);
            let scratch = if or_box && cfg!(feature = "alloc") { lend_or_box(stack) } else { stack.stack_only() };
            let placed = rig::catch(|| (ty.emplace)(scratch, id));
            let got = counters.one_more(ty.size, stack.stats().into());
            prop_assert!(got.is_some_and(|got| fit.allows(got)), "{:?} counted {:?} for {:?}", fit, got, ty);
            let hit = got == Some(None);
            let mut handle = match placed {
                Ok(handle) => handle,
                Err(panic) => {
                    prop_assert!(!hit);
                    let misfit = (got.flatten().expect("a fallback"), slot.capacity - used, slot.align);
                    prop_assert!(contract::names_layouts(panic.message(), ty, misfit), "{:?}", panic);
                    continue;
                }
            };
            prop_assert_eq!(handle.is_inline(), hit);
            let polled = Pin::new(&mut handle).poll(&mut Context::from_waker(&waker));
            prop_assert_eq!(polled, Poll::Pending);
            let record = registry::record(id);
            let addr = record.addr.expect("polled");
            prop_assert_eq!(record.misaligned, 0);
            let at = addr..addr + ty.size;
            prop_assert_eq!(span.start <= at.start && at.end <= span.end, hit, "{:#x?} in {:#x?}", at, span);
            let frame = if hit {
                let after = stack.used();
                prop_assert!(used + ty.size <= after && after <= slot.capacity, "{} then {} for {:?}", used, after, ty);
                let frames = live.iter().filter_map(|(_, frame)| frame.as_ref());
                for (other, _) in frames {
                    prop_assert!(at.end <= other.start || other.end <= at.start, "{:#x?} overlaps {:#x?}", at, other);
                }
                Some((at, after))
            } else {
                prop_assert_eq!(stack.used(), used);
                None
            };
            live.push((handle, frame));
            // Drop a live handle, any one, not only the top.
            if let Some(drop_at) = drop_at {
                drop(live.remove(drop_at.index(live.len())));
            }
            let top = live.iter().filter_map(|(_, f)| f.as_ref().map(|f| f.1)).max();
            prop_assert_eq!(stack.used(), top.unwrap_or(0), "reclaimed down to the topmost live frame");
        }
        while let Some((handle, _)) = live.pop() {
            drop(handle);
        }
        prop_assert_eq!(stack.used(), 0, "every frame reclaimed");
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}

/// A live frame: where its future lies, and the stack's use right after it
/// was pushed.
type Frame = (Range<usize>, usize);

#[cfg(feature = "alloc")]
fn lend_or_box<'s>(
    stack: Pin<&'s dyn crate::support::storage::DynSideStack>,
) -> stackslot::Scratch<'s> {
    stack.or_box()
}

#[cfg(not(feature = "alloc"))]
fn lend_or_box<'s>(
    stack: Pin<&'s dyn crate::support::storage::DynSideStack>,
) -> stackslot::Scratch<'s> {
    stack.stack_only()
}
