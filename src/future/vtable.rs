//! One `&'static` vtable per future type and storage, as an associated const:
//! the `dyn*` half of a slot future.
//!
//! Every future lives in a block: a header, then the future at a constant
//! offset ([`InSpace`]); the header type says which storage the block belongs
//! to (a slot, a heap slot, an arena, a side-stack frame, a heap block for
//! the boxed fallback). [`Done`] stands in for a future that completed.
//!
//! A future is dropped inside its monomorphized `poll` as soon as it returns
//! `Ready`, and the handle then switches itself to a `Done` vtable, so `poll`
//! needs nothing but the data pointer and the context (all in registers) and
//! a completed handle's drop is a load and a branch, not a call. A destructor
//! that panics during that drop leaves the block's occupancy record saying
//! so, and the handle's later drop only releases the block.

use core::future::Future;
use core::marker::PhantomData;
use core::mem::needs_drop;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll};

use crate::block::{BlockHeader, future_offset, occupancy};

/// How to poll and drop one erased future.
pub(crate) struct VTable<T> {
    /// Polls the future behind the data pointer; on `Ready`, drops it and
    /// releases its block before returning.
    pub(crate) poll: unsafe fn(NonNull<u8>, &mut Context<'_>) -> Poll<T>,
    /// Drops the future behind the data pointer (unless its `poll` already
    /// did, and panicked) and releases its block; `None` when there is
    /// nothing to do.
    pub(crate) drop: Option<unsafe fn(NonNull<u8>)>,
    /// Called when `poll` unwound: if the panic came from the destructor
    /// run on `Ready` (the future is gone), releases the block and returns
    /// `true`; if it came from the future's own `poll`, returns `false`.
    /// `None` when only the latter is possible.
    pub(crate) unwound: Option<unsafe fn(NonNull<u8>) -> bool>,
    /// Where the future starts, from the data pointer.
    pub(crate) offset: usize,
    /// Whether the future lives in the caller's space (for a `Done`
    /// vtable, the handle's data pointer says).
    pub(crate) inline: bool,
    /// Whether the future already completed.
    pub(crate) terminated: bool,
    /// What the eager poll of `Slot::call` did with the future.
    pub(crate) eager: Eager,
}

/// What the eager poll of `Slot::call` (docs/ARCHITECTURE.md, "The eager
/// path") did with a handle's future: it travels with the handle, in its
/// vtable, so the caller learns it from the handle it gets back, whichever
/// that is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Eager {
    /// Not polled eagerly.
    NotPolled,
    /// Polled once, pending: the caller's waker is registered.
    Pending,
    /// Completed: the output waits in the block ([`Ready`]).
    Ready,
}

/// A future of type `F` in a block headed by an `H`, after the header.
pub(crate) struct InSpace<F, H>(PhantomData<fn() -> (F, H)>);

impl<F: Future, H: BlockHeader> InSpace<F, H> {
    pub(crate) const OFFSET: usize = future_offset::<F, H>();

    /// Whether the block's occupancy records this future (and must be
    /// updated when it is gone).
    pub(crate) const RECORDED: bool = needs_drop::<F>() || H::RECORDS_ALL;

    /// Whether dropping the future runs code, which may panic: only then
    /// can a later `drop` or `unwound` find it already gone.
    const DROPS: bool = needs_drop::<F>();

    pub(crate) const VTABLE: VTable<F::Output> = Self::vtable(Eager::NotPolled);

    /// The vtable of a future that the eager poll found pending.
    pub(crate) const POLLED: VTable<F::Output> = Self::vtable(Eager::Pending);

    const fn vtable(eager: Eager) -> VTable<F::Output> {
        VTable {
            poll: Self::poll,
            drop: if Self::RECORDED || H::RELEASES {
                Some(Self::drop)
            } else {
                None
            },
            unwound: if Self::DROPS {
                Some(Self::unwound)
            } else {
                None
            },
            offset: Self::OFFSET,
            inline: H::INLINE,
            terminated: false,
            eager,
        }
    }

