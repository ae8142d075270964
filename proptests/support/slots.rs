//! The slot side of the grid: every capacity the properties use (the crate's
//! size classes, plus 0 and 16 for the small futures) with every alignment
//! marker, each behind the object-safe [`DynSlot`] so that a case picks its
//! slot at run time while the futures stay the only generic part.
//!
//! Each slot is followed, in the same heap allocation, by guard bytes that
//! must stay untouched: a future written past the end of its slot lands
//! there and fails the case (under Miri it is an error at once) instead of
//! corrupting the allocator and crashing the test binary.

use core::fmt;
use core::mem::size_of;
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
    /// `then(Scratch::boxed())`: a tier whose last space boxes.
    #[cfg(feature = "alloc")]
    fn then_boxed(self: Pin<&mut Self>) -> Scratch<'_>;
    fn stack_only(self: Pin<&mut Self>) -> Scratch<'_>;
    fn stats(&self) -> Stats;
    fn reset_stats(self: Pin<&mut Self>);
    fn is_occupied(&self) -> bool;
    fn capacity(&self) -> usize;
    fn alignment(&self) -> usize;
    /// The addresses of the whole slot, header included.
    fn span(&self) -> Range<usize>;
}

/// Guard bytes after each slot, and their value.
const GUARD: usize = 4096;
const GUARD_BYTE: u8 = 0xC3;

/// A slot followed by guard bytes.
#[repr(C)]
struct Guarded<const N: usize, A: Alignment> {
    slot: Slot<N, A>,
    guard: [u8; GUARD],
}

impl<const N: usize, A: Alignment> Guarded<N, A> {
    /// Fails the case when the guard bytes were overwritten (unless the
    /// case is failing already).
    fn check(&self) {
        assert!(
            std::thread::panicking() || self.guard == [GUARD_BYTE; GUARD],
            "a future was written past the end of its {:?}",
            SlotClass::of::<N, A>()
        );
    }

    fn slot(self: Pin<&mut Self>) -> Pin<&mut Slot<N, A>> {
        self.check();
        // SAFETY: a pin projection to `slot`, which is structurally pinned:
        // it is never moved out of the pinned `Guarded`, which has no `Drop`
        // impl and is not `repr(packed)`. `guard` is never pinned.
        unsafe { self.map_unchecked_mut(|g| &mut g.slot) }
    }
}

impl<const N: usize, A: Alignment> DynSlot for Guarded<N, A> {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&mut Self>) -> Scratch<'_> {
        self.slot().or_box()
    }
    #[cfg(feature = "alloc")]
    fn then_boxed(self: Pin<&mut Self>) -> Scratch<'_> {
        self.slot().then(Scratch::boxed())
    }
    fn stack_only(self: Pin<&mut Self>) -> Scratch<'_> {
        self.slot().stack_only()
    }
    fn stats(&self) -> Stats {
        self.check();
        self.slot.stats()
    }
    fn reset_stats(self: Pin<&mut Self>) {
        self.slot().reset_stats();
    }
    fn is_occupied(&self) -> bool {
        self.check();
        self.slot.is_occupied()
    }
    fn capacity(&self) -> usize {
        self.slot.capacity()
    }
    fn alignment(&self) -> usize {
        self.slot.alignment()
    }
    fn span(&self) -> Range<usize> {
        let start = (&raw const self.slot).addr();
        start..start + size_of::<Slot<N, A>>()
    }
}

/// One slot type of the grid.
pub struct SlotClass {
    pub capacity: usize,
    pub align: usize,
    make: fn() -> Pin<Box<dyn DynSlot>>,
}

impl SlotClass {
    const fn of<const N: usize, A: Alignment>() -> SlotClass {
        fn make<const N: usize, A: Alignment>() -> Pin<Box<dyn DynSlot>> {
            Box::pin(Guarded {
                slot: Slot::<N, A>::new(),
                guard: [GUARD_BYTE; GUARD],
            })
        }
        SlotClass {
            capacity: N,
            align: A::BYTES,
            make: make::<N, A>,
        }
    }

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

macro_rules! slot_grid {
    ($($cap:literal),* $(,)?) => {
        /// Every slot class, by capacity (rows) and alignment (columns).
        pub static SLOTS: &[[SlotClass; 9]] = &[$([
            SlotClass::of::<$cap, Align16>(),
            SlotClass::of::<$cap, Align32>(),
            SlotClass::of::<$cap, Align64>(),
            SlotClass::of::<$cap, Align128>(),
            SlotClass::of::<$cap, Align256>(),
            SlotClass::of::<$cap, Align512>(),
            SlotClass::of::<$cap, Align1024>(),
            SlotClass::of::<$cap, Align2048>(),
            SlotClass::of::<$cap, Align4096>(),
        ]),*];
    };
}

slot_grid!(0, 16, 64, 128, 256, 512, 1024, 2048, 4096);
