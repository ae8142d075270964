//! Every storage a case may place futures in: the rig's slot, a side stack
//! of the same class, an `Inline` strategy, and (with `alloc`) a heap slot
//! and a `CachedBox` strategy, and (with `bumpalo`) an arena. Each lives
//! on the heap at a fixed address for the whole case.
//!
//! A storage that a leaked future with drop glue may still occupy is leaked
//! with the case instead of dropped (dropping it would abort the process,
//! by design), also when a property fails half-way. The slot, the heap slot
//! and the cache say whether they are occupied; the arena, the inline
//! strategy's slot and the side stack's frames do not, so the rig marks
//! them [`Taint`]ed whenever it leaks a live handle with drop glue of a kind
//! that may have used them.

use core::pin::Pin;

#[cfg(feature = "bumpalo")]
use stackslot::Arena;
#[cfg(feature = "alloc")]
use stackslot::HeapSlot;
use stackslot::{Align64, Stats, strategy};

use super::kinds::ScratchKind;
use super::slots::{DynSideStack, DynSlot, SlotClass};
use super::span::Span;

/// The `Inline` strategy of the inline rows: 256 bytes aligned to 64, so
/// that the catalogue's futures fit it, overflow it by size and by
/// alignment.
pub type InlineStrategy = strategy::Inline<256, Align64>;

/// A storage on the heap, pinned, leaked instead of dropped when kept.
pub struct Kept<T: ?Sized> {
    inner: Option<Pin<Box<T>>>,
    keep: bool,
}

impl<T: ?Sized> Kept<T> {
    fn new(inner: Pin<Box<T>>) -> Self {
        Kept {
            inner: Some(inner),
            keep: false,
        }
    }

    pub fn get(&self) -> &T {
        self.inner.as_deref().expect("present until dropped")
    }

    pub fn pin(&self) -> Pin<&T> {
        self.inner.as_ref().expect("present until dropped").as_ref()
    }

    pub fn pin_mut(&mut self) -> Pin<&mut T> {
        self.inner.as_mut().expect("present until dropped").as_mut()
    }
}

impl<T: ?Sized> Drop for Kept<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            if self.keep {
                core::mem::forget(inner);
            }
        }
    }
}

/// The storages whose occupancy cannot be observed, and whether a leaked
/// future with drop glue may occupy them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taint {
    /// A frame of the side stack: the stack may not be dropped.
    pub side_stack: bool,
    /// The inline strategy's slot: it may not be lent again or dropped.
    pub inline: bool,
    /// A block of the arena: it may not be reset or dropped.
    pub arena: bool,
}

/// The addresses of every storage of a case, for the reference.
#[derive(Clone, Debug)]
pub struct Spans {
    pub slot: Span,
    pub side_stack: Span,
    /// The heap slot and the cache themselves (not their buffers): where a
    /// zero-sized future goes before the first buffer.
    #[cfg(feature = "alloc")]
    pub heap: Span,
    #[cfg(feature = "alloc")]
    pub cache: Span,
    pub inline: Span,
}

/// The storages of one case.
pub struct Storages {
    pub slot: Kept<dyn DynSlot>,
    pub side_stack: Kept<dyn DynSideStack>,
    #[cfg(feature = "alloc")]
    pub heap: Kept<HeapSlot>,
    #[cfg(feature = "alloc")]
    pub cached: Kept<strategy::CachedBox>,
    pub inline: Kept<InlineStrategy>,
    #[cfg(feature = "bumpalo")]
    pub arena: Kept<Arena>,
    taint: Taint,
}

impl Storages {
    /// Empty storages: a slot and a side stack of `class`, and the others.
    pub fn new(class: &SlotClass) -> Storages {
        Storages {
            slot: Kept::new(class.make()),
            side_stack: Kept::new(class.make_side_stack()),
            #[cfg(feature = "alloc")]
            heap: Kept::new(Box::pin(HeapSlot::new())),
            #[cfg(feature = "alloc")]
            cached: Kept::new(Box::pin(strategy::CachedBox::default())),
            inline: Kept::new(Box::pin(InlineStrategy::new())),
            #[cfg(feature = "bumpalo")]
            arena: Kept::new(Box::pin(Arena::new())),
            taint: Taint::default(),
        }
    }

