//! Driving one slot through a case: placing, polling and ending futures,
//! each step measured for heap use and with its expected panics caught.
//!
//! The steps are free functions over the parts of a [`Rig`], so that a live
//! handle borrows only the rig's slot, and the borrow checker keeps the
//! properties from reading the slot while a future may live in it.

use core::ops::{Deref, Range};
use core::pin::Pin;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::task::Wake;

use super::alloc::{Counts, measure};
use super::catalogue::FutureType;
use super::kinds::{GivenBack, Handle, Placed, ScratchKind};
use super::quiet::{self, Payload};
use super::registry::{self, Id};
use super::slots::{DynSlot, SlotClass};

/// One slot of a case and a waker that counts its wakes.
pub struct Rig {
    pub slot: OwnedSlot,
    /// The slot's addresses.
    pub span: Span,
    pub wakes: Wakes,
}

impl Rig {
    /// Starts a case: forgets the registry's records and makes an empty
    /// slot of `class`.
    pub fn new(class: &'static SlotClass) -> Rig {
        registry::reset();
        quiet::install();
        let slot = class.make();
        let span = Span(slot.span());
        Rig {
            slot: OwnedSlot(Some(slot)),
            span,
            wakes: Wakes::new(),
        }
    }
}

/// The addresses of a slot.
#[derive(Clone, Debug)]
pub struct Span(pub Range<usize>);

impl Span {
    /// Whether `addr..addr + size` lies within the slot.
    pub fn holds(&self, addr: usize, size: usize) -> bool {
        self.0.start <= addr && addr + size <= self.0.end
    }

    /// Whether `addr..addr + size` lies outside the slot.
    pub fn excludes(&self, addr: usize, size: usize) -> bool {
        addr + size <= self.0.start || addr >= self.0.end
    }
}

/// The slot of a case, pinned on the heap. While a leaked future with drop
/// glue occupies it, it is leaked instead of dropped (dropping it would
/// abort the process, by design), also when a property fails half-way.
pub struct OwnedSlot(Option<Pin<Box<dyn DynSlot>>>);

impl OwnedSlot {
    pub fn as_mut(&mut self) -> Pin<&mut dyn DynSlot> {
        self.0.as_mut().expect("present until dropped").as_mut()
    }
}

impl Deref for OwnedSlot {
    type Target = dyn DynSlot;
    fn deref(&self) -> &(dyn DynSlot + 'static) {
        self.0.as_deref().expect("present until dropped")
    }
}

impl Drop for OwnedSlot {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            if slot.is_occupied() {
                core::mem::forget(slot);
            }
        }
    }
}

/// A waker that counts how often it was woken.
pub struct Wakes {
    count: Arc<WakeCount>,
    waker: Waker,
}

struct WakeCount(AtomicU32);

impl Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl Wakes {
    fn new() -> Wakes {
        let count = Arc::new(WakeCount(AtomicU32::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        Wakes { count, waker }
    }

    pub fn count(&self) -> u32 {
        self.count.0.load(Ordering::Relaxed)
    }

    pub fn waker(&self) -> &Waker {
        &self.waker
    }
}

/// What the scratch said about the future before it was placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub fits: bool,
    pub capacity: usize,
    pub alignment: usize,
    pub may_allocate: bool,
}

/// The result of one placement.
pub struct Placement<'s> {
    pub view: View,
    /// Heap use of the callee's side (making the future and placing it).
    pub heap: Counts,
    /// What the callee returned, or its panic.
    pub placed: Result<Placed<'s>, Payload>,
}

/// Lends `slot` as `kind` does and places the future `id` of type `ty`.
pub fn place<'s>(
    slot: Pin<&'s mut dyn DynSlot>,
    ty: &FutureType,
    kind: ScratchKind,
    id: Id,
    back: GivenBack,
) -> Placement<'s> {
    let scratch = kind.lend(slot);
    let view = View {
        fits: ty.fits(&scratch),
        capacity: scratch.capacity(),
        alignment: scratch.alignment(),
        may_allocate: scratch.may_allocate(),
    };
    let (heap, placed) = measure(|| quiet::catch(|| ty.place(kind, scratch, id, back)));
    Placement { view, heap, placed }
}

/// Polls `handle` once with `wakes`' waker.
pub fn poll(handle: &mut Handle<'_>, wakes: &Wakes) -> (Counts, Result<Poll<u64>, Payload>) {
    let mut cx = Context::from_waker(wakes.waker());
    measure(|| quiet::catch(|| handle.poll(&mut cx)))
}

/// Drops `handle`: cancels its future unless it completed.
pub fn cancel(handle: Handle<'_>) -> (Counts, Result<(), Payload>) {
    measure(|| quiet::catch(|| drop(handle)))
}

/// Leaks `handle`, the future `id`'s.
pub fn forget(handle: Handle<'_>, id: Id) {
    registry::forget(id);
    core::mem::forget(handle);
}
