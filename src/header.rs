//! The header at the start of every space: who occupies it and its counters.
//!
//! A space is a header followed by the bytes a future may occupy. A scratch
//! points at the header; a placed future lives at a constant offset after it
//! (see [`future_offset`]), so the per-type vtable finds both from one
//! pointer to the whole space, and no reference to the space's bytes is ever
//! made while a future lives there.

use core::mem::{align_of, size_of};
use core::ptr::NonNull;

use crate::leak::{Event, Occupant, abort_occupied};
use crate::overflow::FallbackReason;
use crate::stats::{Stats, bucket};

/// The start of a space.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct Header {
    /// The future that lives in the space, if it has drop glue. A future
    /// without drop glue is not recorded: leaking it is harmless.
    occupant: Option<&'static Occupant>,
    stats: Stats,
}

/// Where a future of type `F` lives in a space: right after the header,
/// rounded up to `F`'s alignment. The space's own alignment is at least
/// `F`'s whenever `F` fits, so the address is aligned.
pub(crate) const fn future_offset<F>() -> usize {
    size_of::<Header>().next_multiple_of(align_of::<F>())
}

impl Header {
    /// An empty header with zeroed counters.
    pub(crate) const fn new() -> Self {
        Header {
            occupant: None,
            stats: Stats::new(),
        }
    }

    /// Aborts the process if a leaked future with drop glue still lives in
    /// the space: it may neither be reused nor freed.
    #[inline(always)]
    pub(crate) fn assert_vacant(&self, event: Event) {
        if let Some(occupant) = self.occupant {
            abort_occupied(occupant, event)
        }
    }

    /// Whether a future with drop glue occupies the space.
    pub(crate) fn is_occupied(&self) -> bool {
        self.occupant.is_some()
    }

    /// A copy of the counters.
    pub(crate) fn stats(&self) -> Stats {
        self.stats
    }

    /// Zeroes the counters.
    pub(crate) fn reset_stats(&mut self) {
        self.stats = Stats::new();
    }

    /// Counts an emplacement of a `F` offered to the space.
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows.
    #[inline(always)]
    pub(crate) unsafe fn record<F>(this: NonNull<Self>, fallback: Option<FallbackReason>) {
        // SAFETY: the caller guarantees a live, unborrowed header; the
        // `&mut Stats` made here lives only for this call.
        let stats = unsafe { &mut (*this.as_ptr()).stats };
        stats.record(size_of::<F>(), const { bucket(size_of::<F>()) }, fallback);
    }

    /// Records `occupant` as living in the space.
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows.
    #[inline(always)]
    pub(crate) unsafe fn occupy(this: NonNull<Self>, occupant: &'static Occupant) {
        // SAFETY: the caller guarantees a live, unborrowed header.
        unsafe { (*this.as_ptr()).occupant = Some(occupant) }
    }

    /// Records the space as free again.
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows.
    #[inline(always)]
    pub(crate) unsafe fn vacate(this: NonNull<Self>) {
        // SAFETY: the caller guarantees a live, unborrowed header.
        unsafe { (*this.as_ptr()).occupant = None }
    }
}
