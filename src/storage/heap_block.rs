//! The heap fallback: a future that fits no space gets a block of its own
//! from the global allocator.

use core::alloc::Layout;
use core::future::Future;
use core::ptr::NonNull;

use alloc::alloc::{alloc, dealloc, handle_alloc_error};

use crate::block::Occupancy;
use crate::block::{BlockHeader, block_layout};
use crate::future::Reservation;

/// The header of a heap block: one boxed future.
#[repr(C)]
pub(crate) struct HeapBlock {
    occupancy: Occupancy,
}

impl HeapBlock {
    /// The block for a `F`: the header, then the future at its offset.
    fn layout<F>() -> Layout {
        block_layout::<F, HeapBlock>()
    }

    /// Allocates a block for a `F` and reserves it. One allocation.
    pub(crate) fn reserve<'s, F: Future + 's>() -> Reservation<'s, F> {
        let layout = Self::layout::<F>();
        // SAFETY: the layout's size is not zero (it holds a header).
        let Some(block) = NonNull::new(unsafe { alloc(layout) }.cast::<HeapBlock>()) else {
            handle_alloc_error(layout)
        };
        // SAFETY: a fresh allocation, aligned for the header.
        unsafe {
            block.write(HeapBlock {
                occupancy: Occupancy::vacant(),
            })
        };
        // SAFETY: the block is vacant, aligned to at least `F`'s alignment,
        // holds `F` at its offset, and is freed only by `release`, once the
        // future is gone.
        unsafe { Reservation::in_block(block) }
    }
}

// SAFETY: `repr(C)`, and the first field is the `Occupancy`.
unsafe impl BlockHeader for HeapBlock {
    const INLINE: bool = false;
    const RELEASES: bool = true;

    #[inline(always)]
    unsafe fn release<F>(block: NonNull<Self>) {
        // `layout` cannot panic here: `reserve` made the same layout.
        // SAFETY: allocated by `reserve` with this layout, and not used
        // again (contract).
        unsafe { dealloc(block.as_ptr().cast(), Self::layout::<F>()) }
    }
}
