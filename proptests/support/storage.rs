//! The storages of a case: a slot of one class of the grid (every size class
//! and alignment), a side stack of the same capacity and alignment, an
//! `Inline` strategy, and (with `alloc`) a heap slot and a `CachedBox`
//! strategy, and (with `bumpalo`) an arena; each on the heap at a fixed
//! address for the whole case, and what can be observed of them.
//!
//! The slot and the side stack are followed, in the same allocation, by
//! guard bytes that must stay untouched: a future written past the end of its
//! space fails the case (under Miri, at once) instead of corrupting the heap.
//!
//! A storage that a leaked future with drop glue may still occupy is leaked
//! with the case instead of dropped (dropping it would abort the process, by
//! design). The slot, the heap slot and the cache say whether they are
//! occupied; the side stack's frames, the inline strategy's slot and the
//! arena do not, so the rig marks them [`Taint`]ed when it leaks a live
//! handle with drop glue that may have used them.

use core::fmt;
use core::ops::Range;
use core::pin::Pin;

#[cfg(feature = "bumpalo")]
use stackslot::Arena;
#[cfg(feature = "alloc")]
use stackslot::HeapSlot;
use stackslot::{
    Align16, Align32, Align64, Align128, Align256, Align512, Align1024, Align2048, Align4096,
    Alignment, Scratch, SideStack, Slot, SlotCall, SlotFuture, Stats, strategy,
};

use super::kinds::Out;

/// The `Inline` strategy: 256 bytes aligned to 64, which the catalogue's
/// futures fit and overflow by size and by alignment.
pub type InlineStrategy = strategy::Inline<256, Align64>;
pub const INLINE: (usize, usize) = (256, 64);

/// The addresses of `value`.
pub fn span<T: ?Sized>(value: &T) -> Range<usize> {
    let start = core::ptr::from_ref(value).addr();
    start..start + size_of_val(value)
}

/// Guard bytes after a slot or side stack.
const GUARD: [u8; 4096] = [0xC3; 4096];

#[repr(C)]
struct Guarded<T> {
    inner: T,
    guard: [u8; 4096],
}

impl<T> Guarded<T> {
    fn get(&self) -> &T {
        assert!(
            std::thread::panicking() || self.guard == GUARD,
            "a future was written past the end of its {}",
            core::any::type_name::<T>()
        );
        &self.inner
    }

    fn pin(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.as_ref().get();
        // SAFETY: a pin projection to `inner`, which is never moved out of
        // the pinned `Guarded` (no `Drop` impl, not `repr(packed)`).
        unsafe { self.map_unchecked_mut(|g| &mut g.inner) }
    }
}

/// What a [`DynSlot::call`] calls: a callee that places its future.
pub type CallFn<'s> = Box<dyn FnOnce(Scratch<'s>) -> SlotFuture<'s, Out> + 's>;

/// The future of a [`DynSlot::call`].
pub type Call<'s> = SlotCall<'s, CallFn<'s>, SlotFuture<'s, Out>>;

/// A [`Slot<N, A>`] with `N` and `A` erased, so that a case picks its slot at
/// run time.
pub trait DynSlot {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&mut Self>) -> Scratch<'_>;
    #[cfg(feature = "alloc")]
    fn then<'s>(self: Pin<&'s mut Self>, next: Scratch<'s>) -> Scratch<'s>;
    #[cfg(feature = "bumpalo")]
    fn or_arena<'s>(self: Pin<&'s mut Self>, arena: &'s Arena) -> Scratch<'s>;
    fn stack_only(self: Pin<&mut Self>) -> Scratch<'_>;
    /// `Slot::call` (`call_stack_only` when `stack_only`) of `f`.
    fn call<'s>(self: Pin<&'s mut Self>, stack_only: bool, f: CallFn<'s>) -> Call<'s>;
    fn stats(&self) -> Stats;
    fn reset_stats(self: Pin<&mut Self>);
    fn is_occupied(&self) -> bool;
    /// What the slot says of itself: capacity, alignment, addresses.
    fn layout(&self) -> (usize, usize, Range<usize>);
}

