//! Model checks of the side stack's protocol with loom: frames pushed behind
//! the lock, released (future dropped or completed, then the occupancy
//! record vacated) on other threads in any order, and reclaimed by whoever
//! takes the lock next.
//!
//! Run with `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test
//! -p stackslot-loom --release -- --nocapture` (see `.ci/run`). The
//! preemption bound is `LOOM_MAX_PREEMPTIONS`, 3 when unset.
//!
//! Each future checks that the frame it lives in is its own while it lives:
//! its fields are intact on every poll and in its destructor, and each of
//! those writes a loom cell that stands for the bytes at the future's address
//! (loom's cells cannot cover a byte range of the region). A frame reused
//! before its release is visible to the thread that reuses it makes loom
//! report two unordered writes of that cell. Weakening any of the orderings
//! the protocol rests on (the lock's acquire, the release store that vacates
//! a frame, the acquire load that finds it vacant) to `Relaxed` makes one of
//! these models fail so.
#![cfg(loom)]

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use stackslot::{SideStack, SlotFuture};

/// The region's size: room for the four frames a model has at most.
const REGION: usize = 1024;
/// The futures' alignment, and so the distance between two futures' addresses.
const GRANULE: usize = 16;

/// What the threads of one execution share.
struct World {
    stack: SideStack<REGION>,
    shadow: Shadow,
    drops: AtomicUsize,
}

/// A cell per `GRANULE` bytes of `World`, written by the future living at
/// that address.
struct Shadow(Vec<UnsafeCell<u32>>);

// SAFETY: the cells are used only through loom's `with_mut`, which fails the
// model on two accesses that no happens-before relation orders: finding
// those is the point.
unsafe impl Sync for Shadow {}

impl World {
    /// A world on the heap, freed by [`World::free`].
    fn new() -> &'static World {
        let cells = size_of::<World>().div_ceil(GRANULE);
        let world = Box::new(World {
            stack: SideStack::new(),
            shadow: Shadow((0..cells).map(|_| UnsafeCell::new(0)).collect()),
            drops: AtomicUsize::new(0),
        });
        // SAFETY: the world is freed only by `free`, once nothing borrows it.
        unsafe { &*Box::into_raw(world) }
    }

    fn stack(&'static self) -> Pin<&'static SideStack<REGION>> {
        // SAFETY: the world is on the heap and never moved; `free` drops it
        // in place.
        unsafe { Pin::new_unchecked(&self.stack) }
    }

    /// Frees the world.
    ///
    /// # Safety
    ///
    /// `self` came from [`World::new`], and no reference to it is used
    /// afterwards (every thread that had one was joined, every future that
    /// had one was dropped).
    unsafe fn free(&'static self) {
        // SAFETY: from `Box::into_raw` in `new`; nothing uses it any more
        // (contract).
        drop(unsafe { Box::from_raw(std::ptr::from_ref(self).cast_mut()) });
    }
}

/// A future that returns its id after `pending` polls, and checks its frame
/// on every poll and in its destructor.
#[repr(align(16))]
struct Tracked {
    world: &'static World,
    id: u32,
    /// `!id`: an overwritten future is unlikely to keep both.
    check: u32,
    pending: u32,
}

impl Tracked {
    fn new(world: &'static World, id: u32, pending: u32) -> Self {
        Tracked {
            world,
            id,
            check: !id,
            pending,
        }
    }

    /// Checks that the future's bytes are still its own, and writes the cell
    /// of its address (if it is in the world: not one that a failed
    /// emplacement drops while unwinding).
    fn touch(&self) {
        assert_eq!(self.check, !self.id, "future {} overwritten", self.id);
        let at = (std::ptr::from_ref(self) as usize)
            .wrapping_sub(std::ptr::from_ref(self.world) as usize);
        if let Some(cell) = self.world.shadow.0.get(at / GRANULE) {
            let id = self.id;
            // SAFETY: the pointer is to the cell's value, used only here.
            cell.with_mut(|owner| unsafe { *owner = id });
        }
    }
}

impl Future for Tracked {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        let this = self.get_mut();
        this.touch();
        if this.pending == 0 {
            Poll::Ready(this.id)
        } else {
            this.pending -= 1;
            Poll::Pending
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.touch();
        self.world.drops.fetch_add(1, Ordering::Relaxed);
    }
}

