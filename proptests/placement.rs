//! Property 1, placement: a future lands where the reference says for its
//! kind — the slot exactly when its size and alignment fit, and otherwise
//! the kind's fallback: a box, a heap slot's buffer (grown when needed),
//! an arena chunk, a side-stack frame, a strategy's cache or inline slot,
//! a refusal or a stack-only panic — and lives within that storage; the
//! scratch describes the space truthfully; and every storage's statistics,
//! buffer sizes and occupancy agree with the reference after each step.

use core::task::Poll;

use proptest::collection::vec;
use proptest::prelude::*;

use crate::support::expect::{self, Model, Outcome};
use crate::support::kinds::{GivenBack, Placed};
use crate::support::quiet::Panic;
use crate::support::registry::{self, Behaviour};
use crate::support::rig::{self, Placement, Rig};
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to four emplacements into one case's storages, each polled to
    /// completion or refused.
    #[test]
    fn each_future_lands_where_the_reference_says(
        (slot, steps) in strategies::slot_class().prop_flat_map(|slot| {
            (Just(slot), vec((strategies::future_for(slot), strategies::scratch_kind()), 1..=4))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let mut model = Model::new(slot);
        for (ty, kind) in steps {
            rig.between(&mut model);
            let id = ty.register(Behaviour { value: 7, ..Behaviour::default() });
            let expected = model.place(ty, kind);
            {
                let Placement { view, heap, placed } =
                    rig::place(&mut rig.storages, ty, kind, id, GivenBack::Drop);
                prop_assert_eq!(view, expected.view, "what the scratch says");
                model.placed(&expected, &heap);
                let region = model.region(&expected, &rig.spans, &heap);

                match (expected.outcome, placed) {
                    (Outcome::Inline | Outcome::Boxed, Ok(Placed::Handle(mut handle))) => {
                        let inline = expected.outcome == Outcome::Inline;
                        prop_assert_eq!(handle.is_inline(), inline);
                        let (_, polled) = rig::poll(&mut handle, &rig.wakes);
                        prop_assert!(matches!(polled, Ok(Poll::Ready(7))));
                        prop_assert_eq!(handle.is_inline(), inline);
                        drop(handle);
                        let addr = registry::record(id).addr.expect("polled once");
                        let region = region.expect("a placed future has a home");
                        prop_assert!(
                            region.holds(addr, ty.size),
                            "{:?}: {:#x} not in {:x?}", expected.home, addr, region
                        );
                    }
                    (Outcome::Refused, Ok(Placed::Refused(refusal))) => {
                        let misfit = expected.misfit.expect("a refusal names its space");
                        prop_assert_eq!(
                            (refusal.future_size, refusal.future_align),
                            (ty.size, ty.align)
                        );
                        prop_assert_eq!(
                            (refusal.capacity, refusal.space_align),
                            (misfit.capacity, misfit.align)
                        );
                        prop_assert_eq!(refusal.reason, misfit.reason);
                        prop_assert!(
                            expect::names_layouts(refusal.text.as_str(), ty, &misfit),
                            "{:?}", refusal.text
                        );
                        prop_assert_eq!(registry::record(id).polls, 0);
                    }
                    (Outcome::Panics, Err(payload)) => {
                        let misfit = expected.misfit.expect("a panic names its space");
                        let panic = Panic::of(&payload);
                        prop_assert!(expect::names_layouts(panic.message(), ty, &misfit), "{:?}", panic);
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
            prop_assert_eq!(rig.storages.snapshot(), model.snapshot());
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
