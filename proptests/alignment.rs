//! Property 5, alignment: every poll and every drop sees its future at an
//! address aligned to the future's alignment, at the same address each time
//! (it is pinned), within the storage the contract says it lives in, for
//! every alignment from 1 to 4096 in slots and side stacks aligned from 16
//! to 4096, heap slots and caches that realign, arena chunks, boxes and an
//! inline strategy aligned to 64.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::common::futures::registry;
use crate::support::rig::{self, Rig};
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to three futures of any alignment, one after the other in one
    /// case's storages, polled and then dropped.
    #[test]
    fn every_poll_sees_an_aligned_address(
        slot in strategies::slot_class(),
        lives in vec(strategies::life(strategies::future_by_alignment(), 3, 0), 1..=3),
    ) {
        let mut rig = Rig::new(slot);
        prop_assert_eq!(rig.spans.slot.start % slot.align, 0, "the slot itself");
        for life in &lives {
            let report = rig::live(&mut rig, life).map_err(TestCaseError::fail)?;
            prop_assert_eq!(report.outcome, report.expected.outcome);
            let record = registry::record(report.id);
            prop_assert_eq!(record.misaligned, 0, "{:?}", record);
            prop_assert!(!record.moved, "{:?}", record);
            let Some(addr) = record.addr else {
                continue; // never polled, and dropped without drop glue
            };
            prop_assert_eq!(addr % life.ty.align, 0);
            // Refused and overflowing futures have no home: they are
            // dropped where the callee held them.
            if report.expected.home.is_some() {
                prop_assert!(
                    report.region.as_ref().is_some_and(|r| r.start <= addr && addr + life.ty.size <= r.end),
                    "{:?}: {:#x} not in {:x?}", report.expected.home, addr, report.region
                );
            }
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
