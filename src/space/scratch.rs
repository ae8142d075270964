//! [`Scratch`]: the caller's space, type-erased, as a dyn method receives it.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::task::Context;

use crate::block::BlockHeader;
use crate::future::RawFuture;
use crate::future::Reservation;
use crate::future::{LocalSlotFuture, SlotFuture};
use crate::space::{CountedHeader, Header, Link};
use crate::space::{Fallback, SpaceInfo};
use crate::space::{Overflow, stack_only_overflow};
#[cfg(feature = "alloc")]
use crate::storage::HeapBlock;
#[cfg(feature = "alloc")]
use crate::storage::HeapSlot;
#[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
#[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
use crate::storage::SideStackControl;

/// Space the caller lends to a callee for the future it returns, and what the
/// callee may do when the future does not fit.
///
/// This is the argument of the *scratch-space ABI*: a dyn-compatible async
/// method takes a `Scratch<'s>` and returns a [`SlotFuture<'s, T>`]. The
/// scratch does not mention the slot's size, so the trait stays
/// dyn-compatible and each caller picks its own. It is two words (a pointer to
/// the space's header and one word of capacity, alignment and fallback), is
/// passed by value, and is consumed by the one emplacement it allows.
///
/// Made by [`Slot::or_box`](crate::Slot::or_box) (fall back to `Box`),
/// [`Slot::stack_only`](crate::Slot::stack_only) (never allocate), or
/// [`Scratch::boxed`] (no space: for futures that escape the caller's frame).
///
/// A scratch is neither `Send` nor `Sync`: it is used by the callee, on the
/// caller's thread, before the call returns.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{Scratch, Slot, SlotFuture};
///
/// trait DynGreeter {
///     fn greet<'s>(&'s self, scratch: Scratch<'s>) -> SlotFuture<'s, String>;
/// }
///
/// struct English;
/// impl DynGreeter for English {
///     fn greet<'s>(&'s self, scratch: Scratch<'s>) -> SlotFuture<'s, String> {
///         scratch.emplace(async { "hello".to_string() })
///     }
/// }
///
/// let greeter: &dyn DynGreeter = &English;
/// let mut slot = pin!(Slot::<128>::new());
/// # #[cfg(feature = "alloc")] {
/// let fut = greeter.greet(slot.as_mut().or_box());
/// assert!(fut.is_inline());
/// # drop(fut);
/// # }
/// ```
pub struct Scratch<'s> {
    /// Read as `info`'s fallback tag says (docs/ARCHITECTURE.md, "What a
    /// scratch's pointer points to"): the header of the lent space (a slot,
    /// a heap slot's buffer); for a side stack's scratch (`SideStack*`
    /// tags, no space of its own), the whole side stack, its control block
    /// first; for [`Scratch::boxed`] (no space, `Box` tag), dangling and
    /// never used, or with the feature `profile` the `&'static Location`
    /// of its call site, read only by [`Scratch::site`].
    space: NonNull<Header>,
    info: SpaceInfo,
    /// Borrows the space exclusively for `'s`.
    _space: PhantomData<&'s mut Header>,
}

impl<'s> Scratch<'s> {
    /// A scratch over the space headed by `space`, or over the storage that
    /// `info`'s fallback reads `space` as.
    ///
    /// # Safety
    ///
    /// - When `info` has a space: `space` points to a vacant, live
    ///   [`Header`], the first field of a [`CountedHeader`] when
    ///   `info.counts()`; call that header `H` (the `CountedHeader` or the
    ///   `Header`). `H` is followed by bytes such that any `F` with
    ///   `info.fits::<F>()` fits at
    ///   [`future_offset::<F, H>`](crate::block::future_offset), and the
    ///   pointer may write the whole space (`H` included); the header's
    ///   [`Link`] is what `info`'s fallback needs (`Grow`, `Next`, `Arena`).
    /// - When it has none, `space` is what its fallback reads: the whole
    ///   side stack for the `SideStack*` tags (see
    ///   `SideStackControl::try_reserve`); unused for `Box` and `StackOnly`.
    /// - What `space` points to is borrowed exclusively (a side stack:
    ///   shared) for `'s` and, when `'s` ends, is not reused or freed before
    ///   its owner checked its occupancy
    ///   ([`Occupancy::assert_vacant`](crate::block::Occupancy::assert_vacant)).
    #[inline(always)]
    pub(crate) unsafe fn from_space(space: NonNull<Header>, info: SpaceInfo) -> Self {
        Scratch {
            space,
            info,
            _space: PhantomData,
        }
    }

