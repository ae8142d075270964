//! [`Slot`]: the caller's pinned space for one future at a time.

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomPinned;
use core::mem::{MaybeUninit, align_of, size_of};
use core::pin::Pin;
use core::ptr::NonNull;

use crate::block::Event;
use crate::future::{LocalSlotFuture, SlotFuture};
use crate::space::Header;
#[cfg(feature = "bumpalo")]
use crate::space::Link;
use crate::space::Scratch;
use crate::space::Stats;
use crate::space::{Align16, Alignment};
use crate::space::{Counting, WithStats};
use crate::space::{Fallback, MAX_CAPACITY, SpaceInfo};

pub(super) const STORAGE: &str = "a slot";

/// An `N`-byte space for one future, reserved by the caller (on its stack or
/// in its own future) and pinned, that callees write their futures into.
///
/// The buffer is aligned to `A` (16 bytes by default; see [`Alignment`]). A
/// future fits when `size_of::<F>() <= N` and `align_of::<F>() <= A::BYTES`.
/// Besides the buffer, the slot holds a small header: whether a future
/// occupies it, what its fallback needs, and, unless `C` is
/// [`NoStats`](crate::NoStats), its [`Stats`] (see [`Counting`]).
///
/// # Size
///
/// The header comes first, then the buffer, and the whole is rounded up to
/// `A`. On 64-bit targets:
///
/// | slot | header | `size_of` |
/// | --- | --- | --- |
/// | `Slot<0>` | 104 (two words and the 88 bytes of [`Stats`]) | 112 |
/// | `Slot<64>` | 104 | 176 |
/// | `Slot<64, Align64>` | 104 | 192 |
/// | `Slot<0, Align16, NoStats>` | 16 | 16 |
/// | `Slot<64, Align16, NoStats>` | 16 | 80 |
/// | `Slot<64, Align64, NoStats>` | 16 | 128 |
///
/// On 32-bit targets the header without counters is 8 bytes
/// (`Slot<64, Align16, NoStats>` is 80 bytes). With the feature `profile`
/// each header grows by 16 bytes on 64-bit targets (the lending site).
/// `tests/sizes.rs` asserts these figures.
///
/// Lend it to a callee with [`or_box`](Slot::or_box) (a future that does not
/// fit is boxed) or [`stack_only`](Slot::stack_only) (never allocate). The
/// returned future borrows the slot, so it cannot outlive it, and the slot
/// lends its space to one future at a time.
///
/// # Leaked futures abort
///
/// If the handle of a future that lives in the slot is leaked (for example
/// with [`mem::forget`](core::mem::forget)) and the future has drop glue
/// (every `async` block does), the future is still in the slot, pinned. The
/// next `or_box`/`stack_only` on the slot, or dropping the slot, would reuse
/// or free its memory without running its destructor, which breaks
/// [`Pin`]'s drop guarantee (think of a `tokio::sync::Notify` waiter still
/// linked into the notifier's list). So the process aborts instead, with a
/// message that names the future's type. The abort cannot be caught or
/// skipped: nothing on its path unwinds (`catch_unwind` does not see it),
/// and it does not depend on the message being written (a closed or full
/// stderr changes nothing). A leaked future without drop glue is simply
/// forgotten.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{Scratch, Slot, SlotFuture};
///
/// trait DynCounter {
///     fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, u32>;
/// }
///
/// struct Counter(u32);
/// impl DynCounter for Counter {
///     fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, u32> {
///         scratch.emplace(async move {
///             self.0 += 1;
///             self.0
///         })
///     }
/// }
///
/// # #[cfg(feature = "alloc")] {
/// async fn sum_three(counter: &mut dyn DynCounter) -> u32 {
///     let mut slot = pin!(Slot::<64>::new());
///     let mut sum = 0;
///     for _ in 0..3 {
///         sum += counter.next(slot.as_mut().or_box()).await;
///     }
///     assert_eq!(slot.stats().hits(), 3);
///     sum
/// }
/// # let mut counter = Counter(0);
/// # let mut fut = pin!(sum_three(&mut counter));
/// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
/// # assert_eq!(fut.as_mut().poll(&mut cx), core::task::Poll::Ready(6));
/// # use core::future::Future;
/// # }
/// ```
#[repr(C)]
pub struct Slot<const N: usize, A: Alignment = Align16, C: Counting = WithStats> {
    /// Aligns the whole slot, hence the header and the space after it, to `A`.
    _align: [A; 0],
    /// A `CountedHeader` or a `Header`; either starts with the `Header` that
    /// a scratch points to.
    header: C::Header,
    /// The bytes after the header. Reached only through a pointer to the
    /// whole slot, never through a reference to this field. In an
    /// `UnsafeCell` so that a `&Slot` (for [`Slot::stats`]) claims nothing
    /// about them: a leaked future may still be written there through a
    /// pointer an intrusive list kept, even from another thread.
    _bytes: UnsafeCell<[MaybeUninit<u8>; N]>,
    _pinned: PhantomPinned,
}

