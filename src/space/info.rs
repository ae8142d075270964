//! The second word of a [`Scratch`](crate::Scratch): the capacity and alignment
//! of the caller's space and what the callee may do when a future does not
//! fit, packed into one `usize` so that the scratch stays two words.
//!
//! Layout of the word, from the least significant bit:
//!
//! | bits | content |
//! | --- | --- |
//! | 0..3 | [`Fallback`] (7 of its 8 values are used) |
//! | 3 | eager: the space is lent by `Slot::call`, whose poll context the header's link holds while the callee runs |
//! | 4..9 | alignment code: `log2(alignment) + 1`, 0 when there is no space |
//! | 9 | no stats, in a [`Link`](crate::space::Link)'s word only (see below); 0 otherwise |
//! | 10..top | room: capacity + 1, 0 when there is no space |
//! | top | no stats: the space's header is a bare [`Header`](crate::space::Header), not a [`CountedHeader`](crate::space::CountedHeader) |
//!
//! The no-stats bit is the top one so that the usual space, which counts,
//! keeps its one-comparison fit check, now signed: a word with the top bit
//! set is negative and fails it, and only then is the room compared again,
//! without that bit, for a space without counters
//! ([`SpaceInfo::fits_counted`]).
//!
//! Every space is aligned to at least [`MIN_SPACE_ALIGN`], so for the usual
//! future (aligned to 16 or less) the whole fit check is one comparison of
//! the word with a constant: `size < room`.
//!
//! A [`Link`](crate::space::Link) keeps a word of one bit less (the top one
//! is the occupancy record's vacant tag): [`SpaceInfo::to_word`] moves the
//! no-stats bit to bit 3, unused by the fallback tags.

use core::mem::{align_of, size_of};

use crate::space::{FallbackReason, misfit};

/// What the callee may do with a future that does not fit the space. The
/// variants that need more than this tag find it in the space header's
/// [`Link`](crate::space::Link).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// Move the future to the global heap.
    #[cfg(feature = "alloc")]
    Box = 0,
    /// Never allocate: `emplace` panics, `try_emplace` gives the future back.
    StackOnly = 1,
    /// Grow the space (a [`HeapSlot`](crate::HeapSlot)); the link points to
    /// its owner.
    #[cfg(feature = "alloc")]
    Grow = 2,
    /// Offer the future to the next space; the link holds that space's
    /// scratch.
    Next = 3,
    /// Place the future in an [`Arena`](crate::Arena); the link points to it.
    #[cfg(feature = "bumpalo")]
    Arena = 4,
    /// Push the future on a [`SideStack`](crate::SideStack), to which the
    /// scratch's space pointer points; panic when it does not fit.
    #[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
    SideStack = 5,
    /// As `SideStack`, but box the future when it does not fit.
    #[cfg(all(
        feature = "alloc",
        any(target_has_atomic = "8", feature = "portable-atomic")
    ))]
    SideStackOrBox = 6,
}

const FALLBACK_BITS: u32 = 3;
/// The eager bit: set only by `Slot::call` (see [`SpaceInfo::eager`]).
const EAGER: usize = 1 << FALLBACK_BITS;
const ALIGN_SHIFT: u32 = FALLBACK_BITS + 1;
const ALIGN_BITS: u32 = 5;
const NO_STATS_BIT: usize = 1 << (usize::BITS - 1);
/// Where a link's word keeps the no-stats bit (a link's word has its top
/// bit clear): a bit of its own, below the room, since a link may hold an
/// eager scratch's word.
const LINK_NO_STATS_BIT: usize = 1 << (ALIGN_SHIFT + ALIGN_BITS);
const ROOM_SHIFT: u32 = ALIGN_SHIFT + ALIGN_BITS + 1;

/// The largest capacity a space can describe: `(usize::MAX >> 11) - 1`
/// (room + 1 from bit 10, below the no-stats bit).
pub(crate) const MAX_CAPACITY: usize = (usize::MAX >> (ROOM_SHIFT + 1)) - 1;

// Every link word fits a `Link`: the largest room, with every bit below it
// set.
const _: () = assert!(
    ((MAX_CAPACITY + 1) << ROOM_SHIFT) + ((1 << ROOM_SHIFT) - 1)
        <= crate::block::Occupancy::MAX_WORD
);

