//! One `&'static` vtable per future type and storage, as an associated const:
//! the `dyn*` half of a slot future.
//!
//! The vtable knows where its future lives: [`InSpace`] futures sit at a
//! constant offset after a block's header, [`Boxed`] futures own a heap
//! allocation, and [`Done`] stands in for a future that already completed.
//! A future is dropped inside its monomorphized `poll` as soon as it returns
//! `Ready`, and the handle switches to a `Done` vtable, so a completed
//! handle's drop is a load and a branch, not a call.

use core::future::Future;
use core::marker::PhantomData;
use core::mem::needs_drop;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll};

use crate::header::{BlockHeader, future_offset, occupancy};
use crate::leak::{Occupancy, OccupantOf};
use crate::raw::RawFuture;

/// How to poll and drop one erased future.
pub(crate) struct VTable<T> {
    /// Polls the future behind the data pointer. On `Ready`, points the
    /// handle's vtable (the third argument) at a [`Done`] vtable, then drops
    /// the future and frees its storage, so that a panicking destructor
    /// cannot cause a second drop. The data pointer travels in a register.
    pub(crate) poll:
        for<'h> unsafe fn(NonNull<u8>, &mut Context<'_>, &mut &'h VTable<T>) -> Poll<T>,
    /// Drops the future behind the data pointer and frees its storage;
    /// `None` when there is nothing to do.
    pub(crate) drop: Option<unsafe fn(NonNull<u8>)>,
    /// Whether the future lives in the caller's space.
    pub(crate) inline: bool,
    /// Whether the future already completed.
    pub(crate) terminated: bool,
}

/// A future of type `F` placed in a block headed by an `H`, after the header.
pub(crate) struct InSpace<F, H>(PhantomData<fn() -> (F, H)>);

impl<F: Future, H: BlockHeader> InSpace<F, H> {
    pub(crate) const OFFSET: usize = future_offset::<F, H>();

    /// Whether the block's occupancy records this future (and must be
    /// vacated when it is gone).
    const RECORDED: bool = needs_drop::<F>() || H::RECORDS_ALL;

    pub(crate) const VTABLE: VTable<F::Output> = VTable {
        poll: Self::poll,
        drop: if Self::RECORDED {
            Some(Self::drop)
        } else {
            None
        },
        inline: H::INLINE,
        terminated: false,
    };

    /// Moves `f` into the block headed by `block`, which it fits, and
    /// returns the handle.
    ///
    /// # Safety
    ///
    /// - `block` points to a live `H` followed by at least
    ///   `OFFSET + size_of::<F>()` bytes, and is aligned to at least
    ///   `align_of::<F>()`; the pointer may write the whole block.
    /// - The block is vacant, and stays valid and unused by anyone else
    ///   until the returned handle is dropped or completes, or, if the handle
    ///   is leaked, until the owner finds the occupancy record vacant.
    #[inline(always)]
    pub(crate) unsafe fn place<'s>(block: NonNull<H>, f: F) -> RawFuture<'s, F::Output>
    where
        F: 's,
    {
        if Self::RECORDED {
            // SAFETY: the block is live (contract).
            unsafe { occupancy(block) }.occupy(&OccupantOf::<F>::RECORD);
        }
        // SAFETY: room for an `F` at `OFFSET`, aligned because the block is
        // aligned to at least `align_of::<F>()` and `OFFSET` is a multiple
        // of it.
        unsafe { block.cast::<u8>().add(Self::OFFSET).cast::<F>().write(f) };
        RawFuture::new(block.cast(), &Self::VTABLE)
    }

    /// # Safety
    ///
    /// `block` and `vtable` belong to a handle returned by
    /// [`InSpace::place`] for this `F` and `H` that has not completed; the
    /// block is still valid.
    unsafe fn poll(
        block: NonNull<u8>,
        cx: &mut Context<'_>,
        vtable: &mut &VTable<F::Output>,
    ) -> Poll<F::Output> {
        // SAFETY: the future lives at `OFFSET` and stays there until it is
        // dropped (it is pinned in the block); no other reference to it exists.
        let future =
            unsafe { Pin::new_unchecked(&mut *block.add(Self::OFFSET).cast::<F>().as_ptr()) };
        let output = future.poll(cx);
        if output.is_ready() {
            *vtable = if H::INLINE {
                &Done::<F::Output>::INLINE
            } else {
                &Done::<F::Output>::OUTSIDE
            };
            if Self::RECORDED {
                // SAFETY: the future is live and, with the vtable switched to
                // `Done`, nothing will touch it again. (An unrecorded future
                // has no drop glue: there is nothing to do.)
                unsafe { Self::drop(block) };
            }
        }
        output
    }

