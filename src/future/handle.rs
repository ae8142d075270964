//! The handles a callee returns: [`SlotFuture`] (`Send`) and
//! [`LocalSlotFuture`] (`!Send`), two words each.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::future::RawFuture;
use crate::future::not_send::{Local, Sendable};

/// A type-erased, `Send` future that lives in the caller's space or on the
/// heap: what a dyn-compatible async method returns.
///
/// It is two words (a data pointer and a vtable pointer) and `Unpin`: the
/// future it stands for stays pinned where it was placed, and the handle can
/// move freely. Dropping the handle drops the future; the future is also
/// dropped, freeing its space, as soon as it returns `Ready`. Polling it
/// again after that panics.
///
/// A handle borrows the space it was placed in for `'s`, so it cannot
/// outlive its [`Slot`](crate::Slot):
///
/// ```compile_fail
/// use core::pin::pin;
/// use stackslot::{Slot, SlotFuture};
///
/// fn escape() -> SlotFuture<'static, u32> {
///     let mut slot = pin!(Slot::<64>::new());
///     slot.as_mut().or_box().emplace(async { 1 })
/// }
/// ```
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{Scratch, Slot, SlotFuture};
///
/// fn double<'s>(x: &'s u32, scratch: Scratch<'s>) -> SlotFuture<'s, u32> {
///     scratch.emplace(async move { *x * 2 })
/// }
///
/// # #[cfg(feature = "alloc")] {
/// # futures_lite_block_on(async {
/// let x = 21;
/// let mut slot = pin!(Slot::<64>::new());
/// let fut = double(&x, slot.as_mut().or_box());
/// assert!(fut.is_inline());
/// assert_eq!(fut.await, 42);
/// # });
/// # }
/// # fn futures_lite_block_on<F: core::future::Future>(f: F) -> F::Output {
/// #     let mut f = core::pin::pin!(f);
/// #     let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
/// #     loop { if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct SlotFuture<'s, T> {
    raw: RawFuture<'s, T>,
}

// SAFETY: a `SlotFuture` is only built from a future that is `Send`
// (`Scratch::emplace` and friends require it), and the handle reaches that
// future only through `poll` and `drop`, both of which need `&mut self` or
// ownership: moving the handle moves exclusive access to a `Send` future.
unsafe impl<T> Send for SlotFuture<'_, T> {}

// SAFETY: `&SlotFuture` gives access to nothing but the vtable's flags
// (`is_inline`, `is_terminated`), never to the future itself.
unsafe impl<T> Sync for SlotFuture<'_, T> {}

/// A type-erased future like [`SlotFuture`] that need not be `Send`.
///
/// Built by [`Scratch::emplace_local`](crate::Scratch::emplace_local); the
/// handle itself is `!Send` and `!Sync`, so its future is polled and
/// dropped on the thread that created it, leaked or not. Where a `Send`
/// future is required (`tokio::spawn`), the compiler's error says how to
/// get a [`SlotFuture`] instead: `#[dyn_trait(Send)]` on the trait, or
/// [`Scratch::emplace`](crate::Scratch::emplace).
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use std::rc::Rc;
/// use stackslot::Slot;
///
/// let shared = Rc::new(5);
/// let mut slot = pin!(Slot::<64>::new());
/// # #[cfg(feature = "alloc")] {
/// let fut = slot.as_mut().or_box().emplace_local({
///     let shared = Rc::clone(&shared);
///     async move { *shared + 1 }
/// });
/// assert!(fut.is_inline());
/// # drop(fut);
/// # }
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct LocalSlotFuture<'s, T> {
    raw: RawFuture<'s, T>,
}

