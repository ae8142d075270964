//! [`SideStack`]: one caller-owned region shared by nested dyn calls,
//! allocated and released in LIFO order, as a runtime could provide it.

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomPinned;
use core::mem::{MaybeUninit, align_of, offset_of};
use core::pin::Pin;
use core::ptr::NonNull;

use crate::block::{BlockHeader, block_layout, occupancy};
use crate::block::{Event, Occupancy};
use crate::future::Reservation;
use crate::space::Scratch;
use crate::space::Stats;
use crate::space::{Align16, Alignment};
use crate::space::{Fallback, SpaceInfo, misfit};
use crate::sync::{self, AtomicBool, Ordering, const_unless_loom, spin_loop};

const STORAGE: &str = "a side stack";

/// The header of a side-stack frame: one future.
#[repr(C)]
struct Frame {
    occupancy: Occupancy,
    /// The stack's top before this frame was pushed.
    start: usize,
    /// The offset of the frame below, if any.
    below: Option<usize>,
}

// SAFETY: `repr(C)`, and the first field is the `Occupancy`.
unsafe impl BlockHeader for Frame {
    const INLINE: bool = true;
    // Frames are shared: the stack must see which ones are still in use.
    const RECORDS_ALL: bool = true;
}

/// What pushing and popping change, behind the lock.
struct State {
    /// Bytes in use, from the region's start.
    top: usize,
    /// The offset of the topmost frame.
    last: Option<usize>,
    stats: Stats,
}

/// The part of a side stack that does not depend on its size; a scratch of
/// the stack points to it (through a pointer to the whole stack).
pub(crate) struct Control {
    /// Taken while the state is used: only ever contended if the stack is
    /// shared between threads, which its intended use (one task) is not.
    busy: AtomicBool,
    state: sync::UnsafeCell<State>,
    /// Where the region starts, from the start of the stack.
    region_offset: usize,
    capacity: usize,
    align: usize,
    /// The call site of the last lend (null before the first): an
    /// approximation when scratches of the stack are lent before the
    /// earlier ones are used. Not part of the protocol that loom checks.
    #[cfg(feature = "profile")]
    site: core::sync::atomic::AtomicPtr<core::panic::Location<'static>>,
}

/// A region of `N` bytes that nested dyn calls share, each future taking a
/// frame on top and the frames freed in LIFO order: the side stack a runtime
/// could give each task.
///
/// Where a [`Slot`](crate::Slot) lends one future's worth of space to one
/// call, a side stack lends from one region to any number of calls, nested
/// or sequential: [`or_box`](SideStack::or_box) and
/// [`stack_only`](SideStack::stack_only) take a shared, pinned reference, so
/// the futures placed in it can themselves lend it to the calls they make.
/// A frame is freed when its future is dropped or completes and every frame
/// above it is free; a future that does not fit the free bytes falls back as
/// the scratch says. Pick it when the call depth is dynamic (recursion,
/// middleware chains) and one slot per call site would be too many. Each
/// push and pop takes an internal spin lock, uncontended within one task.
///
/// A frame whose future's handle was leaked stays in use; dropping the side
/// stack then aborts the process if that future has drop glue, as for a
/// `Slot`.
///
/// The lock needs compare-and-swap: the type exists on targets that have it
/// (`cfg(target_has_atomic = "8")`), and on the others (`thumbv6m-none-eabi`,
/// `riscv32imc-unknown-none-elf`) with the `portable-atomic` feature.
///
/// # Example
///
/// ```
/// use core::pin::{pin, Pin};
/// use stackslot::{Scratch, SideStack, SlotFuture};
///
/// # #[cfg(feature = "alloc")] {
/// // A recursive dyn call: every level lends the same side stack.
/// fn depth<'s>(stack: Pin<&'s SideStack<4096>>, scratch: Scratch<'s>, n: u32) -> SlotFuture<'s, u32> {
///     scratch.emplace(async move {
///         if n == 0 { 0 } else { 1 + depth(stack, stack.or_box(), n - 1).await }
///     })
/// }
///
/// let stack = pin!(SideStack::<4096>::new());
/// let stack = stack.into_ref();
/// let mut fut = depth(stack, stack.or_box(), 5);
/// let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
/// assert_eq!(Pin::new(&mut fut).poll(&mut cx), core::task::Poll::Ready(5));
/// # use core::future::Future;
/// drop(fut);
/// assert_eq!(stack.stats().hits(), 6);
/// assert_eq!(stack.used(), 0);
/// # }
/// ```
#[repr(C)]
pub struct SideStack<const N: usize, A: Alignment = Align16> {
    _align: [A; 0],
    core: Control,
    /// Reached only through a pointer to the whole stack, never through a
    /// reference to this field.
    region: Region<N, A>,
    _pinned: PhantomPinned,
}