    /// Drops the future in place, then marks the block vacant, also when
    /// the destructor panics (the future's fields are dropped during that
    /// unwinding all the same).
    ///
    /// # Safety
    ///
    /// `block` heads a block that holds a live `F` placed by
    /// [`InSpace::place`], which is dropped exactly once, here.
    unsafe fn drop(block: NonNull<u8>) {
        struct Vacate<'a>(&'a Occupancy);
        impl Drop for Vacate<'_> {
            #[inline(always)]
            fn drop(&mut self) {
                self.0.vacate();
            }
        }
        // SAFETY: per the contract the block is live, headed by an `H`.
        let _vacate = Vacate(unsafe { occupancy(block.cast::<H>()) });
        // SAFETY: the future lives at `OFFSET` and is dropped exactly once.
        unsafe { ptr::drop_in_place(block.add(Self::OFFSET).cast::<F>().as_ptr()) };
    }
}

/// A future of type `F` in its own heap allocation.
#[cfg(feature = "alloc")]
pub(crate) struct Boxed<F>(PhantomData<fn() -> F>);

#[cfg(feature = "alloc")]
impl<F: Future> Boxed<F> {
    pub(crate) const VTABLE: VTable<F::Output> = VTable {
        poll: Self::poll,
        drop: Some(Self::drop),
        inline: false,
        terminated: false,
    };

    /// Moves `f` into a new heap allocation and returns the handle.
    pub(crate) fn place<'s>(f: F) -> RawFuture<'s, F::Output>
    where
        F: 's,
    {
        let data = NonNull::from(alloc::boxed::Box::leak(alloc::boxed::Box::new(f)));
        RawFuture::new(data.cast(), &Self::VTABLE)
    }

    /// # Safety
    ///
    /// `data` and `vtable` belong to a handle returned by [`Boxed::place`]
    /// for this `F` that has not completed.
    unsafe fn poll(
        data: NonNull<u8>,
        cx: &mut Context<'_>,
        vtable: &mut &VTable<F::Output>,
    ) -> Poll<F::Output> {
        // SAFETY: the allocation holds a live `F` that never moves; no other
        // reference to it exists.
        let future = unsafe { Pin::new_unchecked(&mut *data.cast::<F>().as_ptr()) };
        let output = future.poll(cx);
        if output.is_ready() {
            *vtable = &Done::<F::Output>::OUTSIDE;
            // SAFETY: the future is live and, with the vtable switched to
            // `Done`, nothing will touch it again.
            unsafe { Self::drop(data) };
        }
        output
    }

    /// # Safety
    ///
    /// `data` came from [`Boxed::place`] for this `F` and is freed exactly
    /// once, here.
    unsafe fn drop(data: NonNull<u8>) {
        // SAFETY: `data` is the leaked `Box<F>`; rebuilding the box frees it
        // also when `F`'s destructor panics.
        drop(unsafe { alloc::boxed::Box::from_raw(data.cast::<F>().as_ptr()) });
    }
}

/// Stands in for a future that returned `Ready`: polling panics, dropping
/// does nothing, and `inline` still tells where the future lived.
pub(crate) struct Done<T>(PhantomData<fn() -> T>);

impl<T> Done<T> {
    pub(crate) const INLINE: VTable<T> = VTable {
        poll: poll_after_completion,
        drop: None,
        inline: true,
        terminated: true,
    };

    pub(crate) const OUTSIDE: VTable<T> = VTable {
        poll: poll_after_completion,
        drop: None,
        inline: false,
        terminated: true,
    };
}

#[track_caller]
fn poll_after_completion<T>(_: NonNull<u8>, _: &mut Context<'_>, _: &mut &VTable<T>) -> Poll<T> {
    panic!("stackslot: slot future polled after it completed")
}
