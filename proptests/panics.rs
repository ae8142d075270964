//! Property 6, panics: a future that panics in `poll` or in its destructor,
//! or a callee that panics right after placing it, never causes a second
//! drop or a use after the drop; the future is dropped exactly once (while
//! unwinding, when the panic left its handle behind), its box is freed (a
//! heap slot's buffer or an arena's chunk stays), and every storage is
//! vacant, as the contract says, and works for the next future. The panic
//! is caught either around each step (the handle survives it) or around
//! the whole life (the handle is dropped while unwinding).

use core::task::{Context, Poll};

use proptest::prelude::*;

use crate::common::alloc_count;
use crate::common::futures::registry::{self, Behaviour, Id, TestPanic};
use crate::support::catalogue::FutureType;
use crate::support::contract::{Contract, Outcome};
use crate::support::kinds::{GivenBack, Lender, Placed, Placer};
use crate::support::rig::{self, Panic, Rig};
use crate::support::storage::SlotClass;
use crate::support::{config, strategies};

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// The future panics at this poll (counted from 1) and makes no
    /// progress in it.
    Poll(u32),
    /// The future's destructor panics (a future with drop glue).
    Drop,
    /// The callee panics after placing the future, before returning it.
    Callee,
}

/// Where the caller catches the panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Boundary {
    /// Around each poll and around the final drop: the handle survives.
    EachStep,
    /// Around the whole life: the handle is dropped while unwinding.
    WholeLife,
}

