//! The header of a space: who occupies it, what its fallback needs (the
//! [`Link`]), and its counters. A slot and a heap slot's buffer start with
//! one; it is the header of the block that a future placed in the space
//! occupies.

use core::ptr::NonNull;

use crate::block::{BlockHeader, Occupancy};
use crate::space::{FallbackReason, Stats};
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
///
/// With the feature `profile`, also the site that lent the space, and
/// aligned to 16 so that its size stays a multiple of 16 (the space after
/// it starts aligned, and a heap slot's buffer is a `Slot<0>`'s size plus
/// its capacity, as without the feature).
#[repr(C)]
#[cfg_attr(feature = "profile", repr(align(16)))]
#[derive(Debug)]
pub(crate) struct Header {
    occupancy: Occupancy,
    link: Link,
    stats: Stats,
    /// The call site of the last lend (`None` before the first).
    #[cfg(feature = "profile")]
    site: Option<crate::profile::SiteRef>,
    /// The registry's counters of `site`, found at the first emplacement
    /// after the site changed: a loop that lends one slot at one line looks
    /// its site up once.
    #[cfg(feature = "profile")]
    counters: Option<&'static crate::profile::SiteCounters>,
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
            #[cfg(feature = "profile")]
            site: None,
            #[cfg(feature = "profile")]
            counters: None,
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
        #[cfg(feature = "profile")]
        {
            // SAFETY: as above; the `&mut Header` lives only for this block.
            let header = unsafe { &mut *this.as_ptr() };
            if let Some(site) = header.site {
                let counters = match header.counters {
                    Some(counters) => counters,
                    None => *header.counters.insert(crate::profile::counters(site)),
                };
                counters.record::<F>(fallback);
            }
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
            header.counters = None;
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
    /// `this` points to a live header that no reference currently borrows.
    #[inline(always)]
    pub(crate) unsafe fn set_link(this: NonNull<Self>, link: Link) {
        // SAFETY: the caller guarantees a live, unborrowed header.
        unsafe { (*this.as_ptr()).link = link }
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
        unsafe { (*this.as_ptr()).link.ptr = cx }
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
