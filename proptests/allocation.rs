//! Property 4, allocation: every placement allocates exactly what the
//! reference says — nothing when the future fits, one block for a boxed
//! fallback (a zero-sized future too), one buffer when a heap slot or a
//! cache grows (freeing the buffer it replaces), at most one chunk for an
//! arena and none once it is warm — and nothing else ever allocates: not
//! polls, not ends. A box is freed exactly once, when its future completes
//! or is cancelled, never when its handle was leaked; a buffer or chunk
//! stays with its storage. Kinds that may not allocate never do, whatever
//! the future. Counted per thread by the support's allocator; the panic
//! machinery's own allocations (of a stack-only overflow) are counted
//! apart.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::support::expect::{Model, Outcome};
use crate::support::life::{self, End};
use crate::support::rig::Rig;
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to four lives in one case's storages, each dropped or leaked.
    #[test]
    fn every_allocation_is_the_references(
        (slot, lives) in strategies::slot_class().prop_flat_map(|slot| {
            let life = strategies::life(strategies::future_for(slot), 3, strategies::end());
            (Just(slot), vec(life, 1..=4))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let mut model = Model::new(slot);
        for life in &lives {
            let report = life::live(&mut rig, &mut model, life);
            let expected = &report.expected;
            prop_assert_eq!(report.outcome, expected.outcome);
            let placing = report.place_heap.allocs;
            match expected.place_allocs() {
                Some(allocs) => prop_assert_eq!(placing, allocs, "placing: {:?}", expected),
                None => prop_assert!(placing <= 1, "an arena's chunks: {}", placing),
            }
            prop_assert_eq!(report.poll_heap.allocs, 0, "polling");
            prop_assert_eq!(report.end_heap.allocs, 0, "ending");
            if !life.kind.may_allocate() {
                prop_assert_eq!(report.heap().allocs, 0, "a kind that may not allocate");
            }
            if expected.outcome == Outcome::Panics {
                continue; // the panic's payload is freed later, outside the count
            }
            prop_assert_eq!(report.place_heap.frees, expected.place_frees(), "placing");
            let boxed = expected.boxed();
            let completed = report.completed();
            prop_assert_eq!(report.poll_heap.frees, usize::from(boxed && completed), "polling");
            let cancelled = !completed && life.end == End::Drop;
            prop_assert_eq!(report.end_heap.frees, usize::from(boxed && cancelled), "ending");
            let blocks_left = if boxed {
                isize::from(!completed && life.end == End::Forget)
            } else {
                // A buffer or a chunk stays; a grown buffer replaced one.
                placing as isize - expected.place_frees() as isize
            };
            prop_assert_eq!(report.heap().live(), blocks_left, "blocks left");
            if !rig.storages.reusable() {
                break;
            }
        }
    }
}