// SAFETY: `&Slot` reads only the header's counters and occupancy record
// (atomic), which no other thread writes while a shared reference exists:
// a handle borrows the slot exclusively, and a leaked handle's future writes
// only its own bytes, inside the `UnsafeCell`, which `&Slot` never reads.
unsafe impl<const N: usize, A: Alignment, C: Counting> Sync for Slot<N, A, C> {}

/// A slot of 64 bytes.
///
/// # Example
///
/// ```
/// let slot = core::pin::pin!(stackslot::Slot64::new());
/// assert_eq!(slot.as_ref().capacity(), 64);
/// ```
pub type Slot64 = Slot<64>;
/// A slot of 128 bytes.
///
/// # Example
///
/// ```
/// let slot = core::pin::pin!(stackslot::Slot128::new());
/// assert_eq!(slot.as_ref().capacity(), 128);
/// ```
pub type Slot128 = Slot<128>;
/// A slot of 256 bytes.
///
/// # Example
///
/// ```
/// let slot = core::pin::pin!(stackslot::Slot256::new());
/// assert_eq!(slot.as_ref().capacity(), 256);
/// ```
pub type Slot256 = Slot<256>;
/// A slot of 512 bytes.
///
/// # Example
///
/// ```
/// let slot = core::pin::pin!(stackslot::Slot512::new());
/// assert_eq!(slot.as_ref().capacity(), 512);
/// ```
pub type Slot512 = Slot<512>;
/// A slot of 1 KiB.
///
/// # Example
///
/// ```
/// let slot = core::pin::pin!(stackslot::Slot1K::new());
/// assert_eq!(slot.as_ref().capacity(), 1024);
/// ```
pub type Slot1K = Slot<1024>;
/// A slot of 2 KiB.
///
/// # Example
///
/// ```
/// let slot = core::pin::pin!(stackslot::Slot2K::new());
/// assert_eq!(slot.as_ref().capacity(), 2048);
/// ```
pub type Slot2K = Slot<2048>;
/// A slot of 4 KiB.
///
/// # Example
///
/// ```
/// let slot = core::pin::pin!(stackslot::Slot4K::new());
/// assert_eq!(slot.as_ref().capacity(), 4096);
/// ```
pub type Slot4K = Slot<4096>;

impl<const N: usize, A: Alignment, C: Counting> Slot<N, A, C> {
    #[cfg(feature = "alloc")]
    pub(crate) const OR_BOX: SpaceInfo = Self::info(Fallback::Box);
    pub(crate) const STACK_ONLY: SpaceInfo = Self::info(Fallback::StackOnly);
    const CHAINED: SpaceInfo = Self::info(Fallback::Next);
    #[cfg(feature = "bumpalo")]
    const ARENA: SpaceInfo = Self::info(Fallback::Arena);

    /// The packed word of a scratch over this slot with `fallback`.
    const fn info(fallback: Fallback) -> SpaceInfo {
        SpaceInfo::new(N, A::BYTES, fallback).counting(C::COUNTS)
    }

