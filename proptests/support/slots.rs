//! The slot side of the grid: every capacity the properties use (the crate's
//! size classes, plus 0 and 16 for the small futures) with every alignment
//! marker, each behind the object-safe [`DynSlot`] so that a case picks its
//! slot at run time while the futures stay the only generic part. Each
//! class also makes a side stack of its capacity and alignment, behind
//! [`DynSideStack`].
//!
//! Each slot and side stack is followed, in the same heap allocation, by
//! guard bytes that must stay untouched: a future written past the end of
//! its space lands there and fails the case (under Miri it is an error at
//! once) instead of corrupting the allocator and crashing the test binary.

use core::fmt;
use core::mem::{offset_of, size_of};
use core::ops::Range;
use core::pin::Pin;

use stackslot::{
    Align16, Align32, Align64, Align128, Align256, Align512, Align1024, Align2048, Align4096,
    Alignment, Scratch, SideStack, Slot, Stats,
};

/// A [`Slot<N, A>`] with `N` and `A` erased.
pub trait DynSlot {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&mut Self>) -> Scratch<'_>;
    /// A tier: this slot, then `next`.
    #[cfg(feature = "alloc")]
    fn then<'s>(self: Pin<&'s mut Self>, next: Scratch<'s>) -> Scratch<'s>;
    /// This slot, then `arena` for what does not fit.
    #[cfg(feature = "bumpalo")]
    fn or_arena<'s>(self: Pin<&'s mut Self>, arena: &'s stackslot::Arena) -> Scratch<'s>;
    fn stack_only(self: Pin<&mut Self>) -> Scratch<'_>;
    fn stats(&self) -> Stats;
    fn reset_stats(self: Pin<&mut Self>);
    fn is_occupied(&self) -> bool;
    fn capacity(&self) -> usize;
    fn alignment(&self) -> usize;
    /// The addresses of the whole slot, header included.
    fn span(&self) -> Range<usize>;
}

/// A [`SideStack<N, A>`] with `N` and `A` erased.
pub trait DynSideStack {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&Self>) -> Scratch<'_>;
    fn stack_only(self: Pin<&Self>) -> Scratch<'_>;
    fn used(&self) -> usize;
    fn stats(&self) -> Stats;
    /// The addresses of the whole stack, its region included.
    fn span(&self) -> Range<usize>;
}

/// Guard bytes after each slot and side stack, and their value.
const GUARD: usize = 4096;
const GUARD_BYTE: u8 = 0xC3;

/// A slot or side stack followed by guard bytes.
#[repr(C)]
struct Guarded<T> {
    inner: T,
    guard: [u8; GUARD],
}

impl<T> Guarded<T> {
    fn new(inner: T) -> Self {
        Guarded {
            inner,
            guard: [GUARD_BYTE; GUARD],
        }
    }

    /// Fails the case when the guard bytes were overwritten (unless the
    /// case is failing already).
    fn check(&self) {
        assert!(
            std::thread::panicking() || self.guard == [GUARD_BYTE; GUARD],
            "a future was written past the end of its {}",
            core::any::type_name::<T>()
        );
    }

    fn inner(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.check();
        // SAFETY: a pin projection to `inner`, which is structurally pinned:
        // it is never moved out of the pinned `Guarded`, which has no `Drop`
        // impl and is not `repr(packed)`. `guard` is never pinned.
        unsafe { self.map_unchecked_mut(|g| &mut g.inner) }
    }

    fn inner_ref(self: Pin<&Self>) -> Pin<&T> {
        self.check();
        // SAFETY: as in `inner`, for a shared pin.
        unsafe { self.map_unchecked(|g| &g.inner) }
    }

    /// The addresses of `inner`, without the guard bytes.
    fn span(&self) -> Range<usize> {
        let start = core::ptr::from_ref(self).addr() + offset_of!(Self, inner);
        start..start + size_of::<T>()
    }
}

impl<const N: usize, A: Alignment> DynSlot for Guarded<Slot<N, A>> {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&mut Self>) -> Scratch<'_> {
        self.inner().or_box()
    }
    #[cfg(feature = "alloc")]
    fn then<'s>(self: Pin<&'s mut Self>, next: Scratch<'s>) -> Scratch<'s> {
        self.inner().then(next)
    }
    #[cfg(feature = "bumpalo")]
    fn or_arena<'s>(self: Pin<&'s mut Self>, arena: &'s stackslot::Arena) -> Scratch<'s> {
        self.inner().or_arena(arena)
    }
    fn stack_only(self: Pin<&mut Self>) -> Scratch<'_> {
        self.inner().stack_only()
    }
    fn stats(&self) -> Stats {
        self.check();
        self.inner.stats()
    }
    fn reset_stats(self: Pin<&mut Self>) {
        self.inner().reset_stats();
    }
    fn is_occupied(&self) -> bool {
        self.check();
        self.inner.is_occupied()
    }
    fn capacity(&self) -> usize {
        self.inner.capacity()
    }
    fn alignment(&self) -> usize {
        self.inner.alignment()
    }
    fn span(&self) -> Range<usize> {
        Guarded::span(self)
    }
}

impl<const N: usize, A: Alignment> DynSideStack for Guarded<SideStack<N, A>> {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&Self>) -> Scratch<'_> {
        self.inner_ref().or_box()
    }
    fn stack_only(self: Pin<&Self>) -> Scratch<'_> {
        self.inner_ref().stack_only()
    }
    fn used(&self) -> usize {
        self.check();
        self.inner.used()
    }
    fn stats(&self) -> Stats {
        self.check();
        self.inner.stats()
    }
    fn span(&self) -> Range<usize> {
        Guarded::span(self)
    }
}

/// One slot type of the grid, and the side stack of the same capacity and
/// alignment.
pub struct SlotClass {
    pub capacity: usize,
    pub align: usize,
    make: fn() -> Pin<Box<dyn DynSlot>>,
    make_side_stack: fn() -> Pin<Box<dyn DynSideStack>>,
}

impl SlotClass {
    const fn of<const N: usize, A: Alignment>() -> SlotClass {
        fn make<const N: usize, A: Alignment>() -> Pin<Box<dyn DynSlot>> {
            Box::pin(Guarded::new(Slot::<N, A>::new()))
        }
        fn make_side_stack<const N: usize, A: Alignment>() -> Pin<Box<dyn DynSideStack>> {
            Box::pin(Guarded::new(SideStack::<N, A>::new()))
        }
        SlotClass {
            capacity: N,
            align: A::BYTES,
            make: make::<N, A>,
            make_side_stack: make_side_stack::<N, A>,
        }
    }

    /// A new, empty slot of this class, pinned on the heap.
    pub fn make(&self) -> Pin<Box<dyn DynSlot>> {
        (self.make)()
    }

    /// A new, empty side stack of this capacity and alignment, pinned on
    /// the heap.
    pub fn make_side_stack(&self) -> Pin<Box<dyn DynSideStack>> {
        (self.make_side_stack)()
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
