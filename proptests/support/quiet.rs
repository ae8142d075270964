//! Expected panics: caught without printing, and told apart.
//!
//! A process-wide panic hook stays silent while the panicking thread is
//! inside [`catch`], and otherwise prints as usual, so that a failing
//! property still shows its panic.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use super::family::TestPanic;

thread_local! {
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

/// Installs the hook. Call before measuring heap use: it allocates once.
pub fn install() {
    HOOK.call_once(|| {
        let print = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                print(info);
            }
        }));
    });
}

/// What a panic carried.
pub type Payload = Box<dyn Any + Send>;

/// Runs `f`, catching a panic without printing it.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Payload> {
    assert!(HOOK.is_completed(), "quiet::install first");
    QUIET.with(|q| q.set(q.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    result
}

/// A caught panic: one of a test future, or a message (the crate's).
#[derive(Debug, PartialEq, Eq)]
pub enum Panic {
    Test(TestPanic),
    Message(String),
}

impl Panic {
    pub fn of(payload: &Payload) -> Panic {
        if let Some(p) = payload.downcast_ref::<TestPanic>() {
            Panic::Test(*p)
        } else if let Some(s) = payload.downcast_ref::<&str>() {
            Panic::Message(s.to_string())
        } else if let Some(s) = payload.downcast_ref::<String>() {
            Panic::Message(s.clone())
        } else {
            Panic::Message(String::from("<unknown payload>"))
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
