//! The header of a space: who occupies it and what its fallback needs (the
//! [`Link`]), in two words; a counting space's header ([`CountedHeader`])
//! adds its [`Stats`]. A slot and a heap slot's buffer start with one; it is
//! the header of the block that a future placed in the space occupies.
//!
//! # Two words
//!
//! The link is a pointer and a word. The pointer has a word of its own,
//! readable at any time. The word is kept in the occupancy record while the
//! space is vacant ([`Occupancy::vacant_with`]): it is read only by the
//! fallback of a scratch over the space, and a fallback runs only for a
//! future that did not fit, so before anything was recorded in the space.
//! An occupant's record replaces the word; the next lend sets it again.

use core::ptr::NonNull;

use crate::block::{BlockHeader, Occupancy};
use crate::space::{FallbackReason, Stats};

/// What a space's fallback needs to find its way, set when the space is
/// lent (see [`Fallback`](crate::space::Fallback)): a pointer and a word of
/// at most `usize::MAX >> 1` (the occupancy record keeps the word, next to
/// its vacant tag).
///
/// It is only read by the fallback of a scratch over the space, during the
/// scratch's exclusive borrow; a stale link is never dereferenced.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Link {
    pub(crate) ptr: *const (),
    pub(crate) word: usize,
}

/// The pointer of a space's [`Link`].
#[derive(Clone, Copy, Debug)]
struct LinkPtr(*const ());

// SAFETY: a link's pointer is plain data to every owner of a header; it is
// dereferenced only by the fallback of the scratch that set it, on the
// scratch's thread (a `Scratch` is neither `Send` nor `Sync`), while the
// scratch borrows what the pointer points to.
unsafe impl Send for LinkPtr {}
// SAFETY: as for `Send`: a shared `LinkPtr` is never dereferenced.
unsafe impl Sync for LinkPtr {}

/// The header of a space: occupancy (and, while vacant, the link's word)
/// and the link's pointer. Two words; a scratch points to one.
///
/// With the feature `profile`, also the site that lent the space, and
/// aligned to 16 so that its size stays a multiple of 16 (32 bytes on
/// 64-bit targets).
///
/// `pub` (in a private module) because the sealed
/// [`Counting`](crate::Counting) trait names it; unreachable from outside.
#[repr(C)]
#[cfg_attr(feature = "profile", repr(align(16)))]
#[derive(Debug)]
pub struct Header {
    occupancy: Occupancy,
    link_ptr: LinkPtr,
    /// The call site of the last lend (`None` before the first).
    #[cfg(feature = "profile")]
    site: Option<crate::profile::SiteRef>,
    /// The registry's counters of `site`, looked up when the site changes:
    /// a loop that lends one slot at one line looks its site up once, and
    /// an emplacement finds its counters with one load.
    #[cfg(feature = "profile")]
    counters: crate::profile::SiteCounters,
}

// SAFETY: `repr(C)`, and the first field is the `Occupancy`.
unsafe impl BlockHeader for Header {
    const INLINE: bool = true;
}

/// The header of a space that counts its emplacements: a [`Header`], then
/// the [`Stats`]. A scratch over such a space points to its `Header` (the
/// same address) and says that it counts
/// ([`SpaceInfo::counts`](crate::space::SpaceInfo::counts)). `pub` for the
/// same reason as [`Header`].
#[repr(C)]
#[derive(Debug)]
pub struct CountedHeader {
    header: Header,
    stats: Stats,
}

// SAFETY: `repr(C)`, and the first field is a `Header`, which is `repr(C)`
// and starts with the `Occupancy`.
unsafe impl BlockHeader for CountedHeader {
    const INLINE: bool = true;
}

impl CountedHeader {
    /// An empty header with zeroed counters.
    pub(crate) const fn new() -> Self {
        CountedHeader {
            header: Header::new(),
            stats: Stats::new(),
        }
    }

    /// The header that a scratch points to.
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// A copy of the counters.
    pub(crate) fn stats(&self) -> Stats {
        self.stats
    }

    /// Replaces the counters.
    pub(crate) fn set_stats(&mut self, stats: Stats) {
        self.stats = stats;
    }
}

impl Header {
    /// An empty header.
    pub(crate) const fn new() -> Self {
        Header {
            occupancy: Occupancy::vacant(),
            link_ptr: LinkPtr(core::ptr::null()),
            #[cfg(feature = "profile")]
            site: None,
            #[cfg(feature = "profile")]
            counters: crate::profile::SiteCounters::UNATTRIBUTED,
        }
    }

    /// Who occupies the space.
    pub(crate) fn occupancy(&self) -> &Occupancy {
        &self.occupancy
    }