impl<const N: usize, A: Alignment> DynSlot for Guarded<Slot<N, A>> {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&mut Self>) -> Scratch<'_> {
        self.pin().or_box()
    }
    #[cfg(feature = "alloc")]
    fn then<'s>(self: Pin<&'s mut Self>, next: Scratch<'s>) -> Scratch<'s> {
        self.pin().then(next)
    }
    #[cfg(feature = "bumpalo")]
    fn or_arena<'s>(self: Pin<&'s mut Self>, arena: &'s Arena) -> Scratch<'s> {
        self.pin().or_arena(arena)
    }
    fn stack_only(self: Pin<&mut Self>) -> Scratch<'_> {
        self.pin().stack_only()
    }
    fn call<'s>(self: Pin<&'s mut Self>, stack_only: bool, f: CallFn<'s>) -> Call<'s> {
        if stack_only {
            self.pin().call_stack_only(f)
        } else {
            #[cfg(feature = "alloc")]
            return self.pin().call(f);
            #[cfg(not(feature = "alloc"))]
            unreachable!("or_box needs alloc")
        }
    }
    fn stats(&self) -> Stats {
        self.get().stats()
    }
    fn reset_stats(self: Pin<&mut Self>) {
        self.pin().reset_stats();
    }
    fn is_occupied(&self) -> bool {
        self.get().is_occupied()
    }
    fn layout(&self) -> (usize, usize, Range<usize>) {
        (
            self.inner.capacity(),
            self.inner.alignment(),
            span(&self.inner),
        )
    }
}

/// A [`SideStack<N, A>`] with `N` and `A` erased.
pub trait DynSideStack {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&Self>) -> Scratch<'_>;
    fn stack_only(self: Pin<&Self>) -> Scratch<'_>;
    fn used(&self) -> usize;
    fn stats(&self) -> Stats;
    fn span(&self) -> Range<usize>;
}

impl<const N: usize, A: Alignment> DynSideStack for Guarded<SideStack<N, A>> {
    #[cfg(feature = "alloc")]
    fn or_box(self: Pin<&Self>) -> Scratch<'_> {
        // SAFETY: a pin projection to `inner`, as in `Guarded::pin`.
        unsafe { self.map_unchecked(|g| g.get()) }.or_box()
    }
    fn stack_only(self: Pin<&Self>) -> Scratch<'_> {
        // SAFETY: as above.
        unsafe { self.map_unchecked(|g| g.get()) }.stack_only()
    }
    fn used(&self) -> usize {
        self.get().used()
    }
    fn stats(&self) -> Stats {
        self.get().stats()
    }
    fn span(&self) -> Range<usize> {
        span(&self.inner)
    }
}

/// One slot class of the grid: a slot type, and the side stack of the same
/// capacity and alignment.
pub struct SlotClass {
    pub capacity: usize,
    pub align: usize,
    make: fn() -> Pin<Box<dyn DynSlot>>,
    make_side_stack: fn() -> Pin<Box<dyn DynSideStack>>,
}

impl SlotClass {
    const fn of<const N: usize, A: Alignment>() -> SlotClass {
        SlotClass {
            capacity: N,
            align: A::BYTES,
            make: || {
                Box::pin(Guarded {
                    inner: Slot::<N, A>::new(),
                    guard: GUARD,
                })
            },
            make_side_stack: || {
                Box::pin(Guarded {
                    inner: SideStack::<N, A>::new(),
                    guard: GUARD,
                })
            },
        }
    }

