//! The reference of a heap slot (the caller's `HeapSlot`, or the cache of a
//! `CachedBox`): a buffer that a future fits when its size is at most the
//! capacity and its alignment at most the buffer's; a future that does not
//! fit makes it grow to the larger of both sizes and both alignments (one
//! allocation, and one free of the buffer it replaces), is counted as a
//! fallback, and is placed in the new buffer. Before the first buffer the
//! space has capacity 0, aligned to 16: only small zero-sized futures fit,
//! in the heap slot itself. The buffer never shrinks.

use stackslot::FallbackReason;

use super::Alloc;
use crate::support::catalogue::FutureType;
use crate::support::span::Span;
use crate::support::storage::Buffer;

/// What the reference knows of a heap slot besides what it observes.
#[derive(Debug, Default)]
pub struct BufferModel {
    /// The expected observation: capacity, alignment, occupancy, counters.
    pub seen: Buffer,
    /// The addresses of the buffer, once one was allocated.
    pub block: Option<Span>,
}

impl BufferModel {
    pub fn new() -> BufferModel {
        BufferModel {
            seen: Buffer {
                align: 16,
                ..Buffer::default()
            },
            block: None,
        }
    }

    /// Why `ty` does not fit the buffer; `None` when it fits.
    pub fn misfit(&self, ty: &FutureType) -> Option<FallbackReason> {
        if ty.size > self.seen.capacity {
            Some(FallbackReason::Size)
        } else if ty.align > self.seen.align {
            Some(FallbackReason::Alignment)
        } else {
            None
        }
    }

    /// Places `ty`, growing the buffer when it does not fit; what that
    /// does to the heap.
    pub fn place(&mut self, ty: &FutureType) -> Alloc {
        let misfit = self.misfit(ty);
        self.seen.counters.record(ty.size, misfit);
        if misfit.is_none() {
            return Alloc::None;
        }
        self.seen.capacity = self.seen.capacity.max(ty.size);
        self.seen.align = self.seen.align.max(ty.align);
        Alloc::Grow {
            replaces: self.block.is_some(),
        }
    }

    /// Learns where the buffer that a growth allocated lies.
    pub fn grown(&mut self, block: Option<Span>) {
        self.block = block;
    }

    /// Where its futures live: the buffer, or the heap slot itself
    /// (`home`) before the first buffer.
    pub fn region(&self, home: &Span) -> Span {
        self.block.clone().unwrap_or_else(|| home.clone())
    }
}
