//! Property 4, allocation: placing a future that fits allocates nothing; a
//! boxed fallback allocates exactly once (a zero-sized future too) and
//! frees exactly once, when the future completes or is cancelled, and
//! never when its handle was leaked; polls never allocate; `stack_only` and
//! `try_emplace` never allocate, whatever the future. Counted per thread by
//! the support's allocator; the panic machinery's own allocations (of a
//! stack-only overflow) are counted apart.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::support::expect::{self, Outcome};
use crate::support::life::{self, End};
use crate::support::rig::Rig;
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to four lives in one slot, each dropped or leaked.
    #[test]
    fn only_a_boxed_fallback_allocates_and_exactly_once(
        (slot, lives) in strategies::slot_class().prop_flat_map(|slot| {
            let life = strategies::life(strategies::future_for(slot), 3, strategies::end());
            (Just(slot), vec(life, 1..=4))
        }),
    ) {
        let mut rig = Rig::new(slot);
        for life in &lives {
            let report = life::live(&mut rig, life);
            let expected = expect::outcome(life.ty, slot, life.kind);
            prop_assert_eq!(report.outcome, expected);
            let boxes = expect::allocates(life.ty, slot, life.kind);
            prop_assert_eq!(report.place_heap.allocs, usize::from(boxes), "placing");
            prop_assert_eq!(report.poll_heap.allocs, 0, "polling");
            prop_assert_eq!(report.end_heap.allocs, 0, "ending");
            if !life.kind.may_allocate() {
                prop_assert_eq!(report.heap().allocs, 0, "a kind that may not allocate");
            }
            if expected == Outcome::Panics {
                continue; // the panic's payload is freed later, outside the count
            }
            prop_assert_eq!(report.place_heap.frees, 0, "placing");
            let completed = report.completed();
            prop_assert_eq!(report.poll_heap.frees, usize::from(boxes && completed), "polling");
            let cancelled = !completed && life.end == End::Drop;
            prop_assert_eq!(report.end_heap.frees, usize::from(boxes && cancelled), "ending");
            let leaked = boxes && !completed && life.end == End::Forget;
            prop_assert_eq!(report.heap().live(), isize::from(leaked), "blocks left");
            if rig.slot.is_occupied() {
                break;
            }
        }
    }
}
