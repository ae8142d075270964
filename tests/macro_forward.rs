//! `<Name>FromDyn`: a dyn object passed to code generic over the trait.
//! Each forwarded future holds its own slot: hits allocate nothing, a
//! fallback allocates once, several futures from one `&` forwarder run at
//! once, and the callee's future is dropped exactly once, before the slot
//! it lives in.
#![cfg(all(feature = "macros", feature = "alloc"))]

mod common;

use core::future::Future;
use core::pin::{Pin, pin};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use common::alloc_count::count;
use common::futures::{Probe, Tracked};
use common::{panic_message, poll_once, run};
use implementors::{Big, Cell, Echoer, Lengths, Logged, Owner, Prefixer, Store};
use traits::{
    Counter, CounterFromDyn, DynCounter, DynEcho, DynLog, DynPrefix, DynReader, DynShared, Echo,
    EchoFromDyn, Log, LogFromDyn, Prefix, PrefixFromDyn, Reader, ReaderFromDyn, Shared,
    SharedFromDyn,
};

mod traits {
    use super::Token;

    /// `&mut self` and `&self` methods, an associated type, a method that
    /// is not async, a default body and a method kept out of the dyn trait.
    #[stackslot::dyn_trait]
    pub trait Counter {
        /// What `bump` adds.
        type Step: Copy;
        /// Adds `by`.
        async fn bump(&mut self, by: Self::Step) -> u32;
        /// Reads.
        async fn read(&self) -> u32;
        /// Not async.
        fn name(&self) -> &str;
        /// Twice the value, unless the implementor says otherwise.
        async fn twice(&self) -> u32 {
            2 * self.read().await
        }
        /// Not callable through `dyn`; the forwarder gets this body.
        fn kind() -> &'static str
        where
            Self: Sized,
        {
            "default"
        }
    }

    /// Only `&self` methods: a forwarder from `&dyn` implements it.
    #[stackslot::dyn_trait]
    pub trait Reader {
        /// Looks `key` up.
        async fn read(&self, key: &str) -> usize;
    }

    /// Records drops.
    #[stackslot::dyn_trait]
    pub trait Log {
        /// Holds `token` and a guard of its own across one `Pending`.
        async fn hold(&self, token: Token) -> u32;
    }

    /// `Send` futures.
    #[stackslot::dyn_trait(Send)]
    pub trait Shared: Send + Sync {
        /// Reads.
        async fn get(&self) -> u32;
        /// Writes.
        async fn set(&mut self, value: u32);
    }

    /// A type parameter.
    #[stackslot::dyn_trait]
    pub trait Echo<T> {
        /// Returns `value`.
        async fn echo(&self, value: T) -> T;
    }

    /// A lifetime parameter.
    #[stackslot::dyn_trait]
    pub trait Prefix<'a> {
        /// The first `len` bytes of `text`.
        async fn prefix(&self, text: &'a str, len: usize) -> &'a str;
    }
}

/// A value that logs its drop.
pub struct Token(pub &'static str, pub Arc<Mutex<Vec<&'static str>>>);

impl Drop for Token {
    fn drop(&mut self) {
        self.1.lock().unwrap().push(self.0);
    }
}

mod implementors {
    use super::traits::{Counter, Echo, Log, Prefix, Reader, Shared};
    use super::{Probe, Token, Tracked};

    /// Small futures: they fit a 64-byte slot.
    pub struct Cell(pub u32);

    impl Counter for Cell {
        type Step = u32;
        async fn bump(&mut self, by: u32) -> u32 {
            self.0 += by;
            self.0
        }
        async fn read(&self) -> u32 {
            self.0
        }
        fn name(&self) -> &str {
            "cell"
        }
    }

    /// Futures of 256 bytes held across a `Pending`: a fallback in a
    /// 64-byte slot. Its probe counts their polls and drops.
    pub struct Big(pub Probe);

    impl Counter for Big {
        type Step = u32;
        async fn bump(&mut self, by: u32) -> u32 {
            Tracked::<256>::new(&self.0, u64::from(by)).pending(1).await as u32
        }
        async fn read(&self) -> u32 {
            Tracked::<256>::new(&self.0, 7).pending(1).await as u32
        }
        fn name(&self) -> &str {
            "big"
        }
        async fn twice(&self) -> u32 {
            0
        }
    }

    /// Key lengths, after one `Pending` counted by the probe.
    pub struct Lengths(pub Probe);

    impl Reader for Lengths {
        async fn read(&self, key: &str) -> usize {
            Tracked::<8>::new(&self.0, 0).pending(1).await;
            key.len()
        }
    }

