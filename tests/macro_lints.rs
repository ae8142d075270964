//! The documented patterns of `#[dyn_trait]` compile without a warning in
//! the user's crate. By hand, a `pub trait` with an `async fn` draws rustc's
//! `async_fn_in_trait` lint; with the attribute, which declares the futures
//! local (or makes them `Send`), it does not: the traits below are public,
//! at the crate root, under `#![deny(warnings)]`.
#![cfg(all(feature = "macros", feature = "alloc"))]
#![deny(warnings, async_fn_in_trait)]

mod common;

use core::pin::pin;
use std::sync::Arc;

use common::run;
use stackslot::{BoxingAdapter, Slot};

/// The README's example.
#[stackslot::dyn_trait]
pub trait AsyncIterator {
    /// What it yields.
    type Item;
    /// The next item, if any.
    async fn next(&mut self) -> Option<Self::Item>;
}

/// The expansion the docs show, with a default body.
#[stackslot::dyn_trait]
pub trait Greeter {
    /// Greets someone.
    async fn greet(&self, name: &str) -> String;
    /// Greets someone twice: a default body.
    async fn greet_twice(&self, name: &str) -> String {
        let once = self.greet(name).await;
        format!("{once} {once}")
    }
}

/// The `Send` form, with a default body.
#[stackslot::dyn_trait(Send)]
pub trait Fetch: Send + Sync {
    /// The length of `key`.
    async fn fetch(&self, key: &str) -> usize;
    /// The lengths of two keys: a default body.
    async fn fetch_both(&self, a: &str, b: &str) -> usize {
        self.fetch(a).await + self.fetch(b).await
    }
}

/// A pointer receiver.
#[stackslot::dyn_trait]
pub trait Shared {
    /// How many owners the receiver has, seen from its future.
    async fn owners(self: Arc<Self>) -> usize;
}

struct Countdown(u32);

impl AsyncIterator for Countdown {
    type Item = u32;
    async fn next(&mut self) -> Option<u32> {
        self.0 = self.0.checked_sub(1)?;
        Some(self.0)
    }
}

struct Hello;

impl Greeter for Hello {
    async fn greet(&self, name: &str) -> String {
        format!("hello {name}")
    }
}

struct Lengths;

impl Fetch for Lengths {
    async fn fetch(&self, key: &str) -> usize {
        key.len()
    }
}

impl Shared for Lengths {
    async fn owners(self: Arc<Self>) -> usize {
        Arc::strong_count(&self)
    }
}

#[test]
fn the_patterns_run_through_dyn_and_the_wrapper() {
    let mut slot = pin!(Slot::<64>::new());

    let mut countdown = Countdown(3);
    let mut iter = AsyncIteratorWithSlot::new(
        &mut countdown as &mut dyn DynAsyncIterator<Item = u32>,
        slot.as_mut(),
    );
    assert_eq!(run(&mut iter.next(), 1), Some(2));
    assert_eq!(run(&mut iter.next(), 1), Some(1));

    let greeter: &dyn DynGreeter = &Hello;
    assert_eq!(
        run(&mut greeter.greet(slot.as_mut().or_box(), "you"), 1),
        "hello you"
    );
    let boxed = BoxingAdapter::new(Hello);
    let mut greeter = GreeterWithSlot::new(&boxed as &dyn DynGreeter, slot.as_mut());
    assert_eq!(run(&mut greeter.greet_twice("me"), 1), "hello me hello me");

    let fetch: &(dyn DynFetch + Send + Sync) = &Lengths;
    assert_eq!(
        run(
            &mut fetch.fetch_both(slot.as_mut().or_box(), "ab", "cde"),
            1
        ),
        5
    );

    let shared: Arc<dyn DynShared> = Arc::new(Lengths);
    let other = Arc::clone(&shared);
    assert_eq!(run(&mut shared.owners(slot.as_mut().or_box()), 1), 2);
    drop(other);
}
