//! Property 2, output: whatever path a future takes (inline, boxed, a local
//! handle, any lender and placer, given back by `try_emplace`), the caller
//! gets exactly the value it produced, after exactly its pending polls,
//! each of which woke the caller's waker; the handle then says it
//! terminated, and polling it again panics without touching the future.

use core::task::Poll;

use proptest::collection::vec;
use proptest::prelude::*;

use crate::common::futures::registry;
use crate::support::contract::Outcome;
use crate::support::kinds::{GivenBack, Placed};
use crate::support::rig::{self, Rig};
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to three futures, one after the other in one case's storages,
    /// each run to completion and polled once more.
    #[test]
    fn the_caller_gets_the_value_the_future_produced(
        (slot, steps) in strategies::slot_class().prop_flat_map(|slot| {
            let step = (
                strategies::placement(strategies::future_for(slot)),
                strategies::behaviour(6),
            );
            (Just(slot), vec(step, 1..=3))
        }),
    ) {
        let mut rig = Rig::new(slot);
        for ((ty, (lender, placer)), behaviour) in steps {
            rig.reset_arena();
            let id = ty.register(behaviour);
            let before = rig.storages.snapshot();
            let wakes_before = rig.wakes.count();
            let waker = rig.waker.clone();
            let (heap, outcome) = {
            let (_, heap, placed) = rig::place(&mut rig.storages, ty, (lender, placer), id, GivenBack::Run);
            let outcome = match placed {
                Ok(Placed::Handle(mut handle)) => {
                    let inline = handle.is_inline();
                    for _ in 0..behaviour.pending {
                        prop_assert!(matches!(rig::poll(&mut handle, &waker).1, Ok(Poll::Pending)));
                        prop_assert!(!handle.is_terminated());
                    }
                    let polled = rig::poll(&mut handle, &waker).1;
                    prop_assert_eq!(polled, Ok(Poll::Ready(behaviour.value)));
                    prop_assert!(handle.is_terminated());
                    let again = rig::poll(&mut handle, &waker).1.expect_err("a poll after completion panics");
                    prop_assert_eq!(again.message(), "stackslot: slot future polled after it completed");
                    prop_assert!(handle.is_terminated());
                    prop_assert_eq!(registry::record(id).polls, behaviour.pending + 1);
                    if inline { Outcome::Inline } else { Outcome::Boxed }
                }
                Ok(Placed::Refused(refusal)) => {
                    prop_assert_eq!(refusal.output, Some(behaviour.value), "given back intact");
                    Outcome::Refused
                }
                Err(_) => {
                    prop_assert_eq!(registry::record(id).polls, 0);
                    Outcome::Panics
                }
            };
            (heap, outcome)
            };
            let after = rig.storages.snapshot();
            let expected = rig.contract.expect(&before, &after, ty, lender, placer).map_err(TestCaseError::fail)?;
            rig.contract.placed(&expected, ty, &heap, &after).map_err(TestCaseError::fail)?;
            prop_assert_eq!(outcome, expected.outcome);
            let handle = matches!(outcome, Outcome::Inline | Outcome::Boxed);
            prop_assert_eq!(rig.wakes.count() - wakes_before, if handle { behaviour.pending } else { 0 });
            let ran = outcome != Outcome::Panics;
            prop_assert_eq!(registry::record(id).wakes, if ran { behaviour.pending } else { 0 });
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