    /// An empty slot. Pin it before use, e.g. with [`core::pin::pin!`].
    ///
    /// # Example
    ///
    /// ```
    /// use stackslot::{Align64, Slot};
    ///
    /// let slot = core::pin::pin!(Slot::<256>::new());
    /// let aligned = core::pin::pin!(Slot::<256, Align64>::new());
    /// # drop((slot, aligned));
    /// ```
    pub const fn new() -> Self {
        const { assert!(N <= MAX_CAPACITY, "stackslot: slot capacity too large") };
        Slot {
            _align: [],
            header: C::NEW,
            _bytes: UnsafeCell::new([MaybeUninit::uninit(); N]),
            _pinned: PhantomPinned,
        }
    }

    /// Whether a future of type `F` fits this slot: `size_of::<F>() <= N`
    /// and `align_of::<F>() <= A::BYTES`.
    ///
    /// # Example
    ///
    /// ```
    /// use stackslot::{Align64, Slot};
    ///
    /// #[repr(align(64))]
    /// struct Aligned([u8; 64]);
    ///
    /// const _: () = assert!(Slot::<64>::fits::<[u8; 64]>());
    /// const _: () = assert!(!Slot::<64>::fits::<[u8; 65]>());
    /// const _: () = assert!(!Slot::<64>::fits::<Aligned>());
    /// const _: () = assert!(Slot::<64, Align64>::fits::<Aligned>());
    /// ```
    pub const fn fits<F>() -> bool {
        size_of::<F>() <= N && align_of::<F>() <= A::BYTES
    }

    /// The capacity in bytes: `N`.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(stackslot::Slot::<100>::new().capacity(), 100);
    /// ```
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The buffer's alignment in bytes: `A::BYTES`.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(stackslot::Slot::<100>::new().alignment(), 16);
    /// ```
    pub const fn alignment(&self) -> usize {
        A::BYTES
    }

