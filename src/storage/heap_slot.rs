//! [`HeapSlot`]: the caller's reusable heap buffer (a cached box).

use core::alloc::Layout;
use core::fmt;
use core::future::Future;
use core::mem::size_of;
use core::ptr::NonNull;

use alloc::alloc::{alloc, dealloc, handle_alloc_error};

use crate::block::Event;
use crate::block::occupancy;
use crate::future::Reservation;
use crate::space::Scratch;
use crate::space::Stats;
use crate::space::{CountedHeader, Header, Link};
use crate::space::{Fallback, MIN_SPACE_ALIGN, SpaceInfo};

const STORAGE: &str = "a heap slot";

/// A space on the heap that grows to the largest future it was offered and
/// is then reused: the caller-side cached box.
///
/// The first future allocates the buffer; a later future that does not fit
/// (larger or more aligned) replaces it with a larger one; every other
/// future reuses it. A loop of calls therefore allocates once per new
/// largest size, not once per call, and a heap slot never shrinks unless
/// asked ([`free_buffer`](HeapSlot::free_buffer)). Unlike a
/// [`Slot`](crate::Slot) it need not be pinned: the buffer does not move
/// when the `HeapSlot` does.
///
/// Pick it over a stack `Slot` when the futures are too large or too varied
/// for the stack and the same call site runs often; over `Box` per call when
/// the allocator shows up in profiles. It costs one heap block, kept while
/// the `HeapSlot` lives.
///
/// Its [`Stats`] count a future that made the buffer grow as a fallback.
/// Leaking a handle whose future lives in the buffer makes the next
/// [`scratch`](HeapSlot::scratch), [`free_buffer`](HeapSlot::free_buffer) or
/// drop abort, as for a `Slot`.
///
/// # Example
///
/// ```
/// use stackslot::{HeapSlot, Scratch, SlotFuture};
///
/// fn call<'s>(scratch: Scratch<'s>, n: usize) -> SlotFuture<'s, usize> {
///     let payload = [1u8; 300];
///     scratch.emplace(async move { payload.len() + n })
/// }
///
/// let mut heap = HeapSlot::new();
/// for n in 0..10 {
///     drop(call(heap.scratch(), n));
/// }
/// let stats = heap.stats();
/// assert_eq!((stats.fallbacks(), stats.hits()), (1, 9)); // grew once, reused 9 times
/// assert!(heap.capacity() >= 300);
/// ```
#[repr(C, align(16))]
pub struct HeapSlot {
    /// Lent while no buffer is allocated: a space of no capacity, whose
    /// first miss allocates the buffer. Counts until then.
    empty: CountedHeader,
    /// The buffer: a [`CountedHeader`] followed by `capacity` bytes, aligned
    /// to `align`.
    buffer: Option<NonNull<CountedHeader>>,
    /// 0 without a buffer: the empty header has no room.
    capacity: usize,
    /// [`MIN_SPACE_ALIGN`] without a buffer: the empty header's, at the
    /// start of this 16-aligned struct.
    align: usize,
}

// SAFETY: a `HeapSlot` owns its buffer like a `Box`. A future in it is
// reached only through its handle (whose own `Send` decides where it may be
// polled and dropped) and is never dropped by the heap slot: leaked futures
// make it abort instead. `&HeapSlot` only reads counters.
unsafe impl Send for HeapSlot {}
// SAFETY: as for `Send`.
unsafe impl Sync for HeapSlot {}

impl HeapSlot {
    /// An empty heap slot; allocates nothing until the first future.
    ///
    /// # Example
    ///
    /// ```
    /// let heap = stackslot::HeapSlot::new();
    /// assert_eq!(heap.capacity(), 0);
    /// ```
    pub const fn new() -> Self {
        HeapSlot {
            empty: CountedHeader::new(),
            buffer: None,
            capacity: 0,
            align: MIN_SPACE_ALIGN,
        }
    }

    /// A heap slot with a buffer of at least `capacity` bytes, aligned to
    /// 16, allocated now.
    ///
    /// # Panics
    ///
    /// When the buffer, with its header, would be larger than `isize::MAX`
    /// bytes; the message names the requested capacity.
    ///
    /// # Example
    ///
    /// ```
    /// let heap = stackslot::HeapSlot::with_capacity(1024);
    /// assert_eq!(heap.capacity(), 1024);
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> Self {
        let mut heap = Self::new();
        heap.grow(capacity, MIN_SPACE_ALIGN);
        heap
    }

    /// The buffer's capacity in bytes (0 before the first future).
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(stackslot::HeapSlot::with_capacity(100).capacity(), 100);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The buffer's alignment in bytes: at least 16.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(stackslot::HeapSlot::new().alignment(), 16);
    /// ```
    pub fn alignment(&self) -> usize {
        self.align
    }

