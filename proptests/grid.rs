//! The grid itself: the catalogue covers every size and alignment the
//! properties promise, with the exact layouts, and every slot class makes
//! the slot and the side stack it claims to.

use crate::support::catalogue::CATALOGUE;
use crate::support::slots::SLOTS;

const ALIGNMENTS: [usize; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 4096];

/// Whether the catalogue has a plain and a tracked future of this layout.
fn has(size: usize, align: usize) -> bool {
    [false, true].iter().all(|&tracked| {
        CATALOGUE
            .iter()
            .any(|ty| (ty.size, ty.align, ty.tracked) == (size, align, tracked))
    })
}

#[test]
#[cfg_attr(miri, ignore = "checks a table, runs no unsafe code")]
fn the_catalogue_covers_every_size_class_boundary_at_every_alignment() {
    for align in ALIGNMENTS {
        for class in stackslot::SIZE_CLASSES {
            let below = (class - 1) / align * align;
            let above = (class + 1).div_ceil(align) * align;
            assert!(has(below, align), "below {class} at align {align}: {below}");
            assert!(has(above, align), "above {class} at align {align}: {above}");
            if class % align == 0 {
                assert!(has(class, align), "{class} at align {align}");
            }
        }
        for size in [0, 1, 7, 8, 15, 16, 17, 8192, 10000, 16383, 16384] {
            if size % align == 0 && (size != 10000 || align <= 16) {
                assert!(has(size, align), "{size} at align {align}");
            }
        }
    }
    for class in stackslot::SIZE_CLASSES {
        assert!(has(class - 1, 1) && has(class, 1) && has(class + 1, 1));
    }
}

#[test]
#[cfg_attr(miri, ignore = "checks a table, runs no unsafe code")]
fn the_catalogue_is_sorted_by_size_with_exact_layouts() {
    assert!(CATALOGUE.windows(2).all(|w| w[0].size <= w[1].size));
    assert_eq!(CATALOGUE.len(), 406);
    for ty in CATALOGUE {
        assert!(ALIGNMENTS.contains(&ty.align), "{ty:?}");
        assert_eq!(ty.size % ty.align, 0, "{ty:?}");
        assert!(ty.size <= 16384, "{ty:?}");
    }
}

#[test]
fn every_slot_class_is_the_slot_it_claims() {
    for row in SLOTS {
        for class in row {
            let slot = class.make();
            assert_eq!(
                (slot.capacity(), slot.alignment()),
                (class.capacity, class.align)
            );
            let span = slot.span();
            assert_eq!(span.start % class.align, 0, "{class:?}");
            assert!(span.len() >= class.capacity, "{class:?}");
            assert!(!slot.is_occupied());
            assert_eq!(slot.stats(), stackslot::Stats::default());

            let stack = class.make_side_stack();
            let span = stack.span();
            assert_eq!(span.start % class.align, 0, "{class:?}");
            assert!(span.len() >= class.capacity, "{class:?}");
            assert_eq!(stack.used(), 0);
            assert_eq!(stack.stats(), stackslot::Stats::default());
        }
    }
}