    /// Keeps an `Arc` alive; reads key lengths.
    pub struct Owner {
        pub _alive: std::sync::Arc<()>,
    }

    impl Reader for Owner {
        async fn read(&self, key: &str) -> usize {
            key.len()
        }
    }

    /// Logs the drop of a guard its future holds, then of the argument.
    pub struct Logged;

    impl Log for Logged {
        async fn hold(&self, token: Token) -> u32 {
            let _guard = Token("guard", token.1.clone());
            Tracked::<8>::new(&Probe::new(), 0).pending(1).await;
            token.0.len() as u32
        }
    }

    pub struct Store(pub u32);

    impl Shared for Store {
        async fn get(&self) -> u32 {
            self.0
        }
        async fn set(&mut self, value: u32) {
            self.0 = value;
        }
    }

    pub struct Echoer;

    impl<T> Echo<T> for Echoer {
        async fn echo(&self, value: T) -> T {
            value
        }
    }

    pub struct Prefixer;

    impl<'a> Prefix<'a> for Prefixer {
        async fn prefix(&self, text: &'a str, len: usize) -> &'a str {
            &text[..len]
        }
    }
}

/// Generic code: bumps by 1 then 2 and reads, twice via the default body.
async fn drive<C: Counter<Step = u32>>(counter: &mut C) -> (u32, u32, u32) {
    let bumped = counter.bump(1).await;
    let bumped = bumped + counter.bump(2).await;
    (bumped, counter.read().await, counter.twice().await)
}

/// Generic code over a shared reference.
async fn total<R: Reader>(reader: &R, keys: &[&str]) -> usize {
    let mut total = 0;
    for key in keys {
        total += reader.read(key).await;
    }
    total
}

/// Polls a pinned future to completion (at most `limit` polls).
fn finish<F: Future>(fut: Pin<&mut F>, limit: usize) -> F::Output {
    run(&mut { fut }, limit)
}

#[test]
fn a_mut_dyn_counter_runs_generic_code() {
    let mut cell = Cell(10);
    let target: &mut dyn DynCounter<Step = u32> = &mut cell;
    let mut counter = CounterFromDyn::<_, 64>::new(target);
    assert_eq!(Counter::name(&counter), "cell");
    assert_eq!(
        CounterFromDyn::<&mut dyn DynCounter<Step = u32>, 64>::kind(),
        "default"
    );
    let out = finish(pin!(drive(&mut counter)), 10);
    assert_eq!(out, (11 + 13, 13, 26));
    assert_eq!(cell.0, 13);
}

#[test]
fn a_boxed_dyn_counter_is_dropped_with_the_forwarder() {
    let probe = Probe::new();
    let target: Box<dyn DynCounter<Step = u32>> = Box::new(Big(probe.clone()));
    let mut counter = CounterFromDyn::<_, 64>::new(target);
    // `Big` overrides the default body of `twice`.
    assert_eq!(finish(pin!(drive(&mut counter)), 10), (1 + 2, 7, 0));
    assert_eq!((probe.polls(), probe.drops()), (6, 3));
    assert_eq!(counter.target.name(), "big");

    let owner = Arc::new(());
    let reader = ReaderFromDyn::<_, 64>::new(Box::new(Owner {
        _alive: owner.clone(),
    }) as Box<dyn DynReader>);
    assert_eq!(finish(pin!(total(&reader, &["ab"])), 1), 2);
    assert_eq!(Arc::strong_count(&owner), 2);
    drop(reader);
    assert_eq!(
        Arc::strong_count(&owner),
        1,
        "the box was dropped with the forwarder"
    );
}

#[test]
fn a_shared_dyn_reader_runs_generic_code() {
    let lengths = Lengths(Probe::new());
    let reader = ReaderFromDyn::<_, 64>::new(&lengths as &dyn DynReader);
    let out = finish(pin!(total(&reader, &["a", "bc", "def"])), 10);
    assert_eq!(out, 6);
    assert_eq!(lengths.0.polls(), 6);
}

#[test]
fn futures_from_one_shared_forwarder_are_in_flight_at_once() {
    let lengths = Lengths(Probe::new());
    let reader = ReaderFromDyn::<_, 64>::new(&lengths as &dyn DynReader);
    let mut first = pin!(Reader::read(&reader, "one"));
    let mut second = pin!(Reader::read(&reader, "three"));
    let mut third = pin!(Reader::read(&reader, ""));
    assert!(poll_once(&mut first.as_mut()).is_pending());
    assert!(poll_once(&mut second.as_mut()).is_pending());
    assert!(poll_once(&mut third.as_mut()).is_pending());
    assert_eq!(lengths.0.polls(), 3);
    assert_eq!(finish(second, 1), 5);
    assert_eq!(finish(third, 1), 0);
    assert_eq!(finish(first, 1), 3);
    assert_eq!((lengths.0.polls(), lengths.0.drops()), (6, 3));
}

#[test]
fn hits_allocate_nothing_and_fallbacks_once_each() {
    let mut cell = Cell(0);
    let mut counter = CounterFromDyn::<_, 64>::new(&mut cell as &mut dyn DynCounter<Step = u32>);
    let (allocs, out) = count(|| {
        let mut last = (0, 0, 0);
        for _ in 0..10 {
            last = finish(pin!(drive(&mut counter)), 10);
        }
        last
    });
    assert_eq!(out, (28 + 30, 30, 60));
    assert_eq!(allocs, 0, "every future fit its slot");

    let mut big = Big(Probe::new());
    let mut counter = CounterFromDyn::<_, 64>::new(&mut big as &mut dyn DynCounter<Step = u32>);
    let (allocs, out) = count(|| finish(pin!(Counter::bump(&mut counter, 5)), 10));
    assert_eq!((allocs, out), (1, 5), "one box for the one fallback");
    let (allocs, _) = count(|| {
        for _ in 0..10 {
            assert_eq!(finish(pin!(Counter::read(&counter)), 10), 7);
        }
    });
    assert_eq!(allocs, 10, "one box per fallback");
    assert_eq!(big.0.drops(), 11);
}

#[test]
fn a_bigger_slot_holds_what_a_smaller_one_boxes() {
    let mut big = Big(Probe::new());
    let counter = CounterFromDyn::<_, 512>::new(&mut big as &mut dyn DynCounter<Step = u32>);
    let (allocs, out) = count(|| finish(pin!(Counter::read(&counter)), 10));
    assert_eq!((allocs, out), (0, 7));
}

#[test]
fn stack_only_panics_naming_both_sizes_and_never_allocates() {
    let mut cell = Cell(1);
    let mut counter =
        CounterFromDyn::<_, 64>::stack_only(&mut cell as &mut dyn DynCounter<Step = u32>);
    let (allocs, out) = count(|| finish(pin!(Counter::bump(&mut counter, 1)), 10));
    assert_eq!((allocs, out), (0, 2));

    let mut big = Big(Probe::new());
    let counter = CounterFromDyn::<_, 64>::stack_only(&mut big as &mut dyn DynCounter<Step = u32>);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        finish(pin!(Counter::read(&counter)), 10)
    }))
    .expect_err("a future of 256 bytes and more does not fit 64");
    let message = panic_message(&*panic);
    assert!(
        message.contains("does not fit a space of 64 bytes (align 16)"),
        "{message}"
    );
    // The callee's future did not fit and was never polled: the `Tracked`
    // it would have made never existed.
    assert_eq!((big.0.polls(), big.0.drops()), (0, 0));
}

