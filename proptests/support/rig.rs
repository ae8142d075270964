//! Driving a case: placing, polling and ending futures, each step measured
//! for heap use and with its panics caught quietly; and one future's whole
//! life ([`live`]), checked against the contract.

use core::cell::Cell;
use core::ops::Range;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll, Waker};
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Once};
use std::task::Wake;

use super::catalogue::FutureType;
use super::contract::{Alloc, Contract, Expect, Last, Outcome, Tier, View};
use super::kinds::{GivenBack, Handle, Lender, Placed, Placer, Refusal};
use super::storage::{SlotClass, Snapshot, Spans, Storages};
use crate::common::alloc_count::{Counts, measure};
use crate::common::futures::registry::{self, Behaviour, Id, TestPanic};

thread_local! {
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`, catching a panic without printing it (a process-wide hook
/// stays silent inside `catch`, so that a failing property still prints).
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
    quietly(f).map_err(|payload| Panic::of(&*payload))
}

/// The heap use of `f` and its result, a panic caught quietly (and read
/// after the count: reading a message allocates).
fn measured<R>(f: impl FnOnce() -> R) -> (Counts, Result<R, Panic>) {
    let (heap, result) = measure(|| quietly(f));
    (heap, result.map_err(|payload| Panic::of(&*payload)))
}

fn quietly<R>(f: impl FnOnce() -> R) -> Result<R, Box<dyn Any + Send>> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let print = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                print(info);
            }
        }));
    });
    QUIET.with(|q| q.set(q.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    result
}

/// A caught panic: a test future's, or a message (the crate's).
#[derive(Debug, PartialEq, Eq)]
pub enum Panic {
    Test(TestPanic),
    Message(String),
}

impl Panic {
    fn of(payload: &(dyn Any + Send)) -> Panic {
        match payload.downcast_ref::<TestPanic>() {
            Some(p) => Panic::Test(*p),
            None => Panic::Message(crate::common::panic_message(payload)),
        }
    }

    /// The message, or "" for a test future's panic.
    pub fn message(&self) -> &str {
        match self {
            Panic::Test(_) => "",
            Panic::Message(m) => m,
        }
    }
}

/// The storages of a case, their addresses, what the contract learned of
/// them, and a waker that counts its wakes.
pub struct Rig {
    pub storages: Storages,
    pub spans: Spans,
    pub contract: Contract,
    /// A waker that counts its wakes.
    pub waker: Waker,
    pub wakes: Arc<Wakes>,
    /// The heap blocks the rig took when it was made: dropping it gives
    /// them back, with every buffer and chunk its storages took since.
    pub made: Counts,
}

pub struct Wakes(AtomicU32);

impl Wakes {
    pub fn count(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl Rig {
    /// Starts a case: forgets the registry's records and makes empty
    /// storages around a slot of `class`.
    pub fn new(class: &'static SlotClass) -> Rig {
        registry::reset();
        catch(|| ()).expect("installs the quiet hook before anything is measured");
        let new = || (Storages::new(class), Arc::new(Wakes(AtomicU32::new(0))));
        let (made, (storages, wakes)) = measure(new);
        Rig {
            spans: storages.spans(),
            storages,
            contract: Contract::new(class),
            waker: Waker::from(Arc::clone(&wakes)),
            wakes,
            made,
        }
    }

    /// Resets the arena unless a leaked future may live in it.
    pub fn reset_arena(&mut self) {
        if self.storages.reset_arena() {
            self.contract.reset_arena();
        }
    }

    /// A handle of a future of type `ty`, placed by `lender` and `placer`,
    /// was leaked before it completed: keeps the storages it may occupy
    /// that cannot tell.
    pub fn leaked(&mut self, ty: &FutureType, lender: &Lender, placer: Placer) {
        let taint = &mut self.storages.taint;
        taint.side_stack |= ty.tracked && lender.tiers.contains(&Tier::SideStack);
        taint.inline |= ty.tracked && placer == Placer::Inline;
        taint.arena |= ty.tracked && lender.last == Last::Arena;
    }
}

/// Lends `storages` as `lender` does and places the future `id` of type
/// `ty` as `placer` does: what the scratch said, the heap use of placing,
/// and what the callee returned.
pub fn place<'s>(
    storages: &'s mut Storages,
    ty: &FutureType,
    (lender, placer): (&Lender, Placer),
    id: Id,
    back: GivenBack,
) -> (View, Counts, Result<Placed<'s>, Panic>) {
    let view = {
        let scratch = (lender.lend)(&mut storages.spaces);
        let (fits, capacity, alignment) =
            (ty.fits(&scratch), scratch.capacity(), scratch.alignment());
        View {
            fits,
            capacity,
            alignment,
            may_allocate: scratch.may_allocate(),
        }
    };
    let (heap, placed) = measured(|| ty.place(placer, lender, storages, id, back));
    (view, heap, placed)
}

/// Polls `handle` once with `waker`.
pub fn poll(handle: &mut Handle<'_>, waker: &Waker) -> (Counts, Result<Poll<u64>, Panic>) {
    measured(|| handle.poll(&mut Context::from_waker(waker)))
}

/// Drops `handle`: cancels its future unless it completed.
pub fn cancel(handle: Handle<'_>) -> (Counts, Result<(), Panic>) {
    measured(|| drop(handle))
}

/// Leaks `handle`, the future `id`'s.
pub fn forget(handle: Handle<'_>, id: Id) {
    registry::forget(id);
    core::mem::forget(handle);
}

/// One future's life: placed, polled up to `polls` times (stopping at
/// `Ready`), then dropped or leaked.
#[derive(Clone, Copy, Debug)]
pub struct Life {
    pub ty: &'static FutureType,
    pub lender: &'static Lender,
    pub placer: Placer,
    pub behaviour: Behaviour,
    pub polls: u32,
    pub forget: bool,
}

/// What was observed of a life, and what the contract expected.
#[derive(Debug)]
pub struct Report {
    pub id: Id,
    pub expected: Expect,
    /// Where the future must lie, if it has a home.
    pub region: Option<Range<usize>>,
    pub view: View,
    pub outcome: Outcome,
    /// Heap use of placing, of all polls, and of the end.
    pub heap: [Counts; 3],
    pub polled: Vec<Poll<u64>>,
    pub refusal: Option<Refusal>,
    /// Panics caught around placing, polls and drops.
    pub panics: Vec<Panic>,
    /// The future's drops right after the poll that returned `Ready`, and
    /// just before the end.
    pub drops_at_ready: Option<u32>,
    pub drops_before_end: u32,
    pub before: Snapshot,
}

impl Report {
    pub fn completed(&self) -> bool {
        matches!(self.polled.last(), Some(Poll::Ready(_)))
    }

    pub fn total_heap(&self) -> Counts {
        self.heap
            .iter()
            .cloned()
            .fold(Counts::default(), |a, b| a + b)
    }
}

/// Runs `life` in `rig` (resetting the arena first when it can), and checks
/// the storages after it against the contract.
pub fn live(rig: &mut Rig, life: &Life) -> Result<Report, String> {
    rig.reset_arena();
    let Life {
        ty, lender, placer, ..
    } = *life;
    let id = ty.register(life.behaviour);
    let before = rig.storages.snapshot();
    let (view, place_heap, placed) =
        place(&mut rig.storages, ty, (lender, placer), id, GivenBack::Drop);
    let mut report = Report {
        id,
        expected: Expect {
            outcome: Outcome::Refused,
            home: None,
            misfit: None,
            alloc: Alloc::None,
            after: before,
        },
        region: None,
        view,
        outcome: Outcome::Refused,
        heap: [place_heap, Counts::default(), Counts::default()],
        polled: Vec::with_capacity(life.polls as usize),
        refusal: None,
        panics: Vec::new(),
        drops_at_ready: None,
        drops_before_end: 0,
        before,
    };
    let leaked = end(placed, life, &rig.waker, &mut report);
    if leaked {
        rig.leaked(ty, lender, placer);
    }
    let after = rig.storages.snapshot();
    report.expected = rig.contract.expect(&before, &after, ty, lender, placer)?;
    rig.contract
        .placed(&report.expected, ty, &report.heap[0], &after)?;
    report.region = report
        .expected
        .home
        .and_then(|home| rig.contract.region(home, &rig.spans, &report.heap[0]));
    report.expected.settle(ty, leaked, &before, &after)?;
    Ok(report)
}

/// Polls and ends the future that the callee `placed` as `life` says,
/// filling `report`; whether its handle was leaked before it completed.
fn end(placed: Result<Placed<'_>, Panic>, life: &Life, waker: &Waker, report: &mut Report) -> bool {
    let id = report.id;
    let mut leaked = false;
    match placed {
        Ok(Placed::Refused(refusal)) => report.refusal = Some(refusal),
        Err(panic) => {
            report.outcome = Outcome::Panics;
            report.panics.push(panic);
        }
        Ok(Placed::Handle(mut handle)) => {
            report.outcome = if handle.is_inline() {
                Outcome::Inline
            } else {
                Outcome::Boxed
            };
            for _ in 0..life.polls {
                let (heap, polled) = poll(&mut handle, waker);
                report.heap[1] = report.heap[1].clone() + heap;
                match polled {
                    Ok(p) => report.polled.push(p),
                    Err(panic) => report.panics.push(panic),
                }
                if report.completed() {
                    report.drops_at_ready = Some(registry::record(id).drops);
                    break;
                }
            }
            report.drops_before_end = registry::record(id).drops;
            if life.forget {
                forget(handle, id);
                leaked = !report.completed();
            } else {
                let (heap, dropped) = cancel(handle);
                report.heap[2] = heap;
                report.panics.extend(dropped.err());
            }
        }
    }
    leaked
}