/// Every space is aligned to at least this many bytes.
pub(crate) const MIN_SPACE_ALIGN: usize = 16;

/// Capacity, alignment and fallback of a caller's space, in one word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpaceInfo(usize);

impl SpaceInfo {
    /// A space of `capacity` bytes aligned to `align` (a power of two, at
    /// least [`MIN_SPACE_ALIGN`]), headed by a
    /// [`CountedHeader`](crate::space::CountedHeader) (see
    /// [`SpaceInfo::counting`]).
    pub(crate) const fn new(capacity: usize, align: usize, fallback: Fallback) -> Self {
        assert!(
            capacity <= MAX_CAPACITY,
            "stackslot: slot capacity too large"
        );
        assert!(
            align.is_power_of_two() && align >= MIN_SPACE_ALIGN,
            "stackslot: a space is aligned to a power of two of at least 16"
        );
        let align_code = align.trailing_zeros() as usize + 1;
        SpaceInfo((capacity + 1) << ROOM_SHIFT | align_code << ALIGN_SHIFT | fallback as usize)
    }

    /// The same space, headed by a [`CountedHeader`](crate::space::CountedHeader)
    /// (as [`SpaceInfo::new`] makes it) when `counts`, else by a bare
    /// [`Header`](crate::space::Header): its emplacements are not counted.
    pub(crate) const fn counting(self, counts: bool) -> Self {
        if counts {
            SpaceInfo(self.0 & !NO_STATS_BIT)
        } else {
            SpaceInfo(self.0 | NO_STATS_BIT)
        }
    }

    /// Whether the space's header is a
    /// [`CountedHeader`](crate::space::CountedHeader), which counts.
    #[inline(always)]
    pub(crate) const fn counts(self) -> bool {
        self.0 & NO_STATS_BIT == 0
    }

    /// The same space, lent by `Slot::call`: while the callee runs, the
    /// header's link holds the caller's poll context (or null once it was
    /// used or the call returned), and a future placed in the space is
    /// polled at once (docs/ARCHITECTURE.md, "The eager path").
    pub(crate) const fn eager(self) -> Self {
        SpaceInfo(self.0 | EAGER)
    }

    /// Whether the space was lent by `Slot::call` (see [`SpaceInfo::eager`]).
    #[inline(always)]
    pub(crate) const fn is_eager(self) -> bool {
        self.0 & EAGER != 0
    }

