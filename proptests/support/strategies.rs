//! proptest strategies over the grid: slot classes, scratch kinds, future
//! types (biased towards sizes near the slot's capacity, where placement
//! changes) and behaviours.

use proptest::prelude::*;
use proptest::sample::select;

use super::catalogue::{CATALOGUE, FutureType};
use super::kinds::ScratchKind;
use super::life::{End, Life};
use super::registry::Behaviour;
use super::slots::{SLOTS, SlotClass};

/// Any slot class: a capacity and an alignment.
pub fn slot_class() -> impl Strategy<Value = &'static SlotClass> {
    (0..SLOTS.len(), 0..SLOTS[0].len()).prop_map(|(c, a)| &SLOTS[c][a])
}

/// Any scratch kind of this build.
pub fn scratch_kind() -> impl Strategy<Value = ScratchKind> {
    select(ScratchKind::ALL)
}

/// Any future type.
pub fn future_type() -> impl Strategy<Value = &'static FutureType> {
    (0..CATALOGUE.len()).prop_map(|i| &CATALOGUE[i])
}

/// A future type for `slot`: half of the time one whose size is within 128
/// bytes of its capacity.
pub fn future_for(slot: &SlotClass) -> impl Strategy<Value = &'static FutureType> + use<> {
    let near: Vec<&'static FutureType> = CATALOGUE
        .iter()
        .filter(|ty| ty.size.abs_diff(slot.capacity) <= 128)
        .collect();
    prop_oneof![future_type(), select(near)]
}

/// A slot class with a future type for it.
pub fn slot_and_future() -> impl Strategy<Value = (&'static SlotClass, &'static FutureType)> {
    slot_class().prop_flat_map(|slot| (Just(slot), future_for(slot)))
}

/// A well-behaved future: up to `max_pending` pending polls, any value.
pub fn behaviour(max_pending: u32) -> impl Strategy<Value = Behaviour> {
    (0..=max_pending, any::<u64>()).prop_map(|(pending, value)| Behaviour {
        pending,
        value,
        ..Behaviour::default()
    })
}

/// A future type whose alignment is picked first, uniformly over the
/// alignments of the family, so that over-aligned futures are common.
pub fn future_by_alignment() -> impl Strategy<Value = &'static FutureType> {
    select(&[1, 2, 4, 8, 16, 32, 64, 128, 4096][..]).prop_flat_map(|align| {
        let rows: Vec<&'static FutureType> =
            CATALOGUE.iter().filter(|ty| ty.align == align).collect();
        select(rows)
    })
}

/// One future's life in `slot`: a future type for it, any kind, up to
/// `max_pending` pending polls, up to `max_pending + 2` polls before the
/// end, and an end drawn from `ends`.
pub fn life(
    ty: impl Strategy<Value = &'static FutureType>,
    max_pending: u32,
    ends: impl Strategy<Value = End>,
) -> impl Strategy<Value = Life> {
    (
        ty,
        scratch_kind(),
        behaviour(max_pending),
        0..=max_pending + 2,
        ends,
    )
        .prop_map(|(ty, kind, behaviour, polls, end)| Life {
            ty,
            kind,
            behaviour,
            polls,
            end,
        })
}

/// Dropped three times out of four, leaked otherwise.
pub fn end() -> impl Strategy<Value = End> {
    prop_oneof![3 => Just(End::Drop), 1 => Just(End::Forget)]
}
