//! Property 7, model check: a random sequence of operations on one case's
//! storages — emplace with any kind (reusing the storages, after dropping a
//! live handle), poll, complete, cancel, forget, reset the statistics,
//! reset the arena — matches the reference model of the storages (their
//! statistics, buffer sizes, side-stack use, whether they are occupied)
//! and of every future (where it lives, whether it terminated, its polls
//! and drops) after every step.

use core::iter::Peekable;
use core::slice;
use core::task::Poll;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::catalogue::FutureType;
use crate::support::expect::{Model, Outcome};
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
    /// Resets the statistics of the slot and the heap slot (only while no
    /// handle is live).
    ResetStats,
    /// Resets the arena, in a build that has one, unless a leaked future
    /// may live in it (only while no handle is live).
    ResetArena,
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
        1 => Just(Op::ResetArena),
    ]
}

/// Expected polls and drops of every future, by id.
#[derive(Debug, Default)]
struct Futures(Vec<(u32, u32)>);

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

impl Futures {
    /// Compares the registry with the expected futures.
    fn check(&self) -> Result<(), TestCaseError> {
        for (id, &(polls, drops)) in self.0.iter().enumerate() {
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
    futures: &mut Futures,
) -> Result<Ended, TestCaseError> {
    loop {
        let op = match ops.peek() {
            None | Some(Op::Emplace { .. }) => &Op::Cancel,
            Some(_) => ops.next().expect("peeked"),
        };
        match op {
            Op::Poll => poll(&mut handle, live, wakes, futures)?,
            Op::Complete => {
                while !live.terminated {
                    poll(&mut handle, live, wakes, futures)?;
                }
            }
            Op::Cancel => {
                let (_, dropped) = rig::cancel(handle);
                prop_assert!(dropped.is_ok());
                if !live.terminated {
                    futures.0[live.id as usize].1 = u32::from(live.tracked);
                }
                futures.check()?;
                return Ok(Ended::Dropped);
            }
            Op::Forget => {
                rig::forget(handle, live.id);
                futures.check()?;
                return Ok(Ended::Forgotten);
            }
            // Nothing can be reset while a handle borrows the storages; an
            // emplacement ends the handle first (above).
            Op::ResetStats | Op::ResetArena | Op::Emplace { .. } => {}
        }
        prop_assert_eq!(handle.is_inline(), live.inline);
        prop_assert_eq!(handle.is_terminated(), live.terminated);
        futures.check()?;
    }
}

/// Polls the live handle once, checking the result against the model.
fn poll(
    handle: &mut Handle<'_>,
    live: &mut Live,
    wakes: &Wakes,
    futures: &mut Futures,
) -> Result<(), TestCaseError> {
    let wakes_before = wakes.count();
    let (_, polled) = rig::poll(handle, wakes);
    let expected = &mut futures.0[live.id as usize];
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

    /// Up to 24 operations on one case's storages.
    #[test]
    fn storages_behave_as_their_model(
        (slot, ops) in strategies::slot_class().prop_flat_map(|slot| {
            (Just(slot), vec(op(slot), 1..=24))
        }),
    ) {
        let mut rig = Rig::new(slot);
        let mut model = Model::new(slot);
        let mut futures = Futures::default();
        let mut ops = ops.iter().peekable();
        while let Some(op) = ops.next() {
            match op {
                Op::Emplace { ty, kind, behaviour } => {
                    let id = ty.register(*behaviour);
                    futures.0.push((0, 0));
                    let expected = model.place(ty, *kind);
                    // The terminated flag of a handle that was leaked.
                    let leaked = {
                        let Placement { placed, heap, .. } =
                            rig::place(&mut rig.storages, ty, *kind, id, GivenBack::Drop);
                        model.placed(&expected, &heap);
                        match placed {
                            Ok(Placed::Handle(handle)) => {
                                let inline = handle.is_inline();
                                prop_assert_eq!(
                                    if inline { Outcome::Inline } else { Outcome::Boxed },
                                    expected.outcome
                                );
                                let mut live = Live {
                                    id,
                                    tracked: ty.tracked,
                                    inline,
                                    left: behaviour.pending,
                                    value: behaviour.value,
                                    terminated: false,
                                };
                                let ended =
                                    drive(handle, &mut live, &mut ops, &rig.wakes, &mut futures)?;
                                (ended == Ended::Forgotten).then_some(live.terminated)
                            }
                            Ok(Placed::Refused(_)) => {
                                prop_assert_eq!(expected.outcome, Outcome::Refused);
                                futures.0[id as usize].1 = u32::from(ty.tracked);
                                None
                            }
                            Err(payload) => {
                                prop_assert_eq!(
                                    expected.outcome, Outcome::Panics, "{:?}", Panic::of(&payload)
                                );
                                futures.0[id as usize].1 = u32::from(ty.tracked);
                                None
                            }
                        }
                    };
                    if let Some(terminated) = leaked {
                        rig::taint(&mut rig.storages, ty, *kind, id);
                        if !terminated {
                            model.leaked(ty, &expected);
                        }
                    }
                }
                Op::ResetStats => {
                    rig.storages.reset_stats();
                    model.reset_stats();
                }
                Op::ResetArena => rig.between(&mut model),
                Op::Poll | Op::Complete | Op::Cancel | Op::Forget => {} // no live handle
            }
            prop_assert_eq!(rig.storages.snapshot(), model.snapshot());
            futures.check()?;
            if !rig.storages.reusable() {
                break; // reusing or dropping a storage would abort: the rig leaks it
            }
        }
        drop(rig);
        futures.check()?;
    }
}
