//! Rule 1 holds when stderr cannot be written: the abort on a leaked
//! occupant with drop glue is unconditional.
//!
//! Each case leaks a handle whose future has drop glue, then reuses, resets
//! or drops its storage inside `catch_unwind`, in a child process (this test
//! binary, started again on one test) whose stderr is a closed pipe (the
//! write fails with `EPIPE`: Rust ignores `SIGPIPE`) or `/dev/full` (the
//! write fails with `ENOSPC`). Were anything on the abort path to panic, the
//! panic would unwind out of the owner into `catch_unwind` and the program
//! would go on with a pinned future in freed or reused memory. The child
//! must die by `SIGABRT` without reaching the line after `catch_unwind`.
#![cfg(all(unix, not(miri)))]

mod common;

use core::mem::forget;
use core::pin::pin;
#[cfg(feature = "alloc")]
use core::task::Poll;
use std::io::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use common::futures::{Probe, Tracked};
#[cfg(feature = "alloc")]
use common::poll_once;
use stackslot::Slot;

/// Where the child's stderr goes.
#[derive(Clone, Copy, Debug)]
enum Stderr {
    /// A pipe whose read end is closed before the child starts.
    ClosedPipe,
    /// `/dev/full`: every write fails with `ENOSPC`.
    DevFull,
}

const CHILD: &str = "STACKSLOT_STDERR_TEST_CHILD";
const STARTED: &str = "case started";
const CONTINUED: &str = "the child continued after catch_unwind";

/// Runs `case` in a child process, once for each kind of unwritable stderr,
/// and checks that each child is killed by `SIGABRT` after starting the case
/// and without going on after it. `case` prints to stdout what it must not
/// reach (and the caller checks it with `forbidden`).
fn must_abort(test_name: &str, forbidden: &[&str], case: fn()) {
    if let Ok(mode) = std::env::var(CHILD) {
        if mode.starts_with(test_name) && mode[test_name.len()..].starts_with(':') {
            println!("{STARTED}");
            let caught = std::panic::catch_unwind(case);
            println!("{CONTINUED} (caught a panic: {})", caught.is_err());
            std::io::stdout().flush().unwrap();
            std::process::exit(0);
        }
        return;
    }
    for stderr in [Stderr::ClosedPipe, Stderr::DevFull] {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
            .env(CHILD, format!("{test_name}:{stderr:?}"))
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        match stderr {
            Stderr::ClosedPipe => {
                // Tests may use a newer toolchain than the library's MSRV.
                #[allow(clippy::incompatible_msrv)]
                let (reader, writer) = std::io::pipe().unwrap();
                drop(reader);
                command.stderr(writer);
            }
            Stderr::DevFull => {
                let full = std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap();
                command.stderr(full);
            }
        }
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains(STARTED),
            "{test_name}, stderr {stderr:?}: the case did not start; stdout:\n{stdout}"
        );
        assert_eq!(
            output.status.signal(),
            Some(6),
            "{test_name}, stderr {stderr:?}: expected SIGABRT, got {}; stdout:\n{stdout}",
            output.status
        );
        for line in [CONTINUED].iter().chain(forbidden) {
            assert!(
                !stdout.contains(line),
                "{test_name}, stderr {stderr:?}: the child printed {line:?}; stdout:\n{stdout}"
            );
        }
    }
}

/// A future with drop glue, pending forever.
fn leaked_future(probe: &Probe) -> Tracked<100> {
    Tracked::<100>::new(probe, 1).pending(u32::MAX)
}

#[test]
fn stack_slot() {
    must_abort("stack_slot", &[], || {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<256>::new());
        forget(slot.as_mut().stack_only().emplace(leaked_future(&probe)));
    });
}

#[test]
fn stack_slot_without_counters() {
    must_abort("stack_slot_without_counters", &[], || {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<256, stackslot::Align16, stackslot::NoStats>::new());
        forget(slot.as_mut().stack_only().emplace(leaked_future(&probe)));
    });
}

/// A `Slot::call` future leaked while its callee's future waits in the
/// slot.
#[cfg(feature = "alloc")]
#[test]
fn slot_call() {
    must_abort("slot_call", &[], || {
        let probe = Probe::new();
        let mut slot = pin!(Slot::<256>::new());
        let mut call = slot.as_mut().call(|s| s.emplace(leaked_future(&probe)));
        assert_eq!(poll_once(&mut call), Poll::Pending);
        forget(call);
    });
}

