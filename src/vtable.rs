//! One `&'static` vtable per future type and storage, as an associated const:
//! the `dyn*` half of a slot future.
//!
//! The vtable knows where its future lives: [`InSpace`] futures sit at a
//! constant offset after a space's [`Header`], [`Boxed`] futures own a heap
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

use crate::header::{Header, future_offset};
use crate::leak::OccupantOf;
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

/// A future of type `F` placed in a space, after its header.
pub(crate) struct InSpace<F>(PhantomData<fn() -> F>);

impl<F: Future> InSpace<F> {
    pub(crate) const OFFSET: usize = future_offset::<F>();

    pub(crate) const VTABLE: VTable<F::Output> = VTable {
        poll: Self::poll,
        drop: if needs_drop::<F>() {
            Some(Self::drop)
        } else {
            None
        },
        inline: true,
        terminated: false,
    };

    /// Moves `f` into the space headed by `space`, which it fits, and
    /// returns the handle.
    ///
    /// # Safety
    ///
    /// - `space` points to a live [`Header`] followed by at least
    ///   `OFFSET + size_of::<F>()` bytes, and `space` is aligned to at least
    ///   `align_of::<F>()`; the pointer may write the whole space.
    /// - The space is vacant, and stays valid and unused by anyone else
    ///   until the returned handle is dropped, completes, or is leaked and the
    ///   space checks [`Header::assert_vacant`] before its next use.
    #[inline(always)]
    pub(crate) unsafe fn place<'s>(space: NonNull<Header>, f: F) -> RawFuture<'s, F::Output>
    where
        F: 's,
    {
        // SAFETY: the caller guarantees a live, unborrowed header and room
        // for `F` at `OFFSET`, aligned because the space is aligned to at
        // least `align_of::<F>()` and `OFFSET` is a multiple of it.
        unsafe {
            Header::record::<F>(space, None);
            if needs_drop::<F>() {
                Header::occupy(space, &OccupantOf::<F>::RECORD);
            }
            space.cast::<u8>().add(Self::OFFSET).cast::<F>().write(f);
        }
        RawFuture::new(space.cast(), &Self::VTABLE)
    }

    /// # Safety
    ///
    /// `space` and `vtable` belong to a handle returned by
    /// [`InSpace::place`] for this `F` that has not completed; the space is
    /// still valid.
    unsafe fn poll(
        space: NonNull<u8>,
        cx: &mut Context<'_>,
        vtable: &mut &VTable<F::Output>,
    ) -> Poll<F::Output> {
        // SAFETY: the future lives at `OFFSET` and stays there until it is
        // dropped (it is pinned in the space); no other reference to it exists.
        let future =
            unsafe { Pin::new_unchecked(&mut *space.add(Self::OFFSET).cast::<F>().as_ptr()) };
        let output = future.poll(cx);
        if output.is_ready() {
            *vtable = &Done::<F::Output>::INLINE;
            // SAFETY: the future is live and, with the vtable switched to
            // `Done`, nothing will touch it again.
            unsafe { Self::drop(space) };
        }
        output
    }

    /// Vacates the space, then drops the future in place. Vacating first
    /// keeps the space usable when the destructor panics: the future's
    /// fields are dropped during that unwinding all the same.
    ///
    /// # Safety
    ///
    /// `space` heads a space that holds a live `F` placed by
    /// [`InSpace::place`], which is dropped exactly once, here.
    unsafe fn drop(space: NonNull<u8>) {
        // SAFETY: per the contract the space is live, the header is at its
        // start and the future at `OFFSET`.
        unsafe {
            Header::vacate(space.cast());
            ptr::drop_in_place(space.add(Self::OFFSET).cast::<F>().as_ptr());
        }
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
            *vtable = &Done::<F::Output>::BOXED;
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

    #[cfg(feature = "alloc")]
    pub(crate) const BOXED: VTable<T> = VTable {
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