    /// No space at all: nothing fits, not even a zero-sized future.
    // `Scratch::boxed` and the side stack use it.
    #[cfg(any(
        feature = "alloc",
        target_has_atomic = "8",
        feature = "portable-atomic"
    ))]
    pub(crate) const fn none(fallback: Fallback) -> Self {
        SpaceInfo(fallback as usize)
    }

    /// Capacity + 1, or 0 when there is no space.
    #[inline(always)]
    const fn room(self) -> usize {
        (self.0 << 1) >> (ROOM_SHIFT + 1)
    }

    /// The capacity in bytes (0 when there is no space).
    #[inline(always)]
    pub(crate) const fn capacity(self) -> usize {
        self.room().saturating_sub(1)
    }

    /// The alignment of the space in bytes, 0 when there is no space.
    #[inline(always)]
    pub(crate) const fn align(self) -> usize {
        let code = (self.0 >> ALIGN_SHIFT) & ((1 << ALIGN_BITS) - 1);
        (1 << code) >> 1
    }

    /// Whether there is a space at all (false for [`SpaceInfo::none`]).
    #[inline(always)]
    pub(crate) const fn has_space(self) -> bool {
        // The alignment code is 0 only without a space: one test of the
        // word, not a decoded alignment.
        self.0 & (((1 << ALIGN_BITS) - 1) << ALIGN_SHIFT) != 0
    }

    /// What happens to a future that does not fit.
    #[inline(always)]
    pub(crate) fn fallback(self) -> Fallback {
        match self.0 & ((1 << FALLBACK_BITS) - 1) {
            #[cfg(feature = "alloc")]
            0 => Fallback::Box,
            #[cfg(feature = "alloc")]
            2 => Fallback::Grow,
            3 => Fallback::Next,
            #[cfg(feature = "bumpalo")]
            4 => Fallback::Arena,
            #[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
            5 => Fallback::SideStack,
            #[cfg(all(
                feature = "alloc",
                any(target_has_atomic = "8", feature = "portable-atomic")
            ))]
            6 => Fallback::SideStackOrBox,
            // Only `StackOnly` is left; no constructor makes another tag.
            _ => Fallback::StackOnly,
        }
    }

    /// The packed word, to store in a [`Link`](crate::space::Link): the
    /// no-stats bit moves to bit 3, so the top bit is clear.
    #[inline(always)]
    pub(crate) const fn to_word(self) -> usize {
        if self.counts() {
            self.0
        } else {
            self.0 & !NO_STATS_BIT | LINK_NO_STATS_BIT
        }
    }

    /// Unpacks a word made by [`SpaceInfo::to_word`].
    #[inline(always)]
    pub(crate) const fn from_word(word: usize) -> Self {
        if word & LINK_NO_STATS_BIT == 0 {
            SpaceInfo(word)
        } else {
            SpaceInfo(word & !LINK_NO_STATS_BIT | NO_STATS_BIT)
        }
    }

    /// Whether a `F` fits: its size is at most the capacity and its
    /// alignment at most the space's.
    #[inline(always)]
    pub(crate) fn fits<F>(self) -> bool {
        size_of::<F>() < self.room() && self.align_fits::<F>()
    }

    /// Whether a `F` fits a space that counts: false for every space
    /// without counters, else [`SpaceInfo::fits`].
    ///
    /// One signed comparison for the usual future: the word, read as an
    /// `isize`, is negative without counters, and otherwise its room is
    /// compared as by `fits`.
    #[inline(always)]
    pub(crate) fn fits_counted<F>(self) -> bool {
        // `size_of` is at most `isize::MAX`.
        (size_of::<F>() as isize) < (self.0 as isize) >> ROOM_SHIFT && self.align_fits::<F>()
    }

    /// [`SpaceInfo::fits`] for a space that failed
    /// [`SpaceInfo::fits_counted`]: the room compared with the no-stats bit
    /// shifted out.
    #[inline(always)]
    pub(crate) fn fits_uncounted<F>(self) -> bool {
        // `size_of` is at most `isize::MAX`, so the shift keeps every bit.
        (size_of::<F>() + 1) << (ROOM_SHIFT + 1) <= self.0 << 1 && self.align_fits::<F>()
    }

    /// Whether `F`'s alignment is at most the space's.
    #[inline(always)]
    fn align_fits<F>(self) -> bool {
        align_of::<F>() <= MIN_SPACE_ALIGN || align_of::<F>() <= self.align()
    }

    /// Why a `F` does not fit (`None` when it fits).
    pub(crate) fn misfit<F>(self) -> Option<FallbackReason> {
        if !self.has_space() {
            Some(FallbackReason::NoSpace)
        } else {
            // A space is aligned to at least `MIN_SPACE_ALIGN`: saying so
            // lets the alignment check of the usual future (aligned to 16
            // or less) fold away, as it does in `fits`.
            misfit(
                size_of::<F>(),
                align_of::<F>(),
                self.capacity(),
                self.align().max(MIN_SPACE_ALIGN),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        for &(capacity, align) in &[(0, 16), (1, 16), (64, 32), (4096, 4096), (MAX_CAPACITY, 16)] {
            for counts in [false, true] {
                let info = SpaceInfo::new(capacity, align, Fallback::StackOnly).counting(counts);
                assert_eq!(info.capacity(), capacity);
                assert_eq!(info.align(), align);
                assert_eq!(info.fallback(), Fallback::StackOnly);
                assert_eq!(info.counts(), counts);
                assert!(info.has_space());
                assert!(info.to_word() <= crate::block::Occupancy::MAX_WORD);
                assert!(SpaceInfo::from_word(info.to_word()) == info);
            }
        }
        #[cfg(feature = "alloc")]
        assert_eq!(
            SpaceInfo::new(64, 16, Fallback::Box).fallback(),
            Fallback::Box
        );
    }

    #[test]
    fn the_word_is_laid_out_as_documented() {
        // room 65 from bit 10, align code log2(16) + 1 = 5 from bit 4, tag 1.
        let info = SpaceInfo::new(64, 16, Fallback::StackOnly);
        let word = info.to_word();
        assert_eq!(word, (65 << 10) | (5 << 4) | 1);
        // Without counters: the top bit; in a link's word, bit 9.
        let bare = SpaceInfo::new(64, 16, Fallback::StackOnly).counting(false);
        assert_eq!(bare.0, 1 << (usize::BITS - 1) | word);
        assert_eq!(bare.to_word(), word | 1 << 9);
        let bare_eager = bare.eager();
        assert!(SpaceInfo::from_word(bare_eager.to_word()) == bare_eager);
        assert!(!bare_eager.counts() && bare_eager.is_eager());
        assert!(!info.is_eager());
        assert_eq!(info.eager().to_word(), word | 1 << 3);
        assert!(info.eager().is_eager());
        assert_eq!(info.eager().fallback(), Fallback::StackOnly);
        assert_eq!(info.eager().capacity(), 64);
        assert_eq!(SpaceInfo::from_word(word).capacity(), 64);
        assert_eq!(MAX_CAPACITY, (usize::MAX >> 11) - 1);
        assert_eq!(SpaceInfo::none(Fallback::Next).to_word(), 3);
    }

    #[test]
    fn fit_is_exact() {
        let info = SpaceInfo::new(16, 16, Fallback::StackOnly);
        assert!(info.fits::<[u8; 16]>());
        assert!(!info.fits::<[u8; 17]>());
        assert!(info.fits::<u128>());
        assert_eq!(info.misfit::<u128>(), None, "as aligned as the space: fits");
        assert_eq!(info.misfit::<[u8; 16]>(), None);
        assert_eq!(info.misfit::<[u8; 17]>(), Some(FallbackReason::Size));
        #[repr(align(32))]
        struct Align32;
        assert!(!info.fits::<Align32>());
        assert_eq!(info.misfit::<Align32>(), Some(FallbackReason::Alignment));
        let aligned = SpaceInfo::new(32, 32, Fallback::StackOnly);
        assert!(aligned.fits::<Align32>());
        assert_eq!(aligned.misfit::<Align32>(), None);
        #[repr(align(64))]
        struct Align64<T>(T);
        assert_eq!(
            aligned.misfit::<Align64<()>>(),
            Some(FallbackReason::Alignment)
        );
        assert_eq!(
            aligned.misfit::<Align64<u8>>(),
            Some(FallbackReason::Size),
            "too large and too aligned: the size first"
        );
    }

    #[test]
    fn fits_counted_is_fits_for_a_counting_space_only() {
        for counts in [false, true] {
            let info = SpaceInfo::new(16, 16, Fallback::StackOnly).counting(counts);
            assert!(info.fits::<[u8; 16]>());
            assert_eq!(info.fits_counted::<[u8; 16]>(), counts);
            assert!(!info.fits::<[u8; 17]>());
            assert!(!info.fits_counted::<[u8; 17]>());
            assert!(!info.fits_counted::<[u8; 0x2000]>());
        }
        let max = SpaceInfo::new(MAX_CAPACITY, 16, Fallback::StackOnly);
        assert!(max.fits_counted::<[u8; 1 << 20]>());
        assert!(!max.counting(false).fits_counted::<[u8; 1 << 20]>());
        assert!(max.counting(false).fits::<[u8; 1 << 20]>());
        assert!(max.counting(false).fits_uncounted::<[u8; 1 << 20]>());
        for counts in [false, true] {
            let info = SpaceInfo::new(16, 16, Fallback::StackOnly).counting(counts);
            assert!(info.fits_uncounted::<[u8; 16]>());
            assert!(!info.fits_uncounted::<[u8; 17]>());
        }
    }

    #[test]
    fn no_space_fits_nothing() {
        let info = SpaceInfo::none(Fallback::StackOnly);
        assert_eq!((info.capacity(), info.align()), (0, 0));
        assert!(!info.fits::<()>());
        assert_eq!(info.misfit::<()>(), Some(FallbackReason::NoSpace));
    }

    #[test]
    #[should_panic(expected = "capacity too large")]
    fn capacity_is_bounded() {
        let _ = SpaceInfo::new(MAX_CAPACITY + 1, 16, Fallback::StackOnly);
    }

    #[test]
    #[should_panic(expected = "at least 16")]
    fn alignment_is_at_least_16() {
        let _ = SpaceInfo::new(64, 8, Fallback::StackOnly);
    }
}
