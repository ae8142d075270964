//! [`Arena`]: a bump arena as a slot's fallback, that cannot be reset under
//! a live future.

use core::cell::Cell;
use core::fmt;
use core::future::Future;
use core::ptr::NonNull;

use bumpalo::Bump;

use crate::block::{BlockHeader, block_layout, occupancy};
use crate::block::{Event, Occupancy};
use crate::future::Reservation;
use crate::space::Link;

const STORAGE: &str = "an arena";

/// The header of an arena block that holds one future.
#[repr(C)]
struct ArenaBlock {
    occupancy: Occupancy,
    /// The block placed before this one, for the walk before a reset.
    previous: Option<NonNull<ArenaBlock>>,
}

// SAFETY: `repr(C)`, and the first field is the `Occupancy`.
unsafe impl BlockHeader for ArenaBlock {
    const INLINE: bool = false;
}

/// A [`bumpalo::Bump`] that futures which do not fit a slot fall back to
/// (see [`Slot::or_arena`](crate::Slot::or_arena)), and that knows which of
/// its blocks hold them.
///
/// Bump allocation costs a pointer bump, and the memory is reclaimed all at
/// once by [`reset`](Arena::reset): pick it for request-scoped work (one
/// arena per request or per batch, reset between them) whose futures
/// overflow the stack slot often enough that the global allocator shows.
///
/// Unlike `bumpalo::boxed::Box::pin_in`, it cannot be reset under a pinned
/// future: a handle that was leaked leaves its block marked occupied, and
/// `reset` (which needs `&mut self`, so no handle is alive) or dropping the
/// arena then aborts the process instead of reusing the future's memory.
/// The arena lends out only `&Bump` ([`Arena::bump`]), never `&mut Bump`.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{Arena, Slot};
///
/// let mut arena = Arena::new();
/// let mut slot = pin!(Slot::<64>::new());
/// for round in 0..3 {
///     let bytes = [round as u8; 200];
///     let fut = slot.as_mut().or_arena(&arena).emplace(async move { bytes.len() });
///     assert!(!fut.is_inline()); // too large for the slot: in the arena
///     drop(fut);
///     arena.reset(); // every future is gone: the memory is reused
/// }
/// assert_eq!(slot.stats().fallbacks(), 3);
/// ```
pub struct Arena {
    bump: Bump,
    /// The last block that held a future, heading the list of all of them
    /// since the last reset.
    last: Cell<Option<NonNull<ArenaBlock>>>,
}

// SAFETY: the arena owns its bump allocator (which is `Send`) and the list
// of its blocks. A future in a block is reached only through its handle,
// which borrows the arena, so the arena cannot move to another thread while
// one is alive; a leaked future is never dropped (the arena aborts instead).
unsafe impl Send for Arena {}

impl Arena {
    /// An empty arena; allocates nothing until the first future.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(stackslot::Arena::new().allocated_bytes(), 0);
    /// ```
    pub fn new() -> Self {
        Self::from_bump(Bump::new())
    }

    /// An arena with room for at least `bytes` bytes, allocated now.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(stackslot::Arena::with_capacity(4096).allocated_bytes() >= 4096);
    /// ```
    pub fn with_capacity(bytes: usize) -> Self {
        Self::from_bump(Bump::with_capacity(bytes))
    }

    /// An arena over an existing bump allocator.
    ///
    /// # Example
    ///
    /// ```
    /// let bump = bumpalo::Bump::new();
    /// bump.set_allocation_limit(Some(1 << 20));
    /// let arena = stackslot::Arena::from_bump(bump);
    /// assert_eq!(arena.bump().allocation_limit(), Some(1 << 20));
    /// ```
    pub fn from_bump(bump: Bump) -> Self {
        Arena {
            bump,
            last: Cell::new(None),
        }
    }

    /// The bump allocator, shared, for other allocations of the same
    /// lifetime. It is never lent mutably: only [`Arena::reset`] resets it.
    ///
    /// # Example
    ///
    /// ```
    /// let arena = stackslot::Arena::new();
    /// let name = arena.bump().alloc_str("request 7");
    /// assert_eq!(name, "request 7");
    /// ```
    pub fn bump(&self) -> &Bump {
        &self.bump
    }

    /// The bytes the arena allocated from the global heap.
    ///
    /// # Example
    ///
    /// ```
    /// let arena = stackslot::Arena::new();
    /// arena.bump().alloc([0u8; 100]);
    /// assert!(arena.allocated_bytes() >= 100);
    /// ```
    pub fn allocated_bytes(&self) -> usize {
        self.bump.allocated_bytes()
    }

    /// Reclaims all memory for reuse.
    ///
    /// # Panics
    ///
    /// Never; aborts the process if a future whose handle was leaked still
    /// lives in the arena (see the type's docs).
    ///
    /// # Example
    ///
    /// ```
    /// let mut arena = stackslot::Arena::new();
    /// arena.bump().alloc([0u8; 100]);
    /// arena.reset();
    /// ```
    pub fn reset(&mut self) {
        self.assert_vacant(Event::Reset);
        self.last.set(None);
        self.bump.reset();
    }

    /// Aborts if any block placed since the last reset is still occupied.
    fn assert_vacant(&self, event: Event) {
        let mut block = self.last.get();
        while let Some(current) = block {
            // SAFETY: the blocks in the list live in the bump, which has not
            // been reset since they were placed.
            unsafe { occupancy(current) }.assert_vacant(STORAGE, event);
            // SAFETY: as above.
            block = unsafe { current.as_ref() }.previous;
        }
    }

    /// The fallback of a slot lent with `or_arena`: reserves a new block of
    /// the arena for a `F`.
    ///
    /// # Safety
    ///
    /// `link` was set by [`Slot::or_arena`](crate::Slot::or_arena) with an
    /// arena borrowed for `'s`, on this thread.
    pub(crate) unsafe fn reserve<'s, F: Future + 's>(link: Link) -> Reservation<'s, F> {
        // SAFETY: the link points to an arena borrowed for `'s` (contract).
        let arena = unsafe { &*link.ptr.cast::<Arena>() };
        let layout = block_layout::<F, ArenaBlock>();
        let block = arena.bump.alloc_layout(layout).cast::<ArenaBlock>();
        // SAFETY: a fresh bump allocation, aligned for the header.
        unsafe {
            block.write(ArenaBlock {
                occupancy: Occupancy::vacant(),
                previous: arena.last.get(),
            })
        };
        arena.last.set(Some(block));
        // SAFETY: the block is vacant, aligned to at least `F`'s alignment,
        // holds `F` at its offset, and is not reused before `reset`, which
        // needs the arena's `&mut` (so the handle, borrowing it for `'s`, is
        // gone) and checks the occupancy first.
        unsafe { Reservation::in_block(block) }
    }
}

impl Default for Arena {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Arena {
    /// # Panics
    ///
    /// Never; aborts the process if a future whose handle was leaked still
    /// lives in the arena.
    fn drop(&mut self) {
        self.assert_vacant(Event::Drop);
    }
}

impl fmt::Debug for Arena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arena")
            .field("allocated_bytes", &self.allocated_bytes())
            .finish_non_exhaustive()
    }
}
