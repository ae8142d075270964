//! [`StackOnly`]: never allocates, whatever the caller allows.

use core::future::Future;
use core::pin::Pin;

use crate::future::RawFuture;
use crate::future::{LocalSlotFuture, SlotFuture};
use crate::space::Scratch;
use crate::space::Stats;
use crate::space::stack_only_overflow;
use crate::space::{Align16, Alignment};
use crate::storage::Slot;
use crate::strategy::Strategy;

/// Never allocates. The futures of `&mut self` methods go into an `N`-byte
/// slot inside the adapter, and a future that can never fit it is a build
/// error; the futures of `&self` methods go into the caller's space, and one
/// that does not fit panics with both sizes and alignments (the caller's
/// size is only known at run time).
///
/// The guarantee embedded users need: whatever scratch a caller passes, a
/// dyn object built with this adapter does not touch the heap. It costs `N`
/// bytes (plus a slot header) in the object and, like [`Inline`](super::Inline),
/// is used pinned.
///
/// ```compile_fail
/// use core::pin::{pin, Pin};
/// use stackslot::{Slot, Strategy, strategy::StackOnly};
///
/// let mut strategy = pin!(StackOnly::<64>::default());
/// let mut caller = pin!(Slot::<4096>::new());
/// let bytes = [0u8; 64]; // a 65-byte future: never fits 64 bytes
/// let fut = strategy.as_mut().emplace_exclusive(caller.as_mut().or_box(), async move { bytes.len() });
/// ```
///
/// # Example
///
/// ```
/// use core::pin::{pin, Pin};
/// use stackslot::{Slot, Strategy, strategy::StackOnly};
///
/// let mut strategy = pin!(StackOnly::<64>::default());
/// let mut caller = pin!(Slot::<16>::new());
/// let bytes = [0u8; 63]; // a 64-byte future
/// # #[cfg(feature = "alloc")] {
/// let fut = strategy.as_mut().emplace_exclusive(caller.as_mut().or_box(), async move { bytes.len() });
/// assert!(fut.is_inline());
/// # drop(fut);
/// # }
/// ```
#[derive(Debug, Default)]
pub struct StackOnly<const N: usize, A: Alignment = Align16> {
    slot: Slot<N, A>,
}

impl<const N: usize, A: Alignment> StackOnly<N, A> {
    /// A strategy with an empty slot.
    ///
    /// # Example
    ///
    /// ```
    /// static STRATEGY: stackslot::strategy::StackOnly<64> = stackslot::strategy::StackOnly::new();
    /// assert_eq!(STRATEGY.stats().emplacements(), 0);
    /// ```
    pub const fn new() -> Self {
        StackOnly { slot: Slot::new() }
    }

    /// The inline slot's counters.
    ///
    /// # Example
    ///
    /// ```
    /// let strategy = stackslot::strategy::StackOnly::<64>::default();
    /// assert_eq!(strategy.stats().emplacements(), 0);
    /// ```
    pub fn stats(&self) -> Stats {
        self.slot.stats()
    }

    fn slot(self: Pin<&mut Self>) -> Pin<&mut Slot<N, A>> {
        // SAFETY: pin projection to the only field, which is structurally
        // pinned; `StackOnly` has no `Drop` impl and is not `repr(packed)`.
        unsafe { self.map_unchecked_mut(|this| &mut this.slot) }
    }

    /// Places `f` in the caller's spaces without allocating, or panics.
    #[track_caller]
    fn emplace_raw_shared<'s, F: Future + 's>(
        scratch: Scratch<'s>,
        f: F,
    ) -> RawFuture<'s, F::Output> {
        match scratch.try_reserve::<F>() {
            Ok(reservation) => reservation.fill(f),
            Err(space) => stack_only_overflow::<F>(space),
        }
    }
}

impl<const N: usize, A: Alignment> Strategy for StackOnly<N, A> {
    /// # Panics
    ///
    /// When `f` does not fit the caller's space.
    #[inline]
    #[track_caller]
    fn emplace_shared<'s, F>(&'s self, scratch: Scratch<'s>, f: F) -> SlotFuture<'s, F::Output>
    where
        F: Future + Send + 's,
    {
        SlotFuture::from_raw(Self::emplace_raw_shared(scratch, f))
    }

    /// # Panics
    ///
    /// When `f` does not fit the caller's space.
    #[inline]
    #[track_caller]
    fn emplace_shared_local<'s, F>(
        &'s self,
        scratch: Scratch<'s>,
        f: F,
    ) -> LocalSlotFuture<'s, F::Output>
    where
        F: Future + 's,
    {
        LocalSlotFuture::from_raw(Self::emplace_raw_shared(scratch, f))
    }

    #[inline]
    fn emplace_exclusive<'s, F>(
        self: Pin<&'s mut Self>,
        _scratch: Scratch<'s>,
        f: F,
    ) -> SlotFuture<'s, F::Output>
    where
        F: Future + Send + 's,
    {
        self.slot().place(f)
    }

    #[inline]
    fn emplace_exclusive_local<'s, F>(
        self: Pin<&'s mut Self>,
        _scratch: Scratch<'s>,
        f: F,
    ) -> LocalSlotFuture<'s, F::Output>
    where
        F: Future + 's,
    {
        self.slot().place_local(f)
    }
}
