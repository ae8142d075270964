//! Driving the storages of a case: placing, polling and ending futures,
//! each step measured for heap use and with its expected panics caught.
//!
//! The steps are free functions over the parts of a [`Rig`], so that a live
//! handle borrows only the rig's storages, and the borrow checker keeps the
//! properties from reading them while a future may live in them.

use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::task::Wake;

use super::alloc::{Counts, measure};
use super::catalogue::FutureType;
use super::expect::{Model, View};
use super::kinds::{GivenBack, Handle, Placed, ScratchKind};
use super::quiet::{self, Payload};
use super::registry::{self, Id};
use super::slots::SlotClass;
use super::storage::{Spans, Storages};

/// The storages of a case and a waker that counts its wakes.
pub struct Rig {
    pub storages: Storages,
    /// Their addresses.
    pub spans: Spans,
    pub wakes: Wakes,
}

impl Rig {
    /// Starts a case: forgets the registry's records and makes empty
    /// storages around a slot of `class`.
    pub fn new(class: &'static SlotClass) -> Rig {
        registry::reset();
        quiet::install();
        let storages = Storages::new(class);
        let spans = storages.spans();
        Rig {
            storages,
            spans,
            wakes: Wakes::new(),
        }
    }

    /// Between two lives: resets the arena unless a leaked future may live
    /// in it, and tells `model`.
    pub fn between(&mut self, model: &mut Model) {
        #[cfg(feature = "bumpalo")]
        if self.storages.reset_arena() {
            model.reset_arena();
        }
        #[cfg(not(feature = "bumpalo"))]
        let _ = model;
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

/// The result of one placement.
pub struct Placement<'s> {
    pub view: View,
    /// Heap use of the callee's side (making the future and placing it).
    pub heap: Counts,
    /// What the callee returned, or its panic.
    pub placed: Result<Placed<'s>, Payload>,
}

/// Lends `storages` as `kind` does and places the future `id` of type
/// `ty`.
pub fn place<'s>(
    storages: &'s mut Storages,
    ty: &FutureType,
    kind: ScratchKind,
    id: Id,
    back: GivenBack,
) -> Placement<'s> {
    let lent = kind.lend(storages);
    let scratch = &lent.scratch;
    let view = View {
        fits: ty.fits(scratch),
        capacity: scratch.capacity(),
        alignment: scratch.alignment(),
        may_allocate: scratch.may_allocate(),
    };
    let (heap, placed) = measure(|| quiet::catch(|| ty.place(lent, id, back)));
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

/// After the handle of the future `id` (of type `ty`, placed as `kind`)
/// was leaked: unless the future has no drop glue or is gone, keeps the
/// storages it may occupy that cannot tell.
pub fn taint(storages: &mut Storages, ty: &FutureType, kind: ScratchKind, id: Id) {
    if ty.tracked && registry::record(id).drops == 0 {
        storages.leaked(kind);
    }
}