/// The stack's bytes, aligned to `A` (after the `Control`, whose size is a
/// multiple of 8 only).
#[repr(C)]
struct Region<const N: usize, A: Alignment> {
    _align: [A; 0],
    bytes: UnsafeCell<[MaybeUninit<u8>; N]>,
}

// SAFETY: the state is used only behind the lock; a frame is written only
// while it is pushed (behind the lock) and then belongs to one handle. A
// future in a frame is reached only through its handle, whose own `Send`
// decides where it may go; a `Send` handle dropped on another thread touches
// only its frame's atomic occupancy, released after the future's destructor.
// Leaked futures are never dropped.
unsafe impl<const N: usize, A: Alignment> Send for SideStack<N, A> {}
// SAFETY: as for `Send`: every access through `&SideStack` is a locked one
// or an atomic one.
unsafe impl<const N: usize, A: Alignment> Sync for SideStack<N, A> {}

impl<const N: usize, A: Alignment> SideStack<N, A> {
    const_unless_loom! {
        /// An empty side stack. Pin it before use.
        ///
        /// # Example
        ///
        /// ```
        /// let stack = core::pin::pin!(stackslot::SideStack::<1024>::new());
        /// assert_eq!(stack.used(), 0);
        /// ```
        pub fn new() -> Self {
            SideStack {
                _align: [],
                core: Control {
                    busy: AtomicBool::new(false),
                    state: sync::UnsafeCell::new(State {
                        top: 0,
                        last: None,
                        stats: Stats::new(),
                    }),
                    region_offset: offset_of!(Self, region),
                    capacity: N,
                    align: A::BYTES,
                    #[cfg(feature = "profile")]
                    site: core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
                },
                region: Region {
                    _align: [],
                    bytes: UnsafeCell::new([MaybeUninit::uninit(); N]),
                },
                _pinned: PhantomPinned,
            }
        }
    }

