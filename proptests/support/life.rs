//! One future's life in a case, as the lifecycle properties schedule it:
//! placed by some scratch kind, polled some number of times (stopping at
//! `Ready`), then dropped or leaked, with everything observed on the way and
//! the reference told what happened.

use core::task::Poll;

use super::alloc::Counts;
use super::catalogue::FutureType;
use super::expect::{Model, Outcome, Prediction};
use super::kinds::{GivenBack, Placed, ScratchKind};
use super::quiet::Panic;
use super::registry::{self, Behaviour, Id};
use super::rig::{self, Placement, Rig};
use super::span::Span;

/// What to do with one future.
#[derive(Clone, Copy, Debug)]
pub struct Life {
    pub ty: &'static FutureType,
    pub kind: ScratchKind,
    pub behaviour: Behaviour,
    /// Polls before the end, fewer if the future completes first.
    pub polls: u32,
    pub end: End,
}

/// How a handle ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Dropped: cancels the future unless it completed.
    Drop,
    /// Leaked with `mem::forget`.
    Forget,
}

/// What was observed.
#[derive(Debug)]
pub struct Report {
    pub id: Id,
    /// What the reference expected of the placement.
    pub expected: Prediction,
    /// Where the reference expects the future to live.
    pub region: Option<Span>,
    /// Where the future went: `Inline`/`Boxed` by the handle's `is_inline`,
    /// `Refused` when given back, `Panics` when placing panicked.
    pub outcome: Outcome,
    /// Heap use of placing, of all polls, and of the end.
    pub place_heap: Counts,
    pub poll_heap: Counts,
    pub end_heap: Counts,
    /// What each poll returned.
    pub polled: Vec<Poll<u64>>,
    /// Panics where none was expected (polls, drops).
    pub panics: Vec<Panic>,
    /// The future's drops right after the poll that returned `Ready`.
    pub drops_at_ready: Option<u32>,
    /// The future's drops just before the end.
    pub drops_before_end: u32,
    /// Whether the handle said it was terminated before the end.
    pub terminated: bool,
    /// Whether the handle was leaked.
    pub forgotten: bool,
}

impl Report {
    /// Whether the future returned `Ready`.
    pub fn completed(&self) -> bool {
        matches!(self.polled.last(), Some(Poll::Ready(_)))
    }

    /// Total heap use.
    pub fn heap(&self) -> Counts {
        self.place_heap.clone() + self.poll_heap.clone() + self.end_heap.clone()
    }
}

/// Runs `life` in `rig`'s storages (resetting the arena first when it can)
/// and tells `model`.
pub fn live(rig: &mut Rig, model: &mut Model, life: &Life) -> Report {
    rig.between(model);
    let id = life.ty.register(life.behaviour);
    let expected = model.place(life.ty, life.kind);
    let mut report = Report {
        id,
        expected,
        region: None,
        outcome: Outcome::Refused,
        place_heap: Counts::default(),
        poll_heap: Counts::default(),
        end_heap: Counts::default(),
        polled: Vec::with_capacity(life.polls as usize),
        panics: Vec::new(),
        drops_at_ready: None,
        drops_before_end: 0,
        terminated: false,
        forgotten: false,
    };
    run(rig, model, life, &mut report);
    if report.forgotten {
        rig::taint(&mut rig.storages, life.ty, life.kind, id);
        if !report.completed() {
            model.leaked(life.ty, &expected);
        }
    }
    report
}

/// Places the future of `report` as `life` says, polls and ends it.
fn run(rig: &mut Rig, model: &mut Model, life: &Life, report: &mut Report) {
    let (id, expected) = (report.id, report.expected);
    let Placement { heap, placed, .. } =
        rig::place(&mut rig.storages, life.ty, life.kind, id, GivenBack::Drop);
    model.placed(&expected, &heap);
    report.region = model.region(&expected, &rig.spans, &heap);
    report.place_heap = heap;
    let mut handle = match placed {
        Ok(Placed::Handle(handle)) => handle,
        Ok(Placed::Refused(_)) => {
            report.outcome = Outcome::Refused;
            return;
        }
        Err(payload) => {
            report.outcome = Outcome::Panics;
            report.panics.push(Panic::of(&payload));
            return;
        }
    };
    report.outcome = if handle.is_inline() {
        Outcome::Inline
    } else {
        Outcome::Boxed
    };
    for _ in 0..life.polls {
        let (heap, polled) = rig::poll(&mut handle, &rig.wakes);
        report.poll_heap = report.poll_heap.clone() + heap;
        match polled {
            Ok(poll) => {
                report.polled.push(poll);
                if poll.is_ready() {
                    report.drops_at_ready = Some(registry::record(id).drops);
                    break;
                }
            }
            Err(payload) => report.panics.push(Panic::of(&payload)),
        }
    }
    report.terminated = handle.is_terminated();
    report.drops_before_end = registry::record(id).drops;
    match life.end {
        End::Drop => {
            let (heap, dropped) = rig::cancel(handle);
            report.end_heap = heap;
            if let Err(payload) = dropped {
                report.panics.push(Panic::of(&payload));
            }
        }
        End::Forget => {
            rig::forget(handle, id);
            report.forgotten = true;
        }
    }
}
