//! Headers: what precedes a future in every storage.
//!
//! A block is a header followed by the bytes one future may occupy. The
//! future lives at a constant offset after the header (see
//! [`future_offset`]), so the per-type vtable finds both from one pointer to
//! the whole block, and no reference to the block's bytes is ever made while
//! a future lives there. Every header starts with an [`Occupancy`].
//!
//! The [`Header`] of a *space* (a slot, a heap slot, the control block of a
//! side stack) also holds the space's counters and what its fallback needs.

use core::mem::{align_of, size_of};
use core::ptr::NonNull;

use crate::leak::Occupancy;
use crate::overflow::FallbackReason;
use crate::stats::Stats;

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
    size_of::<H>().next_multiple_of(align_of::<F>())
}

// The heap block, the arena and the side stack use it.
#[cfg(any(
    feature = "alloc",
    target_has_atomic = "8",
    feature = "portable-atomic"
))]
/// The size and alignment of a block for a `F` headed by an `H`: the header,
/// then the future at [`future_offset`], aligned for both.
pub(crate) const fn block_size_align<F, H>() -> (usize, usize) {
    let size = future_offset::<F, H>() + size_of::<F>();
    let align = if align_of::<F>() > align_of::<H>() {
        align_of::<F>()
    } else {
        align_of::<H>()
    };
    (size, align)
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

/// What a space's fallback needs to find its way, set when the space is
/// lent (see [`Fallback`](crate::space::Fallback)): a pointer and a word.
///
/// It is only read by the fallback of a scratch over the space, during the
/// scratch's exclusive borrow; a stale link is never dereferenced.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Link {
    pub(crate) ptr: *const (),
    pub(crate) word: usize,
}

// SAFETY: a `Link` is plain data to every owner of a header; it is
// dereferenced only by the fallback of the scratch that set it, on the
// scratch's thread (a `Scratch` is neither `Send` nor `Sync`), while the
// scratch borrows what the pointer points to.
unsafe impl Send for Link {}
// SAFETY: as for `Send`: a shared `Link` is never dereferenced.
unsafe impl Sync for Link {}

/// The header of a space: occupancy, fallback link and counters.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct Header {
    occupancy: Occupancy,
    link: Link,
    stats: Stats,
}

// SAFETY: `repr(C)`, and the first field is the `Occupancy`.
unsafe impl BlockHeader for Header {
    const INLINE: bool = true;
}

impl Header {
    /// An empty header with zeroed counters.
    pub(crate) const fn new() -> Self {
        Header {
            occupancy: Occupancy::vacant(),
            link: Link {
                ptr: core::ptr::null(),
                word: 0,
            },
            stats: Stats::new(),
        }
    }

    /// Who occupies the space.
    pub(crate) fn occupancy(&self) -> &Occupancy {
        &self.occupancy
    }

    /// A copy of the counters.
    pub(crate) fn stats(&self) -> Stats {
        self.stats
    }

    /// Replaces the counters.
    pub(crate) fn set_stats(&mut self, stats: Stats) {
        self.stats = stats;
    }

    /// Counts an emplacement of a `F` offered to the space.
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows.
    #[inline(always)]
    pub(crate) unsafe fn record<F>(this: NonNull<Self>, fallback: Option<FallbackReason>) {
        // SAFETY: the caller guarantees a live, unborrowed header; the
        // `&mut Stats` made here lives only for the `record_for` call.
        unsafe { (*this.as_ptr()).stats.record_for::<F>(fallback) }
    }

    /// Sets what the space's fallback needs.
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows.
    #[inline(always)]
    pub(crate) unsafe fn set_link(this: NonNull<Self>, link: Link) {
        // SAFETY: the caller guarantees a live, unborrowed header.
        unsafe { (*this.as_ptr()).link = link }
    }

    /// What the space's fallback needs, as set by [`Header::set_link`].
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows
    /// mutably.
    #[inline(always)]
    pub(crate) unsafe fn link(this: NonNull<Self>) -> Link {
        // SAFETY: the caller guarantees a live header.
        unsafe { (*this.as_ptr()).link }
    }
}