/// The scenario of a corrupted tokio waiter list: a `Notified` linked into
/// its `Notify`, in a boxed slot that is freed under it.
#[cfg(feature = "alloc")]
#[test]
fn boxed_slot() {
    must_abort("boxed_slot", &["notified the waiters"], || {
        let notify = std::sync::Arc::new(tokio::sync::Notify::new());
        let mut slot = Box::pin(Slot::<256>::new());
        let mut fut = slot.as_mut().stack_only().emplace({
            let notify = notify.clone();
            async move { notify.notified().await }
        });
        assert_eq!(poll_once(&mut fut), Poll::Pending); // linked into `notify`
        forget(fut);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(slot)));
        let _reused = Box::new([0u8; 512]);
        notify.notify_waiters();
        println!("notified the waiters (dropping the slot panicked: {caught:?})");
    });
}

#[cfg(feature = "alloc")]
#[test]
fn heap_slot() {
    must_abort("heap_slot", &[], || {
        let probe = Probe::new();
        let mut heap = stackslot::HeapSlot::new();
        forget(heap.scratch().emplace(leaked_future(&probe)));
    });
}

#[test]
fn side_stack() {
    must_abort("side_stack", &[], || {
        let probe = Probe::new();
        let stack = pin!(stackslot::SideStack::<1024>::new());
        forget(stack.as_ref().stack_only().emplace(leaked_future(&probe)));
    });
}

#[cfg(feature = "bumpalo")]
#[test]
fn arena_drop() {
    must_abort("arena_drop", &[], || {
        let probe = Probe::new();
        let arena = stackslot::Arena::new();
        let mut slot = pin!(Slot::<16>::new());
        forget(
            slot.as_mut()
                .or_arena(&arena)
                .emplace(leaked_future(&probe)),
        );
        drop(arena);
    });
}

#[cfg(feature = "bumpalo")]
#[test]
fn arena_reset() {
    must_abort("arena_reset", &["reset returned"], || {
        let probe = Probe::new();
        let mut arena = stackslot::Arena::new();
        let mut slot = pin!(Slot::<16>::new());
        forget(
            slot.as_mut()
                .or_arena(&arena)
                .emplace(leaked_future(&probe)),
        );
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| arena.reset()));
        println!("reset returned (it panicked: {})", caught.is_err());
    });
}

/// Prints when it is dropped: what a leaked future borrows must not be
/// dropped before the process stops.
struct Noisy(&'static str);

impl Drop for Noisy {
    fn drop(&mut self) {
        println!("{} dropped", self.0);
    }
}

impl Noisy {
    /// A future with drop glue that borrows `self`, pending forever, too
    /// large for a 16-byte slot.
    async fn borrow(&mut self) {
        let borrowed = &mut *self;
        let payload = [0u8; 64];
        core::future::pending::<()>().await;
        core::hint::black_box((borrowed, payload));
    }
}

#[cfg(feature = "alloc")]
#[test]
fn cached_box_adapter() {
    use stackslot::{Adapter, Strategy, strategy::CachedBox};
    must_abort("cached_box_adapter", &["implementor dropped"], || {
        let mut adapter = Box::pin(Adapter::with_strategy(
            Noisy("implementor"),
            CachedBox::default(),
        ));
        let mut caller = pin!(Slot::<16>::new());
        let (inner, strategy) = adapter.as_mut().parts_pinned();
        forget(strategy.emplace_exclusive(caller.as_mut().or_box(), inner.borrow()));
        assert!(adapter.parts().1.cache().is_occupied());
    });
}

#[test]
fn inline_adapter() {
    use stackslot::{Adapter, Strategy, strategy::Inline};
    must_abort("inline_adapter", &["implementor dropped"], || {
        let mut adapter = Box::pin(Adapter::with_strategy(
            Noisy("implementor"),
            Inline::<256>::new(),
        ));
        let mut caller = pin!(Slot::<16>::new());
        let (inner, strategy) = adapter.as_mut().parts_pinned();
        let fut = strategy.emplace_exclusive(caller.as_mut().stack_only(), inner.borrow());
        assert!(fut.is_inline());
        forget(fut);
    });
}

/// A `next` function that leaks the handle of the iterator's future and
/// returns another: the stream's slot holds a leaked future that borrows the
/// iterator. The stream must stop the process before it drops the iterator.
#[cfg(all(feature = "futures", feature = "alloc"))]
#[test]
fn slot_stream() {
    use futures_util::StreamExt as _;
    use stackslot::{Scratch, SlotFuture, SlotStream};

    fn leak_and_end<'s>(iter: &'s mut Noisy, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u8>> {
        forget(scratch.emplace(iter.borrow()));
        stackslot::Scratch::boxed().emplace(async { None })
    }

    must_abort("slot_stream", &["iterator dropped"], || {
        let mut stream = Box::pin(SlotStream::new(
            Noisy("iterator"),
            Slot::<256>::new(),
            leak_and_end,
        ));
        assert_eq!(poll_once(&mut stream.next()), Poll::Ready(None));
        drop(stream);
    });
}
