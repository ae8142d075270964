//! proptest strategies over the grid: slot classes, lenders and placers,
//! future types (biased towards sizes near the slot's capacity, where
//! placement changes) and behaviours.

use proptest::prelude::*;
use proptest::sample::select;

use super::catalogue::{CATALOGUE, FutureType};
use super::contract::Last;
use super::kinds::{LENDERS, Lender, Placer};
use super::rig::Life;
use super::storage::{SLOTS, SlotClass};
use crate::common::futures::registry::Behaviour;

/// Any slot class: a capacity and an alignment.
pub fn slot_class() -> impl Strategy<Value = &'static SlotClass> {
    (0..SLOTS.len(), 0..SLOTS[0].len()).prop_map(|(c, a)| &SLOTS[c][a])
}

/// Any lender and any placer of this build.
fn kind() -> impl Strategy<Value = (&'static Lender, Placer)> {
    (0..LENDERS.len(), select(Placer::ALL)).prop_map(|(l, p)| (&LENDERS[l], p))
}

/// A future type from `ty` and a kind to place it by: every pair
/// natively, and under Miri the pairs it can follow ([`miri_follows`]).
pub fn placement(
    ty: impl Strategy<Value = &'static FutureType>,
) -> impl Strategy<Value = (&'static FutureType, (&'static Lender, Placer))> {
    (ty, kind()).prop_filter("Miri can follow the placement", |(ty, (lender, _))| {
        miri_follows(ty, lender)
    })
}

/// Whether Miri can follow a placement of `ty` through `lender`. `bumpalo`
/// aligns a block more aligned than 16 by address arithmetic inside a chunk
/// allocated with 16-byte alignment, which `-Zmiri-symbolic-alignment-check`
/// cannot tell from a misaligned access: a false positive, so under Miri
/// the arena lender gets futures aligned to 16 or less. Natively every pair
/// runs, and the contract checks each future's address.
fn miri_follows(ty: &FutureType, lender: &Lender) -> bool {
    !(cfg!(miri) && lender.last == Last::Arena && ty.align > 16)
}

/// Any future type.
pub fn future_type() -> impl Strategy<Value = &'static FutureType> {
    (0..CATALOGUE.len()).prop_map(|i| &CATALOGUE[i])
}

/// A future type for `slot`: half of the time one whose size is within 128
/// bytes of its capacity.
pub fn future_for(slot: &SlotClass) -> impl Strategy<Value = &'static FutureType> + use<> {
    let near: Vec<_> = CATALOGUE
        .iter()
        .filter(|ty| ty.size.abs_diff(slot.capacity) <= 128)
        .collect();
    prop_oneof![future_type(), select(near)]
}

/// A future type whose alignment is picked first, uniformly over the
/// alignments of the family, so that over-aligned futures are common.
pub fn future_by_alignment() -> impl Strategy<Value = &'static FutureType> {
    select(&[1, 2, 4, 8, 16, 32, 64, 128, 4096][..]).prop_flat_map(|align| {
        select(
            CATALOGUE
                .iter()
                .filter(|ty| ty.align == align)
                .collect::<Vec<_>>(),
        )
    })
}

/// A well-behaved future: up to `max_pending` pending polls, any value.
pub fn behaviour(max_pending: u32) -> impl Strategy<Value = Behaviour> {
    (0..=max_pending, any::<u64>()).prop_map(|(pending, value)| Behaviour {
        pending,
        value,
        ..Behaviour::default()
    })
}

/// One future's life: a future type from `ty`, any kind, up to
/// `max_pending` pending polls, up to `max_pending + 2` polls, and leaked
/// one time in `1 / forget_one_in` (never when 0).
pub fn life(
    ty: impl Strategy<Value = &'static FutureType>,
    max_pending: u32,
    forget_one_in: u32,
) -> impl Strategy<Value = Life> {
    (
        placement(ty),
        behaviour(max_pending),
        0..=max_pending + 2,
        0..forget_one_in.max(1),
    )
        .prop_map(move |((ty, (lender, placer)), behaviour, polls, f)| Life {
            ty,
            lender,
            placer,
            behaviour,
            polls,
            forget: forget_one_in > 0 && f == 0,
        })
}
