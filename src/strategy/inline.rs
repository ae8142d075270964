//! [`Inline`]: the adapter owns a slot for the futures of `&mut self`
//! methods.

use core::future::Future;
use core::pin::Pin;

use crate::future::RawFuture;
use crate::future::{LocalSlotFuture, SlotFuture};
use crate::space::Scratch;
use crate::space::Stats;
use crate::space::{Align16, Alignment};
use crate::storage::Slot;
use crate::strategy::Strategy;

/// For `&mut self` methods, the future goes into an `N`-byte slot inside the
/// adapter; one that does not fit falls back to the caller's scratch.
///
/// The proposal's "inline it into the iterator", and what `Stream::poll_next`
/// does by hand: no allocation and no caller space for the common future,
/// at the cost of `N` bytes (plus the slot's header) in the object. Only one
/// `&mut self` future can be alive at a time, which the borrow of the
/// adapter guarantees; `&self` methods use the caller's scratch. The
/// adapter holds a pinned slot, so it is used pinned:
/// `Pin<&mut InlineAdapter<T, N>>` is what coerces to the dyn trait (e.g. make it
/// with [`core::pin::pin!`]).
///
/// A handle leaked from the inline slot makes the adapter's next `&mut self`
/// call, or dropping it, abort, as for any [`Slot`].
///
/// # Example
///
/// ```
/// use core::pin::{pin, Pin};
/// use stackslot::{Slot, Strategy, strategy::Inline};
///
/// let mut strategy = pin!(Inline::<128>::default());
/// let mut caller = pin!(Slot::<16>::new());
/// let bytes = [0u8; 100];
/// # #[cfg(feature = "alloc")] {
/// let fut = strategy.as_mut().emplace_exclusive(caller.as_mut().or_box(), async move { bytes.len() });
/// assert!(fut.is_inline());
/// drop(fut);
/// assert_eq!(strategy.stats().hits(), 1);
/// assert_eq!(caller.stats().emplacements(), 0); // the caller's slot was not needed
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Inline<const N: usize, A: Alignment = Align16> {
    slot: Slot<N, A>,
}

impl<const N: usize, A: Alignment> Inline<N, A> {
    /// A strategy with an empty slot.
    ///
    /// # Example
    ///
    /// ```
    /// static STRATEGY: stackslot::strategy::Inline<64> = stackslot::strategy::Inline::new();
    /// assert_eq!(STRATEGY.stats().emplacements(), 0);
    /// ```
    pub const fn new() -> Self {
        Inline { slot: Slot::new() }
    }

    /// The inline slot's counters.
    ///
    /// # Example
    ///
    /// ```
    /// let strategy = stackslot::strategy::Inline::<64>::default();
    /// assert_eq!(strategy.stats().emplacements(), 0);
    /// ```
    pub fn stats(&self) -> Stats {
        self.slot.stats()
    }

    fn slot(self: Pin<&mut Self>) -> Pin<&mut Slot<N, A>> {
        // SAFETY: pin projection to the only field, which is structurally
        // pinned; `Inline` has no `Drop` impl and is not `repr(packed)`.
        unsafe { self.map_unchecked_mut(|this| &mut this.slot) }
    }

    /// The inline slot if `f` fits it, the caller's scratch otherwise.
    #[inline(always)]
    #[track_caller]
    fn emplace_raw<'s, F: Future + 's>(
        self: Pin<&'s mut Self>,
        scratch: Scratch<'s>,
        f: F,
    ) -> RawFuture<'s, F::Output> {
        // Known at compile time: the whole choice folds away.
        if Slot::<N, A>::fits::<F>() {
            self.slot().stack_only().emplace_raw(f)
        } else {
            scratch.emplace_raw(f)
        }
    }
}

impl<const N: usize, A: Alignment> Strategy for Inline<N, A> {
    #[inline]
    #[track_caller]
    fn emplace_exclusive<'s, F>(
        self: Pin<&'s mut Self>,
        scratch: Scratch<'s>,
        f: F,
    ) -> SlotFuture<'s, F::Output>
    where
        F: Future + Send + 's,
    {
        SlotFuture::from_raw(self.emplace_raw(scratch, f))
    }

    #[inline]
    #[track_caller]
    fn emplace_exclusive_local<'s, F>(
        self: Pin<&'s mut Self>,
        scratch: Scratch<'s>,
        f: F,
    ) -> LocalSlotFuture<'s, F::Output>
    where
        F: Future + 's,
    {
        LocalSlotFuture::from_raw(self.emplace_raw(scratch, f))
    }
}
