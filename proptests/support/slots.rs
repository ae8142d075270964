//! The slot side of the grid: every capacity the properties use (the crate's
//! size classes, plus 0 and 16 for the small futures) with every alignment
//! marker, each behind the object-safe [`DynSlot`] so that a case picks its
//! slot at run time while the futures stay the only generic part.

use core::fmt;
use core::mem::size_of_val;
use core::ops::Range;
use core::pin::Pin;

use stackslot::{
    Align16, Align32, Align64, Align128, Align256, Align512, Align1024, Align2048, Align4096,
    Alignment, Scratch, Slot, Stats,
};

/// A [`Slot<N, A>`] with `N` and `A` erased.
pub trait DynSlot {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&mut Self>) -> Scratch<'_>;
    fn stack_only(self: Pin<&mut Self>) -> Scratch<'_>;
    fn stats(&self) -> Stats;
    fn reset_stats(self: Pin<&mut Self>);
    fn is_occupied(&self) -> bool;
    fn capacity(&self) -> usize;
    fn alignment(&self) -> usize;
    /// The addresses of the whole slot, header included.
    fn span(&self) -> Range<usize>;
}

impl<const N: usize, A: Alignment> DynSlot for Slot<N, A> {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&mut Self>) -> Scratch<'_> {
        Slot::or_box(self)
    }
    fn stack_only(self: Pin<&mut Self>) -> Scratch<'_> {
        Slot::stack_only(self)
    }
    fn stats(&self) -> Stats {
        Slot::stats(self)
    }
    fn reset_stats(self: Pin<&mut Self>) {
        Slot::reset_stats(self);
    }
    fn is_occupied(&self) -> bool {
        Slot::is_occupied(self)
    }
    fn capacity(&self) -> usize {
        Slot::capacity(self)
    }
    fn alignment(&self) -> usize {
        Slot::alignment(self)
    }
    fn span(&self) -> Range<usize> {
        let start = (self as *const Self).addr();
        start..start + size_of_val(self)
    }
}

/// One slot type of the grid.
pub struct SlotClass {
    pub capacity: usize,
    pub align: usize,
    make: fn() -> Pin<Box<dyn DynSlot>>,
}

impl SlotClass {
    /// A new, empty slot of this class, pinned on the heap.
    pub fn make(&self) -> Pin<Box<dyn DynSlot>> {
        (self.make)()
    }
}

impl fmt::Debug for SlotClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slot<{}, Align{}>", self.capacity, self.align)
    }
}

const fn class<const N: usize, A: Alignment>() -> SlotClass {
    fn make<const N: usize, A: Alignment>() -> Pin<Box<dyn DynSlot>> {
        Box::pin(Slot::<N, A>::new())
    }
    SlotClass {
        capacity: N,
        align: A::BYTES,
        make: make::<N, A>,
    }
}

macro_rules! slot_grid {
    ($($cap:literal),* $(,)?) => {
        /// Every slot class, by capacity (rows) and alignment (columns).
        pub static SLOTS: &[[SlotClass; 9]] = &[$([
            class::<$cap, Align16>(),
            class::<$cap, Align32>(),
            class::<$cap, Align64>(),
            class::<$cap, Align128>(),
            class::<$cap, Align256>(),
            class::<$cap, Align512>(),
            class::<$cap, Align1024>(),
            class::<$cap, Align2048>(),
            class::<$cap, Align4096>(),
        ]),*];
    };
}

slot_grid!(0, 16, 64, 128, 256, 512, 1024, 2048, 4096);
