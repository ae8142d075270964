//! Property: `Slot::call` across the grid of slot classes and future types
//! gives what the plain path gives. Each future (any layout, pending up to
//! three times, sometimes panicking in a poll or its drop) is run once
//! through `slot.call(..)` (or `call_stack_only`) and once through the
//! plain `or_box` (`stack_only`) lend of a second slot of the same class:
//! same output after the same number of polls of the caller's future, each
//! poll of which polled the future exactly once (the eager poll included),
//! the same panics, one drop, the same counters, and both slots vacant and
//! usable after.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;

use crate::common::futures::registry::{self, Behaviour};
use crate::support::catalogue::FutureType;
use crate::support::storage::{DynSlot, SlotClass};
use crate::support::{config, strategies};

/// What running one future gave: its output (`None` when a poll panicked)
/// and how often the caller polled.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    output: Option<u64>,
    caller_polls: u32,
}

/// Polls `fut` until it is ready or panics, at most `limit` times.
fn drive<F: Future<Output = (u64, bool)> + Unpin>(mut fut: F, limit: u32) -> Run {
    let mut cx = Context::from_waker(Waker::noop());
    let mut caller_polls = 0;
    while caller_polls < limit {
        caller_polls += 1;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(&mut fut).poll(&mut cx))) {
            Ok(Poll::Ready((value, aligned))) => {
                assert!(aligned, "a future was polled at a misaligned address");
                return Run {
                    output: Some(value),
                    caller_polls,
                };
            }
            Ok(Poll::Pending) => {}
            Err(_) => break,
        }
    }
    drop(catch_unwind(AssertUnwindSafe(move || drop(fut))));
    Run {
        output: None,
        caller_polls,
    }
}

fn run_both(
    class: &SlotClass,
    ty: &FutureType,
    behaviour: Behaviour,
    stack_only: bool,
) -> Result<(), TestCaseError> {
    let mut called: Pin<Box<dyn DynSlot>> = class.make();
    let mut plain: Pin<Box<dyn DynSlot>> = class.make();
    let limit = behaviour.pending + 1;
    let emplace = ty.emplace;
    for round in 0..2 {
        let via_call = registry::register(ty.size, ty.align, behaviour);
        let call_run = catch_unwind(AssertUnwindSafe(|| {
            drive(
                called
                    .as_mut()
                    .call(stack_only, Box::new(move |s| emplace(s, via_call))),
                limit,
            )
        }));
        let via_plain = registry::register(ty.size, ty.align, behaviour);
        let plain_run = catch_unwind(AssertUnwindSafe(|| {
            // Lent and placed on the first poll, as the call does.
            let mut lend = Some(plain.as_mut());
            let mut handle = None;
            drive(
                core::future::poll_fn(move |cx| {
                    let handle = handle.get_or_insert_with(|| {
                        let slot = lend.take().expect("lent once");
                        let scratch = if stack_only {
                            slot.stack_only()
                        } else {
                            plain_or_box(slot)
                        };
                        emplace(scratch, via_plain)
                    });
                    Pin::new(handle).poll(cx)
                }),
                limit,
            )
        }));
        let (call_rec, plain_rec) = (registry::record(via_call), registry::record(via_plain));
        match (&call_run, &plain_run) {
            (Ok(c), Ok(p)) => {
                prop_assert_eq!(c, p, "round {}", round);
                if c.output.is_some() {
                    prop_assert_eq!(
                        call_rec.polls,
                        c.caller_polls,
                        "one poll of the future per poll of the call"
                    );
                }
            }
            (Err(_), Err(_)) => {
                prop_assert_eq!(call_rec.polls, 0, "a stack-only overflow polls nothing")
            }
            _ => prop_assert!(
                false,
                "round {round}: the call gave {call_run:?}, the plain path {plain_run:?}"
            ),
        }
        prop_assert_eq!(
            (call_rec.polls, call_rec.readies, call_rec.wakes),
            (plain_rec.polls, plain_rec.readies, plain_rec.wakes)
        );
        prop_assert_eq!(call_rec.drops, plain_rec.drops);
        prop_assert_eq!(call_rec.misaligned, 0);
        prop_assert!(!called.is_occupied() && !plain.is_occupied());
        prop_assert_eq!(called.stats(), plain.stats());
    }
    Ok(())
}

#[cfg(feature = "alloc")]
fn plain_or_box(slot: Pin<&mut dyn DynSlot>) -> stackslot::Scratch<'_> {
    slot.or_box()
}

#[cfg(not(feature = "alloc"))]
fn plain_or_box(slot: Pin<&mut dyn DynSlot>) -> stackslot::Scratch<'_> {
    slot.stack_only()
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    (0..=3u32, any::<u64>(), 0..8u32, any::<bool>()).prop_map(
        |(pending, value, panic_at, panic_on_drop)| Behaviour {
            pending,
            value,
            panic_at_poll: (panic_at <= pending)
                .then_some(panic_at + 1)
                .filter(|_| panic_at % 3 == 0),
            panic_on_drop: panic_on_drop && panic_at % 2 == 1,
        },
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn call_gives_what_the_plain_path_gives(
        (class, ty) in strategies::slot_class().prop_flat_map(|class| (Just(class), strategies::future_for(class))),
        behaviour in behaviour(),
        stack_only in any::<bool>(),
    ) {
        registry::reset();
        let stack_only = stack_only || !cfg!(feature = "alloc");
        run_both(class, ty, behaviour, stack_only)?;
        prop_assert_eq!(registry::errors(), Vec::<String>::new());
    }
}