#[test]
fn a_forwarded_future_dropped_in_flight_drops_the_callee_future_once() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let logger = LogFromDyn::<_, 64>::new(&Logged as &dyn DynLog);
    {
        let mut fut = pin!(Log::hold(&logger, Token("token", log.clone())));
        assert!(poll_once(&mut fut.as_mut()).is_pending());
        assert!(
            log.lock().unwrap().is_empty(),
            "nothing dropped while in flight"
        );
    }
    // The callee's locals first, then its argument, each once.
    assert_eq!(*log.lock().unwrap(), ["guard", "token"]);

    log.lock().unwrap().clear();
    let fut = pin!(Log::hold(&logger, Token("done", log.clone())));
    assert_eq!(finish(fut, 10), 4);
    assert_eq!(*log.lock().unwrap(), ["guard", "done"]);

    log.lock().unwrap().clear();
    drop(Log::hold(&logger, Token("never polled", log.clone())));
    assert_eq!(*log.lock().unwrap(), ["never polled"]);
}

#[test]
fn send_forwarders_give_send_futures() {
    static_assertions::assert_impl_all!(SharedFromDyn<&'static mut dyn DynShared, 64>: Shared, Send, Sync);
    static_assertions::assert_impl_all!(SharedFromDyn<Box<dyn DynShared>, 64>: Shared, Send, Sync);
    // `set` takes `&mut self`: a forwarder from `&dyn` is no `Shared`.
    static_assertions::assert_not_impl_any!(SharedFromDyn<&'static dyn DynShared, 64>: Shared);
    fn is_send<T: Send>(value: T) -> T {
        value
    }
    let mut store = Store(1);
    let mut shared = SharedFromDyn::<_, 64>::new(&mut store as &mut dyn DynShared);
    finish(pin!(is_send(Shared::set(&mut shared, 5))), 1);
    assert_eq!(finish(pin!(is_send(Shared::get(&shared))), 1), 5);
    // Generic code that spawns-style requires `Send` futures.
    fn spawnable<S: Shared>(shared: &S) -> impl Future<Output = u32> + Send + '_ {
        shared.get()
    }
    assert_eq!(finish(pin!(spawnable(&shared)), 1), 5);
}

#[test]
fn generic_traits_forward() {
    let echo = EchoFromDyn::<_, 64>::new(&Echoer as &dyn DynEcho<String>);
    assert_eq!(finish(pin!(Echo::echo(&echo, "hi".to_owned())), 1), "hi");
    let prefix = PrefixFromDyn::<_, 64>::new(&Prefixer as &dyn DynPrefix<'_>);
    let text = String::from("forward");
    assert_eq!(finish(pin!(Prefix::prefix(&prefix, &text, 3)), 1), "for");
    fn generic<'a, P: Prefix<'a>>(p: &P, text: &'a str) -> impl Future<Output = &'a str> {
        p.prefix(text, 2)
    }
    assert_eq!(finish(pin!(generic(&prefix, &text)), 1), "fo");
}

#[test]
fn the_forwarder_is_debug() {
    let reader = ReaderFromDyn::<_, 64>::stack_only(&5u32);
    assert_eq!(
        format!("{reader:?}"),
        "ReaderFromDyn { target: 5, may_allocate: false }"
    );
}

mod shapes {
    /// `Send` futures without `Sync` in the supertraits: a default body
    /// gets `where Self: Sync`, and the forwarder needs a `Sync` target.
    #[stackslot::dyn_trait(Send)]
    pub trait Greet {
        /// The length of the greeting.
        async fn greet(&self, name: &str) -> usize {
            name.len() + 7
        }
    }

    /// A blanket impl of its own: every `Fn() -> u32` is a `Source`.
    #[stackslot::dyn_trait(no_adapter_impls)]
    pub trait Source {
        /// The next value.
        async fn next(&self) -> u32;
    }

    impl<F: Fn() -> u32> Source for F {
        async fn next(&self) -> u32 {
            self()
        }
    }

    /// An associated const: no forwarder (a dyn object's const cannot be
    /// read at compile time); the dyn trait's docs say so.
    #[stackslot::dyn_trait]
    pub trait Limited {
        /// The limit.
        const LIMIT: u32;
        /// Reads.
        async fn read(&self) -> u32;
    }

    /// Implements `Greet` with its default body.
    pub struct Hello;

    impl Greet for Hello {}
}

#[test]
fn send_default_bodies_forward_from_a_sync_target() {
    use shapes::{DynGreet, Greet, GreetFromDyn, Hello};
    static_assertions::assert_impl_all!(GreetFromDyn<&'static (dyn DynGreet + Sync), 64>: Greet, Send, Sync);
    static_assertions::assert_not_impl_any!(GreetFromDyn<&'static dyn DynGreet, 64>: Greet);
    let greeter = GreetFromDyn::<_, 64>::new(&Hello as &(dyn DynGreet + Sync));
    fn is_send<T: Send>(value: T) -> T {
        value
    }
    assert_eq!(finish(pin!(is_send(Greet::greet(&greeter, "you"))), 1), 10);
}

#[test]
fn a_trait_with_a_blanket_impl_forwards() {
    use shapes::{DynSource, Source, SourceFromDyn};
    let closure = || 42u32;
    let source = SourceFromDyn::<_, 64>::new(&closure as &dyn DynSource);
    let (allocs, value) = count(|| finish(pin!(Source::next(&source)), 1));
    assert_eq!((allocs, value), (0, 42));
}

#[test]
fn the_dyn_trait_docs_say_why_there_is_no_forwarder() {
    // `LimitedFromDyn` does not exist; `DynLimited` is still there.
    struct Ten;
    impl shapes::Limited for Ten {
        const LIMIT: u32 = 10;
        async fn read(&self) -> u32 {
            Self::LIMIT
        }
    }
    let target: &dyn shapes::DynLimited = &Ten;
    let mut slot = pin!(stackslot::Slot::<64>::new());
    assert_eq!(finish(pin!(target.read(slot.as_mut().or_box())), 1), 10);
    assert_eq!(target.LIMIT(), 10);
}
