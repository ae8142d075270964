//! Counting markers: the third, defaulted type parameter of
//! [`Slot`](crate::Slot), which says whether the slot keeps [`Stats`].
//!
//! A slot's header is two words (who occupies it, what its fallback needs);
//! [`WithStats`], the default, adds the counters, which
//! [`Slot::stats`](crate::Slot::stats) reads. [`NoStats`] leaves them out,
//! for targets where every byte of a frame counts: no `stats()`, and a
//! header of 16 bytes on 64-bit targets (8 on 32-bit).

use crate::space::Stats;
use crate::space::header::{CountedHeader, Header};

pub(crate) mod sealed {
    /// What a counting marker decides: the slot's header type, and how a
    /// scratch over it says whether it counts.
    pub trait Sealed {
        /// The header at the start of the slot: `repr(C)` and starting with
        /// a [`Header`](super::Header), which a scratch points to.
        type Header: Send + Sync + core::fmt::Debug;

        /// An empty header.
        const NEW: Self::Header;

        /// The header a scratch over the slot points to.
        fn header(header: &Self::Header) -> &super::Header;

        /// The counters, when the slot keeps them.
        fn stats(header: &Self::Header) -> Option<super::Stats>;
    }
}

/// Whether a [`Slot`](crate::Slot) keeps [`Stats`]: [`WithStats`] (the
/// default) or [`NoStats`].
///
/// Sealed: a scratch is type-erased, and the emplacing code knows these two
/// header layouts only (a bit of the scratch's packed word says which, so
/// `Scratch` stays one type and two words).
///
/// # Example
///
/// ```
/// use stackslot::{Align16, NoStats, Slot, WithStats};
///
/// // The same slot: `WithStats` is the default.
/// let counted: Slot<64, Align16, WithStats> = Slot::<64>::new();
/// let lean = Slot::<64, Align16, NoStats>::new();
/// assert!(core::mem::size_of_val(&lean) < core::mem::size_of_val(&counted));
/// ```
pub trait Counting:
    sealed::Sealed + Copy + Default + Send + Sync + Unpin + core::fmt::Debug + 'static
{
    /// Whether the slot keeps [`Stats`].
    const COUNTS: bool;
}

/// A [`Slot`](crate::Slot) that counts its emplacements in [`Stats`]
/// ([`Slot::stats`](crate::Slot::stats)), the default. Its header is 112
/// bytes on 64-bit targets.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{Align16, Slot, WithStats};
///
/// let mut slot = pin!(Slot::<64, Align16, WithStats>::new());
/// drop(slot.as_mut().stack_only().emplace(async {}));
/// assert_eq!(slot.stats().hits(), 1);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WithStats;

/// A [`Slot`](crate::Slot) without counters: no
/// [`Slot::stats`](crate::Slot::stats), and a header of two words (16
/// bytes on 64-bit targets, 8 on 32-bit; with the feature `profile`, 32 and
/// 16). For microcontrollers and deep call chains, once the slot's size is
/// settled (the counters are what tells which size to pick; see
/// [`guide`](crate::guide)).
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{Align16, NoStats, Slot};
///
/// let mut slot = pin!(Slot::<64, Align16, NoStats>::new());
/// let fut = slot.as_mut().stack_only().emplace(async { 1 });
/// assert!(fut.is_inline());
/// # drop(fut);
/// ```
///
/// It has no counters to read:
///
/// ```compile_fail
/// use stackslot::{Align16, NoStats, Slot};
///
/// let slot = Slot::<64, Align16, NoStats>::new();
/// let _ = slot.stats();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoStats;

impl sealed::Sealed for WithStats {
    type Header = CountedHeader;
    const NEW: CountedHeader = CountedHeader::new();

    #[inline(always)]
    fn header(header: &CountedHeader) -> &Header {
        header.header()
    }

    fn stats(header: &CountedHeader) -> Option<Stats> {
        Some(header.stats())
    }
}

impl Counting for WithStats {
    const COUNTS: bool = true;
}

impl sealed::Sealed for NoStats {
    type Header = Header;
    const NEW: Header = Header::new();

    #[inline(always)]
    fn header(header: &Header) -> &Header {
        header
    }

    fn stats(_: &Header) -> Option<Stats> {
        None
    }
}

impl Counting for NoStats {
    const COUNTS: bool = false;
}
