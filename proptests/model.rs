//! Property 7, model check: a random sequence of operations on one slot —
//! emplace (reusing the slot, after dropping a live handle), poll, complete,
//! cancel, forget, reset the statistics — matches a reference model of the
//! slot (its statistics, whether it is occupied) and of every future (where
//! it lives, whether it terminated, its polls and drops) after every step.

use core::iter::Peekable;
use core::slice;
use core::task::Poll;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::catalogue::FutureType;
use crate::support::expect::{self, Outcome, StatsModel};
use crate::support::kinds::{GivenBack, Handle, Placed, ScratchKind};
use crate::support::quiet::Panic;
use crate::support::registry::{self, Behaviour, Id};
use crate::support::rig::{self, Placement, Rig, Wakes};
use crate::support::slots::SlotClass;
use crate::support::{config, strategies};

#[derive(Clone, Debug)]
enum Op {
    /// Places a new future; a live handle is dropped first.
    Emplace {
        ty: &'static FutureType,
        kind: ScratchKind,
        behaviour: Behaviour,
    },
    /// Polls the live handle once (which panics if it terminated).
    Poll,
    /// Polls the live handle until it is ready, unless it terminated.
    Complete,
    /// Drops the live handle.
    Cancel,
    /// Leaks the live handle.
    Forget,
    /// Resets the slot's statistics (only while no handle is live).
    ResetStats,
}

fn op(slot: &'static SlotClass) -> impl Strategy<Value = Op> {
    let emplace = (
        strategies::future_for(slot),
        strategies::scratch_kind(),
        strategies::behaviour(3),
    )
        .prop_map(|(ty, kind, behaviour)| Op::Emplace {
            ty,
            kind,
            behaviour,
        });
    prop_oneof![
        3 => emplace,
        3 => Just(Op::Poll),
        1 => Just(Op::Complete),
        1 => Just(Op::Cancel),
        1 => Just(Op::Forget),
        1 => Just(Op::ResetStats),
    ]
}

/// The model of the slot.
#[derive(Debug, Default)]
struct Model {
    stats: StatsModel,
    occupied: bool,
    /// Expected polls and drops of every future, by id.
    futures: Vec<(u32, u32)>,
}

/// The model of the live handle's future.
struct Live {
    id: Id,
    tracked: bool,
    inline: bool,
    left: u32,
    value: u64,
    terminated: bool,
}

/// How a handle's life ended.
#[derive(PartialEq, Eq)]
enum Ended {
    Dropped,
    Forgotten,
}

