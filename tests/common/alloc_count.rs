//! A global allocator that counts heap operations per thread, so that tests
//! running in parallel do not see each other's. It tells the allocations made
//! while the thread panics (the panic machinery's) from the others, and
//! remembers the last block allocated outside a panic and the last one freed,
//! so that a test can tell which block a future lives in.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::Range;

pub struct CountingAllocator;

/// Heap operations of one thread.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Allocations (and reallocations) while the thread was not panicking.
    pub allocs: usize,
    /// Allocations (and reallocations) while the thread was panicking.
    pub panic_allocs: usize,
    /// Frees (a reallocation frees too).
    pub frees: usize,
    /// The addresses of the last allocation outside a panic, if any.
    pub last: Option<Range<usize>>,
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

#[derive(Clone, Copy)]
struct Tally {
    allocs: usize,
    panic_allocs: usize,
    frees: usize,
    /// Address, size and alignment of the last allocation outside a panic.
    last_alloc: (usize, usize, usize),
    /// Size and alignment of the last free.
    last_free: (usize, usize),
}

thread_local! {
    static TALLY: Cell<Tally> = const {
        Cell::new(Tally { allocs: 0, panic_allocs: 0, frees: 0, last_alloc: (0, 0, 0), last_free: (0, 0) })
    };
}

fn tally(f: impl FnOnce(&mut Tally)) {
    // `panicking` reads a global counter and a const-initialised
    // thread-local: it neither allocates nor re-enters the allocator.
    let _ = TALLY.try_with(|t| {
        let mut n = t.get();
        f(&mut n);
        t.set(n);
    });
}

fn allocated(ptr: *mut u8, size: usize, align: usize) {
    let panicking = std::thread::panicking();
    tally(|n| {
        if panicking {
            n.panic_allocs += 1;
        } else {
            n.allocs += 1;
            n.last_alloc = (ptr.addr(), size, align);
        }
    });
}

fn freed(layout: Layout) {
    tally(|n| {
        n.frees += 1;
        n.last_free = (layout.size(), layout.align());
    });
}

// SAFETY: forwards every call to `System` unchanged; the tally is a
// const-initialised thread-local `Cell` without a destructor, whose access
// neither allocates nor re-enters the allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let ptr = unsafe { System.alloc(layout) };
        allocated(ptr, layout.size(), layout.align());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        allocated(ptr, layout.size(), layout.align());
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        freed(layout);
        // SAFETY: same contract as ours.
        let ptr = unsafe { System.realloc(ptr, layout, new_size) };
        allocated(ptr, new_size, layout.align());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        freed(layout);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Size and alignment of this thread's last allocation outside a panic.
pub fn last_allocation() -> (usize, usize) {
    let (_, size, align) = TALLY.with(Cell::get).last_alloc;
    (size, align)
}

/// Size and alignment of this thread's last deallocation.
pub fn last_deallocation() -> (usize, usize) {
    TALLY.with(Cell::get).last_free
}

/// The heap operations `f` made on this thread, and its result.
pub fn measure<R>(f: impl FnOnce() -> R) -> (Counts, R) {
    let before = TALLY.with(Cell::get);
    let r = f();
    let after = TALLY.with(Cell::get);
    let allocs = after.allocs - before.allocs;
    let (addr, size, _) = after.last_alloc;
    let counts = Counts {
        allocs,
        panic_allocs: after.panic_allocs - before.panic_allocs,
        frees: after.frees - before.frees,
        last: (allocs > 0).then_some(addr..addr + size),
    };
    (counts, r)
}

/// How many allocations (panicking or not) `f` made on this thread, and its
/// result.
pub fn count<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let (counts, r) = measure(f);
    (counts.allocs + counts.panic_allocs, r)
}