    /// The future in the block.
    ///
    /// # Safety
    ///
    /// `block` heads a block reserved for a `F`.
    #[inline(always)]
    unsafe fn future(block: NonNull<u8>) -> *mut F {
        // SAFETY: the future is at `OFFSET` (contract).
        unsafe { block.add(Self::OFFSET) }.cast::<F>().as_ptr()
    }

    /// # Safety
    ///
    /// `block` belongs to a handle made from [`Reservation::in_block`](super::raw::Reservation::in_block) for this
    /// `F` and `H` that has not completed; the block is still valid.
    #[inline]
    pub(crate) unsafe fn poll(block: NonNull<u8>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: the future lives at `OFFSET` and stays there until it is
        // dropped (it is pinned in the block); no other reference to it exists.
        let output = unsafe { Pin::new_unchecked(&mut *Self::future(block)) }.poll(cx);
        if output.is_ready() {
            // SAFETY: the future is live, and the handle stops using it.
            unsafe { Self::finish(block.cast()) };
        }
        output
    }

    /// Drops the future that just completed and releases the block.
    ///
    /// The occupancy record tells a later [`drop`](Self::drop) that the
    /// future is gone even if its destructor panics here: a block used by
    /// one handle at a time is vacated first; a shared one (which must not
    /// be reused while the destructor runs) is marked as being dropped when
    /// `F` has a destructor, and vacated after.
    ///
    /// # Safety
    ///
    /// `block` holds a live `F` that is dropped exactly once, here.
    #[inline(always)]
    unsafe fn finish(block: NonNull<H>) {
        if Self::RECORDED {
            // SAFETY: the block is live (contract).
            let record = unsafe { occupancy(block) };
            if !H::RECORDS_ALL {
                // SAFETY: a block that is not shared is looked at by its
                // owner only once its handle is gone.
                unsafe { record.vacate_exclusive() };
            } else if Self::DROPS {
                record.begin_drop();
            }
            // SAFETY: the future is live and dropped exactly once.
            unsafe { ptr::drop_in_place(Self::future(block.cast())) };
            if H::RECORDS_ALL {
                record.vacate();
            }
        }
        // SAFETY: the future is gone and the block is not used again.
        unsafe { H::release::<F>(block) };
    }

    /// Whether the future's destructor ran (it was dropped by `poll`, and
    /// that drop panicked).
    ///
    /// # Safety
    ///
    /// `block` is live and holds (or held) a recorded `F`.
    #[inline(always)]
    unsafe fn dropped_by_poll(block: NonNull<H>) -> bool {
        // SAFETY: the block is live (contract).
        let record = unsafe { occupancy(block) };
        if H::RECORDS_ALL {
            record.is_dropping()
        } else {
            !record.is_occupied()
        }
    }

    /// See [`VTable::unwound`].
    ///
    /// # Safety
    ///
    /// `block` belongs to a handle made from [`Reservation::in_block`](super::raw::Reservation::in_block) for this
    /// `F` and `H`, whose `poll` just unwound.
    unsafe fn unwound(block: NonNull<u8>) -> bool {
        // SAFETY: the block is live (contract).
        let gone = unsafe { Self::dropped_by_poll(block.cast()) };
        if gone {
            // SAFETY: the future is gone; `drop` only releases the block.
            unsafe { Self::drop(block) };
        }
        gone
    }

    /// The handle's drop: drops the future unless its `poll` already did
    /// (and panicked), vacates and releases the block, also when the
    /// destructor panics.
    ///
    /// # Safety
    ///
    /// `block` belongs to a handle made from [`Reservation::in_block`](super::raw::Reservation::in_block) for this
    /// `F` and `H`, dropped now, whose `poll` has not returned `Ready`.
    unsafe fn drop(block: NonNull<u8>) {
        /// Vacates and releases the block after the destructor, also when
        /// it panics.
        struct Release<F, H: BlockHeader>(NonNull<H>, PhantomData<fn() -> F>);
        impl<F, H: BlockHeader> Drop for Release<F, H> {
            #[inline(always)]
            fn drop(&mut self) {
                // SAFETY: the block is live until released here.
                let record = unsafe { occupancy(self.0) };
                if H::RECORDS_ALL {
                    record.vacate();
                } else {
                    // SAFETY: as in `finish`.
                    unsafe { record.vacate_exclusive() };
                }
                // SAFETY: the future is gone and the block is not used again.
                unsafe { H::release::<F>(self.0) };
            }
        }
        let header = block.cast::<H>();
        let _release = Release::<F, H>(header, PhantomData);
        // SAFETY: the block is live (contract).
        if Self::DROPS && !unsafe { Self::dropped_by_poll(header) } {
            // SAFETY: the future is live and dropped exactly once.
            unsafe { ptr::drop_in_place(Self::future(block)) };
        }
    }
}