    /// Counts an emplacement of a `F` offered to the space: in its
    /// [`Stats`] when `counted`.
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows,
    /// the `header` of a [`CountedHeader`] when `counted`.
    #[inline(always)]
    pub(crate) unsafe fn record<F>(
        this: NonNull<Self>,
        counted: bool,
        fallback: Option<FallbackReason>,
    ) {
        if counted {
            let counted = this.cast::<CountedHeader>();
            // SAFETY: the caller guarantees a live, unborrowed
            // `CountedHeader`, which starts with this header (`repr(C)`), so
            // the cast pointer may reach its counters; the `&mut Stats` made
            // here lives only for the `record_for` call.
            unsafe { (*counted.as_ptr()).stats.record_for::<F>(fallback) }
        }
        #[cfg(feature = "profile")]
        {
            // SAFETY: as above; the read ends before the counting.
            unsafe { (*this.as_ptr()).counters }
                .get()
                .record::<F>(fallback);
        }
    }

    /// Sets the call site that lends the space.
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows.
    #[cfg(feature = "profile")]
    #[inline(always)]
    pub(crate) unsafe fn set_site(this: NonNull<Self>, site: crate::profile::SiteRef) {
        // SAFETY: the caller guarantees a live, unborrowed header.
        let header = unsafe { &mut *this.as_ptr() };
        // Mostly the same site as last time: then the counters stay.
        if !header.site.is_some_and(|last| core::ptr::eq(last, site)) {
            header.site = Some(site);
            header.counters = crate::profile::counters(site);
        }
    }

    /// The call site that lent the space, as set by [`Header::set_site`].
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows
    /// mutably.
    #[cfg(feature = "profile")]
    #[inline(always)]
    pub(crate) unsafe fn site(this: NonNull<Self>) -> Option<crate::profile::SiteRef> {
        // SAFETY: the caller guarantees a live header.
        unsafe { (*this.as_ptr()).site }
    }

    /// Sets what the space's fallback needs.
    ///
    /// # Safety
    ///
    /// `this` points to a live header of a vacant space that no reference
    /// currently borrows, and no other thread accesses it now (the space is
    /// being lent: its owner borrows it exclusively and checked that it is
    /// vacant).
    ///
    /// # Panics
    ///
    /// In debug builds, when `link.word` is larger than `usize::MAX >> 1`.
    #[inline(always)]
    pub(crate) unsafe fn set_link(this: NonNull<Self>, link: Link) {
        // SAFETY: the caller guarantees a live, unborrowed header of a
        // vacant space; the references made here live for this block only.
        unsafe {
            (*this.as_ptr()).link_ptr = LinkPtr(link.ptr);
            (*this.as_ptr()).occupancy.vacant_with(link.word);
        }
    }

    /// Sets the pointer of the link alone: the poll context of a
    /// `Slot::call`, while the callee runs (null before and after).
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows.
    #[inline(always)]
    pub(crate) unsafe fn set_context(this: NonNull<Self>, cx: *const ()) {
        // SAFETY: the caller guarantees a live, unborrowed header.
        unsafe { (*this.as_ptr()).link_ptr = LinkPtr(cx) }
    }

    /// What the space's fallback needs, as set by [`Header::set_link`].
    ///
    /// The pointer reads back at any time; the word only while the space is
    /// vacant (a fallback's case: the future did not fit): an occupant's
    /// record replaces it, and then the word reads as 0.
    ///
    /// # Safety
    ///
    /// `this` points to a live header that no reference currently borrows
    /// mutably.
    #[inline(always)]
    pub(crate) unsafe fn link(this: NonNull<Self>) -> Link {
        // SAFETY: the caller guarantees a live header; the shared references
        // made here live for this block only.
        let header = unsafe { &*this.as_ptr() };
        Link {
            ptr: header.link_ptr.0,
            word: header.occupancy.vacant_word().unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::OccupantOf;

    /// The link's word lives in the occupancy record while the space is
    /// vacant; an occupant replaces it, and the pointer stays.
    #[test]
    fn the_link_word_is_kept_while_vacant() {
        let mut header = Header::new();
        let target = 7u64;
        let this = NonNull::from(&mut header);
        let link = Link {
            ptr: core::ptr::from_ref(&target).cast(),
            word: usize::MAX >> 1,
        };
        // SAFETY: a live, vacant header that no reference borrows.
        unsafe { Header::set_link(this, link) };
        // SAFETY: as above.
        let read = unsafe { Header::link(this) };
        assert_eq!((read.ptr, read.word), (link.ptr, link.word));
        // SAFETY: as above.
        let record = unsafe { this.as_ref() }.occupancy();
        assert!(!record.is_occupied(), "a vacant record with a word");
        record.assert_vacant("a test header", crate::block::Event::Reuse);

        struct Occupant(#[allow(dead_code)] u8);
        impl Drop for Occupant {
            fn drop(&mut self) {}
        }
        // SAFETY: no other thread sees the header.
        unsafe { record.occupy(&OccupantOf::<Occupant>::RECORD) };
        assert!(record.is_occupied());
        // SAFETY: as above.
        let read = unsafe { Header::link(this) };
        assert_eq!((read.ptr, read.word), (link.ptr, 0), "the pointer stays");
        // SAFETY: no other thread sees the header.
        unsafe { record.vacate_exclusive() };
        assert!(!record.is_occupied());
    }
}