#[derive(Clone, Debug)]
struct Case {
    slot: &'static SlotClass,
    ty: &'static FutureType,
    kind: (&'static Lender, Placer),
    behaviour: Behaviour,
    /// Polls before the handle is dropped, fewer if the future terminates.
    polls: u32,
    fault: Fault,
    boundary: Boundary,
}

/// What the caller sees, step by step.
#[derive(Debug, PartialEq, Eq)]
enum Event {
    Pending,
    Ready(u64),
    /// A panic caught around a poll.
    PollPanic(Panic),
    /// A panic caught around dropping the handle.
    DropPanic(Panic),
    /// A panic caught around the whole life.
    Unwound(Panic),
}

fn case() -> impl Strategy<Value = Case> {
    let placed = strategies::slot_class()
        .prop_flat_map(|slot| {
            (
                Just(slot),
                strategies::placement(strategies::future_for(slot)),
            )
        })
        .prop_filter(
            "the callee returns a handle",
            |(slot, (ty, (lender, placer)))| Contract::new(slot).places(ty, lender, *placer),
        );
    let boundary = prop_oneof![Just(Boundary::EachStep), Just(Boundary::WholeLife)];
    (
        placed,
        0..=3u32,
        any::<u64>(),
        0..=6u32,
        0..3u8,
        1..=5u32,
        boundary,
    )
        .prop_map(
            |((slot, (ty, kind)), pending, value, polls, fault, at, boundary)| {
                let fault = match fault {
                    1 if ty.tracked => Fault::Drop,
                    2 => Fault::Callee,
                    _ => Fault::Poll(at.min(pending + 1)),
                };
                let behaviour = Behaviour {
                    pending,
                    value,
                    panic_at_poll: match fault {
                        Fault::Poll(at) => Some(at),
                        _ => None,
                    },
                    panic_on_drop: fault == Fault::Drop,
                };
                Case {
                    slot,
                    ty,
                    kind,
                    behaviour,
                    polls,
                    fault,
                    boundary,
                }
            },
        )
}

/// The script: the events the caller sees, the polls the future sees,
/// and whether it is dropped while unwinding.
fn simulate(case: &Case) -> (Vec<Event>, u32, bool) {
    let test = |p| Panic::Test(p);
    if case.fault == Fault::Callee {
        return (vec![Event::Unwound(test(TestPanic::Callee))], 0, true);
    }
    let whole = case.boundary == Boundary::WholeLife;
    let (mut events, mut polls, mut left) = (Vec::new(), 0, case.behaviour.pending);
    for _ in 0..case.polls {
        polls += 1;
        if case.behaviour.panic_at_poll == Some(polls) {
            if whole {
                events.push(Event::Unwound(test(TestPanic::Poll)));
                return (events, polls, true);
            }
            events.push(Event::PollPanic(test(TestPanic::Poll)));
        } else if left > 0 {
            left -= 1;
            events.push(Event::Pending);
        } else {
            // Ready: the future is dropped inside this poll.
            events.push(match (case.fault, whole) {
                (Fault::Drop, true) => Event::Unwound(test(TestPanic::Drop)),
                (Fault::Drop, false) => Event::PollPanic(test(TestPanic::Drop)),
                _ => Event::Ready(case.behaviour.value),
            });
            return (events, polls, false);
        }
    }
    if case.fault == Fault::Drop {
        // Dropped with the handle.
        events.push(if whole {
            Event::Unwound(test(TestPanic::Drop))
        } else {
            Event::DropPanic(test(TestPanic::Drop))
        });
    }
    (events, polls, false)
}

/// Runs the case's faulty life in `rig`, appending to `events`.
fn run(rig: &mut Rig, case: &Case, id: Id, events: &mut Vec<Event>) {
    if case.fault == Fault::Callee || case.boundary == Boundary::WholeLife {
        let (lender, placer) = case.kind;
        let waker = rig.waker.clone();
        let caught = rig::catch(|| {
            let placed = case
                .ty
                .place(placer, lender, &mut rig.storages, id, GivenBack::Drop);
            let Placed::Handle(mut handle) = placed else {
                panic!("the case is filtered to place its future");
            };
            if case.fault == Fault::Callee {
                std::panic::panic_any(TestPanic::Callee);
            }
            let mut cx = Context::from_waker(&waker);
            for _ in 0..case.polls {
                match handle.poll(&mut cx) {
                    Poll::Pending => events.push(Event::Pending),
                    Poll::Ready(value) => {
                        events.push(Event::Ready(value));
                        break;
                    }
                }
            }
        });
        if let Err(panic) = caught {
            events.push(Event::Unwound(panic));
        }
    } else {
        let waker = rig.waker.clone();
        let (_, _, placed) = rig::place(&mut rig.storages, case.ty, case.kind, id, GivenBack::Drop);
        let Ok(Placed::Handle(mut handle)) = placed else {
            panic!("the case is filtered to place its future");
        };
        for _ in 0..case.polls {
            if handle.is_terminated() {
                break;
            }
            events.push(match rig::poll(&mut handle, &waker).1 {
                Ok(Poll::Pending) => Event::Pending,
                Ok(Poll::Ready(value)) => Event::Ready(value),
                Err(panic) => Event::PollPanic(panic),
            });
        }
        if let Err(panic) = rig::cancel(handle).1 {
            events.push(Event::DropPanic(panic));
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// One faulty future, then a well-behaved one of the same type placed
    /// the same way.
    #[test]
    fn a_panic_leaves_no_double_drop_and_usable_storage(case in case()) {
        let Case { slot, ty, kind: (lender, placer), .. } = case;
        let mut rig = Rig::new(slot);
        let before = rig.storages.snapshot();
        let id = ty.register(case.behaviour);
        let mut events = Vec::with_capacity(16);
        let (heap, ()) = alloc_count::measure(|| run(&mut rig, &case, id, &mut events));
        let (simulated, polls, unwinding) = simulate(&case);
        prop_assert_eq!(&events, &simulated);

        let record = registry::record(id);
        let glue = u32::from(ty.tracked);
        prop_assert_eq!(record.polls, polls);
        prop_assert_eq!(record.drops, glue, "dropped exactly once");
        prop_assert_eq!(record.unwinding_drops, glue * u32::from(unwinding));
        let pending = events.iter().filter(|e| **e == Event::Pending).count();
        prop_assert_eq!(rig.wakes.count() as usize, pending);
        let after = rig.storages.snapshot();
        let expected = rig.contract.expect(&before, &after, ty, lender, placer).map_err(TestCaseError::fail)?;
        prop_assert!(matches!(expected.outcome, Outcome::Inline | Outcome::Boxed));
        if let Some(allocs) = expected.allocs() {
            prop_assert_eq!(heap.allocs, allocs, "{:?}", expected);
        }
        // The box and the payloads are freed; a buffer or a chunk stays.
        let kept = if expected.boxed() { 0 } else { heap.allocs - expected.frees() };
        prop_assert_eq!(heap.live(), kept as isize, "{:?}", heap);
        rig.contract.placed(&expected, ty, &heap, &after).map_err(TestCaseError::fail)?;
        expected.settle(ty, false, &before, &after).map_err(TestCaseError::fail)?;

        // The storage works for the next future.
        let behaviour = Behaviour { value: 99, ..Behaviour::default() };
        let life = rig::Life { ty, lender, placer, behaviour, polls: 1, forget: false };
        let report = rig::live(&mut rig, &life).map_err(TestCaseError::fail)?;
        prop_assert_eq!(report.outcome, report.expected.outcome);
        prop_assert_eq!(&report.polled, &[Poll::Ready(99)]);
        prop_assert_eq!(registry::record(report.id).drops, glue);
        prop_assert_eq!(registry::record(id).drops, glue, "not dropped again");
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
