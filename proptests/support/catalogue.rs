//! The future side of the grid: one row per test future type, which
//! proptest picks by index. For every alignment (1 to 128, and 4096) the
//! sizes are: the small ones (0, 1, 7, 8, 15, 16, 17), for every size class
//! N the nearest sizes below, at and above N (N - 1, N, N + 1 at alignment 1;
//! the neighbouring multiples of the alignment otherwise), and large ones
//! (8192, 10000, 16383, 16384), each where it is a multiple of the
//! alignment; each as a [`Scripted`] future (no drop glue) and a
//! [`ScriptedDrop`] one, in the aligned wrapper of its alignment. Rows are
//! sorted by size, so that proptest shrinks towards small futures.

use core::fmt;
use core::mem::{align_of, needs_drop, size_of};

use stackslot::{Scratch, SlotFuture};

use super::kinds::{GivenBack, Lender, Out, Placed, Placer};
use super::storage::Storages;
use crate::common::futures::registry::{self, Behaviour, Id};
use crate::common::futures::{
    A1, A2, A4, A8, A16, A32, A64, A128, A4096, FromId, Scripted, ScriptedDrop,
};

/// One test future type: its layout and its monomorphized entry points.
pub struct FutureType {
    pub size: usize,
    pub align: usize,
    /// Whether it has drop glue.
    pub tracked: bool,
    fits: for<'s> fn(&Scratch<'s>) -> bool,
    place: for<'s> fn(Placer, &Lender, &'s mut Storages, Id, GivenBack) -> Placed<'s>,
    /// `scratch.emplace` of the future `id`.
    pub emplace: for<'s> fn(Scratch<'s>, Id) -> SlotFuture<'s, Out>,
}

impl FutureType {
    /// Registers a future of this type that behaves as told.
    pub fn register(&self, behaviour: Behaviour) -> Id {
        registry::register(self.size, self.align, behaviour)
    }

    /// What [`Scratch::fits`] says about this type.
    pub fn fits(&self, scratch: &Scratch<'_>) -> bool {
        (self.fits)(scratch)
    }

    /// Makes the future `id` and places it as `placer` does in what
    /// `lender` lends.
    pub fn place<'s>(
        &self,
        placer: Placer,
        lender: &Lender,
        storages: &'s mut Storages,
        id: Id,
        back: GivenBack,
    ) -> Placed<'s> {
        (self.place)(placer, lender, storages, id, back)
    }
}

impl fmt::Debug for FutureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = if self.tracked {
            "ScriptedDrop"
        } else {
            "Scripted"
        };
        write!(f, "A{}<{family}<{}>>", self.align, self.size)
    }
}

/// The row of `F`, which must be exactly `size` bytes aligned to `align`.
const fn row<F: FromId + Future<Output = Out> + Send + 'static>(
    size: usize,
    align: usize,
) -> FutureType {
    assert!(size_of::<F>() == size && align_of::<F>() == align);
    FutureType {
        size,
        align,
        tracked: needs_drop::<F>(),
        fits: |scratch| scratch.fits::<F>(),
        place: |placer, lender, storages, id, back| {
            placer.place(lender, storages, F::from_id(id), back)
        },
        emplace: |scratch, id| scratch.emplace(F::from_id(id)),
    }
}

macro_rules! catalogue {
    ($($size:literal: $($align:ident)*;)*) => {
        /// Every test future type, sorted by size.
        pub static CATALOGUE: &[FutureType] = &[$($(
            row::<$align<Scripted<$size>>>($size, align_of::<$align<()>>()),
            row::<$align<ScriptedDrop<$size>>>($size, align_of::<$align<()>>()),
        )*)*];
    };
}

catalogue! {
    0: A1 A2 A4 A8 A16 A32 A64 A128 A4096; 1: A1; 7: A1; 8: A1 A2 A4 A8; 15: A1;
    16: A1 A2 A4 A8 A16; 17: A1; 32: A32; 48: A16; 56: A8; 60: A4; 62: A2; 63: A1;
    64: A1 A2 A4 A8 A16 A32 A64; 65: A1; 66: A2; 68: A4; 72: A8; 80: A16; 96: A32; 112: A16;
    120: A8; 124: A4; 126: A2; 127: A1; 128: A1 A2 A4 A8 A16 A32 A64 A128; 129: A1; 130: A2;
    132: A4; 136: A8; 144: A16; 160: A32; 192: A64; 224: A32; 240: A16; 248: A8; 252: A4;
    254: A2; 255: A1; 256: A1 A2 A4 A8 A16 A32 A64 A128; 257: A1; 258: A2; 260: A4; 264: A8;
    272: A16; 288: A32; 320: A64; 384: A128; 448: A64; 480: A32; 496: A16; 504: A8; 508: A4;
    510: A2; 511: A1; 512: A1 A2 A4 A8 A16 A32 A64 A128; 513: A1; 514: A2; 516: A4; 520: A8;
    528: A16; 544: A32; 576: A64; 640: A128; 896: A128; 960: A64; 992: A32; 1008: A16; 1016: A8;
    1020: A4; 1022: A2; 1023: A1; 1024: A1 A2 A4 A8 A16 A32 A64 A128; 1025: A1; 1026: A2;
    1028: A4; 1032: A8; 1040: A16; 1056: A32; 1088: A64; 1152: A128; 1920: A128; 1984: A64;
    2016: A32; 2032: A16; 2040: A8; 2044: A4; 2046: A2; 2047: A1;
    2048: A1 A2 A4 A8 A16 A32 A64 A128; 2049: A1; 2050: A2; 2052: A4; 2056: A8; 2064: A16;
    2080: A32; 2112: A64; 2176: A128; 3968: A128; 4032: A64; 4064: A32; 4080: A16; 4088: A8;
    4092: A4; 4094: A2; 4095: A1; 4096: A1 A2 A4 A8 A16 A32 A64 A128 A4096; 4097: A1; 4098: A2;
    4100: A4; 4104: A8; 4112: A16; 4128: A32; 4160: A64; 4224: A128;
    8192: A1 A2 A4 A8 A16 A32 A64 A128 A4096; 10000: A1 A2 A4 A8 A16; 16383: A1;
    16384: A1 A2 A4 A8 A16 A32 A64 A128 A4096;
}