    /// Lends the stack; a future that does not fit the free bytes is moved
    /// to the heap.
    ///
    /// # Example
    ///
    /// ```
    /// let stack = core::pin::pin!(stackslot::SideStack::<64>::new());
    /// let bytes = [0u8; 100];
    /// let fut = stack.as_ref().or_box().emplace(async move { bytes.len() });
    /// assert!(!fut.is_inline());
    /// # drop(fut);
    /// ```
    #[cfg(feature = "alloc")]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn or_box(self: Pin<&Self>) -> Scratch<'_> {
        self.lend(Fallback::SideStackOrBox)
    }

    /// Lends the stack; the callee may never allocate, and a future that
    /// does not fit the free bytes makes `emplace` panic.
    ///
    /// # Example
    ///
    /// ```
    /// let stack = core::pin::pin!(stackslot::SideStack::<256>::new());
    /// let fut = stack.as_ref().stack_only().emplace(async { 1 });
    /// assert!(fut.is_inline());
    /// assert!(stack.used() > 0);
    /// # drop(fut);
    /// ```
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn stack_only(self: Pin<&Self>) -> Scratch<'_> {
        self.lend(Fallback::SideStack)
    }

    /// The bytes taken by frames still in use.
    ///
    /// # Example
    ///
    /// ```
    /// let stack = core::pin::pin!(stackslot::SideStack::<256>::new());
    /// assert_eq!(stack.used(), 0);
    /// ```
    pub fn used(&self) -> usize {
        let region = self.region_start();
        self.core.locked(|state| {
            // SAFETY: `region` starts this stack's region.
            unsafe { state.reclaim(region) };
            state.top
        })
    }

    /// A copy of the counters: futures placed on the stack (hits) and those
    /// that did not fit (fallbacks).
    ///
    /// # Example
    ///
    /// ```
    /// let stack = core::pin::pin!(stackslot::SideStack::<256>::new());
    /// drop(stack.as_ref().stack_only().emplace(async { 1 }));
    /// assert_eq!(stack.stats().hits(), 1);
    /// ```
    pub fn stats(&self) -> Stats {
        self.core.locked(|state| state.stats)
    }

    /// The start of the region, with the provenance of the whole stack.
    fn region_start(&self) -> NonNull<u8> {
        // SAFETY: the region is a field of the stack, at this offset.
        unsafe {
            NonNull::from(self)
                .cast::<u8>()
                .add(self.core.region_offset)
        }
    }

    #[cfg_attr(feature = "profile", track_caller)]
    fn lend(self: Pin<&Self>, fallback: Fallback) -> Scratch<'_> {
        #[cfg(feature = "profile")]
        self.core.site.store(
            core::ptr::from_ref(core::panic::Location::caller()).cast_mut(),
            core::sync::atomic::Ordering::Relaxed,
        );
        // SAFETY:
        // - The space pointer points to the whole (pinned) stack, whose first
        //   field is its `Control`: a side-stack scratch has no room of its
        //   own, and its fallback (`SideStack*`) reads it as the `Control`.
        // - The stack is borrowed for the scratch's lifetime, so it is
        //   neither moved (it is pinned) nor dropped meanwhile.
        unsafe {
            Scratch::from_space(
                NonNull::from(self.get_ref()).cast(),
                SpaceInfo::none(fallback),
            )
        }
    }
}

impl State {
    /// The frame at `offset` in the region that starts at `region`.
    ///
    /// # Safety
    ///
    /// `offset` is within that region (a pushed frame, or where one is being
    /// pushed).
    unsafe fn frame(region: NonNull<u8>, offset: usize) -> NonNull<Frame> {
        // SAFETY: `offset` is within the region (contract).
        unsafe { region.add(offset) }.cast()
    }

    /// Pops the frames at the top whose futures are gone.
    ///
    /// # Safety
    ///
    /// `region` starts the region of this state's stack.
    unsafe fn reclaim(&mut self, region: NonNull<u8>) {
        while let Some(offset) = self.last {
            // SAFETY: offsets in the chain are pushed frames of the region.
            let frame = unsafe { Self::frame(region, offset) };
            // SAFETY: as above.
            if unsafe { occupancy(frame) }.is_occupied() {
                break;
            }
            // SAFETY: as above; a frame's header is written only when pushed.
            let frame = unsafe { frame.as_ref() };
            self.top = frame.start;
            self.last = frame.below;
        }
    }
}

