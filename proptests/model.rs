//! Property 7, model check: a random sequence of operations on one case's
//! storages — emplace with any lender and placer (reusing the storages,
//! after dropping a live handle), poll, complete, cancel, forget, reset the
//! statistics, reset the arena — keeps the storages as the contract says
//! (their statistics, buffer sizes, side-stack use, whether they are
//! occupied) and every future as its script says (whether it terminated,
//! where it lives, its polls and drops) after every step.

use core::iter::Peekable;
use core::slice;
use core::task::{Poll, Waker};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::common::futures::registry::{self, Behaviour, Id};
use crate::support::catalogue::FutureType;
use crate::support::contract::Outcome;
use crate::support::kinds::{GivenBack, Handle, Lender, Placed, Placer};
use crate::support::rig::{self, Rig};
use crate::support::storage::{Counters, SlotClass};
use crate::support::{config, strategies};

#[derive(Clone, Debug)]
enum Op {
    /// Places a new future; a live handle is dropped first.
    Emplace(&'static FutureType, (&'static Lender, Placer), Behaviour),
    /// Polls the live handle once (which panics if it terminated).
    Poll,
    /// Polls the live handle until it is ready, unless it terminated.
    Complete,
    Cancel,
    Forget,
    /// Resets the statistics of the slot and the heap slot.
    ResetStats,
    /// Resets the arena, unless a leaked future may live in it.
    ResetArena,
}

fn op(slot: &'static SlotClass) -> impl Strategy<Value = Op> {
    let emplace = (
        strategies::placement(strategies::future_for(slot)),
        strategies::behaviour(3),
    )
        .prop_map(|((ty, kind), behaviour)| Op::Emplace(ty, kind, behaviour));
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

impl Futures {
    fn check(&self) -> Result<(), TestCaseError> {
        for (id, &expected) in self.0.iter().enumerate() {
            let record = registry::record(id as Id);
            prop_assert_eq!((record.polls, record.drops), expected, "future {}", id);
        }
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
        Ok(())
    }
}

/// The live handle's future, as its script says.
struct Live {
    id: Id,
    tracked: bool,
    inline: bool,
    left: u32,
    value: u64,
    terminated: bool,
}

/// Applies the handle's operations from `ops` until the handle ends: at a
/// cancel or a forget, at the next emplacement (which drops it first), or
/// when the operations run out. Whether it was leaked.
fn drive(
    mut handle: Handle<'_>,
    live: &mut Live,
    ops: &mut Peekable<slice::Iter<'_, Op>>,
    waker: &Waker,
    futures: &mut Futures,
) -> Result<bool, TestCaseError> {
    loop {
        let op = match ops.peek() {
            None | Some(Op::Emplace(..)) => &Op::Cancel,
            Some(_) => ops.next().expect("peeked"),
        };
        match op {
            Op::Poll => poll(&mut handle, live, waker, futures)?,
            Op::Complete => {
                while !live.terminated {
                    poll(&mut handle, live, waker, futures)?;
                }
            }
            Op::Cancel => {
                prop_assert!(rig::cancel(handle).1.is_ok());
                if !live.terminated {
                    futures.0[live.id as usize].1 = u32::from(live.tracked);
                }
                futures.check()?;
                return Ok(false);
            }
            Op::Forget => {
                rig::forget(handle, live.id);
                futures.check()?;
                return Ok(true);
            }
            // Nothing can be reset while a handle borrows the storages.
            Op::ResetStats | Op::ResetArena | Op::Emplace(..) => {}
        }
        prop_assert_eq!(handle.is_inline(), live.inline);
        prop_assert_eq!(handle.is_terminated(), live.terminated);
        futures.check()?;
    }
}

/// Polls the live handle once, checking the result against the script.
fn poll(
    handle: &mut Handle<'_>,
    live: &mut Live,
    waker: &Waker,
    futures: &mut Futures,
) -> Result<(), TestCaseError> {
    let polled = rig::poll(handle, waker).1;
    if live.terminated {
        let panic = polled.expect_err("a poll after completion panics");
        prop_assert_eq!(
            panic.message(),
            "stackslot: slot future polled after it completed"
        );
        return Ok(());
    }
    let expected = &mut futures.0[live.id as usize];
    expected.0 += 1;
    if live.left > 0 {
        live.left -= 1;
        prop_assert_eq!(polled, Ok(Poll::Pending));
    } else {
        prop_assert_eq!(polled, Ok(Poll::Ready(live.value)));
        live.terminated = true;
        expected.1 = u32::from(live.tracked);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Up to 24 operations on one case's storages.
    #[test]
    fn storages_keep_the_contract(
        (slot, ops) in strategies::slot_class().prop_flat_map(|slot| (Just(slot), vec(op(slot), 1..=24))),
    ) {
        let mut rig = Rig::new(slot);
        let waker = rig.waker.clone();
        let mut futures = Futures::default();
        let mut ops = ops.iter().peekable();
        while let Some(op) = ops.next() {
            let before = rig.storages.snapshot();
            match *op {
                Op::Emplace(ty, (lender, placer), behaviour) => {
                    let id = ty.register(behaviour);
                    futures.0.push((0, 0));
                    let wakes = rig.wakes.count();
                    let (heap, outcome, leaked) = {
                        let (_, heap, placed) = rig::place(&mut rig.storages, ty, (lender, placer), id, GivenBack::Drop);
                        let (outcome, leaked) = match placed {
                        Ok(Placed::Handle(handle)) => {
                            let inline = handle.is_inline();
                            let (left, value, tracked) = (behaviour.pending, behaviour.value, ty.tracked);
                            let mut live = Live { id, tracked, inline, left, value, terminated: false };
                            let leaked = drive(handle, &mut live, &mut ops, &waker, &mut futures)?;
                            let woken = behaviour.pending - live.left;
                            prop_assert_eq!(rig.wakes.count() - wakes, woken, "a wake per pending poll");
                            (if inline { Outcome::Inline } else { Outcome::Boxed }, leaked && !live.terminated)
                        }
                        Ok(Placed::Refused(_)) => (Outcome::Refused, false),
                        Err(_) => (Outcome::Panics, false),
                    };
                        (heap, outcome, leaked)
                    };
                    if !matches!(outcome, Outcome::Inline | Outcome::Boxed) {
                        futures.0[id as usize].1 = u32::from(ty.tracked);
                    }
                    if leaked {
                        rig.leaked(ty, lender, placer);
                    }
                    let after = rig.storages.snapshot();
                    let expected = rig.contract.expect(&before, &after, ty, lender, placer).map_err(TestCaseError::fail)?;
                    prop_assert_eq!(outcome, expected.outcome);
                    rig.contract.placed(&expected, ty, &heap, &after).map_err(TestCaseError::fail)?;
                    expected.settle(ty, leaked, &before, &after).map_err(TestCaseError::fail)?;
                }
                Op::ResetStats => {
                    rig.storages.reset_stats();
                    let mut expected = before;
                    (expected.slot, expected.heap.counters) = (Counters::default(), Counters::default());
                    prop_assert_eq!(rig.storages.snapshot(), expected);
                }
                Op::ResetArena => rig.reset_arena(),
                Op::Poll | Op::Complete | Op::Cancel | Op::Forget => {} // no live handle
            }
            futures.check()?;
            if !rig.storages.reusable() {
                break; // reusing or dropping a storage would abort: the rig leaks it
            }
        }
        drop(rig);
        futures.check()?;
    }
}
