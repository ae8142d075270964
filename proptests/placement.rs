//! Property 1, placement: a future is placed in the slot exactly when its
//! size and alignment fit (and lives within the slot then, outside it
//! otherwise); what does not fit takes the scratch kind's fallback; the
//! scratch describes the space truthfully; and the slot's statistics count
//! every emplacement as the reference does.

use core::task::Poll;

use proptest::collection::vec;
use proptest::prelude::*;

use crate::support::expect::{self, Outcome, StatsModel};
use crate::support::kinds::{GivenBack, Placed};
use crate::support::quiet::Panic;
use crate::support::registry::{self, Behaviour};
use crate::support::rig::{self, Placement, Rig};
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to four emplacements into one slot, each polled to completion or
    /// refused.
    #[test]
    fn inline_exactly_when_size_and_alignment_fit(
        (slot, steps) in strategies::slot_class().prop_flat_map(|slot| {
            (Just(slot), vec((strategies::future_for(slot), strategies::scratch_kind()), 1..=4))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let mut model = StatsModel::default();
        for (ty, kind) in steps {
            let id = ty.register(Behaviour { value: 7, ..Behaviour::default() });
            let misfit = expect::misfit(ty, slot, kind);
            let expected = expect::outcome(ty, slot, kind);
            let lent = if kind.lends_slot() { (slot.capacity, slot.align) } else { (0, 0) };
            {
                let Placement { view, placed, .. } =
                    rig::place(rig.slot.as_mut(), ty, kind, id, GivenBack::Drop);
                prop_assert_eq!(view.fits, misfit.is_none(), "Scratch::fits");
                prop_assert_eq!((view.capacity, view.alignment), lent);
                prop_assert_eq!(view.may_allocate, kind.scratch_may_allocate());

                match (expected, placed) {
                    (Outcome::Inline | Outcome::Boxed, Ok(Placed::Handle(mut handle))) => {
                        prop_assert_eq!(handle.is_inline(), expected == Outcome::Inline);
                        let (_, polled) = rig::poll(&mut handle, &rig.wakes);
                        prop_assert!(matches!(polled, Ok(Poll::Ready(7))));
                        prop_assert_eq!(handle.is_inline(), expected == Outcome::Inline);
                        drop(handle);
                        let addr = registry::record(id).addr.expect("polled once");
                        if expected == Outcome::Inline {
                            prop_assert!(rig.span.holds(addr, ty.size), "{addr:#x} in {:x?}", rig.span);
                        } else if ty.size > 0 {
                            prop_assert!(rig.span.excludes(addr, ty.size), "{addr:#x} in {:x?}", rig.span);
                        }
                    }
                    (Outcome::Refused, Ok(Placed::Refused(refusal))) => {
                        prop_assert_eq!(
                            (refusal.future_size, refusal.future_align),
                            (ty.size, ty.align)
                        );
                        prop_assert_eq!((refusal.capacity, refusal.space_align), lent);
                        prop_assert_eq!(Some(refusal.reason), misfit);
                        prop_assert!(
                            expect::names_layouts(refusal.text.as_str(), ty, slot),
                            "{:?}", refusal.text
                        );
                        prop_assert_eq!(registry::record(id).polls, 0);
                    }
                    (Outcome::Panics, Err(payload)) => {
                        let panic = Panic::of(&payload);
                        prop_assert!(expect::names_layouts(panic.message(), ty, slot), "{:?}", panic);
                        prop_assert!(panic.message().contains("stack-only"), "{:?}", panic);
                        prop_assert_eq!(registry::record(id).polls, 0);
                    }
                    (expected, Ok(Placed::Handle(handle))) => prop_assert!(
                        false,
                        "expected {:?}, got a handle (inline: {})", expected, handle.is_inline()
                    ),
                    (expected, Ok(Placed::Refused(refusal))) => {
                        prop_assert!(false, "expected {:?}, got {:?}", expected, refusal)
                    }
                    (expected, Err(payload)) => {
                        prop_assert!(false, "expected {:?}, got {:?}", expected, Panic::of(&payload))
                    }
                }
            }
            prop_assert_eq!(registry::record(id).drops, u32::from(ty.tracked));
            model.record(ty, slot, kind);
            prop_assert_eq!(StatsModel::of(&rig.slot.stats()), model);
            prop_assert!(!rig.slot.is_occupied());
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
