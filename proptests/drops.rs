//! Property 3, drops: every future with drop glue is dropped exactly once —
//! when it returns `Ready` (before its handle goes), when its handle is
//! dropped, when it is refused or overflows a stack-only slot — and never
//! when its handle was leaked; never twice, never after its slot was reused
//! or dropped. A leaked future with drop glue leaves its slot occupied (the
//! rig then leaks the slot: reusing or dropping it would abort by design).

use proptest::collection::vec;
use proptest::prelude::*;

use crate::support::expect::Outcome;
use crate::support::life::{self, End};
use crate::support::registry;
use crate::support::rig::Rig;
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to five lives in one slot, each dropped or leaked.
    #[test]
    fn every_future_is_dropped_exactly_once(
        (slot, lives) in strategies::slot_class().prop_flat_map(|slot| {
            let life = strategies::life(strategies::future_for(slot), 4, strategies::end());
            (Just(slot), vec(life, 1..=5))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let mut ended = Vec::new();
        for life in &lives {
            let report = life::live(&mut rig, life);
            let record = registry::record(report.id);
            let glue = u32::from(life.ty.tracked);
            match report.outcome {
                Outcome::Refused => prop_assert!(report.panics.is_empty()),
                Outcome::Panics => prop_assert_eq!(report.panics.len(), 1),
                Outcome::Inline | Outcome::Boxed => {
                    prop_assert!(report.panics.is_empty(), "{:?}", report.panics);
                    if report.completed() {
                        prop_assert_eq!(report.drops_at_ready, Some(glue), "dropped at Ready");
                    } else {
                        prop_assert_eq!(report.drops_before_end, 0, "dropped while pending");
                    }
                }
            }
            let dropped = match report.outcome {
                Outcome::Refused | Outcome::Panics => true,
                Outcome::Inline | Outcome::Boxed => report.completed() || life.end == End::Drop,
            };
            prop_assert_eq!(record.drops, glue * u32::from(dropped), "drops of {:?}", report);
            // A stack-only overflow drops the future while its panic unwinds.
            let unwinding = glue * u32::from(report.outcome == Outcome::Panics);
            prop_assert_eq!(record.unwinding_drops, unwinding);
            let occupied = report.outcome == Outcome::Inline && life.ty.tracked && !dropped;
            prop_assert_eq!(rig.slot.is_occupied(), occupied);
            ended.push((report.id, record.drops));
            if occupied {
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
