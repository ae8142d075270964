//! A global allocator that counts allocations per thread, so that tests
//! running in parallel do not see each other's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Size and alignment of this thread's last allocation and last
    /// deallocation.
    static LAST_ALLOC: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    static LAST_DEALLOC: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

// SAFETY: forwards every call to `System` unchanged; the counter is a
// const-initialised thread-local `Cell` without a destructor, whose access
// neither allocates nor re-enters the allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        let _ = LAST_ALLOC.try_with(|last| last.set((layout.size(), layout.align())));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LAST_DEALLOC.try_with(|last| last.set((layout.size(), layout.align())));
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Size and alignment of this thread's last allocation.
pub fn last_allocation() -> (usize, usize) {
    LAST_ALLOC.with(Cell::get)
}

/// Size and alignment of this thread's last deallocation.
pub fn last_deallocation() -> (usize, usize) {
    LAST_DEALLOC.with(Cell::get)
}

/// Allocations made by this thread so far.
pub fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// How many allocations `f` made on this thread, and its result.
pub fn count<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = allocations();
    let r = f();
    (allocations() - before, r)
}