    pub fn make(&self) -> Pin<Box<dyn DynSlot>> {
        (self.make)()
    }

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
    ($($cap:literal),*) => {
        /// Every slot class, by capacity (rows) and alignment (columns).
        pub static SLOTS: &[[SlotClass; 9]] = &[$([
            SlotClass::of::<$cap, Align16>(), SlotClass::of::<$cap, Align32>(),
            SlotClass::of::<$cap, Align64>(), SlotClass::of::<$cap, Align128>(),
            SlotClass::of::<$cap, Align256>(), SlotClass::of::<$cap, Align512>(),
            SlotClass::of::<$cap, Align1024>(), SlotClass::of::<$cap, Align2048>(),
            SlotClass::of::<$cap, Align4096>(),
        ]),*];
    };
}

slot_grid!(0, 16, 64, 128, 256, 512, 1024, 2048, 4096);

/// A storage pinned on the heap, leaked instead of dropped when kept.
pub struct Kept<T: ?Sized>(Option<Pin<Box<T>>>, bool);

impl<T: ?Sized> Kept<T> {
    pub fn get(&self) -> &T {
        self.0.as_deref().expect("present until dropped")
    }
    pub fn pin(&self) -> Pin<&T> {
        self.0.as_ref().expect("present until dropped").as_ref()
    }
    pub fn pin_mut(&mut self) -> Pin<&mut T> {
        self.0.as_mut().expect("present until dropped").as_mut()
    }
}

impl<T: ?Sized> Drop for Kept<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.0.take().filter(|_| self.1) {
            core::mem::forget(inner);
        }
    }
}

/// The storages whose occupancy cannot be observed and that a leaked future
/// with drop glue may occupy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taint {
    pub side_stack: bool,
    pub inline: bool,
    pub arena: bool,
}

/// The addresses of every storage of a case.
#[derive(Clone, Debug)]
pub struct Spans {
    pub slot: Range<usize>,
    pub side_stack: Range<usize>,
    /// The heap slot and the cache themselves (not their buffers), where a
    /// zero-sized future goes before the first buffer.
    pub heap: Range<usize>,
    pub cache: Range<usize>,
    pub inline: Range<usize>,
}

/// The storages of one case.
pub struct Storages {
    pub spaces: Spaces,
    #[cfg(feature = "alloc")]
    pub cached: Kept<strategy::CachedBox>,
    pub inline: Kept<InlineStrategy>,
    pub taint: Taint,
}

/// The storages a caller lends.
pub struct Spaces {
    pub slot: Kept<dyn DynSlot>,
    pub side_stack: Kept<dyn DynSideStack>,
    #[cfg(feature = "alloc")]
    pub heap: Kept<HeapSlot>,
    #[cfg(feature = "bumpalo")]
    pub arena: Kept<Arena>,
}

impl Storages {
    pub fn new(class: &SlotClass) -> Storages {
        Storages {
            spaces: Spaces {
                slot: Kept(Some(class.make()), false),
                side_stack: Kept(Some(class.make_side_stack()), false),
                #[cfg(feature = "alloc")]
                heap: Kept(Some(Box::pin(HeapSlot::new())), false),
                #[cfg(feature = "bumpalo")]
                arena: Kept(Some(Box::pin(Arena::new())), false),
            },
            #[cfg(feature = "alloc")]
            cached: Kept(Some(Box::pin(strategy::CachedBox::default())), false),
            inline: Kept(Some(Box::pin(InlineStrategy::new())), false),
            taint: Taint::default(),
        }
    }

    pub fn spans(&self) -> Spans {
        Spans {
            slot: self.spaces.slot.get().layout().2,
            side_stack: self.spaces.side_stack.get().span(),
            #[cfg(feature = "alloc")]
            heap: span(self.spaces.heap.get()),
            #[cfg(feature = "alloc")]
            cache: span(self.cached.get()),
            #[cfg(not(feature = "alloc"))]
            heap: 0..0,
            #[cfg(not(feature = "alloc"))]
            cache: 0..0,
            inline: span(self.inline.get()),
        }
    }