/// Stands in for a future that returned `Ready`: polling panics, and
/// dropping does nothing. Where the future lived is kept in the handle's
/// data pointer (`RawFuture::complete`), not here: one vtable per output
/// type, so that a handle dropped right after its last poll drops nothing,
/// visibly to the compiler.
pub(crate) struct Done<T>(PhantomData<fn() -> T>);

impl<T> Done<T> {
    pub(crate) const VTABLE: VTable<T> = VTable {
        poll: poll_after_completion,
        drop: None,
        unwound: None,
        offset: 0,
        inline: false,
        terminated: true,
        eager: Eager::NotPolled,
    };
}

/// The output of a future that completed when it was polled eagerly
/// (`Slot::call`), written into the block the future occupied, where a
/// future of type `T` would live: the handle's poll reads it, its drop
/// drops it. The output is not pinned, so the block's occupancy does not
/// record it: a leaked handle only leaks it.
pub(crate) struct Ready<T, H>(PhantomData<fn() -> (T, H)>);

impl<T, H: BlockHeader> Ready<T, H> {
    /// Where the output lives, from the data pointer: what both the eager
    /// poll and the caller compute from `T`'s layout.
    const OFFSET: usize = future_offset::<T, H>();

    pub(crate) const VTABLE: VTable<T> = VTable {
        poll: Self::poll,
        drop: if needs_drop::<T>() {
            Some(Self::drop)
        } else {
            None
        },
        unwound: None,
        offset: Self::OFFSET,
        inline: H::INLINE,
        terminated: false,
        eager: Eager::Ready,
    };

    /// Writes the output into the block.
    ///
    /// # Safety
    ///
    /// `block` heads a block headed by an `H` with room for a `T` at
    /// [`future_offset::<T, H>`], aligned, that holds no live value there.
    #[inline(always)]
    pub(crate) unsafe fn write(block: NonNull<u8>, output: T) {
        // SAFETY: room for an aligned `T` at `OFFSET` (contract).
        unsafe { block.add(Self::OFFSET).cast::<T>().write(output) }
    }

    /// Moves the output out of the block.
    ///
    /// # Safety
    ///
    /// `block` holds an output written by [`Ready::write`] that is read
    /// exactly once, here, and not dropped after.
    #[inline(always)]
    pub(crate) unsafe fn take(block: NonNull<u8>) -> T {
        // SAFETY: an output lives at `OFFSET` (contract).
        unsafe { block.add(Self::OFFSET).cast::<T>().read() }
    }

    /// # Safety
    ///
    /// As [`Ready::take`].
    unsafe fn poll(block: NonNull<u8>, _: &mut Context<'_>) -> Poll<T> {
        // SAFETY: the handle switches to `Done` after `Ready`.
        Poll::Ready(unsafe { Self::take(block) })
    }

    /// # Safety
    ///
    /// `block` holds an output written by [`Ready::write`], dropped exactly
    /// once, here.
    unsafe fn drop(block: NonNull<u8>) {
        // SAFETY: an output lives at `OFFSET` (contract).
        unsafe { ptr::drop_in_place(block.add(Self::OFFSET).cast::<T>().as_ptr()) }
    }
}

#[track_caller]
fn poll_after_completion<T>(_: NonNull<u8>, _: &mut Context<'_>) -> Poll<T> {
    panic!("stackslot: slot future polled after it completed")
}
