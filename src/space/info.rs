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
//! | 9.. | room: capacity + 1, 0 when there is no space |
//!
//! Every space is aligned to at least [`MIN_SPACE_ALIGN`], so for the usual
//! future (aligned to 16 or less) the whole fit check is one comparison of
//! the word with a constant: `size < room`.

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
const ROOM_SHIFT: u32 = ALIGN_SHIFT + ALIGN_BITS;

/// The largest capacity a space can describe: `(usize::MAX >> 9) - 1`.
pub(crate) const MAX_CAPACITY: usize = (usize::MAX >> ROOM_SHIFT) - 1;

/// Every space is aligned to at least this many bytes.
pub(crate) const MIN_SPACE_ALIGN: usize = 16;

/// Capacity, alignment and fallback of a caller's space, in one word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpaceInfo(usize);

impl SpaceInfo {
    /// A space of `capacity` bytes aligned to `align` (a power of two, at
    /// least [`MIN_SPACE_ALIGN`]).
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
        self.0 >> ROOM_SHIFT
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
        self.align() != 0
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

    /// The packed word, to store in a [`Link`](crate::space::Link).
    #[inline(always)]
    pub(crate) const fn to_word(self) -> usize {
        self.0
    }

    /// Unpacks a word made by [`SpaceInfo::to_word`].
    #[inline(always)]
    pub(crate) const fn from_word(word: usize) -> Self {
        SpaceInfo(word)
    }

    /// Whether a `F` fits: its size is at most the capacity and its
    /// alignment at most the space's.
    #[inline(always)]
    pub(crate) fn fits<F>(self) -> bool {
        size_of::<F>() < self.room()
            && (align_of::<F>() <= MIN_SPACE_ALIGN || align_of::<F>() <= self.align())
    }

    /// Why a `F` does not fit (`None` when it fits).
    pub(crate) fn misfit<F>(self) -> Option<FallbackReason> {
        if !self.has_space() {
            Some(FallbackReason::NoSpace)
        } else {
            misfit(
                size_of::<F>(),
                align_of::<F>(),
                self.capacity(),
                self.align(),
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
            let info = SpaceInfo::new(capacity, align, Fallback::StackOnly);
            assert_eq!(info.capacity(), capacity);
            assert_eq!(info.align(), align);
            assert_eq!(info.fallback(), Fallback::StackOnly);
        }
        #[cfg(feature = "alloc")]
        assert_eq!(
            SpaceInfo::new(64, 16, Fallback::Box).fallback(),
            Fallback::Box
        );
    }

    #[test]
    fn the_word_is_laid_out_as_documented() {
        // room 65 from bit 9, align code log2(16) + 1 = 5 from bit 4, tag 1.
        let info = SpaceInfo::new(64, 16, Fallback::StackOnly);
        let word = info.to_word();
        assert_eq!(word, (65 << 9) | (5 << 4) | 1);
        assert!(!info.is_eager());
        assert_eq!(info.eager().to_word(), word | 1 << 3);
        assert!(info.eager().is_eager());
        assert_eq!(info.eager().fallback(), Fallback::StackOnly);
        assert_eq!(info.eager().capacity(), 64);
        assert_eq!(SpaceInfo::from_word(word).capacity(), 64);
        assert_eq!(MAX_CAPACITY, (usize::MAX >> 9) - 1);
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
        assert!(SpaceInfo::new(32, 32, Fallback::StackOnly).fits::<Align32>());
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
