//! A global allocator that counts, per thread, the allocations made outside
//! of a panic, those made while the thread panics, and the frees, so that
//! properties running on parallel test threads see only their own heap use
//! and can tell the crate's allocations from those of the panic machinery.
//! It also remembers where the last allocation outside a panic landed, so
//! that a property can tell which block a future lives in (a box, a heap
//! slot's buffer, an arena's chunk).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use super::span::Span;

/// Forwards to [`System`] and counts on the calling thread.
struct Counting;

thread_local! {
    static COUNTS: Cell<Tally> = const { Cell::new(Tally::ZERO) };
    /// The addresses of the last allocation made outside a panic.
    static LAST: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Heap operations of one thread.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Allocations (and reallocations) while the thread was not panicking.
    pub allocs: usize,
    /// Allocations (and reallocations) while the thread was panicking: the
    /// panic payload, its message, and whatever drops run while unwinding.
    pub panic_allocs: usize,
    /// Frees.
    pub frees: usize,
    /// The addresses of the last allocation outside a panic, if any.
    pub last: Option<Span>,
}

/// The running totals of one thread.
#[derive(Clone, Copy)]
struct Tally {
    allocs: usize,
    panic_allocs: usize,
    frees: usize,
}

impl Tally {
    const ZERO: Tally = Tally {
        allocs: 0,
        panic_allocs: 0,
        frees: 0,
    };
}

impl Counts {
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
            last: other.last.or(self.last),
        }
    }
}

/// Remembers `ptr..ptr + size` as the last allocation, unless the thread
/// panics.
fn remember(ptr: *mut u8, size: usize) {
    if !ptr.is_null() && !std::thread::panicking() {
        let _ = LAST.try_with(|l| l.set((ptr.addr(), ptr.addr() + size)));
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

// SAFETY: every call is forwarded to `System` unchanged; the counters and
// the last block are const-initialised thread-local `Cell`s without a
// destructor, whose access neither allocates nor re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_alloc();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        remember(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_alloc();
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        remember(ptr, layout.size());
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_alloc();
        let _ = COUNTS.try_with(|c| {
            let mut n = c.get();
            n.frees += 1;
            c.set(n);
        });
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        let ptr = unsafe { System.realloc(ptr, layout, new_size) };
        remember(ptr, new_size);
        ptr
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
    let allocs = after.allocs - before.allocs;
    let counts = Counts {
        allocs,
        panic_allocs: after.panic_allocs - before.panic_allocs,
        frees: after.frees - before.frees,
        last: (allocs > 0).then(|| {
            let (start, end) = LAST.with(Cell::get);
            Span(start..end)
        }),
    };
    (counts, r)
}
