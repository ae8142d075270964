//! A stack-only overflow panics at the caller's line, not inside the crate:
//! every function between a strategy's `emplace_*` and the panic is
//! `#[track_caller]`.

use core::pin::pin;
use std::panic::{self, AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use stackslot::Slot;
use stackslot::Strategy;
use stackslot::strategy::{Inline, StackOnly};

/// Serializes the tests of this file: the panic hook is global.
static HOOK: Mutex<()> = Mutex::new(());

/// Where `f` panics, as the panic hook sees it: `(file, line)`. Restores the
/// previous hook afterwards.
fn panic_location(f: impl FnOnce()) -> (String, u32) {
    let _guard = HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let seen = std::sync::Arc::new(Mutex::new(None));
    let previous = panic::take_hook();
    let record = seen.clone();
    panic::set_hook(Box::new(move |info| {
        let location = info.location().map(|l| (l.file().to_owned(), l.line()));
        *record.lock().unwrap() = location;
    }));
    let caught = catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    assert!(caught.is_err(), "expected a panic");
    let location = seen.lock().unwrap().take();
    location.expect("the panic has a location")
}

/// A 101-byte future: fits neither a 64-byte inline slot nor a 16-byte
/// caller slot.
macro_rules! large {
    () => {{
        let bytes = [0u8; 100];
        async move { bytes.len() }
    }};
}

#[test]
fn inline_overflow_points_at_the_caller() {
    let mut strategy = pin!(Inline::<64>::new());
    let mut caller = pin!(Slot::<16>::new());
    let mut line = 0;
    let location = panic_location(|| {
        let (strategy, scratch) = (strategy.as_mut(), caller.as_mut().stack_only());
        line = line!() + 1;
        drop(strategy.emplace_exclusive(scratch, large!()));
    });
    assert_eq!(location, (file!().to_owned(), line));
    let location = panic_location(|| {
        let (strategy, scratch) = (strategy.as_mut(), caller.as_mut().stack_only());
        line = line!() + 1;
        drop(strategy.emplace_exclusive_local(scratch, large!()));
    });
    assert_eq!(location, (file!().to_owned(), line));
}

#[test]
fn stack_only_shared_overflow_points_at_the_caller() {
    let strategy = pin!(StackOnly::<64>::new());
    let mut caller = pin!(Slot::<16>::new());
    let mut line = 0;
    let location = panic_location(|| {
        let scratch = caller.as_mut().stack_only();
        line = line!() + 1;
        drop(strategy.emplace_shared(scratch, large!()));
    });
    assert_eq!(location, (file!().to_owned(), line));
}

#[cfg(feature = "alloc")]
#[test]
fn cached_box_overflow_points_at_the_caller() {
    let mut strategy = stackslot::strategy::CachedBox::default();
    let mut caller = pin!(Slot::<16>::new());
    let mut line = 0;
    let location = panic_location(|| {
        let (strategy, scratch) = (
            core::pin::Pin::new(&mut strategy),
            caller.as_mut().stack_only(),
        );
        line = line!() + 1;
        drop(strategy.emplace_exclusive(scratch, large!()));
    });
    assert_eq!(location, (file!().to_owned(), line));
    let location = panic_location(|| {
        let (strategy, scratch) = (
            core::pin::Pin::new(&mut strategy),
            caller.as_mut().stack_only(),
        );
        line = line!() + 1;
        drop(strategy.emplace_exclusive_local(scratch, large!()));
    });
    assert_eq!(location, (file!().to_owned(), line));
}

#[cfg(feature = "alloc")]
#[test]
fn heap_slot_capacity_overflow_points_at_the_caller() {
    let mut line = 0;
    let location = panic_location(|| {
        line = line!() + 1;
        drop(stackslot::HeapSlot::with_capacity(usize::MAX));
    });
    assert_eq!(location, (file!().to_owned(), line));
}

#[cfg(feature = "macros")]
mod by_the_macro {
    /// Returns a future larger than any slot of these tests.
    #[stackslot::dyn_trait]
    pub trait Large {
        /// A 101-byte future, `&self`.
        async fn large(&self) -> usize;
        /// The same, `&mut self`.
        async fn large_mut(&mut self) -> usize;
    }

    pub struct Bytes;

    impl Large for Bytes {
        async fn large(&self) -> usize {
            large!().await
        }
        async fn large_mut(&mut self) -> usize {
            large!().await
        }
    }
}

#[cfg(feature = "macros")]
#[test]
fn wrapper_stack_only_overflow_points_at_the_caller() {
    use by_the_macro::{Bytes, DynLarge, LargeWithSlot};

    let mut caller = pin!(Slot::<16>::new());
    let mut target = Bytes;
    let mut line = 0;
    let location = panic_location(|| {
        let mut wrapper = LargeWithSlot::stack_only(&target as &dyn DynLarge, caller.as_mut());
        line = line!() + 1;
        drop(wrapper.large());
    });
    assert_eq!(location, (file!().to_owned(), line));
    let location = panic_location(|| {
        let mut wrapper =
            LargeWithSlot::stack_only(&mut target as &mut dyn DynLarge, caller.as_mut());
        line = line!() + 1;
        drop(wrapper.large_mut());
    });
    assert_eq!(location, (file!().to_owned(), line));
}

#[cfg(feature = "macros")]
#[test]
fn dyn_method_stack_only_overflow_points_at_the_caller() {
    use by_the_macro::{Bytes, DynLarge};

    let mut caller = pin!(Slot::<16>::new());
    let target: &dyn DynLarge = &Bytes;
    let mut line = 0;
    let location = panic_location(|| {
        let scratch = caller.as_mut().stack_only();
        line = line!() + 1;
        drop(target.large(scratch));
    });
    assert_eq!(location, (file!().to_owned(), line));
}
