//! Property 2, output: whatever path a future takes (inline, boxed, a local
//! handle, any storage or strategy, given back by `try_emplace`), the
//! caller gets exactly the value it produced, after exactly its pending polls, each of which woke the
//! caller's waker; the handle then says it terminated, and polling it again
//! panics without touching the future.

use core::task::Poll;

use proptest::collection::vec;
use proptest::prelude::*;

use crate::support::expect::{Model, Outcome};
use crate::support::kinds::{GivenBack, Placed};
use crate::support::quiet::Panic;
use crate::support::registry;
use crate::support::rig::{self, Placement, Rig};
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to three futures, one after the other in one case's storages,
    /// each run to completion and polled once more.
    #[test]
    fn the_caller_gets_the_value_the_future_produced(
        (slot, steps) in strategies::slot_class().prop_flat_map(|slot| {
            let step = (
                strategies::future_for(slot),
                strategies::scratch_kind(),
                strategies::behaviour(6),
            );
            (Just(slot), vec(step, 1..=3))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let mut model = Model::new(slot);
        for (ty, kind, behaviour) in steps {
            rig.between(&mut model);
            let id = ty.register(behaviour);
            let expected = model.place(ty, kind);
            let wakes_before = rig.wakes.count();
            let Placement { placed, heap, .. } =
                rig::place(&mut rig.storages, ty, kind, id, GivenBack::Run);
            model.placed(&expected, &heap);
            match placed {
                Ok(Placed::Handle(mut handle)) => {
                    prop_assert_eq!(
                        handle.is_inline(),
                        expected.outcome == Outcome::Inline,
                        "{:?}", expected
                    );
                    for _ in 0..behaviour.pending {
                        let (_, polled) = rig::poll(&mut handle, &rig.wakes);
                        prop_assert!(matches!(polled, Ok(Poll::Pending)));
                        prop_assert!(!handle.is_terminated());
                    }
                    let (_, polled) = rig::poll(&mut handle, &rig.wakes);
                    prop_assert!(
                        matches!(polled, Ok(Poll::Ready(v)) if v == behaviour.value),
                        "{:?}", polled.map_err(|p| Panic::of(&p))
                    );
                    prop_assert!(handle.is_terminated());
                    prop_assert_eq!(rig.wakes.count() - wakes_before, behaviour.pending);

                    let (_, again) = rig::poll(&mut handle, &rig.wakes);
                    let panic = Panic::of(&again.expect_err("a poll after completion panics"));
                    prop_assert_eq!(
                        panic.message(),
                        "stackslot: slot future polled after it completed"
                    );
                    prop_assert!(handle.is_terminated());
                    drop(handle);
                    prop_assert_eq!(registry::record(id).polls, behaviour.pending + 1);
                }
                Ok(Placed::Refused(refusal)) => {
                    prop_assert_eq!(expected.outcome, Outcome::Refused);
                    prop_assert_eq!(refusal.output, Some(behaviour.value), "given back intact");
                }
                Err(payload) => {
                    prop_assert_eq!(expected.outcome, Outcome::Panics, "{:?}", Panic::of(&payload));
                    prop_assert_eq!(registry::record(id).polls, 0);
                    continue;
                }
            }
            prop_assert_eq!(registry::record(id).wakes, behaviour.pending);
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
