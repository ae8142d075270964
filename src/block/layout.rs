//! Blocks: a header followed by the bytes of one future.
//!
//! Every future lives in a block: a slot, a heap slot's buffer, an arena
//! allocation, a side-stack frame, or a heap block of its own. The future
//! lives at a constant offset after the header (the layout of
//! [`Block<H, F>`]), so the per-type vtable finds both from one pointer to
//! the whole block, and no reference to the block's bytes is ever made while
//! a future lives there. Every header starts with an [`Occupancy`].

use core::mem::offset_of;
use core::ptr::NonNull;

use super::occupancy::Occupancy;

/// The layout of a block: a header `H`, then a future `F`, in this order,
/// as `repr(C)` lays them out (the future at the header's size rounded up to
/// its alignment). Only its layout is used: blocks are reached through raw
/// pointers, and a space may hold any future whose block fits in it.
#[repr(C)]
pub(crate) struct Block<H, F> {
    header: H,
    future: F,
}

/// A header at the start of a block that holds one future.
///
/// # Safety
///
/// Implementors are `repr(C)` and start with an [`Occupancy`].
pub(crate) unsafe trait BlockHeader: Sized {
    /// Whether a future in such a block lives in the caller's space, as
    /// [`SlotFuture::is_inline`](crate::SlotFuture::is_inline) reports.
    const INLINE: bool;

    /// Whether every future is recorded in the block's occupancy, not only
    /// those with drop glue: for storage that must know which blocks are
    /// free while handles are alive (see [`Occupancy`]).
    const RECORDS_ALL: bool = false;

    /// Whether [`BlockHeader::release`] does anything.
    const RELEASES: bool = false;

    /// Gives the block back to its storage once its future (a `F`) is gone.
    ///
    /// # Safety
    ///
    /// The block was reserved for a `F`, which has been dropped, and is not
    /// used again.
    #[inline(always)]
    unsafe fn release<F>(block: NonNull<Self>) {
        let _ = block;
    }
}

/// Where a future of type `F` lives in a block headed by an `H`: right after
/// the header, rounded up to `F`'s alignment. A block aligned to at least
/// `F`'s alignment puts the future at an aligned address.
pub(crate) const fn future_offset<F, H>() -> usize {
    offset_of!(Block<H, F>, future)
}

// The heap block, the arena and the side stack use it.
#[cfg(any(
    feature = "alloc",
    target_has_atomic = "8",
    feature = "portable-atomic"
))]
/// The layout of a block for a `F` headed by an `H`: [`Block<H, F>`]'s
/// alignment, and its size up to the end of the future (nothing follows the
/// future, so the trailing padding is left out).
///
/// # Panics
///
/// When the block would be larger than `isize::MAX` bytes, which only a
/// future nearly that large can cause; nothing is placed yet then.
pub(crate) const fn block_layout<F, H>() -> core::alloc::Layout {
    use core::mem::{align_of, size_of};
    let size = future_offset::<F, H>() + size_of::<F>();
    match core::alloc::Layout::from_size_align(size, align_of::<Block<H, F>>()) {
        Ok(layout) => layout,
        Err(_) => {
            panic!("stackslot: a future too large for a block of its own (over isize::MAX bytes)")
        }
    }
}

/// The occupancy record of the block headed by `block`.
///
/// # Safety
///
/// `block` points to a live `H`, and the record is not used after the block
/// is freed (`'a`).
#[inline(always)]
pub(crate) unsafe fn occupancy<'a, H: BlockHeader>(block: NonNull<H>) -> &'a Occupancy {
    // SAFETY: `H` is `repr(C)` and starts with an `Occupancy` (the trait's
    // contract); the block is live for `'a`. `Occupancy` is atomic, so a
    // shared reference to it may coexist with other accesses to the header.
    unsafe { block.cast::<Occupancy>().as_ref() }
}
