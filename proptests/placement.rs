//! Property 1, placement: a future lands where the contract says for its
//! lender and placer — a space exactly when it fits (a side stack's free
//! bytes within the contract's bounds), and otherwise the fallback: a box,
//! a heap slot's buffer (grown when needed), an arena chunk, a strategy's
//! cache or inline slot, a refusal or a stack-only panic that names the
//! space — and lives within that storage; the scratch describes its space
//! truthfully; and every storage's statistics, buffer sizes and occupancy
//! are the contract's after each step.

use core::task::Poll;

use proptest::collection::vec;
use proptest::prelude::*;

use crate::common::futures::registry::{self, Behaviour};
use crate::support::contract::{self, Outcome};
use crate::support::rig::{self, Life, Rig};
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to four emplacements into one case's storages, each polled once
    /// (and ready at once) or refused.
    #[test]
    fn each_future_lands_where_the_contract_says(
        (slot, steps) in strategies::slot_class().prop_flat_map(|slot| {
            (Just(slot), vec(strategies::placement(strategies::future_for(slot)), 1..=4))
        }),
    ) {
        let mut rig = Rig::new(slot);
        for (ty, (lender, placer)) in steps {
            let behaviour = Behaviour { value: 7, ..Behaviour::default() };
            let life = Life { ty, lender, placer, behaviour, polls: 1, forget: false };
            let report = rig::live(&mut rig, &life).map_err(TestCaseError::fail)?;
            prop_assert_eq!(report.view, rig.contract.view(&report.before, ty, lender), "what the scratch says");
            let expected = &report.expected;
            prop_assert_eq!(report.outcome, expected.outcome, "{:?}", report);
            let record = registry::record(report.id);
            match (report.outcome, expected.misfit) {
                (Outcome::Inline | Outcome::Boxed, _) => {
                    prop_assert_eq!(&report.polled, &[Poll::Ready(7)]);
                    let addr = record.addr.expect("polled once");
                    prop_assert!(
                        report.region.as_ref().is_some_and(|r| r.start <= addr && addr + ty.size <= r.end),
                        "{:?}: {:#x} not in {:x?}", expected.home, addr, report.region
                    );
                }
                (Outcome::Refused, Some(misfit @ (reason, capacity, align))) => {
                    let refusal = report.refusal.as_ref().expect("a refusal");
                    prop_assert_eq!(refusal.future, (ty.size, ty.align));
                    prop_assert_eq!((refusal.reason, refusal.space), (reason, (capacity, align)));
                    prop_assert!(contract::names_layouts(refusal.text.as_str(), ty, misfit), "{:?}", refusal.text);
                }
                (Outcome::Panics, Some(misfit)) => {
                    let message = report.panics[0].message();
                    prop_assert!(contract::names_layouts(message, ty, misfit), "{:?}", message);
                    prop_assert!(message.contains("stack-only"), "{:?}", message);
                }
                (outcome, misfit) => prop_assert!(false, "{:?} without a misfit: {:?}", outcome, misfit),
            }
            prop_assert_eq!(record.polls, u32::from(expected.home.is_some()));
            prop_assert_eq!(record.drops, u32::from(ty.tracked));
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
