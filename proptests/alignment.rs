//! Property 5, alignment: every poll and every drop sees its future at an
//! address aligned to the future's alignment, at the same address each time
//! (it is pinned), inside the slot exactly when it was placed there, for
//! every alignment from 1 to 4096 in slots aligned from 16 to 4096.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::support::expect::{self, Outcome};
use crate::support::life::{self, End};
use crate::support::registry;
use crate::support::rig::Rig;
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to three futures of any alignment, one after the other in one
    /// slot, polled and then dropped.
    #[test]
    fn every_poll_sees_an_aligned_address(
        slot in strategies::slot_class(),
        lives in vec(strategies::life(strategies::future_by_alignment(), 3, Just(End::Drop)), 1..=3),
    ) {
        let mut rig = Rig::new(slot);
        prop_assert_eq!(rig.span.0.start % slot.align, 0, "the slot itself");
        for life in &lives {
            let report = life::live(&mut rig, life);
            prop_assert_eq!(report.outcome, expect::outcome(life.ty, slot, life.kind));
            let record = registry::record(report.id);
            prop_assert_eq!(record.misaligned, 0, "{:?}", record);
            prop_assert!(!record.moved, "{:?}", record);
            let Some(addr) = record.addr else {
                continue; // never polled, and dropped without drop glue
            };
            prop_assert_eq!(addr % life.ty.align, 0);
            match report.outcome {
                Outcome::Inline => prop_assert!(rig.span.holds(addr, life.ty.size)),
                Outcome::Boxed if life.ty.size > 0 => {
                    prop_assert!(rig.span.excludes(addr, life.ty.size))
                }
                _ => {}
            }
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
