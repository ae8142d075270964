//! A global allocator that counts, per thread, the allocations made outside
//! of a panic, those made while the thread panics, and the frees, so that
//! properties running on parallel test threads see only their own heap use
//! and can tell the crate's allocations from those of the panic machinery.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Forwards to [`System`] and counts on the calling thread.
struct Counting;

thread_local! {
    static COUNTS: Cell<Counts> = const { Cell::new(Counts::ZERO) };
}

/// Heap operations of one thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Allocations (and reallocations) while the thread was not panicking.
    pub allocs: usize,
    /// Allocations (and reallocations) while the thread was panicking: the
    /// panic payload, its message, and whatever drops run while unwinding.
    pub panic_allocs: usize,
    /// Frees.
    pub frees: usize,
}

impl Counts {
    const ZERO: Counts = Counts {
        allocs: 0,
        panic_allocs: 0,
        frees: 0,
    };

    /// Allocations of any kind minus frees: the blocks still live.
    pub fn live(&self) -> isize {
        (self.allocs + self.panic_allocs) as isize - self.frees as isize
    }
}

impl core::ops::Add for Counts {
    type Output = Counts;
    fn add(self, other: Counts) -> Counts {
        Counts {
            allocs: self.allocs + other.allocs,
            panic_allocs: self.panic_allocs + other.panic_allocs,
            frees: self.frees + other.frees,
        }
    }
}

fn count_alloc() {
    // `panicking` reads a global counter and a const-initialised
    // thread-local: it neither allocates nor re-enters the allocator.
    let panicking = std::thread::panicking();
    let _ = COUNTS.try_with(|c| {
        let mut n = c.get();
        if panicking {
            n.panic_allocs += 1;
        } else {
            n.allocs += 1;
        }
        c.set(n);
    });
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are a
// const-initialised thread-local `Cell` without a destructor, whose access
// neither allocates nor re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_alloc();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_alloc();
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_alloc();
        let _ = COUNTS.try_with(|c| {
            let mut n = c.get();
            n.frees += 1;
            c.set(n);
        });
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = COUNTS.try_with(|c| {
            let mut n = c.get();
            n.frees += 1;
            c.set(n);
        });
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The heap operations `f` made on this thread, and its result.
pub fn measure<R>(f: impl FnOnce() -> R) -> (Counts, R) {
    let before = COUNTS.with(Cell::get);
    let r = f();
    let after = COUNTS.with(Cell::get);
    let counts = Counts {
        allocs: after.allocs - before.allocs,
        panic_allocs: after.panic_allocs - before.panic_allocs,
        frees: after.frees - before.frees,
    };
    (counts, r)
}