    pub fn spans(&self) -> Spans {
        Spans {
            slot: Span(self.slot.get().span()),
            side_stack: Span(self.side_stack.get().span()),
            #[cfg(feature = "alloc")]
            heap: Span::of(self.heap.get()),
            #[cfg(feature = "alloc")]
            cache: Span::of(self.cached.get()),
            inline: Span::of(self.inline.get()),
        }
    }

    /// Notes that a live handle with drop glue of `kind` was leaked: the
    /// storages it may have used and whose occupancy cannot be observed
    /// are kept from now on.
    pub fn leaked(&mut self, kind: ScratchKind) {
        let taint = kind.may_use();
        self.taint.side_stack |= taint.side_stack;
        self.taint.inline |= taint.inline;
        self.taint.arena |= taint.arena;
    }

    /// Whether every storage may be lent again: none is occupied by a
    /// leaked future with drop glue, or might be as far as can be told.
    /// (A side stack stays usable: new frames go above a leaked one; an
    /// arena too: it just may not be reset.)
    pub fn reusable(&self) -> bool {
        !self.slot.get().is_occupied() && !self.taint.inline && !self.buffers_occupied()
    }

    #[cfg(feature = "alloc")]
    fn buffers_occupied(&self) -> bool {
        self.heap.get().is_occupied() || self.cached.get().cache().is_occupied()
    }

    #[cfg(not(feature = "alloc"))]
    fn buffers_occupied(&self) -> bool {
        false
    }

    /// Resets the arena, unless a leaked future may live in it; says
    /// whether it did.
    #[cfg(feature = "bumpalo")]
    pub fn reset_arena(&mut self) -> bool {
        if self.taint.arena {
            return false;
        }
        self.arena.pin_mut().get_mut().reset();
        true
    }

    /// Resets the counters that can be reset: the slot's and the heap
    /// slot's.
    pub fn reset_stats(&mut self) {
        self.slot.pin_mut().reset_stats();
        #[cfg(feature = "alloc")]
        self.heap.pin_mut().get_mut().reset_stats();
    }

    /// What can be observed of the storages while no handle is alive.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            slot: self.slot.get().stats().into(),
            slot_occupied: self.slot.get().is_occupied(),
            side_stack: self.side_stack.get().stats().into(),
            side_stack_used: self.side_stack.get().used(),
            #[cfg(feature = "alloc")]
            heap: Buffer::of(self.heap.get()),
            #[cfg(feature = "alloc")]
            cache: Buffer::of(self.cached.get().cache()),
            inline: self.inline.get().stats().into(),
        }
    }
}

impl Drop for Storages {
    fn drop(&mut self) {
        self.slot.keep = self.slot.get().is_occupied();
        self.side_stack.keep = self.taint.side_stack;
        self.inline.keep = self.taint.inline;
        #[cfg(feature = "alloc")]
        {
            self.heap.keep = self.heap.get().is_occupied();
            self.cached.keep = self.cached.get().cache().is_occupied();
        }
        #[cfg(feature = "bumpalo")]
        {
            self.arena.keep = self.taint.arena;
        }
    }
}

/// The counters of a storage, in the terms of the reference.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub emplacements: u64,
    pub hits: u64,
    pub size_fallbacks: u64,
    pub alignment_fallbacks: u64,
    pub largest: usize,
}

impl From<Stats> for Counters {
    /// What `stats` shows; its fallbacks must add up.
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

/// What can be observed of a heap slot (the caller's, or the cache of a
/// `CachedBox`).
#[cfg(feature = "alloc")]
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
    #[cfg(feature = "alloc")]
    pub heap: Buffer,
    #[cfg(feature = "alloc")]
    pub cache: Buffer,
    /// The inline strategy's counters (its occupancy is not observable).
    pub inline: Counters,
}
