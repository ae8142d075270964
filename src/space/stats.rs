//! Per-slot counters: how many emplacements fit, how many fell back and why,
//! and the sizes of the futures seen.
//!
//! The counters live in the slot's header and are updated by the emplacing
//! code itself: a hit adds one to a size bucket chosen at compile time and
//! compares the future's (constant) size with the largest seen so far.
//!
//! The size buckets are the powers of two of [`SIZE_CLASSES`] (up to 64
//! bytes, 65 to 128, ..., 2049 to 4096, larger), so the histogram answers
//! exactly how many futures each named slot class would have held:
//! [`Stats::fitting`] and [`Stats::smallest_class`], the sizing advice.

use core::mem::size_of;

use crate::space::FallbackReason;

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
pub(crate) const BUCKETS: usize = SIZE_CLASSES.len() + 1;

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
/// # #[cfg(feature = "alloc")] {
/// drop(slot.as_mut().or_box().emplace(async { 1u8 }));
/// let bytes = [0u8; 100];
/// drop(slot.as_mut().or_box().emplace(async move { bytes.len() }));
///
/// let stats = slot.stats();
/// assert_eq!((stats.hits(), stats.fallbacks()), (1, 1));
/// assert_eq!(stats.size_fallbacks(), 1);
/// assert!(stats.largest_future() >= 100);
/// # }
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

    /// Counters made from their values: the size histogram (by bucket, see
    /// [`bucket`]), the fallbacks by reason (no-space fallbacks counted as
    /// size fallbacks), and the largest future.
    #[cfg(feature = "profile")]
    pub(crate) const fn from_parts(
        by_class: [u64; BUCKETS],
        size_fallbacks: u64,
        alignment_fallbacks: u64,
        largest: usize,
    ) -> Self {
        Stats {
            by_class,
            size_fallbacks,
            alignment_fallbacks,
            largest,
        }
    }

    /// Counts one emplacement of a future of `size` bytes whose size bucket
    /// is `bucket`; `fallback` is `None` for a hit.
    #[inline(always)]
    fn record(&mut self, size: usize, bucket: usize, fallback: Option<FallbackReason>) {
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

    /// Counts one emplacement of a `F`; `fallback` is `None` for a hit.
    #[inline(always)]
    pub(crate) fn record_for<F>(&mut self, fallback: Option<FallbackReason>) {
        self.record(size_of::<F>(), const { bucket(size_of::<F>()) }, fallback);
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

    /// How many of the futures offered to the slot, placed or not, were at
    /// most `capacity` bytes: how many hits a slot of that capacity would
    /// have had, counting by size only.
    ///
    /// Exact when `capacity` is one of the [`SIZE_CLASSES`] or at least
    /// the largest future seen; for other capacities the futures are known
    /// only by size class, so this counts those of the classes up to
    /// `capacity` (a lower bound). Alignment is not counted: a future more
    /// aligned than the slot falls back whatever its size (see
    /// [`alignment_fallbacks`](Stats::alignment_fallbacks)).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// # #[cfg(feature = "alloc")] {
    /// drop(slot.as_mut().or_box().emplace(async { 1u8 }));
    /// let bytes = [0u8; 100];
    /// drop(slot.as_mut().or_box().emplace(async move { bytes.len() }));
    ///
    /// let stats = slot.stats();
    /// assert_eq!(stats.fitting(64), 1); // what this slot held
    /// assert_eq!(stats.fitting(128), 2); // a `Slot<128>` would have held both
    /// # }
    /// ```
    pub fn fitting(&self, capacity: usize) -> u64 {
        if capacity >= self.largest {
            return self.emplacements();
        }
        SIZE_CLASSES
            .iter()
            .zip(&self.by_class)
            .take_while(|(class, _)| **class <= capacity)
            .map(|(_, count)| count)
            .sum()
    }

    /// Sizing advice: the smallest of the [`SIZE_CLASSES`] whose slot would
    /// have held at least `min_hit_percent` percent of the futures offered
    /// to this slot (counting by size, as [`fitting`](Stats::fitting) does).
    ///
    /// Returns `None` when there is no advice to give: when nothing was
    /// counted yet, or when even a 4 KiB slot would have held less than
    /// that share. Then [`largest_future`](Stats::largest_future) tells
    /// what the largest future needs: a `Slot<N>` of that many bytes, or
    /// keeping those calls on the heap.
    ///
    /// Instrument a call site by lending it a generous slot (the largest
    /// class, say) for a representative run, then ask: the histogram
    /// records every future offered, whatever the slot's own size.
    ///
    /// # Panics
    ///
    /// When `min_hit_percent` is not within `0.0..=100.0`.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<4096>::new());
    /// # #[cfg(feature = "alloc")] {
    /// for i in 0..100u32 {
    ///     if i % 10 == 0 {
    ///         let state = [0u8; 200]; // one call in ten has a 201-byte future
    ///         drop(slot.as_mut().or_box().emplace(async move { state.len() }));
    ///     } else {
    ///         drop(slot.as_mut().or_box().emplace(async { 8usize }));
    ///     }
    /// }
    ///
    /// let stats = slot.stats();
    /// assert_eq!(stats.smallest_class(90.0), Some(64));
    /// assert_eq!(stats.smallest_class(99.0), Some(256));
    ///
    /// let huge = [0u8; 5000];
    /// drop(slot.as_mut().or_box().emplace(async move { huge.len() }));
    /// assert_eq!(slot.stats().smallest_class(100.0), None); // no class holds 5001 bytes
    /// # }
    /// ```
    pub fn smallest_class(&self, min_hit_percent: f64) -> Option<usize> {
        assert!(
            (0.0..=100.0).contains(&min_hit_percent),
            "stackslot: a hit percentage is within 0..=100, not {min_hit_percent}"
        );
        let total = self.emplacements();
        if total == 0 {
            return None;
        }
        let needed = min_hit_percent * total as f64;
        let mut fitting = 0;
        for (&class, &count) in SIZE_CLASSES.iter().zip(&self.by_class) {
            fitting += count;
            if 100.0 * fitting as f64 >= needed {
                return Some(class);
            }
        }
        None
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
    /// # #[cfg(feature = "alloc")] {
    /// drop(slot.as_mut().or_box().emplace(big));
    /// assert_eq!(slot.stats().largest_future(), size);
    /// # }
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

    /// Counts `n` futures of `size` bytes, all hits.
    fn offer(stats: &mut Stats, size: usize, n: u64) {
        for _ in 0..n {
            stats.record(size, bucket(size), None);
        }
    }

    #[test]
    fn fitting_counts_by_class() {
        let mut stats = Stats::new();
        offer(&mut stats, 10, 5);
        offer(&mut stats, 100, 3);
        offer(&mut stats, 5000, 2);
        assert_eq!(stats.fitting(0), 0);
        assert_eq!(stats.fitting(63), 0); // a lower bound: below the first class
        assert_eq!(stats.fitting(64), 5);
        assert_eq!(stats.fitting(100), 5); // a lower bound between classes
        assert_eq!(stats.fitting(128), 8);
        assert_eq!(stats.fitting(4096), 8);
        assert_eq!(stats.fitting(4999), 8);
        assert_eq!(stats.fitting(5000), 10); // at least the largest: exact
        assert_eq!(Stats::new().fitting(0), 0);
    }

    #[test]
    fn smallest_class_meets_the_share() {
        let mut stats = Stats::new();
        offer(&mut stats, 48, 90);
        offer(&mut stats, 400, 9);
        offer(&mut stats, 3000, 1);
        assert_eq!(stats.smallest_class(0.0), Some(64));
        assert_eq!(stats.smallest_class(90.0), Some(64));
        assert_eq!(stats.smallest_class(90.5), Some(512));
        assert_eq!(stats.smallest_class(99.0), Some(512));
        assert_eq!(stats.smallest_class(99.5), Some(4096));
        assert_eq!(stats.smallest_class(100.0), Some(4096));
    }

    #[test]
    fn no_advice_without_data_or_class() {
        assert_eq!(Stats::new().smallest_class(50.0), None);
        let mut stats = Stats::new();
        offer(&mut stats, 10, 1);
        offer(&mut stats, 4097, 1);
        assert_eq!(stats.smallest_class(50.0), Some(64));
        assert_eq!(stats.smallest_class(50.1), None);
        assert_eq!(stats.largest_future(), 4097);
    }

    #[test]
    fn fallbacks_count_in_the_histogram() {
        let mut stats = Stats::new();
        stats.record(300, bucket(300), Some(FallbackReason::Size));
        assert_eq!(stats.smallest_class(100.0), Some(512));
    }

    #[test]
    #[should_panic(expected = "within 0..=100")]
    fn share_above_100_panics() {
        let _ = Stats::new().smallest_class(100.5);
    }

    #[test]
    #[should_panic(expected = "within 0..=100")]
    fn nan_share_panics() {
        let _ = Stats::new().smallest_class(f64::NAN);
    }
}