    /// Lends the slot; a future that does not fit is moved to the heap.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let small = slot.as_mut().or_box().emplace(async { 1u8 });
    /// assert!(small.is_inline());
    /// drop(small);
    /// let bytes = [1u8; 100];
    /// let large = slot.as_mut().or_box().emplace(async move { bytes.len() });
    /// assert!(!large.is_inline());
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn or_box(self: Pin<&mut Self>) -> Scratch<'_> {
        self.lend(Self::OR_BOX)
    }

    /// Lends the slot; the callee may never allocate. A future that does not
    /// fit makes [`Scratch::emplace`] panic and [`Scratch::try_emplace`]
    /// return it.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let fut = slot.as_mut().stack_only().emplace(async { 1u8 });
    /// assert!(fut.is_inline());
    /// drop(fut);
    /// let bytes = [1u8; 100];
    /// assert!(slot.as_mut().stack_only().try_emplace(async move { bytes.len() }).is_err());
    /// ```
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn stack_only(self: Pin<&mut Self>) -> Scratch<'_> {
        self.lend(Self::STACK_ONLY)
    }

    /// Places `f` in this slot, where both types are known: never allocates,
    /// and fails the build when `F` can never fit.
    ///
    /// ```compile_fail
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let bytes = [0u8; 64];
    /// let fut = slot.as_mut().place(async move { bytes.len() }); // 65 bytes
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let bytes = [0u8; 63];
    /// let fut = slot.as_mut().place(async move { bytes.len() }); // 64 bytes
    /// assert!(fut.is_inline());
    /// # drop(fut);
    /// ```
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn place<'s, F>(self: Pin<&'s mut Self>, f: F) -> SlotFuture<'s, F::Output>
    where
        F: Future + Send + 's,
    {
        const {
            assert!(
                Self::fits::<F>(),
                "stackslot: the future is larger or more aligned than the slot \
                 (see `Slot::fits`; the types are in the notes below)"
            )
        };
        self.stack_only().emplace(f)
    }

    /// [`place`](Slot::place) for a future that need not be `Send`.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use std::rc::Rc;
    /// use stackslot::Slot;
    ///
    /// let rc = Rc::new(3);
    /// let mut slot = pin!(Slot::<64>::new());
    /// let fut = slot.as_mut().place_local(async move { *rc });
    /// assert!(fut.is_inline());
    /// # drop(fut);
    /// ```
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn place_local<'s, F>(self: Pin<&'s mut Self>, f: F) -> LocalSlotFuture<'s, F::Output>
    where
        F: Future + 's,
    {
        const {
            assert!(
                Self::fits::<F>(),
                "stackslot: the future is larger or more aligned than the slot \
                 (see `Slot::fits`; the types are in the notes below)"
            )
        };
        self.stack_only().emplace_local(f)
    }

    /// Whether a future with drop glue lives in the slot. Always `false`
    /// while no handle is alive, unless a handle was leaked.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// assert!(!slot.is_occupied());
    /// # #[cfg(feature = "alloc")] {
    /// drop(slot.as_mut().or_box().emplace(async {}));
    /// # }
    /// assert!(!slot.is_occupied());
    /// ```
    pub fn is_occupied(&self) -> bool {
        C::header(&self.header).occupancy().is_occupied()
    }

    /// Aborts the process if a leaked future with drop glue occupies the
    /// slot, before the owner does what `event` says.
    #[inline(always)]
    pub(crate) fn assert_vacant(&self, event: Event) {
        C::header(&self.header)
            .occupancy()
            .assert_vacant(STORAGE, event);
    }

    /// Lends the slot, then `next` for a future that does not fit it: the
    /// callee takes the first space that fits, and the last space's
    /// fallback applies when none does. A tiered scratch, e.g. a small stack
    /// slot before a [`HeapSlot`](crate::HeapSlot) that only sees the rare
    /// large future.
    ///
    /// [`Scratch::try_emplace`] tries every space of the chain and falls
    /// back to none.
    ///
    /// # Example
    ///
    /// ```
    /// # #[cfg(feature = "alloc")] {
    /// use core::pin::pin;
    /// use stackslot::{HeapSlot, Slot};
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let mut heap = HeapSlot::new();
    /// let small = slot.as_mut().then(heap.scratch()).emplace(async { 1 });
    /// assert!(small.is_inline());
    /// drop(small);
    /// let bytes = [0u8; 500];
    /// let large = slot.as_mut().then(heap.scratch()).emplace(async move { bytes.len() });
    /// drop(large);
    /// assert_eq!(slot.stats().fallbacks(), 1);
    /// assert_eq!(heap.stats().emplacements(), 1); // only the large future reached the heap slot
    /// # }
    /// ```
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn then<'s>(self: Pin<&'s mut Self>, next: Scratch<'s>) -> Scratch<'s> {
        let scratch = self.lend(Self::CHAINED);
        // SAFETY: the scratch's space is this slot's header, exclusively
        // borrowed for `'s`; `next` is borrowed for `'s` too and handed over
        // to the link, which the returned scratch alone uses.
        unsafe { Header::set_link(scratch.space(), next.into_link()) };
        scratch
    }

    /// Lends the slot; a future that does not fit goes to `arena` instead of
    /// the global heap.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::{Arena, Slot};
    ///
    /// let arena = Arena::new();
    /// let mut slot = pin!(Slot::<64>::new());
    /// let bytes = [0u8; 100];
    /// let fut = slot.as_mut().or_arena(&arena).emplace(async move { bytes.len() });
    /// assert!(!fut.is_inline());
    /// assert!(arena.allocated_bytes() > 100);
    /// # drop(fut);
    /// ```
    #[cfg(feature = "bumpalo")]
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn or_arena<'s>(self: Pin<&'s mut Self>, arena: &'s crate::Arena) -> Scratch<'s> {
        let scratch = self.lend(Self::ARENA);
        let link = Link {
            ptr: core::ptr::from_ref(arena).cast(),
            word: 0,
        };
        // SAFETY: the scratch's space is this slot's header, exclusively
        // borrowed for `'s`; the arena is borrowed for `'s` as well.
        unsafe { Header::set_link(scratch.space(), link) };
        scratch
    }

    /// Lends the slot as a space described by `info` (its capacity and
    /// alignment, and one of the fallbacks).
    ///
    /// With the feature `profile`, the lend is attributed to the caller's
    /// location (`#[track_caller]` all the way from the public lend).
    #[inline(always)]
    #[cfg_attr(feature = "profile", track_caller)]
    pub(crate) fn lend(self: Pin<&mut Self>, info: SpaceInfo) -> Scratch<'_> {
        // SAFETY: nothing is moved out of the slot; the pointer made from the
        // reference keeps pointing at the pinned slot.
        let this = unsafe { self.get_unchecked_mut() };
        this.assert_vacant(Event::Reuse);
        let space = NonNull::from(this).cast::<Header>();
        // SAFETY:
        // - `space` is made from a pointer to the whole slot, so it may write
        //   the header and the `N` bytes after it (and trailing padding). The
        //   slot's header (`C::Header`, at offset 0) is a `CountedHeader`
        //   exactly when `info` counts (`Self::info`), and starts with the
        //   `Header` that `space` points to. The slot is aligned to `A`, and
        //   a fitting `F` (size <= N, align <= A) ends at or before
        //   `round_up(size_of::<C::Header>() + N, A)`, the slot's size.
        // - The slot is vacant (checked above) and exclusively borrowed for
        //   the scratch's lifetime; it checks `assert_vacant` again before it
        //   is lent again and when it is dropped.
        let scratch = unsafe { Scratch::from_space(space, info) };
        #[cfg(feature = "profile")]
        // SAFETY: the slot's header, exclusively borrowed by `scratch`,
        // which is not used yet.
        unsafe {
            Header::set_site(space, core::panic::Location::caller())
        };
        scratch
    }
}

