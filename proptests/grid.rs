//! The grid itself: the catalogue covers every size and alignment the
//! properties promise, with the exact layouts and no duplicates; every slot
//! class makes the slot and the side stack it claims to; and every lender
//! meets every placer.

use core::task::Poll;

use crate::common::futures::registry::Behaviour;
use crate::support::catalogue::{CATALOGUE, FutureType};
use crate::support::contract::{Last, Policy, Tier};
use crate::support::kinds::{LENDERS, Placer};
use crate::support::rig::{self, Life, Rig};
use crate::support::storage::SLOTS;

const ALIGNMENTS: [usize; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 4096];

/// How many rows of this layout the catalogue has, by drop glue.
fn rows(size: usize, align: usize) -> [usize; 2] {
    [false, true].map(|tracked| {
        let same = |ty: &&FutureType| (ty.size, ty.align, ty.tracked) == (size, align, tracked);
        CATALOGUE.iter().filter(same).count()
    })
}

fn has(size: usize, align: usize) -> bool {
    rows(size, align) == [1, 1]
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
fn the_catalogue_is_sorted_by_size_with_exact_layouts_once_each() {
    assert!(CATALOGUE.windows(2).all(|w| w[0].size <= w[1].size));
    for ty in CATALOGUE {
        assert!(ALIGNMENTS.contains(&ty.align), "{ty:?}");
        assert_eq!(ty.size % ty.align, 0, "{ty:?}");
        assert!(ty.size <= 16384, "{ty:?}");
        assert!(has(ty.size, ty.align), "{ty:?}: a row of each kind, once");
    }
}

#[test]
fn every_slot_class_is_the_slot_it_claims() {
    for class in SLOTS.iter().flatten() {
        let slot = class.make();
        let (capacity, align, span) = slot.layout();
        assert_eq!((capacity, align), (class.capacity, class.align));
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

/// Every space, fallback and policy that this build has is reached by some
/// lender or placer (the matches keep the lists complete), and every lender
/// meets every placer as the contract says: a small future fits the first
/// space of every lender that has one, or the inline strategy's.
#[test]
#[cfg_attr(
    miri,
    ignore = "the properties meet every lender and placer under Miri"
)]
fn every_lender_meets_every_placer() {
    let tiers = [Tier::Slot, Tier::SideStack, Tier::Heap, Tier::NoSpace].map(|t| match t {
        Tier::Slot | Tier::SideStack => (t, true),
        Tier::Heap | Tier::NoSpace => (t, cfg!(feature = "alloc")),
    });
    for (tier, built) in tiers {
        assert_eq!(
            LENDERS.iter().any(|l| l.tiers.contains(&tier)),
            built,
            "{tier:?}"
        );
    }
    let lasts = [Last::Box, Last::Grow, Last::Arena, Last::Panic].map(|l| match l {
        Last::Box | Last::Grow => (l, cfg!(feature = "alloc")),
        Last::Arena => (l, cfg!(feature = "bumpalo")),
        Last::Panic => (l, true),
    });
    for (last, built) in lasts {
        assert_eq!(LENDERS.iter().any(|l| l.last == last), built, "{last:?}");
    }
    let policies = [
        Policy::Emplace,
        Policy::Try,
        Policy::NoAlloc,
        Policy::Cached,
        Policy::Inline,
    ];
    for policy in policies {
        let built = cfg!(feature = "alloc") || !matches!(policy, Policy::NoAlloc | Policy::Cached);
        assert_eq!(
            Placer::ALL.iter().any(|p| p.policy() == policy),
            built,
            "{policy:?}"
        );
    }
    let names: std::collections::HashSet<_> = LENDERS.iter().map(|l| l.name).collect();
    assert_eq!(names.len(), LENDERS.len(), "lenders are named once");

    let small = CATALOGUE
        .iter()
        .find(|ty| (ty.size, ty.align, ty.tracked) == (8, 8, true))
        .expect("in the catalogue");
    for lender in LENDERS {
        for &placer in Placer::ALL {
            let mut rig = Rig::new(&SLOTS[2][0]);
            let behaviour = Behaviour {
                value: 5,
                ..Behaviour::default()
            };
            let life = Life {
                ty: small,
                lender,
                placer,
                behaviour,
                polls: 1,
                forget: false,
            };
            let report =
                rig::live(&mut rig, &life).unwrap_or_else(|e| panic!("{lender:?} {placer:?}: {e}"));
            assert_eq!(
                report.outcome, report.expected.outcome,
                "{lender:?} {placer:?}"
            );
            let polled = if report.expected.home.is_some() {
                &[Poll::Ready(5)][..]
            } else {
                &[]
            };
            assert_eq!(report.polled, polled, "{lender:?} {placer:?}");
        }
    }
}
