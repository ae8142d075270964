//! The two words shared by [`SlotFuture`](crate::SlotFuture) and
//! [`LocalSlotFuture`](crate::LocalSlotFuture): where the erased future lives
//! and its vtable.

use core::ptr::NonNull;
use core::task::{Context, Poll};

use crate::vtable::VTable;

/// An erased future borrowed for `'s`: a data pointer and a vtable, like
/// `dyn* Future`. Neither `Send` nor `Sync`: the public handles decide.
pub(crate) struct RawFuture<'s, T> {
    /// The space's header for an inline future, the allocation for a boxed
    /// one; unused once the vtable is a `Done` one.
    data: NonNull<u8>,
    vtable: &'s VTable<T>,
}

impl<'s, T> RawFuture<'s, T> {
    /// Pairs a data pointer with the vtable that knows how to use it.
    #[inline(always)]
    pub(crate) fn new(data: NonNull<u8>, vtable: &'s VTable<T>) -> Self {
        RawFuture { data, vtable }
    }

    #[inline(always)]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: `data` and `vtable` were paired by the vtable's own `place`
        // (or by `poll`, which switches to a `Done` vtable that ignores the
        // data); until this handle completes or is dropped, the future behind
        // `data` is live and reached only through this handle.
        unsafe { (self.vtable.poll)(self.data, cx, &mut self.vtable) }
    }

    #[inline(always)]
    pub(crate) fn is_inline(&self) -> bool {
        self.vtable.inline
    }

    #[inline(always)]
    pub(crate) fn is_terminated(&self) -> bool {
        self.vtable.terminated
    }
}

impl<T> Drop for RawFuture<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(drop) = self.vtable.drop {
            // SAFETY: the vtable has a `drop` only while its future is live,
            // and this is the handle's last use of it.
            unsafe { drop(self.data) }
        }
    }
}
