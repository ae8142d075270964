//! Property 4, allocation: every placement allocates exactly what the
//! contract says — nothing when the future fits, one block for a boxed
//! fallback (a zero-sized future too), one buffer when a heap slot or a
//! cache grows (freeing the buffer it replaces), at most one chunk for an
//! arena and none once it is warm — and nothing else ever allocates: not
//! polls, not ends. A box is freed exactly once, when its future completes
//! or is cancelled, never when its handle was leaked; a buffer or chunk
//! stays with its storage, and is freed with it: a case without leaks or
//! panics gives back every block it took. A scratch that may not allocate
//! never does, whatever the placer. Counted per thread by the shared counting
//! allocator; the panic machinery's own allocations are counted apart.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::common::alloc_count::measure;
use crate::support::contract::{Last, Outcome};
use crate::support::rig::{self, Life, Report, Rig};
use crate::support::{config, strategies};

proptest! {
    #![proptest_config(config())]

    /// Up to four lives in one case's storages, each dropped or leaked.
    #[test]
    fn every_allocation_is_the_contracts(
        (slot, lives) in strategies::slot_class().prop_flat_map(|slot| {
            (Just(slot), vec(strategies::life(strategies::future_for(slot), 3, 4), 1..=4))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let made = rig.made.clone();
        let (heap, clean) = measure(|| {
            let mut clean = true;
            for life in &lives {
                let report = rig::live(&mut rig, life).map_err(TestCaseError::fail)?;
                check(life, &report)?;
                clean &= !life.forget && report.outcome != Outcome::Panics;
                if !rig.storages.reusable() {
                    break;
                }
            }
            drop(rig);
            Ok::<_, TestCaseError>(clean)
        });
        if clean? {
            prop_assert_eq!(heap.live() + made.live(), 0, "blocks not given back: {:?}", heap);
        }
    }
}

/// The heap use of one life.
fn check(life: &Life, report: &Report) -> Result<(), TestCaseError> {
    let expected = &report.expected;
    prop_assert_eq!(report.outcome, expected.outcome);
    let [place, poll, end] = &report.heap;
    match expected.allocs() {
        Some(allocs) => prop_assert_eq!(place.allocs, allocs, "placing: {:?}", expected),
        None => prop_assert!(place.allocs <= 1, "an arena's chunks: {}", place.allocs),
    }
    prop_assert_eq!(poll.allocs, 0, "polling");
    prop_assert_eq!(end.allocs, 0, "ending");
    if life.lender.last == Last::Panic {
        prop_assert_eq!(
            report.total_heap().allocs,
            0,
            "a scratch that may not allocate"
        );
    }
    if expected.outcome == Outcome::Panics {
        return Ok(()); // the panic's payload is freed later, outside the count
    }
    prop_assert_eq!(place.frees, expected.frees(), "placing");
    let boxed = expected.boxed();
    let completed = report.completed();
    prop_assert_eq!(poll.frees, usize::from(boxed && completed), "polling");
    let cancelled = !completed && !life.forget;
    prop_assert_eq!(end.frees, usize::from(boxed && cancelled), "ending");
    let blocks_left = if boxed {
        isize::from(!completed && life.forget)
    } else {
        // A buffer or a chunk stays; a grown buffer replaced one.
        place.allocs as isize - expected.frees() as isize
    };
    prop_assert_eq!(report.total_heap().live(), blocks_left, "blocks left");
    Ok(())
}