impl Control {
    /// Runs `f` on the state, holding the lock.
    fn locked<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        struct Unlock<'a>(&'a AtomicBool);
        impl Drop for Unlock<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        while self
            .busy
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            spin_loop();
        }
        let _unlock = Unlock(&self.busy);
        // SAFETY: the lock is held: no other reference to the state exists.
        self.state.with_mut(|state| f(unsafe { &mut *state }))
    }

    /// Pushes a frame for a `F` if it fits the free bytes; otherwise the
    /// free space, for the overflow message.
    ///
    /// # Safety
    ///
    /// `stack` points to the whole side stack whose core this is, pinned and
    /// borrowed for `'s`.
    unsafe fn push<'s, F: Future + 's>(
        &'s self,
        stack: NonNull<u8>,
    ) -> Result<Reservation<'s, F>, SpaceInfo> {
        // SAFETY: `stack` points to the whole stack (contract), whose region
        // is at this offset.
        let region = unsafe { stack.add(self.region_offset) };
        self.locked(|state| {
            // SAFETY: `region` starts this stack's region (contract).
            unsafe { state.reclaim(region) };
            let start = state.top;
            let block = block_layout::<F, Frame>();
            let (size, align) = (block.size(), block.align());
            let frame_at = start.next_multiple_of(align);
            let end = frame_at + size;
            let reason = misfit(end, align_of::<F>(), self.capacity, self.align);
            state.stats.record_for::<F>(reason);
            #[cfg(feature = "profile")]
            if let Some(site) = self.site() {
                crate::profile::record::<F>(site, reason);
            }
            if reason.is_some() {
                return Err(SpaceInfo::new(
                    self.capacity - start,
                    self.align,
                    Fallback::StackOnly,
                ));
            }
            // SAFETY: the frame and `F` after it end at `end <= capacity`,
            // within the region; the region is aligned to `self.align`, at
            // least `F`'s and the frame's alignment, so the frame is aligned;
            // the bytes from `start` up belong to no frame.
            let frame = unsafe {
                let frame = State::frame(region, frame_at);
                frame.write(Frame {
                    occupancy: Occupancy::vacant(),
                    start,
                    below: state.last,
                });
                frame
            };
            state.last = Some(frame_at);
            state.top = end;
            // SAFETY: the frame is vacant and holds `F` at its offset; it is
            // recorded as occupied before the lock is released (frames record
            // every future), so it is not popped before its future is gone,
            // and the caller writes the future right after.
            Ok(unsafe { Reservation::in_block(frame) })
        })
    }

    /// The call site of the stack's last lend.
    #[cfg(feature = "profile")]
    fn site(&self) -> Option<crate::profile::SiteRef> {
        let site = self.site.load(core::sync::atomic::Ordering::Relaxed);
        // SAFETY: null, or stored from a `&'static Location` by `lend`.
        unsafe { site.as_ref() }
    }

    /// The call site of the last lend of the side stack at `stack`.
    ///
    /// # Safety
    ///
    /// `stack` is the space of a live scratch lent by a side stack.
    #[cfg(feature = "profile")]
    pub(crate) unsafe fn site_of(stack: NonNull<u8>) -> Option<crate::profile::SiteRef> {
        // SAFETY: the stack starts with its `Control` (`repr(C)`, after a
        // zero-sized field) and is borrowed by the scratch (contract).
        unsafe { stack.cast::<Control>().as_ref() }.site()
    }

    /// The fallback of a side stack's scratch: a frame for a `F`, or the
    /// free space when it does not fit the free bytes (the scratch decides
    /// what to do then).
    ///
    /// # Safety
    ///
    /// `stack` is the space of a scratch lent by a side stack, borrowed for
    /// `'s`.
    pub(crate) unsafe fn try_reserve<'s, F: Future + 's>(
        stack: NonNull<u8>,
    ) -> Result<Reservation<'s, F>, SpaceInfo> {
        // SAFETY: the stack starts with its `Control` (`repr(C)`, after a
        // zero-sized field) and is borrowed for `'s` (contract).
        let core = unsafe { stack.cast::<Control>().as_ref() };
        // SAFETY: as the contract says.
        unsafe { core.push::<F>(stack) }
    }
}

impl<const N: usize, A: Alignment> Default for SideStack<N, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, A: Alignment> Drop for SideStack<N, A> {
    /// # Panics
    ///
    /// Never; aborts the process if a leaked future with drop glue still
    /// lives on the stack.
    fn drop(&mut self) {
        let region = self.region_start();
        // SAFETY: `&mut self`: no other reference to the state exists.
        let mut next = self.core.state.with_mut(|state| unsafe { (*state).last });
        while let Some(offset) = next {
            // SAFETY: offsets in the chain are pushed frames of the region.
            let frame = unsafe { State::frame(region, offset) };
            // SAFETY: as above.
            unsafe { occupancy(frame) }.assert_vacant(STORAGE, Event::Drop);
            // SAFETY: as above; a frame's header is written only when pushed.
            next = unsafe { frame.as_ref() }.below;
        }
    }
}

impl<const N: usize, A: Alignment> fmt::Debug for SideStack<N, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SideStack")
            .field("capacity", &N)
            .field("alignment", &A::BYTES)
            .field("used", &self.used())
            .field("stats", &self.stats())
            .finish()
    }
}