impl Model {
    /// Compares the registry with the model's futures.
    fn check_futures(&self) -> Result<(), TestCaseError> {
        for (id, &(polls, drops)) in self.futures.iter().enumerate() {
            let record = registry::record(id as Id);
            prop_assert_eq!(
                (record.polls, record.drops),
                (polls, drops),
                "future {}",
                id
            );
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
        Ok(())
    }
}

/// Applies the handle's operations from `ops` until the handle ends: at a
/// cancel or a forget, at the next emplacement (which drops it first), or
/// when the operations run out.
fn drive(
    mut handle: Handle<'_>,
    live: &mut Live,
    ops: &mut Peekable<slice::Iter<'_, Op>>,
    wakes: &Wakes,
    model: &mut Model,
) -> Result<Ended, TestCaseError> {
    loop {
        let op = match ops.peek() {
            None | Some(Op::Emplace { .. }) => &Op::Cancel,
            Some(_) => ops.next().expect("peeked"),
        };
        match op {
            Op::Poll => poll(&mut handle, live, wakes, model)?,
            Op::Complete => {
                while !live.terminated {
                    poll(&mut handle, live, wakes, model)?;
                }
            }
            Op::Cancel => {
                let (_, dropped) = rig::cancel(handle);
                prop_assert!(dropped.is_ok());
                if !live.terminated {
                    model.futures[live.id as usize].1 = u32::from(live.tracked);
                }
                model.check_futures()?;
                return Ok(Ended::Dropped);
            }
            Op::Forget => {
                rig::forget(handle, live.id);
                model.occupied = live.inline && live.tracked && !live.terminated;
                model.check_futures()?;
                return Ok(Ended::Forgotten);
            }
            // The statistics cannot be reset while a handle borrows the
            // slot; an emplacement ends the handle first (above).
            Op::ResetStats | Op::Emplace { .. } => {}
        }
        prop_assert_eq!(handle.is_inline(), live.inline);
        prop_assert_eq!(handle.is_terminated(), live.terminated);
        model.check_futures()?;
    }
}

/// Polls the live handle once, checking the result against the model.
fn poll(
    handle: &mut Handle<'_>,
    live: &mut Live,
    wakes: &Wakes,
    model: &mut Model,
) -> Result<(), TestCaseError> {
    let wakes_before = wakes.count();
    let (_, polled) = rig::poll(handle, wakes);
    let expected = &mut model.futures[live.id as usize];
    if live.terminated {
        let panic = Panic::of(&polled.expect_err("a poll after completion panics"));
        prop_assert_eq!(
            panic.message(),
            "stackslot: slot future polled after it completed"
        );
        return Ok(());
    }
    expected.0 += 1;
    let polled = polled.map_err(|p| TestCaseError::fail(format!("{:?}", Panic::of(&p))))?;
    if live.left > 0 {
        live.left -= 1;
        prop_assert_eq!(polled, Poll::Pending);
        prop_assert_eq!(wakes.count(), wakes_before + 1);
    } else {
        prop_assert_eq!(polled, Poll::Ready(live.value));
        live.terminated = true;
        expected.1 = u32::from(live.tracked);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Up to 24 operations on one slot.
    #[test]
    fn a_slot_behaves_as_its_model(
        (slot, ops) in strategies::slot_class().prop_flat_map(|slot| {
            (Just(slot), vec(op(slot), 1..=24))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let mut model = Model::default();
        let mut ops = ops.iter().peekable();
        while let Some(op) = ops.next() {
            match op {
                Op::Emplace { ty, kind, behaviour } => {
                    let id = ty.register(*behaviour);
                    model.futures.push((0, 0));
                    model.stats.record(ty, slot, *kind);
                    let expected = expect::outcome(ty, slot, *kind);
                    let Placement { placed, .. } =
                        rig::place(rig.slot.as_mut(), ty, *kind, id, GivenBack::Drop);
                    match placed {
                        Ok(Placed::Handle(handle)) => {
                            let inline = handle.is_inline();
                            prop_assert_eq!(
                                if inline { Outcome::Inline } else { Outcome::Boxed },
                                expected
                            );
                            let mut live = Live {
                                id,
                                tracked: ty.tracked,
                                inline,
                                left: behaviour.pending,
                                value: behaviour.value,
                                terminated: false,
                            };
                            drive(handle, &mut live, &mut ops, &rig.wakes, &mut model)?;
                        }
                        Ok(Placed::Refused(_)) => {
                            prop_assert_eq!(expected, Outcome::Refused);
                            model.futures[id as usize].1 = u32::from(ty.tracked);
                        }
                        Err(payload) => {
                            prop_assert_eq!(expected, Outcome::Panics, "{:?}", Panic::of(&payload));
                            model.futures[id as usize].1 = u32::from(ty.tracked);
                        }
                    }
                }
                Op::ResetStats => {
                    rig.slot.as_mut().reset_stats();
                    model.stats = StatsModel::default();
                }
                Op::Poll | Op::Complete | Op::Cancel | Op::Forget => {} // no live handle
            }
            prop_assert_eq!(StatsModel::of(&rig.slot.stats()), model.stats);
            prop_assert_eq!(rig.slot.is_occupied(), model.occupied);
            model.check_futures()?;
            if model.occupied {
                break; // reusing or dropping the slot would abort: the rig leaks it
            }
        }
        drop(rig);
        model.check_futures()?;
    }
}
