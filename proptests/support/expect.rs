//! The reference: what the contract says happens, computed from the layout
//! of the future and of the slot alone, independently of the crate.

use stackslot::{FallbackReason, Stats};

use super::catalogue::FutureType;
use super::kinds::{OnMisfit, ScratchKind};
use super::slots::SlotClass;

/// Why a `ty` does not fit what `kind` lends of `slot`; `None` when it fits.
/// Size is checked before alignment.
pub fn misfit(ty: &FutureType, slot: &SlotClass, kind: ScratchKind) -> Option<FallbackReason> {
    if !kind.lends_slot() {
        Some(FallbackReason::NoSpace)
    } else if ty.size > slot.capacity {
        Some(FallbackReason::Size)
    } else if ty.align > slot.align {
        Some(FallbackReason::Alignment)
    } else {
        None
    }
}

/// Where a placed future ends up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Inline,
    Boxed,
    Refused,
    Panics,
}

pub fn outcome(ty: &FutureType, slot: &SlotClass, kind: ScratchKind) -> Outcome {
    match misfit(ty, slot, kind) {
        None => Outcome::Inline,
        Some(_) => match kind.on_misfit() {
            #[cfg(feature = "alloc")]
            OnMisfit::Box => Outcome::Boxed,
            OnMisfit::Refuse => Outcome::Refused,
            OnMisfit::Panic => Outcome::Panics,
        },
    }
}

/// Whether placing allocates: a boxed future, zero-sized or not (its heap
/// block starts with a header).
pub fn allocates(ty: &FutureType, slot: &SlotClass, kind: ScratchKind) -> bool {
    outcome(ty, slot, kind) == Outcome::Boxed
}

/// The counters a slot should show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsModel {
    pub emplacements: u64,
    pub hits: u64,
    pub size_fallbacks: u64,
    pub alignment_fallbacks: u64,
    pub largest: usize,
}

impl StatsModel {
    /// Counts one placement (a kind that does not lend the slot leaves its
    /// counters alone).
    pub fn record(&mut self, ty: &FutureType, slot: &SlotClass, kind: ScratchKind) {
        if !kind.lends_slot() {
            return;
        }
        self.emplacements += 1;
        match misfit(ty, slot, kind) {
            None => self.hits += 1,
            Some(FallbackReason::Size | FallbackReason::NoSpace) => self.size_fallbacks += 1,
            Some(FallbackReason::Alignment) => self.alignment_fallbacks += 1,
        }
        self.largest = self.largest.max(ty.size);
    }

    /// What `stats` shows, in the same terms; fallbacks must add up.
    pub fn of(stats: &Stats) -> StatsModel {
        assert_eq!(
            stats.fallbacks(),
            stats.size_fallbacks() + stats.alignment_fallbacks()
        );
        assert_eq!(stats.emplacements(), stats.hits() + stats.fallbacks());
        StatsModel {
            emplacements: stats.emplacements(),
            hits: stats.hits(),
            size_fallbacks: stats.size_fallbacks(),
            alignment_fallbacks: stats.alignment_fallbacks(),
            largest: stats.largest_future(),
        }
    }
}

/// Whether a misfit message names the future's layout and the space's.
pub fn names_layouts(message: &str, ty: &FutureType, slot: &SlotClass) -> bool {
    message.contains(&format!(
        "a future of {} bytes (align {})",
        ty.size, ty.align
    )) && message.contains(&format!(
        "a space of {} bytes (align {})",
        slot.capacity, slot.align
    ))
}
