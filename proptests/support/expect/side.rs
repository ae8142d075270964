//! The reference of a side stack: each future takes a frame on top, the
//! frames are freed in LIFO order, and a frame whose handle was leaked
//! stays in use for good (with or without drop glue), so later frames go
//! above it.
//!
//! A frame is a header followed by the future: the frame starts at the top
//! rounded up to the future's alignment (and the header's), the future
//! follows the header at its own alignment, and the frame ends with the
//! future. The header's size and alignment are the stack's own business;
//! the reference measures them once, on a side stack of its own.
//!
//! A future fits when its frame ends within the capacity and its alignment
//! is at most the stack's. As for every other storage, a future that fails
//! both checks counts as a size fallback (`Stats`' documented rule). A
//! stack-only overflow names the free bytes above the top and the stack's
//! alignment.

use core::pin::pin;
use std::sync::OnceLock;

use stackslot::{FallbackReason, SideStack};

use crate::support::catalogue::FutureType;
use crate::support::family::{A1, Plain, TestFuture};
use crate::support::slots::SlotClass;
use crate::support::storage::Counters;

/// The size and alignment of a frame's header.
#[derive(Clone, Copy, Debug)]
struct FrameHeader {
    size: usize,
    align: usize,
}

/// Measures the frame header with `used()`: a one-byte future takes the
/// header and one byte; a zero-sized future pushed above it starts at the
/// next multiple of the header's alignment.
fn frame_header() -> FrameHeader {
    static HEADER: OnceLock<FrameHeader> = OnceLock::new();
    *HEADER.get_or_init(|| {
        let stack = pin!(SideStack::<256>::new());
        let stack = stack.into_ref();
        let first = stack.stack_only().emplace(Plain::<1, A1>::new(0));
        let size = stack.used() - 1;
        let second = stack.stack_only().emplace(Plain::<0, A1>::new(0));
        let second_at = stack.used() - size;
        drop((second, first));
        let align = (0..12)
            .map(|log| 1 << log)
            .find(|&align| (size + 1).next_multiple_of(align) == second_at)
            .expect("a frame header aligned to at most 2 KiB");
        FrameHeader { size, align }
    })
}

/// Why a future did not get a frame, and the free bytes it was offered.
#[derive(Clone, Copy, Debug)]
pub struct NoFrame {
    pub reason: FallbackReason,
    pub free: usize,
}

/// What the reference knows of a side stack.
#[derive(Debug)]
pub struct SideModel {
    capacity: usize,
    pub align: usize,
    header: FrameHeader,
    /// Where the topmost leaked frame ends: the bytes in use while no
    /// handle is alive.
    pub top: usize,
    pub counters: Counters,
}

impl SideModel {
    /// An empty side stack of `class`'s capacity and alignment.
    pub fn new(class: &SlotClass) -> SideModel {
        SideModel {
            capacity: class.capacity,
            align: class.align,
            header: frame_header(),
            top: 0,
            counters: Counters::default(),
        }
    }

    /// Pushes a frame for `ty` on the stack as it is while no handle is
    /// alive; where it ends, or why it does not fit.
    pub fn push(&mut self, ty: &FutureType) -> Result<usize, NoFrame> {
        let at = self.top.next_multiple_of(ty.align.max(self.header.align));
        let end = at + self.header.size.next_multiple_of(ty.align) + ty.size;
        let reason = if end > self.capacity {
            Some(FallbackReason::Size)
        } else if ty.align > self.align {
            Some(FallbackReason::Alignment)
        } else {
            None
        };
        self.counters.record(ty.size, reason);
        match reason {
            None => Ok(end),
            Some(reason) => Err(NoFrame {
                reason,
                free: self.capacity - self.top,
            }),
        }
    }
}
