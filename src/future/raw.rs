//! The two words shared by [`SlotFuture`](crate::SlotFuture) and
//! [`LocalSlotFuture`](crate::LocalSlotFuture): where the erased future lives
//! and its vtable; and the reservation a future is written into.

use core::future::Future;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::task::{Context, Poll};

pub(crate) use super::vtable::Eager;
use super::vtable::{Done, InSpace, Ready, VTable};
use crate::block::{BlockHeader, OccupantOf, occupancy};

/// A block reserved for a future of type `F` that is about to be written
/// into it: the data pointer and vtable of its handle-to-be. Writing the
/// future where it will live, rather than building it elsewhere and moving
/// it, spares a copy of a possibly large future on the fallback paths. The
/// type says which future fits, so filling it is safe.
#[must_use = "a reservation holds a block until it is filled"]
pub(crate) struct Reservation<'s, F: Future> {
    data: NonNull<u8>,
    vtable: &'s VTable<F::Output>,
    _future: PhantomData<fn(F)>,
}

impl<'s, F: Future + 's> Reservation<'s, F> {
    /// Reserves the block headed by `block` for a `F`, recording the
    /// occupant when the block's record must know it.
    ///
    /// # Safety
    ///
    /// - `block` points to a live `H` followed by at least
    ///   `future_offset::<F, H>() + size_of::<F>()` bytes, and is aligned to
    ///   at least `align_of::<F>()`; the pointer may write the whole block.
    /// - The block is vacant, and stays valid and unused by anyone else
    ///   until the handle made from the reservation is dropped or completes,
    ///   or, if the handle is leaked, until the owner finds the occupancy
    ///   record vacant.
    #[inline(always)]
    pub(crate) unsafe fn in_block<H: BlockHeader>(block: NonNull<H>) -> Self {
        if InSpace::<F, H>::RECORDED {
            // SAFETY: the block is live (contract), vacant and not yet lent
            // to a handle: no other thread looks at its record.
            unsafe { occupancy(block).occupy(&OccupantOf::<F>::RECORD) };
        }
        Reservation {
            data: block.cast(),
            vtable: &InSpace::<F, H>::VTABLE,
            _future: PhantomData,
        }
    }

    /// Writes `f` into the block and returns its handle.
    #[inline(always)]
    pub(crate) fn fill(self, f: F) -> RawFuture<'s, F::Output> {
        // SAFETY: the block holds a `F` at the vtable's offset, aligned, and
        // may be written (`in_block`'s contract, for this very `F`).
        unsafe { self.data.add(self.vtable.offset).cast::<F>().write(f) };
        RawFuture {
            data: self.data,
            vtable: self.vtable,
        }
    }
}

/// The data pointer of a completed handle whose future lived in the
/// caller's space (never dereferenced; `NonNull::dangling()`, 1, stands for
/// one that did not).
const DONE_INLINE: NonNull<u8> = match NonNull::new(core::ptr::without_provenance_mut(2)) {
    Some(ptr) => ptr,
    None => unreachable!(),
};

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
        // SAFETY: the handle's own vtable's `poll`.
        unsafe { self.poll_with(self.vtable.poll, cx) }
    }

    /// The eager poll of `Slot::call`: polls the future as the `F` in an
    /// `H` block that it is, through a direct call of its monomorphized
    /// `poll`, not the vtable. When it is ready, keeps the output in the
    /// block; either way the handle's vtable says what happened
    /// ([`Eager`]).
    ///
    /// # Safety
    ///
    /// The handle was filled from a `Reservation<F>` made by
    /// `Reservation::in_block::<H>` and not polled yet; the block has room
    /// for a `T` at `future_offset::<T, H>()`, aligned.
    #[inline(always)]
    pub(crate) unsafe fn poll_eagerly<F, H>(&mut self, cx: &mut Context<'_>)
    where
        F: Future<Output = T>,
        H: BlockHeader,
    {
        let block = self.data;
        // SAFETY: the vtable's `poll` is this one (contract).
        match unsafe { self.poll_with(InSpace::<F, H>::poll, cx) } {
            // SAFETY: the future is gone (`Ready`), and the block has room
            // for its output (contract).
            Poll::Ready(output) => unsafe { self.keep_output::<H>(block, output) },
            Poll::Pending => self.vtable = &InSpace::<F, H>::POLLED,
        }
    }

    /// Polls with `poll`, and switches to `Done` when the future is gone.
    ///
    /// # Safety
    ///
    /// `poll` is the `poll` of the handle's vtable (or the function it
    /// points to).
    #[inline(always)]
    unsafe fn poll_with(
        &mut self,
        poll: unsafe fn(NonNull<u8>, &mut Context<'_>) -> Poll<T>,
        cx: &mut Context<'_>,
    ) -> Poll<T> {
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
        let data = self.data;
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

    /// Switches to the `Done` vtable. The data pointer, unused from now on,
    /// keeps whether the future lived in the caller's space (for
    /// [`is_inline`](RawFuture::is_inline)): one `Done` vtable, whose drop
    /// is known to do nothing where the handle is dropped after its last
    /// poll, rather than one per placement, chosen at run time.
    #[inline(always)]
    fn complete(&mut self) {
        self.data = if self.vtable.inline {
            DONE_INLINE
        } else {
            NonNull::dangling()
        };
        self.vtable = &Done::<T>::VTABLE;
    }

    /// Keeps `output`, the output of the future that just completed in
    /// `block`, in that block: the handle becomes a [`Ready`] one, whose
    /// poll returns it (and whose drop drops it).
    ///
    /// # Safety
    ///
    /// The handle completed (its future is gone) in `block`, headed by an
    /// `H` that has room for a `T` at `future_offset::<T, H>()`, aligned.
    #[inline(always)]
    unsafe fn keep_output<H: BlockHeader>(&mut self, block: NonNull<u8>, output: T) {
        // SAFETY: room for the output, and nothing lives there (contract).
        unsafe { Ready::<T, H>::write(block, output) };
        self.data = block;
        self.vtable = &Ready::<T, H>::VTABLE;
    }

    /// What the eager poll did with the future ([`RawFuture::poll_eagerly`]).
    #[inline(always)]
    pub(crate) fn eager(&self) -> Eager {
        self.vtable.eager
    }

    /// The output of a handle whose eager poll completed
    /// ([`Eager::Ready`]).
    ///
    /// # Safety
    ///
    /// The handle is [`Eager::Ready`], in a block headed by an `H`.
    #[inline(always)]
    pub(crate) unsafe fn take_output<H: BlockHeader>(self) -> T {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: a ready handle's block holds its output (`keep_output`,
        // with this `H`), read once: the handle is not dropped.
        unsafe { Ready::<T, H>::take(this.data) }
    }

    #[inline(always)]
    pub(crate) fn is_inline(&self) -> bool {
        if self.vtable.terminated {
            self.data == DONE_INLINE
        } else {
            self.vtable.inline
        }
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