    /// No space: every future is boxed. For futures that escape the caller's
    /// frame, or callers that have no slot to lend.
    ///
    /// # Example
    ///
    /// ```
    /// use stackslot::Scratch;
    ///
    /// let fut = Scratch::boxed().emplace(async { 7 });
    /// assert!(!fut.is_inline());
    /// # drop(fut);
    /// ```
    #[cfg(feature = "alloc")]
    #[cfg_attr(feature = "profile", track_caller)]
    pub const fn boxed() -> Scratch<'static> {
        Scratch {
            space: Self::boxed_space(),
            info: SpaceInfo::none(Fallback::Box),
            _space: PhantomData,
        }
    }

    /// The pointer of [`Scratch::boxed`]: never used.
    #[cfg(all(feature = "alloc", not(feature = "profile")))]
    const fn boxed_space() -> NonNull<Header> {
        NonNull::dangling()
    }

    /// The pointer of [`Scratch::boxed`]: its call site, which the scratch
    /// has no header to keep in (docs/ARCHITECTURE.md, "What a scratch's
    /// pointer points to"); only [`Scratch::site`] reads it, as a
    /// `Location`.
    #[cfg(feature = "profile")]
    #[track_caller]
    const fn boxed_space() -> NonNull<Header> {
        let site: crate::profile::SiteRef = core::panic::Location::caller();
        // SAFETY: made from a reference, so not null.
        unsafe { NonNull::new_unchecked(core::ptr::from_ref(site).cast_mut().cast()) }
    }

    /// The call site that lent this scratch's space, if it is known: kept
    /// in the space's header, in a side stack's control block (its last
    /// lend), or for [`Scratch::boxed`] in the pointer itself.
    #[cfg(feature = "profile")]
    fn site(&self) -> Option<crate::profile::SiteRef> {
        if self.info.has_space() {
            // SAFETY: the scratch has a space, so `space` points to its
            // live header, borrowed for `'s` (`from_space`); nothing
            // borrows it mutably during this call.
            return unsafe { Header::site(self.space) };
        }
        match self.info.fallback() {
            // SAFETY: a `Box` scratch without a space is made only by
            // `Scratch::boxed` (or restored from its link, unchanged), whose
            // pointer is a `&'static Location` under this feature.
            Fallback::Box => Some(unsafe { &*self.space.as_ptr().cast_const().cast() }),
            #[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
            // SAFETY: a side stack's scratch points to the whole stack,
            // borrowed for `'s` (`SideStack::lend`).
            Fallback::SideStack | Fallback::SideStackOrBox => unsafe {
                SideStackControl::site_of(self.space.cast())
            },
            _ => None,
        }
    }

    /// Attributes the lend of this scratch's space to `site` instead of
    /// where it was lent (a stream's lends: to where the stream was made).
    #[cfg(all(feature = "profile", feature = "futures"))]
    pub(crate) fn attribute_to(&self, site: crate::profile::SiteRef) {
        if self.info.has_space() {
            // SAFETY: the scratch has a space, so `space` points to its live
            // header, borrowed for `'s` (`from_space`); nothing borrows it
            // during this call.
            unsafe { Header::set_site(self.space, site) }
        }
    }

    /// Counts a fallback that allocates from the global heap at this
    /// scratch's site.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    fn record_heap_allocation(&self) {
        #[cfg(feature = "profile")]
        crate::profile::record_heap_allocation(self.site());
    }

    /// Panics if fallbacks are denied on this thread (`profile::deny_fallbacks`):
    /// a `F` did not fit `space`, a space of this scratch.
    #[inline(always)]
    #[track_caller]
    #[cfg_attr(not(feature = "profile"), allow(clippy::extra_unused_type_parameters))]
    fn check_fallback<F>(&self, space: SpaceInfo) {
        #[cfg(feature = "profile")]
        crate::profile::check_fallback::<F>(self.site(), space);
        #[cfg(not(feature = "profile"))]
        let _ = space;
    }

    /// A frame of this side stack's scratch for a `F`, or the free space
    /// when it does not fit (checked against `profile::deny_fallbacks`).
    ///
    /// # Safety
    ///
    /// The scratch was lent by a side stack (a `SideStack*` tag).
    #[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
    #[inline(always)]
    #[track_caller]
    unsafe fn side_stack_reserve<F: Future + 's>(&self) -> Result<Reservation<'s, F>, SpaceInfo> {
        // SAFETY: a side stack's scratch points to the whole stack,
        // borrowed for `'s` (`SideStack::lend`; the caller's contract).
        let reserved = unsafe { SideStackControl::try_reserve::<F>(self.space.cast()) };
        if let Err(space) = reserved {
            self.check_fallback::<F>(space);
        }
        reserved
    }

    /// The capacity of the lent space in bytes (0 for [`Scratch::boxed`]).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<256>::new());
    /// # #[cfg(feature = "alloc")] {
    /// assert_eq!(slot.as_mut().or_box().capacity(), 256);
    /// # }
    /// ```
    pub fn capacity(&self) -> usize {
        self.info.capacity()
    }

    /// The alignment of the lent space in bytes (0 for [`Scratch::boxed`]).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::{Align64, Slot};
    ///
    /// let mut slot = pin!(Slot::<256, Align64>::new());
    /// # #[cfg(feature = "alloc")] {
    /// assert_eq!(slot.as_mut().or_box().alignment(), 64);
    /// # }
    /// ```
    pub fn alignment(&self) -> usize {
        self.info.align()
    }

    /// Whether a future that does not fit may be moved to the heap.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<256>::new());
    /// # #[cfg(feature = "alloc")] {
    /// assert!(slot.as_mut().or_box().may_allocate());
    /// # }
    /// assert!(!slot.as_mut().stack_only().may_allocate());
    /// ```
    pub fn may_allocate(&self) -> bool {
        match self.info.fallback() {
            #[cfg(feature = "alloc")]
            Fallback::Box | Fallback::Grow => true,
            #[cfg(feature = "bumpalo")]
            Fallback::Arena => true,
            Fallback::StackOnly => false,
            Fallback::Next => self.next().may_allocate(),
            #[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
            Fallback::SideStack => false,
            #[cfg(all(
                feature = "alloc",
                any(target_has_atomic = "8", feature = "portable-atomic")
            ))]
            Fallback::SideStackOrBox => true,
        }
    }

    /// Whether a future of type `F` would be placed in the lent space.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<8>::new());
    /// # #[cfg(feature = "alloc")] {
    /// let scratch = slot.as_mut().or_box();
    /// assert!(scratch.fits::<[u8; 8]>());
    /// assert!(!scratch.fits::<[u8; 9]>());
    /// # }
    /// ```
    pub fn fits<F>(&self) -> bool {
        self.info.fits::<F>()
    }

    /// Places `f` in the lent space when it fits, otherwise falls back as the
    /// scratch allows: to the heap (`or_box`, [`Scratch::boxed`]) or to a
    /// panic (`stack_only`).
    ///
    /// A future fits when `size_of::<F>()` is at most the capacity and
    /// `align_of::<F>()` at most the space's alignment. The slot's
    /// [`Stats`](crate::Stats) count the outcome, when it keeps them (not a
    /// [`NoStats`](crate::NoStats) slot).
    ///
    /// # Panics
    ///
    /// When `f` does not fit a `stack_only` space. The message names the
    /// future's size and alignment and the space's. Use
    /// [`try_emplace`](Scratch::try_emplace) to get the future back instead.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// # #[cfg(feature = "alloc")] {
    /// let fut = slot.as_mut().or_box().emplace(async { 1 + 1 });
    /// assert!(fut.is_inline());
    /// # drop(fut);
    /// # }
    /// ```
    ///
    /// The future must be `Send`; use [`emplace_local`](Scratch::emplace_local)
    /// for one that is not:
    ///
    /// ```compile_fail
    /// use core::pin::pin;
    /// use std::rc::Rc;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let rc = Rc::new(1);
    /// let fut = slot.as_mut().or_box().emplace(async move { *rc });
    /// ```
    ///
    /// One slot lends its space to one future at a time:
    ///
    /// ```compile_fail
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let first = slot.as_mut().or_box().emplace(async { 1 });
    /// let second = slot.as_mut().or_box().emplace(async { 2 });
    /// drop(first);
    /// ```
    #[inline]
    #[track_caller]
    pub fn emplace<F>(self, f: F) -> SlotFuture<'s, F::Output>
    where
        F: Future + Send + 's,
    {
        SlotFuture::from_raw(self.emplace_raw(f))
    }

    /// [`emplace`](Scratch::emplace) for a future that need not be `Send`.
    ///
    /// # Panics
    ///
    /// When `f` does not fit a `stack_only` space, like
    /// [`emplace`](Scratch::emplace).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use std::rc::Rc;
    /// use stackslot::Slot;
    ///
    /// let rc = Rc::new(1);
    /// let mut slot = pin!(Slot::<64>::new());
    /// # #[cfg(feature = "alloc")] {
    /// let fut = slot.as_mut().or_box().emplace_local(async move { *rc });
    /// assert!(fut.is_inline());
    /// # drop(fut);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn emplace_local<F>(self, f: F) -> LocalSlotFuture<'s, F::Output>
    where
        F: Future + 's,
    {
        LocalSlotFuture::from_raw(self.emplace_raw(f))
    }

    /// Places `f` in the lent space when it fits; never allocates. Otherwise
    /// gives `f` back inside an [`Overflow`] that says why.
    ///
    /// # Errors
    ///
    /// [`Overflow`] when `f` is larger or more aligned than the space, or the
    /// scratch has no space.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let bytes = [0u8; 64];
    /// # #[cfg(feature = "alloc")] {
    /// let err = slot.as_mut().or_box().try_emplace(async move { bytes.len() }).unwrap_err();
    /// assert_eq!(err.to_string(), "a future of 65 bytes (align 1) does not fit a space of 64 bytes (align 16)");
    /// # }
    /// ```
    #[inline]
    pub fn try_emplace<F>(self, f: F) -> Result<SlotFuture<'s, F::Output>, Overflow<F>>
    where
        F: Future + Send + 's,
    {
        self.try_emplace_raw(f).map(SlotFuture::from_raw)
    }

    /// [`try_emplace`](Scratch::try_emplace) for a future that need not be
    /// `Send`.
    ///
    /// # Errors
    ///
    /// [`Overflow`] when `f` does not fit, like
    /// [`try_emplace`](Scratch::try_emplace).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use std::rc::Rc;
    /// use stackslot::Slot;
    ///
    /// let rc = Rc::new(1);
    /// let mut slot = pin!(Slot::<64>::new());
    /// let fut = slot.as_mut().stack_only().try_emplace_local(async move { *rc }).unwrap();
    /// assert!(fut.is_inline());
    /// # drop(fut);
    /// ```
    #[inline]
    pub fn try_emplace_local<F>(self, f: F) -> Result<LocalSlotFuture<'s, F::Output>, Overflow<F>>
    where
        F: Future + 's,
    {
        self.try_emplace_raw(f).map(LocalSlotFuture::from_raw)
    }

    /// Reserves the space for `F`, which fits it, in a space headed by a
    /// [`CountedHeader`], and counts the hit.
    ///
    /// # Safety
    ///
    /// `space` is the space of a scratch borrowed for `'s` whose `info`
    /// counts, and `F` fits it.
    #[inline(always)]
    unsafe fn reserve_counted<F: Future + 's>(space: NonNull<Header>) -> Reservation<'s, F> {
        // SAFETY: `from_space`'s contract gives a live, vacant space,
        // exclusively borrowed for `'s`, headed by a `CountedHeader` (the
        // scratch counts), in which every fitting `F` fits at its offset
        // after that header; nothing else borrows the header during this
        // call.
        unsafe {
            Header::record::<F>(space, true, None);
            Reservation::in_block(space.cast::<CountedHeader>())
        }
    }

    /// Reserves the space for `F`, which fits it, in a space headed by a
    /// plain [`Header`] (no counters).
    ///
    /// # Safety
    ///
    /// `space` is the space of a scratch borrowed for `'s` whose `info` does
    /// not count, and `F` fits it.
    #[inline(always)]
    unsafe fn reserve_uncounted<F: Future + 's>(space: NonNull<Header>) -> Reservation<'s, F> {
        // SAFETY: as in `reserve_counted`, for a space headed by a `Header`
        // (the scratch does not count).
        unsafe {
            Header::record::<F>(space, false, None);
            Reservation::in_block(space)
        }
    }

    /// Places `f`: in the space when it fits, otherwise where the fallback
    /// reserves room for it; either way written there directly.
    ///
    /// This is [`reserve`](Scratch::reserve) then `fill`, with the `fill`
    /// in each arm: on the hot path the future's offset is then a constant,
    /// not a load from the vtable after the arms join.
    ///
    /// A counting space's hit costs one comparison, as if there were no
    /// other kind ([`SpaceInfo::fits_counted`]); a space without counters
    /// fails it and is checked second.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn emplace_raw<F: Future + 's>(self, f: F) -> RawFuture<'s, F::Output> {
        match self.reserve_here::<F>() {
            Some(here) => self.fill_here(here, f),
            None => self.reserve_elsewhere::<F>().fill(f),
        }
    }

    /// A reservation for a `F` in this scratch's space, with the header
    /// that heads it, or `None` when `F` does not fit it.
    #[inline(always)]
    fn reserve_here<F: Future + 's>(&self) -> Option<Here<'s, F>> {
        if self.info.fits_counted::<F>() {
            // SAFETY: the space of this scratch, which counts; `F` fits it.
            Some(Here::Counted(unsafe {
                Self::reserve_counted::<F>(self.space)
            }))
        } else if self.info.fits_uncounted::<F>() {
            // SAFETY: the space of this scratch, which `F` fits; it does not
            // count, or `fits_counted` would have held.
            Some(Here::Bare(unsafe {
                Self::reserve_uncounted::<F>(self.space)
            }))
        } else {
            None
        }
    }

    /// Fills a reservation in this scratch's space with `f`, and polls it
    /// at once when the space was lent by `Slot::call`.
    #[inline(always)]
    fn fill_here<F: Future + 's>(&self, here: Here<'s, F>, f: F) -> RawFuture<'s, F::Output> {
        match here {
            // SAFETY: a reservation in this scratch's space, headed by a
            // `CountedHeader` (`reserve_here`).
            Here::Counted(reservation) => unsafe {
                self.fill_eagerly::<F, CountedHeader>(reservation, f)
            },
            // SAFETY: as above, headed by a bare `Header`.
            Here::Bare(reservation) => unsafe { self.fill_eagerly::<F, Header>(reservation, f) },
        }
    }

    /// [`Scratch::fill_here`] for a block headed by a `H`.
    ///
    /// # Safety
    ///
    /// `reservation` is in this scratch's space, a block headed by a `H`
    /// (a [`CountedHeader`] when the scratch counts, else a [`Header`]).
    #[inline(always)]
    unsafe fn fill_eagerly<F: Future + 's, H: BlockHeader>(
        &self,
        reservation: Reservation<'s, F>,
        f: F,
    ) -> RawFuture<'s, F::Output> {
        let mut raw = reservation.fill(f);
        if self.info.is_eager() {
            // SAFETY: `raw` was just filled with a `F` in this scratch's
            // space, headed by a `H` (contract).
            unsafe { self.poll_eagerly::<F, H>(&mut raw) };
        }
        raw
    }

    /// The eager path (docs/ARCHITECTURE.md, "The eager path"): polls the
    /// `F` just placed in the space with the context of the `Slot::call`
    /// that lent it, through a direct call; on `Ready`, the future is
    /// dropped and its output kept in the space, in the handle. Does
    /// nothing when the output does not fit the space or the context is
    /// gone (the call's poll returned).
    ///
    /// # Safety
    ///
    /// `raw` was filled with a `F` in this scratch's space (so `F` fits
    /// it), a block headed by a `H`, and has not been polled.
    #[inline(always)]
    unsafe fn poll_eagerly<F: Future + 's, H: BlockHeader>(
        &self,
        raw: &mut RawFuture<'s, F::Output>,
    ) {
        let space = self.space;
        // `F` fits the space (contract), so an output no larger and no more
        // aligned than `F` does too: the test is then a constant, and the
        // branch on the eager bit stays one test.
        let fits_as_f =
            size_of::<F::Output>() <= size_of::<F>() && align_of::<F::Output>() <= align_of::<F>();
        if !fits_as_f && !self.info.fits::<F::Output>() {
            return;
        }
        // SAFETY: the space's live header, exclusively borrowed for `'s`;
        // no reference to it exists during this call.
        let link = unsafe { Header::link(space) };
        let Some(cx) = NonNull::new(link.ptr.cast_mut().cast::<Context<'_>>()) else {
            return;
        };
        // SAFETY: an eager space's non-null link is the `&mut Context` of
        // the `Slot::call` poll that is running the callee now (it clears
        // the link before it returns or unwinds), which does not use it
        // until the callee returns; the scratch allows one emplacement, so
        // this is the context's only use.
        let cx = unsafe { &mut *cx.as_ptr() };
        // SAFETY: `raw` holds a `F` in a block headed by a `H`, not polled
        // yet (contract); its output fits the space (checked above).
        unsafe { raw.poll_eagerly::<F, H>(cx) };
    }

    /// A reservation for a `F`: in the space when it fits, otherwise as the
    /// fallback says.
    ///
    /// # Panics
    ///
    /// As [`Scratch::emplace`].
    #[track_caller]
    pub(crate) fn reserve<F: Future + 's>(self) -> Reservation<'s, F> {
        match self.reserve_here::<F>() {
            Some(here) => here.into_reservation(),
            None => self.reserve_elsewhere::<F>(),
        }
    }

    /// Where a `F` that does not fit the space goes, as the fallback says.
    /// Panics for a space that may not allocate (the future, still owned by
    /// the caller, is dropped while unwinding).
    ///
    /// This is the crate's one deliberate cycle between layers: the space
    /// layer calls into the storages (which lend scratches). The fallbacks
    /// are a closed set, so a `match` on the tag makes every call static; a
    /// trait object or a function pointer in the scratch would cost an
    /// indirect call and a third word (docs/ARCHITECTURE.md, "Layers").
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn reserve_elsewhere<F: Future + 's>(self) -> Reservation<'s, F> {
        self.record_misfit::<F>();
        // The common fallback first, without the jump table or the spills
        // that the other arms need.
        #[cfg(feature = "alloc")]
        if self.info.fallback() == Fallback::Box {
            return self.reserve_boxed::<F>();
        }
        self.reserve_by_tag::<F>()
    }

    /// A block of the global heap for a `F`, counted as an allocation.
    #[cfg(feature = "alloc")]
    #[inline(always)]
    fn reserve_boxed<F: Future + 's>(&self) -> Reservation<'s, F> {
        self.record_heap_allocation();
        HeapBlock::reserve::<F>()
    }

    /// [`Scratch::reserve_elsewhere`] by the fallback's tag, after the
    /// misfit was recorded (`reserve_elsewhere` boxes before it gets here;
    /// the `Box` arm keeps the match whole).
    #[inline(never)]
    #[track_caller]
    fn reserve_by_tag<F: Future + 's>(self) -> Reservation<'s, F> {
        match self.info.fallback() {
            #[cfg(feature = "alloc")]
            Fallback::Box => self.reserve_boxed::<F>(),
            Fallback::StackOnly => stack_only_overflow::<F>(self.info),
            #[cfg(feature = "alloc")]
            Fallback::Grow => {
                self.record_heap_allocation();
                // SAFETY: a `Grow` space is lent by `HeapSlot::scratch`, whose
                // link points to the heap slot, exclusively borrowed for `'s`.
                unsafe { HeapSlot::grow_and_reserve::<F>(Header::link(self.space)) }
            }
            Fallback::Next => self.next().reserve::<F>(),
            #[cfg(feature = "bumpalo")]
            // SAFETY: an `Arena` space is lent by `Slot::or_arena`, whose link
            // points to an arena borrowed for `'s`; a scratch stays on its
            // thread.
            Fallback::Arena => unsafe {
                crate::storage::Arena::reserve::<F>(Header::link(self.space))
            },
            #[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
            Fallback::SideStack => {
                // SAFETY: lent by a side stack (the tag).
                match unsafe { self.side_stack_reserve::<F>() } {
                    Ok(reservation) => reservation,
                    Err(space) => stack_only_overflow::<F>(space),
                }
            }
            #[cfg(all(
                feature = "alloc",
                any(target_has_atomic = "8", feature = "portable-atomic")
            ))]
            Fallback::SideStackOrBox => {
                // SAFETY: lent by a side stack (the tag).
                match unsafe { self.side_stack_reserve::<F>() } {
                    Ok(reservation) => reservation,
                    Err(_) => self.reserve_boxed::<F>(),
                }
            }
        }
    }

    /// Places `f` in a space of this scratch (or of the ones it hands on
    /// to) without allocating, or gives it back.
    #[inline(always)]
    pub(crate) fn try_emplace_raw<F: Future + 's>(
        self,
        f: F,
    ) -> Result<RawFuture<'s, F::Output>, Overflow<F>> {
        if let Some(here) = self.reserve_here::<F>() {
            return Ok(self.fill_here(here, f));
        }
        match self.try_reserve_elsewhere::<F>() {
            Ok(reservation) => Ok(reservation.fill(f)),
            Err(space) => Err(Overflow::new(f, space)),
        }
    }

    /// A reservation for a `F` in the spaces this scratch offers without
    /// allocating, or the last space that refused it.
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub(crate) fn try_reserve<F: Future + 's>(self) -> Result<Reservation<'s, F>, SpaceInfo> {
        match self.reserve_here::<F>() {
            Some(here) => Ok(here.into_reservation()),
            None => self.try_reserve_elsewhere::<F>(),
        }
    }

    /// Where a `F` that does not fit the space goes without allocating, or
    /// the last space that refused it.
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    fn try_reserve_elsewhere<F: Future + 's>(self) -> Result<Reservation<'s, F>, SpaceInfo> {
        self.record_misfit::<F>();
        match self.info.fallback() {
            Fallback::Next => self.next().try_reserve::<F>(),
            #[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
            // SAFETY: lent by a side stack (the tag).
            Fallback::SideStack => unsafe { self.side_stack_reserve::<F>() },
            #[cfg(all(
                feature = "alloc",
                any(target_has_atomic = "8", feature = "portable-atomic")
            ))]
            // SAFETY: lent by a side stack (the tag).
            Fallback::SideStackOrBox => unsafe { self.side_stack_reserve::<F>() },
            _ => Err(self.info),
        }
    }

    /// Counts a `F` that did not fit in the space's statistics (and with
    /// the feature `profile`, at its site, and panics if fallbacks are
    /// denied; a side stack's scratch does both when its frame is refused).
    #[cfg_attr(feature = "profile", track_caller)]
    fn record_misfit<F>(&self) {
        if self.info.has_space() {
            // SAFETY: the scratch has a space, so `space` points to its live
            // header (the first field of a `CountedHeader` when `info`
            // counts), exclusively borrowed for `'s` (`from_space`), and
            // nothing else borrows it during this call.
            unsafe { Header::record::<F>(self.space, self.info.counts(), self.info.misfit::<F>()) }
        }
        #[cfg(feature = "profile")]
        match self.info.fallback() {
            #[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
            Fallback::SideStack | Fallback::SideStackOrBox => {}
            fallback => {
                if !self.info.has_space() && fallback == Fallback::Box {
                    if let Some(site) = self.site() {
                        crate::profile::record::<F>(site, self.info.misfit::<F>());
                    }
                }
                self.check_fallback::<F>(self.info);
            }
        }
    }

    /// The scratch a [`Fallback::Next`] space hands on to, from its link.
    fn next(&self) -> Scratch<'s> {
        debug_assert_eq!(self.info.fallback(), Fallback::Next);
        // SAFETY: a `Next` space is lent by `Slot::then`, which stores the
        // next scratch (borrowed for `'s`, like this one) in the link and
        // gives it up: this scratch, consumed by the one emplacement it
        // allows, is its only owner.
        let link = unsafe { Header::link(self.space) };
        Scratch {
            space: NonNull::new(link.ptr.cast_mut())
                .expect("a Next link holds a scratch")
                .cast(),
            info: SpaceInfo::from_word(link.word),
            _space: PhantomData,
        }
    }

    /// Whether the space was lent by `Slot::call` (or a stream) with the
    /// caller's context (docs/ARCHITECTURE.md, "The eager path").
    pub(crate) fn is_eager(&self) -> bool {
        self.info.is_eager()
    }

    /// Whether the space's header is a [`CountedHeader`], which counts.
    pub(crate) fn counts(&self) -> bool {
        self.info.counts()
    }

    /// The header of the lent space (dangling for [`Scratch::boxed`]).
    pub(crate) fn space(&self) -> NonNull<Header> {
        self.space
    }

    /// Stores this scratch in `link`, for [`Fallback::Next`].
    pub(crate) fn into_link(self) -> Link {
        Link {
            ptr: self.space.as_ptr().cast_const().cast(),
            word: self.info.to_word(),
        }
    }
}

impl fmt::Debug for Scratch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scratch")
            .field("capacity", &self.capacity())
            .field("alignment", &self.alignment())
            .field("may_allocate", &self.may_allocate())
            .finish()
    }
}

/// A reservation in a scratch's own space, by the header that heads the
/// space: the eager poll needs it to find the future and its output.
enum Here<'s, F: Future> {
    /// A [`CountedHeader`]: the space counts.
    Counted(Reservation<'s, F>),
    /// A bare [`Header`]: a space without counters.
    Bare(Reservation<'s, F>),
}

impl<'s, F: Future> Here<'s, F> {
    /// The reservation, for a caller that fills it itself.
    #[inline(always)]
    fn into_reservation(self) -> Reservation<'s, F> {
        match self {
            Here::Counted(reservation) | Here::Bare(reservation) => reservation,
        }
    }
}
