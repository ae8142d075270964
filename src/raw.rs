//! The two words shared by [`SlotFuture`](crate::SlotFuture) and
//! [`LocalSlotFuture`](crate::LocalSlotFuture): where the erased future lives
//! and its vtable; and the reservation a future is written into.

use core::future::Future;
use core::ptr::NonNull;
use core::task::{Context, Poll};

use crate::vtable::{Done, VTable};

/// A block reserved for a future that is about to be written into it: the
/// data pointer and vtable of its handle-to-be. Writing the future where it
/// will live, rather than building it elsewhere and moving it, spares a
/// copy of a possibly large future on the fallback paths.
#[must_use = "a reservation holds a block until it is filled"]
pub(crate) struct Reservation<'s, T> {
    data: NonNull<u8>,
    vtable: &'s VTable<T>,
}

impl<'s, T> Reservation<'s, T> {
    /// # Safety
    ///
    /// `vtable` is the vtable of the future type the block at `data` was
    /// reserved for, and the block holds one at `vtable.offset`.
    #[inline(always)]
    pub(crate) unsafe fn new(data: NonNull<u8>, vtable: &'s VTable<T>) -> Self {
        Reservation { data, vtable }
    }

    /// Writes `f` into the block and returns its handle.
    ///
    /// # Safety
    ///
    /// `F` is the type the reservation was made for.
    #[inline(always)]
    pub(crate) unsafe fn fill<F: Future<Output = T>>(self, f: F) -> RawFuture<'s, T> {
        // SAFETY: the block holds a `F` at `offset`, aligned (contract of
        // `new` and of this function).
        unsafe { self.data.add(self.vtable.offset).cast::<F>().write(f) };
        RawFuture {
            data: self.data,
            vtable: self.vtable,
        }
    }
}

/// An erased future borrowed for `'s`: a data pointer and a vtable, like
/// `dyn* Future`. Neither `Send` nor `Sync`: the public handles decide.
pub(crate) struct RawFuture<'s, T> {
    /// The block that holds the future; unused once the vtable is a `Done`
    /// one.
    data: NonNull<u8>,
    vtable: &'s VTable<T>,
}

impl<T> RawFuture<'_, T> {
    #[inline(always)]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<T> {
        /// Runs only when `poll` unwinds: if the panic came from the
        /// destructor that `poll` runs on `Ready`, the future is gone, and
        /// the handle must not poll or drop it again.
        struct Unwinding<'a, 's, T>(&'a mut RawFuture<'s, T>);
        impl<T> Drop for Unwinding<'_, '_, T> {
            fn drop(&mut self) {
                let raw = &mut *self.0;
                if let Some(unwound) = raw.vtable.unwound {
                    // SAFETY: `poll` of this vtable just unwound on this
                    // handle's future.
                    if unsafe { unwound(raw.data) } {
                        raw.complete();
                    }
                }
            }
        }
        let (data, poll) = (self.data, self.vtable.poll);
        let unwinding = Unwinding(self);
        // SAFETY: `data` and `vtable` were paired by a reservation (or the
        // vtable is a `Done` one, which ignores the data); until the handle
        // completes or is dropped, the future behind `data` is live and
        // reached only through this handle.
        let output = unsafe { poll(data, cx) };
        let this = &mut *core::mem::ManuallyDrop::new(unwinding).0;
        if output.is_ready() {
            // The vtable's `poll` dropped the future: never touch it again.
            this.complete();
        }
        output
    }

    /// Switches to the `Done` vtable of the same placement.
    #[inline(always)]
    fn complete(&mut self) {
        self.vtable = if self.vtable.inline {
            &Done::<T>::INLINE
        } else {
            &Done::<T>::OUTSIDE
        };
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
            // SAFETY: the vtable has a `drop` only while the handle has not
            // completed, and this is the handle's last use of the future.
            unsafe { drop(self.data) }
        }
    }
}
