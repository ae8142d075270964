//! Hits through the generated code allocate nothing, per call, on every
//! path: `&mut dyn`, `&dyn`, `Send` traits, `BoxingAdapter`s (unpinned and
//! pinned) and the wrapper; a fallback allocates exactly once. Counted with
//! the per-thread counting allocator.
#![cfg(all(feature = "macros", feature = "alloc"))]

mod common;

use core::pin::pin;

use common::alloc_count::count;
use common::run;
use implementors::{Big, Cell};
use stackslot::{BoxingAdapter, Slot};
use traits::{DynLocal, DynShared, LocalWithSlot, SharedWithSlot};

const CALLS: u32 = 100;

mod traits {
    /// `!Send` futures, both receivers.
    #[stackslot::dyn_trait]
    pub trait Local {
        /// Adds one.
        async fn bump(&mut self) -> u32;
        /// Reads.
        async fn read(&self) -> u32;
    }

    /// `Send` futures.
    #[stackslot::dyn_trait(Send)]
    pub trait Shared: Sync {
        /// Reads.
        async fn read(&self) -> u32;
    }
}

mod implementors {
    use super::traits::{Local, Shared};

    pub struct Cell(pub u32);

    impl Local for Cell {
        async fn bump(&mut self) -> u32 {
            self.0 += 1;
            self.0
        }
        async fn read(&self) -> u32 {
            self.0
        }
    }

    impl Shared for Cell {
        async fn read(&self) -> u32 {
            self.0
        }
    }

    /// Holds 256 bytes across an await: a fallback in a 64-byte slot.
    pub struct Big;

    impl Local for Big {
        async fn bump(&mut self) -> u32 {
            let bytes = [1u8; 256];
            core::future::ready(()).await;
            bytes.iter().map(|&b| u32::from(b)).sum()
        }
        async fn read(&self) -> u32 {
            0
        }
    }
}

/// `CALLS` calls of each method through `dyn DynLocal`, each with the slot.
fn local_calls(target: &mut dyn DynLocal, slot: core::pin::Pin<&mut Slot<64>>) -> (usize, u32) {
    let mut slot = slot;
    count(|| {
        let mut last = 0;
        for _ in 0..CALLS {
            last = run(&mut target.bump(slot.as_mut().or_box()), 1);
            assert_eq!(run(&mut target.read(slot.as_mut().or_box()), 1), last);
        }
        last
    })
}

#[test]
fn blanket_impl_hits_allocate_nothing() {
    let mut slot = pin!(Slot::<64>::new());
    assert_eq!(local_calls(&mut Cell(0), slot.as_mut()), (0, CALLS));
    assert_eq!(slot.stats().hits(), 2 * u64::from(CALLS));
}

#[test]
fn boxing_adapter_hits_allocate_nothing() {
    let mut slot = pin!(Slot::<64>::new());
    assert_eq!(
        local_calls(&mut BoxingAdapter::new(Cell(0)), slot.as_mut()),
        (0, CALLS)
    );
    let mut pinned = pin!(BoxingAdapter::new(Cell(0)));
    assert_eq!(local_calls(&mut pinned, slot.as_mut()), (0, CALLS));
    assert_eq!(slot.stats().fallbacks(), 0);
}

#[test]
fn send_trait_hits_allocate_nothing() {
    let cell = Cell(7);
    let shared: &dyn DynShared = &cell;
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, sum) = count(|| {
        (0..CALLS)
            .map(|_| run(&mut shared.read(slot.as_mut().or_box()), 1))
            .sum::<u32>()
    });
    assert_eq!((allocs, sum), (0, 7 * CALLS));
}

#[test]
fn wrapper_hits_allocate_nothing() {
    let mut cell = Cell(0);
    let mut slot = pin!(Slot::<64>::new());
    let mut local = LocalWithSlot::new(&mut cell as &mut dyn DynLocal, slot.as_mut());
    let (allocs, last) = count(|| {
        (0..CALLS)
            .map(|_| run(&mut local.bump(), 1))
            .last()
            .unwrap()
    });
    assert_eq!((allocs, last), (0, CALLS));
    let cell = Cell(3);
    let mut slot = pin!(Slot::<64>::new());
    let mut shared = SharedWithSlot::new(&cell, slot.as_mut());
    let (allocs, sum) = count(|| (0..CALLS).map(|_| run(&mut shared.read(), 1)).sum::<u32>());
    assert_eq!((allocs, sum), (0, 3 * CALLS));
}

#[test]
fn a_fallback_allocates_exactly_once_per_call() {
    let mut big = Big;
    let target: &mut dyn DynLocal = &mut big;
    let mut slot = pin!(Slot::<64>::new());
    let (allocs, outputs) = count(|| {
        let mut outputs = [0; 10];
        for output in &mut outputs {
            let mut fut = target.bump(slot.as_mut().or_box());
            assert!(!fut.is_inline());
            *output = run(&mut fut, 1);
        }
        outputs
    });
    assert_eq!((allocs, outputs), (10, [256; 10]));
    let mut large = pin!(Slot::<512>::new());
    let (allocs, output) = count(|| run(&mut target.bump(large.as_mut().or_box()), 1));
    assert_eq!((allocs, output), (0, 256));
}
