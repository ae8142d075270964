//! Per-slot counters: how many emplacements fit, how many fell back and why,
//! and the sizes of the futures seen.
//!
//! The counters live in the slot's header and are updated by the emplacing
//! code itself: a hit adds one to a size bucket chosen at compile time and
//! compares the future's (constant) size with the largest seen so far.

use crate::overflow::FallbackReason;

/// The named size classes, in bytes: the capacities of [`Slot64`](crate::Slot64)
/// to [`Slot4K`](crate::Slot4K).
///
/// # Example
///
/// ```
/// assert_eq!(stackslot::SIZE_CLASSES, [64, 128, 256, 512, 1024, 2048, 4096]);
/// ```
pub const SIZE_CLASSES: [usize; 7] = [64, 128, 256, 512, 1024, 2048, 4096];

/// Number of size buckets: one per size class, and one for larger futures.
const BUCKETS: usize = SIZE_CLASSES.len() + 1;

/// The bucket of a future of `size` bytes: the smallest size class that
/// holds it, or the last bucket when no class does.
pub(crate) const fn bucket(size: usize) -> usize {
    let mut i = 0;
    while i < SIZE_CLASSES.len() {
        if size <= SIZE_CLASSES[i] {
            return i;
        }
        i += 1;
    }
    SIZE_CLASSES.len()
}

/// Counters of the emplacements into one slot, as returned by
/// [`Slot::stats`](crate::Slot::stats).
///
/// Every call of `emplace`, `emplace_local`, `try_emplace` and
/// `try_emplace_local` on a scratch made from the slot counts once: as a hit
/// when the future was placed in the slot, as a fallback otherwise (boxed,
/// refused by `try_emplace`, or a `stack_only` overflow that panicked). A
/// future that fails both the size and the alignment check counts as a size
/// fallback.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::Slot;
///
/// let mut slot = pin!(Slot::<64>::new());
/// drop(slot.as_mut().or_box().emplace(async { 1u8 }));
/// let bytes = [0u8; 100];
/// drop(slot.as_mut().or_box().emplace(async move { bytes.len() }));
///
/// let stats = slot.stats();
/// assert_eq!((stats.hits(), stats.fallbacks()), (1, 1));
/// assert_eq!(stats.size_fallbacks(), 1);
/// assert!(stats.largest_future() >= 100);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Stats {
    /// Emplacements by the size class of the future (last: larger than all).
    by_class: [u64; BUCKETS],
    size_fallbacks: u64,
    alignment_fallbacks: u64,
    largest: usize,
}

impl Stats {
    /// All counters at zero.
    pub(crate) const fn new() -> Self {
        Stats {
            by_class: [0; BUCKETS],
            size_fallbacks: 0,
            alignment_fallbacks: 0,
            largest: 0,
        }
    }

    /// Counts one emplacement of a future of `size` bytes whose size bucket
    /// is `bucket`; `fallback` is `None` for a hit.
    #[inline(always)]
    pub(crate) fn record(&mut self, size: usize, bucket: usize, fallback: Option<FallbackReason>) {
        self.by_class[bucket] += 1;
        if size > self.largest {
            self.largest = size;
        }
        match fallback {
            None => {}
            Some(FallbackReason::Alignment) => self.alignment_fallbacks += 1,
            Some(FallbackReason::Size | FallbackReason::NoSpace) => self.size_fallbacks += 1,
        }
    }

    /// How many emplacements were counted: hits plus fallbacks.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// assert_eq!(slot.stats().emplacements(), 0);
    /// drop(slot.as_mut().stack_only().emplace(async {}));
    /// assert_eq!(slot.stats().emplacements(), 1);
    /// ```
    pub fn emplacements(&self) -> u64 {
        self.by_class.iter().sum()
    }

    /// How many futures were placed in the slot.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// for _ in 0..3 {
    ///     drop(slot.as_mut().stack_only().emplace(async {}));
    /// }
    /// assert_eq!(slot.stats().hits(), 3);
    /// ```
    pub fn hits(&self) -> u64 {
        self.emplacements() - self.fallbacks()
    }

    /// How many futures did not fit, for any reason.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let bytes = [0u8; 65];
    /// assert!(slot.as_mut().stack_only().try_emplace(async move { bytes.len() }).is_err());
    /// assert_eq!(slot.stats().fallbacks(), 1);
    /// ```
    pub fn fallbacks(&self) -> u64 {
        self.size_fallbacks + self.alignment_fallbacks
    }

    /// How many futures were larger than the slot.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let bytes = [0u8; 65];
    /// assert!(slot.as_mut().stack_only().try_emplace(async move { bytes.len() }).is_err());
    /// assert_eq!(slot.stats().size_fallbacks(), 1);
    /// ```
    pub fn size_fallbacks(&self) -> u64 {
        self.size_fallbacks
    }

    /// How many futures were small enough but more aligned than the slot.
    ///
    /// # Example
    ///
    /// ```
    /// use core::{future::Ready, pin::pin};
    /// use stackslot::Slot;
    ///
    /// #[repr(align(64))]
    /// struct Aligned(Ready<()>);
    /// impl core::future::Future for Aligned {
    ///     type Output = ();
    ///     fn poll(self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
    ///         core::pin::Pin::new(&mut self.get_mut().0).poll(cx)
    ///     }
    /// }
    ///
    /// let mut slot = pin!(Slot::<128>::new()); // aligned to 16
    /// assert!(slot.as_mut().stack_only().try_emplace(Aligned(core::future::ready(()))).is_err());
    /// assert_eq!(slot.stats().alignment_fallbacks(), 1);
    /// ```
    pub fn alignment_fallbacks(&self) -> u64 {
        self.alignment_fallbacks
    }

    /// The size in bytes of the largest future offered to the slot, placed or
    /// not; 0 before the first emplacement.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let bytes = [0u8; 200];
    /// let big = async move { bytes.len() };
    /// let size = core::mem::size_of_val(&big);
    /// drop(slot.as_mut().or_box().emplace(big));
    /// assert_eq!(slot.stats().largest_future(), size);
    /// ```
    pub fn largest_future(&self) -> usize {
        self.largest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_size_classes() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(64), 0);
        assert_eq!(bucket(65), 1);
        assert_eq!(bucket(128), 1);
        assert_eq!(bucket(129), 2);
        assert_eq!(bucket(4096), 6);
        assert_eq!(bucket(4097), 7);
        assert_eq!(bucket(usize::MAX), 7);
    }

    #[test]
    fn record_counts_by_outcome() {
        let mut stats = Stats::new();
        stats.record(10, bucket(10), None);
        stats.record(300, bucket(300), Some(FallbackReason::Size));
        stats.record(8, bucket(8), Some(FallbackReason::Alignment));
        stats.record(0, bucket(0), Some(FallbackReason::NoSpace));
        assert_eq!(stats.emplacements(), 4);
        assert_eq!(stats.hits(), 1);
        assert_eq!(stats.fallbacks(), 3);
        assert_eq!(stats.size_fallbacks(), 2);
        assert_eq!(stats.alignment_fallbacks(), 1);
        assert_eq!(stats.largest_future(), 300);
        assert_eq!(stats.by_class, [3, 0, 0, 1, 0, 0, 0, 0]);
    }
}