    /// Whether every storage may be lent again: none is occupied by a leaked
    /// future with drop glue, as far as can be told. (A side stack stays
    /// usable: new frames go above a leaked one; an arena too, unreset.)
    pub fn reusable(&self) -> bool {
        let snap = self.snapshot();
        !snap.slot_occupied && !self.taint.inline && !snap.heap.occupied && !snap.cache.occupied
    }

    /// Resets the arena unless a leaked future may live in it; whether it
    /// did.
    pub fn reset_arena(&mut self) -> bool {
        #[cfg(feature = "bumpalo")]
        if !self.taint.arena {
            self.spaces.arena.pin_mut().get_mut().reset();
            return true;
        }
        false
    }

    /// Resets the counters that can be reset: the slot's and the heap
    /// slot's.
    pub fn reset_stats(&mut self) {
        self.spaces.slot.pin_mut().reset_stats();
        #[cfg(feature = "alloc")]
        self.spaces.heap.pin_mut().get_mut().reset_stats();
    }

    /// What can be observed of the storages while no handle is alive.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            slot: self.spaces.slot.get().stats().into(),
            slot_occupied: self.spaces.slot.get().is_occupied(),
            side_stack: self.spaces.side_stack.get().stats().into(),
            side_stack_used: self.spaces.side_stack.get().used(),
            #[cfg(feature = "alloc")]
            heap: Buffer::of(self.spaces.heap.get()),
            #[cfg(feature = "alloc")]
            cache: Buffer::of(self.cached.get().cache()),
            #[cfg(not(feature = "alloc"))]
            heap: Buffer::default(),
            #[cfg(not(feature = "alloc"))]
            cache: Buffer::default(),
            inline: self.inline.get().stats().into(),
        }
    }
}

impl Drop for Storages {
    fn drop(&mut self) {
        let snap = self.snapshot();
        self.spaces.slot.1 = snap.slot_occupied;
        self.spaces.side_stack.1 = self.taint.side_stack;
        self.inline.1 = self.taint.inline;
        #[cfg(feature = "alloc")]
        {
            self.spaces.heap.1 = snap.heap.occupied;
            self.cached.1 = snap.cache.occupied;
        }
        #[cfg(feature = "bumpalo")]
        {
            self.spaces.arena.1 = self.taint.arena;
        }
    }
}

/// The counters of a storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub emplacements: u64,
    pub hits: u64,
    pub size_fallbacks: u64,
    pub alignment_fallbacks: u64,
    pub largest: usize,
}

impl From<Stats> for Counters {
    /// What `stats` shows; its totals must add up.
    fn from(stats: Stats) -> Counters {
        assert_eq!(
            stats.fallbacks(),
            stats.size_fallbacks() + stats.alignment_fallbacks()
        );
        assert_eq!(stats.emplacements(), stats.hits() + stats.fallbacks());
        Counters {
            emplacements: stats.emplacements(),
            hits: stats.hits(),
            size_fallbacks: stats.size_fallbacks(),
            alignment_fallbacks: stats.alignment_fallbacks(),
            largest: stats.largest_future(),
        }
    }
}

/// What can be observed of a heap slot (the caller's, or a cache).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Buffer {
    pub capacity: usize,
    pub align: usize,
    pub occupied: bool,
    pub counters: Counters,
}

#[cfg(feature = "alloc")]
impl Buffer {
    fn of(heap: &HeapSlot) -> Buffer {
        Buffer {
            capacity: heap.capacity(),
            align: heap.alignment(),
            occupied: heap.is_occupied(),
            counters: heap.stats().into(),
        }
    }
}

/// What can be observed of every storage while no handle is alive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub slot: Counters,
    pub slot_occupied: bool,
    pub side_stack: Counters,
    pub side_stack_used: usize,
    pub heap: Buffer,
    pub cache: Buffer,
    /// The inline strategy's counters (its occupancy is not observable).
    pub inline: Counters,
}