impl<const N: usize, A: Alignment> Slot<N, A, WithStats> {
    /// A copy of the slot's counters: hits, fallbacks and future sizes.
    ///
    /// Only a slot that counts has them: the default
    /// [`WithStats`](crate::WithStats), not [`NoStats`](crate::NoStats).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// # #[cfg(feature = "alloc")] {
    /// drop(slot.as_mut().or_box().emplace(async {}));
    /// assert_eq!(slot.stats().hits(), 1);
    /// # }
    /// ```
    pub fn stats(&self) -> Stats {
        self.header.stats()
    }

    /// Sets the slot's counters back to zero (a slot that counts only, like
    /// [`stats`](Slot::stats)).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::{Slot, Stats};
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// # #[cfg(feature = "alloc")] {
    /// drop(slot.as_mut().or_box().emplace(async {}));
    /// # }
    /// slot.as_mut().reset_stats();
    /// assert_eq!(slot.stats(), Stats::default());
    /// ```
    pub fn reset_stats(self: Pin<&mut Self>) {
        // SAFETY: the counters are not structurally pinned; nothing moves.
        unsafe { self.get_unchecked_mut() }
            .header
            .set_stats(Stats::default());
    }
}

impl<const N: usize, A: Alignment, C: Counting> Default for Slot<N, A, C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, A: Alignment, C: Counting> Drop for Slot<N, A, C> {
    /// # Panics
    ///
    /// Never; aborts the process if a leaked future with drop glue still
    /// lives in the slot (see the type's docs).
    fn drop(&mut self) {
        self.assert_vacant(Event::Drop);
        #[cfg(feature = "profile")]
        crate::profile::flush_pending();
    }
}

impl<const N: usize, A: Alignment, C: Counting> fmt::Debug for Slot<N, A, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Slot");
        debug
            .field("capacity", &N)
            .field("alignment", &A::BYTES)
            .field("occupied", &self.is_occupied());
        if let Some(stats) = C::stats(&self.header) {
            debug.field("stats", &stats);
        }
        debug.finish()
    }
}