macro_rules! handle_methods {
    ($handle:ident) => {
        impl<'s, T> $handle<'s, T> {
            pub(crate) fn from_raw(raw: RawFuture<'s, T>) -> Self {
                $handle { raw }
            }
        }

        impl<'s, T> Erased<'s, T> for $handle<'s, T> {
            #[inline(always)]
            fn raw(&self) -> &RawFuture<'s, T> {
                &self.raw
            }

            #[inline(always)]
            fn into_raw(self) -> RawFuture<'s, T> {
                self.raw
            }
        }

        impl<'s, T> $handle<'s, T> {
            /// Whether the future lives in the caller's space (a hit: its
            /// slot, heap slot or side stack, or the storage of an adapter
            /// that keeps it for the caller) rather than in a block of its
            /// own (the heap fallback, an arena). Stays as it was after the
            /// future completed.
            ///
            /// # Example
            ///
            /// ```
            /// use core::pin::pin;
            /// use stackslot::Slot;
            ///
            /// let mut slot = pin!(Slot::<64>::new());
            /// # #[cfg(feature = "alloc")] {
            /// let small = slot.as_mut().or_box().emplace(async { 1 });
            /// assert!(small.is_inline());
            /// drop(small);
            /// let bytes = [0u8; 64];
            /// let large = slot.as_mut().or_box().emplace(async move { bytes.len() });
            /// assert!(!large.is_inline());
            /// # }
            /// ```
            #[inline]
            pub fn is_inline(&self) -> bool {
                self.raw.is_inline()
            }

            /// Whether the future already returned `Ready` (and was dropped).
            ///
            /// # Example
            ///
            /// ```
            /// use core::{pin::{pin, Pin}, future::Future, task::{Context, Waker}};
            /// use stackslot::Slot;
            ///
            /// let mut slot = pin!(Slot::<64>::new());
            /// # #[cfg(feature = "alloc")] {
            /// let mut fut = slot.as_mut().or_box().emplace(async { 1 });
            /// assert!(!fut.is_terminated());
            /// let _ = Pin::new(&mut fut).poll(&mut Context::from_waker(Waker::noop()));
            /// assert!(fut.is_terminated());
            /// # }
            /// ```
            #[inline]
            pub fn is_terminated(&self) -> bool {
                self.raw.is_terminated()
            }
        }

        impl<T> Future for $handle<'_, T> {
            type Output = T;

            /// # Panics
            ///
            /// When polled again after it returned `Ready`, and when the
            /// future itself panics.
            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
                self.get_mut().raw.poll(cx)
            }
        }

        impl<T> fmt::Debug for $handle<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($handle))
                    .field("inline", &self.is_inline())
                    .field("terminated", &self.is_terminated())
                    .finish()
            }
        }
    };
}

// SAFETY: never applies: `Local<T>` implements no `Sendable`, and no other
// crate can add an impl (both are unnameable outside this crate). The
// handle stays `!Send`, as its raw parts would make it; the impl exists so
// that the compiler, explaining why it is not `Send`, shows `Sendable`'s
// message, which names the fix (see `not_send`).
unsafe impl<T> Send for LocalSlotFuture<'_, T> where Local<T>: Sendable {}

/// A handle's two words, for the code that looks inside either handle
/// (`Slot::call`).
pub(crate) trait Erased<'s, T>: Future<Output = T> + Unpin {
    /// The erased future.
    fn raw(&self) -> &RawFuture<'s, T>;
    /// The erased future, given up by the handle.
    fn into_raw(self) -> RawFuture<'s, T>;
}

handle_methods!(SlotFuture);
handle_methods!(LocalSlotFuture);

impl<'s, T> From<SlotFuture<'s, T>> for LocalSlotFuture<'s, T> {
    /// Forgets that the future is `Send`.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::{LocalSlotFuture, Slot};
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// # #[cfg(feature = "alloc")] {
    /// let local: LocalSlotFuture<'_, u8> = slot.as_mut().or_box().emplace(async { 1 }).into();
    /// assert!(local.is_inline());
    /// # }
    /// ```
    fn from(handle: SlotFuture<'s, T>) -> Self {
        LocalSlotFuture { raw: handle.raw }
    }
}