    /// Lends the buffer; a future that does not fit makes it grow.
    ///
    /// # Example
    ///
    /// ```
    /// let mut heap = stackslot::HeapSlot::new();
    /// let fut = heap.scratch().emplace(async { 1 });
    /// assert!(fut.is_inline()); // the caller's space, on the heap
    /// # drop(fut);
    /// ```
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn scratch(&mut self) -> Scratch<'_> {
        let buffer = self.buffer;
        let info = SpaceInfo::new(self.capacity, self.align, Fallback::Grow);
        // Every pointer below derives from this one, to the whole heap slot.
        let this = NonNull::from(self);
        let space = Self::space(this, buffer);
        // SAFETY: `space` heads a live space: the buffer, or the empty header.
        unsafe { occupancy(space) }.assert_vacant(STORAGE, Event::Reuse);
        let space = space.cast::<Header>();
        // SAFETY:
        // - `space` heads a vacant space: the buffer (a `CountedHeader`,
        //   which starts with the `Header` that `space` points to, followed
        //   by `capacity` bytes, aligned to `align`, size rounded up to it)
        //   or the empty header (capacity 0, in this 16-aligned struct: only
        //   zero-sized futures fit, at an aligned address within it). `info`
        //   counts (`SpaceInfo::new`'s default): the header is a
        //   `CountedHeader`.
        // - It is borrowed exclusively through `&mut self` for the scratch's
        //   lifetime; `scratch`, `free_buffer` and drop check the occupancy
        //   before reusing or freeing it.
        // - The link lets `Fallback::Grow` reach this heap slot, which the
        //   scratch borrows exclusively.
        unsafe {
            Header::set_link(
                space,
                Link {
                    ptr: this.as_ptr().cast_const().cast(),
                    word: 0,
                },
            );
            #[cfg(feature = "profile")]
            Header::set_site(space, core::panic::Location::caller());
            Scratch::from_space(space, info)
        }
    }

    /// A copy of the counters: hits, growths (as fallbacks) and sizes.
    ///
    /// # Example
    ///
    /// ```
    /// let mut heap = stackslot::HeapSlot::new();
    /// drop(heap.scratch().emplace(async { 1 }));
    /// assert_eq!(heap.stats().fallbacks(), 1); // the first future allocates
    /// ```
    pub fn stats(&self) -> Stats {
        self.header().stats()
    }

    /// Sets the counters back to zero.
    ///
    /// # Example
    ///
    /// ```
    /// let mut heap = stackslot::HeapSlot::new();
    /// drop(heap.scratch().emplace(async { 1 }));
    /// heap.reset_stats();
    /// assert_eq!(heap.stats().emplacements(), 0);
    /// ```
    pub fn reset_stats(&mut self) {
        let buffer = self.buffer;
        let mut space = Self::space(NonNull::from(self), buffer);
        // SAFETY: `space` heads a live space (the buffer, or the empty header
        // in `self`), and `&mut self` excludes every other access to it.
        unsafe { space.as_mut() }.set_stats(Stats::default());
    }

    /// Whether a future with drop glue lives in the buffer: only after its
    /// handle was leaked.
    ///
    /// # Example
    ///
    /// ```
    /// let mut heap = stackslot::HeapSlot::new();
    /// drop(heap.scratch().emplace(async { 1 }));
    /// assert!(!heap.is_occupied());
    /// ```
    pub fn is_occupied(&self) -> bool {
        self.header().header().occupancy().is_occupied()
    }

    /// Frees the buffer, keeping the counters; the next future allocates
    /// again.
    ///
    /// # Example
    ///
    /// ```
    /// let mut heap = stackslot::HeapSlot::with_capacity(4096);
    /// heap.free_buffer();
    /// assert_eq!(heap.capacity(), 0);
    /// ```
    pub fn free_buffer(&mut self) {
        if let Some(buffer) = self.buffer.take() {
            // SAFETY: the buffer is live and `&mut self` excludes every other
            // access to it.
            let header = unsafe { buffer.as_ref() };
            header
                .header()
                .occupancy()
                .assert_vacant(STORAGE, Event::Drop);
            self.empty.set_stats(header.stats());
            // SAFETY: allocated by `grow` with this layout, vacant, and no
            // longer referenced.
            unsafe { dealloc(buffer.as_ptr().cast(), self.layout()) };
            self.capacity = 0;
            self.align = MIN_SPACE_ALIGN;
        }
    }

    /// The header of the space lent now.
    fn header(&self) -> &CountedHeader {
        let space = Self::space(NonNull::from(self), self.buffer);
        // SAFETY: `space` heads a space that lives while `self` does: the
        // buffer, or the empty header in `self`.
        unsafe { space.as_ref() }
    }

    /// The header of the space lent now: `buffer`'s, or without one the
    /// empty header, which starts this `repr(C)` struct at `this`.
    fn space(
        this: NonNull<Self>,
        buffer: Option<NonNull<CountedHeader>>,
    ) -> NonNull<CountedHeader> {
        buffer.unwrap_or(this.cast())
    }

    /// The layout of a buffer of the current capacity and alignment. Never
    /// panics: the buffer was allocated with this very layout.
    fn layout(&self) -> Layout {
        Self::layout_for(self.capacity, self.align)
    }

    /// A header followed by `capacity` bytes, aligned to `align`, its size
    /// rounded up to the alignment like a `Slot`'s.
    ///
    /// # Panics
    ///
    /// When the buffer would be larger than `isize::MAX` bytes, with a
    /// message that names `capacity` and `align`. No future is placed yet
    /// then, and the heap slot is unchanged.
    #[track_caller]
    fn layout_for(capacity: usize, align: usize) -> Layout {
        let layout = size_of::<CountedHeader>()
            .checked_add(capacity)
            .and_then(|size| Layout::from_size_align(size, align).ok());
        match layout {
            Some(layout) => layout.pad_to_align(),
            // Not in a closure: the panic's location is the caller's.
            None => capacity_overflow(capacity, align),
        }
    }

    /// Replaces the (vacant) buffer with one of at least `capacity` bytes
    /// aligned to at least `align`, carrying the counters over; returns the
    /// new buffer.
    #[track_caller]
    fn grow(&mut self, capacity: usize, align: usize) -> NonNull<CountedHeader> {
        let capacity = capacity.max(self.capacity);
        let align = align.max(self.align);
        let layout = Self::layout_for(capacity, align);
        // SAFETY: the layout has a non-zero size (it holds a header).
        let Some(new) = NonNull::new(unsafe { alloc(layout) }.cast::<CountedHeader>()) else {
            handle_alloc_error(layout)
        };
        let mut header = CountedHeader::new();
        header.set_stats(self.stats());
        // SAFETY: `new` is a fresh allocation, aligned to at least a header's
        // alignment and large enough for one.
        unsafe { new.write(header) };
        if let Some(old) = self.buffer.replace(new) {
            // SAFETY: allocated by `grow` with the old layout (still in
            // `self`), vacant (lending checked it), no longer referenced.
            unsafe { dealloc(old.as_ptr().cast(), self.layout()) };
        }
        self.capacity = capacity;
        self.align = align;
        new
    }

    /// The fallback of a heap slot's scratch: grows the buffer for a `F`
    /// and reserves it.
    ///
    /// # Safety
    ///
    /// `link` was set by [`HeapSlot::scratch`] for a scratch borrowed for
    /// `'s`, whose space is vacant, and nothing else accesses the heap slot
    /// during the call.
    pub(crate) unsafe fn grow_and_reserve<'s, F: Future + 's>(link: Link) -> Reservation<'s, F> {
        // SAFETY: the link points to the heap slot, borrowed exclusively by
        // the scratch (contract).
        let this = unsafe { &mut *link.ptr.cast_mut().cast::<HeapSlot>() };
        let buffer = this.grow(size_of::<F>(), core::mem::align_of::<F>());
        // SAFETY: the new buffer is vacant, aligned to at least `F`'s
        // alignment and holds `F` at its offset (capacity >= size_of::<F>()),
        // and it stays borrowed for `'s` through the scratch.
        unsafe { Reservation::in_block(buffer) }
    }
}

/// The panic of [`HeapSlot::layout_for`].
#[cold]
#[inline(never)]
#[track_caller]
fn capacity_overflow(capacity: usize, align: usize) -> ! {
    panic!(
        "stackslot: a heap slot of {capacity} bytes aligned to {align} cannot be allocated: \
         with its {}-byte header it would exceed isize::MAX ({}) bytes",
        size_of::<CountedHeader>(),
        isize::MAX,
    )
}

impl Default for HeapSlot {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for HeapSlot {
    /// Frees the buffer.
    ///
    /// # Panics
    ///
    /// Never; aborts the process if a leaked future with drop glue still
    /// lives in the buffer.
    fn drop(&mut self) {
        self.empty
            .header()
            .occupancy()
            .assert_vacant(STORAGE, Event::Drop);
        self.free_buffer();
        #[cfg(feature = "profile")]
        crate::profile::flush_pending();
    }
}

impl fmt::Debug for HeapSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeapSlot")
            .field("capacity", &self.capacity)
            .field("alignment", &self.align)
            .field("occupied", &self.is_occupied())
            .field("stats", &self.stats())
            .finish()
    }
}
