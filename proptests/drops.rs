//! Property 3, drops: every future with drop glue is dropped exactly once —
//! when it returns `Ready` (before its handle goes), when its handle is
//! dropped, when it is refused or overflows a stack-only space — and never
//! when its handle was leaked; never twice, never after its storage was
//! reused or dropped. A leaked future with drop glue leaves its slot, heap
//! slot or cache occupied, and any leaked future keeps its side-stack frame
//! (the rig then leaks the storage: reusing or dropping it would abort by
//! design).

use proptest::collection::vec;
use proptest::prelude::*;

use crate::common::futures::registry;
use crate::support::contract::Outcome;
use crate::support::rig::{self, Rig};
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to five lives in one case's storages, each dropped or leaked.
    #[test]
    fn every_future_is_dropped_exactly_once(
        (slot, lives) in strategies::slot_class().prop_flat_map(|slot| {
            (Just(slot), vec(strategies::life(strategies::future_for(slot), 4, 4), 1..=5))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let mut ended = Vec::new();
        for life in &lives {
            let report = rig::live(&mut rig, life).map_err(TestCaseError::fail)?;
            prop_assert_eq!(report.outcome, report.expected.outcome);
            let record = registry::record(report.id);
            let glue = u32::from(life.ty.tracked);
            let placed = matches!(report.outcome, Outcome::Inline | Outcome::Boxed);
            prop_assert_eq!(report.panics.len(), usize::from(report.outcome == Outcome::Panics), "{:?}", report.panics);
            if placed && report.completed() {
                prop_assert_eq!(report.drops_at_ready, Some(glue), "dropped at Ready");
            } else if placed {
                prop_assert_eq!(report.drops_before_end, 0, "dropped while pending");
            }
            let dropped = !placed || report.completed() || !life.forget;
            prop_assert_eq!(record.drops, glue * u32::from(dropped), "drops of {:?}", report);
            // A stack-only overflow drops the future while its panic unwinds.
            prop_assert_eq!(record.unwinding_drops, glue * u32::from(report.outcome == Outcome::Panics));
            ended.push((report.id, record.drops));
            if !rig.storages.reusable() {
                break;
            }
        }
        drop(rig);
        for (id, drops) in ended {
            prop_assert_eq!(registry::record(id).drops, drops, "future {} dropped late", id);
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