fn poll(fut: &mut SlotFuture<'_, u32>) -> Poll<u32> {
    Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()))
}

/// Runs `model` under loom, bounded by `LOOM_MAX_PREEMPTIONS` (3 if unset),
/// and prints how many executions it took.
fn check(name: &str, model: fn()) {
    let executions = Arc::new(StdAtomicUsize::new(0));
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound.get_or_insert(3);
    let bound = builder.preemption_bound;
    let counter = Arc::clone(&executions);
    builder.check(move || {
        counter.fetch_add(1, StdOrdering::Relaxed);
        model();
    });
    println!(
        "{name}: {} executions (preemption bound {bound:?})",
        executions.load(StdOrdering::Relaxed)
    );
}

/// The owner pushes three frames and hands the top two to two threads: one
/// cancels the middle frame, the other completes the top one, in either
/// order; meanwhile the owner pushes a fourth frame (reusing the freed ones
/// if it sees them released) and reads `used`.
#[test]
fn frames_released_out_of_order_on_other_threads() {
    check("released out of order", || {
        let world = World::new();
        let stack = world.stack();

        let mut a = stack.stack_only().emplace(Tracked::new(world, 1, 1));
        let one_frame = stack.used();
        let mut b = stack.stack_only().emplace(Tracked::new(world, 2, 1));
        let mut c = stack.stack_only().emplace(Tracked::new(world, 3, 1));
        for fut in [&mut a, &mut b, &mut c] {
            assert_eq!(poll(fut), Poll::Pending);
        }
        assert_eq!(stack.used(), 3 * one_frame);

        let cancel = thread::spawn(move || drop(b));
        let complete = thread::spawn(move || {
            assert_eq!(poll(&mut c), Poll::Ready(3));
            drop(c);
        });

        let mut d = stack.stack_only().emplace(Tracked::new(world, 4, 0));
        assert_eq!(poll(&mut d), Poll::Ready(4));
        let used = stack.used();
        assert!(
            [1, 2, 3].map(|frames| frames * one_frame).contains(&used),
            "a's frame is live, d's reclaimed, b's and c's if released and on top: {used}"
        );

        cancel.join().unwrap();
        complete.join().unwrap();
        assert_eq!(stack.used(), one_frame, "only a's frame is left");
        assert_eq!(poll(&mut a), Poll::Ready(1));
        drop((a, d));
        assert_eq!(stack.used(), 0);
        assert_eq!(world.drops.load(Ordering::Relaxed), 4);
        assert_eq!(stack.stats().hits(), 4);
        // SAFETY: the threads were joined and every future was dropped.
        unsafe { world.free() };
    });
}

/// Two threads share the stack: each pushes a frame (taking the lock while
/// the other may hold it, and reclaiming the other's frame if it sees it
/// released), then completes its future and drops it.
///
/// The owner only waits: with a third thread spinning on the lock, loom
/// explores schedules where two spinners yield to each other forever while
/// the holder waits, and the model never ends.
#[test]
fn threads_push_and_release_on_a_shared_stack() {
    check("shared stack", || {
        let world = World::new();
        let stack = world.stack();
        let one_frame = {
            let fut = stack.stack_only().emplace(Tracked::new(world, 0, 0));
            let one_frame = stack.used();
            drop(fut);
            assert_eq!(stack.used(), 0);
            one_frame
        };
        let workers: Vec<_> = (1..=2)
            .map(|id| {
                thread::spawn(move || {
                    let mut fut = stack.stack_only().emplace(Tracked::new(world, id, 1));
                    let used = stack.used();
                    assert!(
                        [1, 2].map(|frames| frames * one_frame).contains(&used),
                        "this frame, and the other worker's if it is live or below: {used}"
                    );
                    assert_eq!(poll(&mut fut), Poll::Pending);
                    assert_eq!(poll(&mut fut), Poll::Ready(id));
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert_eq!(stack.used(), 0);
        assert_eq!(world.drops.load(Ordering::Relaxed), 3);
        assert_eq!(stack.stats().hits(), 3);
        // SAFETY: the threads were joined and every future was dropped.
        unsafe { world.free() };
    });
}
