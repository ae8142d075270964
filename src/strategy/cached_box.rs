//! [`CachedBox`]: the callee keeps one reusable allocation.

use core::future::Future;
use core::pin::Pin;

use crate::future::{LocalSlotFuture, SlotFuture};
use crate::future::{RawFuture, Reservation};
use crate::space::Scratch;
use crate::space::stack_only_overflow;
use crate::storage::HeapSlot;
use crate::strategy::Strategy;

/// For `&mut self` methods, a future that does not fit the caller's space
/// goes to one heap buffer that the adapter keeps across calls and across
/// callers, growing to the largest future seen: the callee-side cached box.
///
/// Cost: one heap buffer per adapter, kept while the adapter lives (the
/// proposal's "adds a pointer to the object"); zero allocations per call
/// once the buffer is large enough. `&self` methods cannot use the buffer
/// (several of their futures may be alive at once) and fall back as the
/// caller's scratch allows. When the caller's scratch may not allocate
/// (`stack_only`), the buffer is used only if it is already large enough,
/// and otherwise the call panics like `stack_only` does.
///
/// # Example
///
/// ```
/// use core::pin::{pin, Pin};
/// use stackslot::{Slot, Strategy, strategy::CachedBox};
///
/// let mut strategy = CachedBox::default();
/// let mut slot = pin!(Slot::<64>::new());
/// for _ in 0..3 {
///     let bytes = [0u8; 500];
///     let fut = Pin::new(&mut strategy).emplace_exclusive(slot.as_mut().or_box(), async move { bytes.len() });
///     drop(fut);
/// }
/// assert_eq!(strategy.cache().stats().fallbacks(), 1); // allocated once
/// assert_eq!(strategy.cache().stats().hits(), 2);
/// ```
#[derive(Debug, Default)]
pub struct CachedBox {
    cache: HeapSlot,
}

impl CachedBox {
    /// The buffer, for its capacity and counters.
    ///
    /// # Example
    ///
    /// ```
    /// let strategy = stackslot::strategy::CachedBox::default();
    /// assert_eq!(strategy.cache().capacity(), 0);
    /// ```
    pub fn cache(&self) -> &HeapSlot {
        &self.cache
    }

    /// Places `f` in the caller's space when it fits, otherwise where
    /// [`CachedBox::reserve_elsewhere`] says, written there directly.
    #[inline(always)]
    #[track_caller]
    fn emplace_raw<'s, F: Future + 's>(
        self: Pin<&'s mut Self>,
        scratch: Scratch<'s>,
        f: F,
    ) -> RawFuture<'s, F::Output> {
        if scratch.fits::<F>() {
            return scratch.emplace_raw(f);
        }
        self.reserve_elsewhere::<F>(scratch).fill(f)
    }

    /// A reservation for a `F` that does not fit the caller's first space:
    /// in the caller's other spaces if one holds it without allocating,
    /// otherwise in the cache (growing it if the caller allows allocation).
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn reserve_elsewhere<'s, F: Future + 's>(
        self: Pin<&'s mut Self>,
        scratch: Scratch<'s>,
    ) -> Reservation<'s, F> {
        let may_allocate = scratch.may_allocate();
        match scratch.try_reserve::<F>() {
            Ok(reservation) => reservation,
            Err(space) => {
                let cache = self.get_mut().cache.scratch();
                if may_allocate || cache.fits::<F>() {
                    cache.reserve::<F>()
                } else {
                    stack_only_overflow::<F>(space)
                }
            }
        }
    }
}

impl Strategy for CachedBox {
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
