//! Shapes of traits written for `#[async_trait]` or `#[dynosaur]` that
//! `#[dyn_trait]` accepts as they are: by-value `self` methods (left out of
//! the dyn trait), patterns in arguments, default bodies under `Send`
//! (with the bounds on `Self` they need, and their return type kept as the
//! body's expected type), a blanket impl of the user's own
//! (`no_adapter_impls`), and pointer receivers (`self: Box<Self>`, ...).
#![cfg(all(feature = "macros", feature = "alloc"))]

mod common;

use core::cell::Cell;
use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{poll_once, run};
use pointers::{DynSendService, DynService};
use stackslot::{BoxingAdapter, Slot};

fn is_send<T: Send>(_: &T) {}

/// Counts its drops in a shared counter.
struct Token(Arc<AtomicUsize>);

impl Drop for Token {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

mod by_value {
    /// A trait with by-value `self` methods, sync and async, required and
    /// with a body: `Dyn<Name>` leaves them out.
    #[stackslot::dyn_trait]
    pub trait Job {
        async fn step(&mut self) -> u32;
        async fn finish(self) -> u32;
        fn cancel(self) -> u32;
        fn finish_now(self) -> u32
        where
            Self: Sized,
        {
            self.cancel() + 1
        }
    }
}

/// A job counting its steps.
struct Steps(u32);

impl by_value::Job for Steps {
    async fn step(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
    async fn finish(self) -> u32 {
        self.0 * 10
    }
    fn cancel(self) -> u32 {
        self.0
    }
}

#[test]
fn by_value_self_methods_stay_out_of_the_dyn_trait() {
    use by_value::DynJob;
    let mut job = Steps(0);
    {
        let job: &mut dyn DynJob = &mut job;
        let mut slot = pin!(Slot::<64>::new());
        assert_eq!(run(&mut job.step(slot.as_mut().or_box()), 10), 1);
        assert_eq!(run(&mut job.step(slot.as_mut().or_box()), 10), 2);
    }
    // The by-value methods are still there for static calls.
    use by_value::Job;
    assert_eq!(run(&mut pin!(job.finish()), 10), 20);
    assert_eq!(Steps(4).cancel(), 4);
    assert_eq!(Steps(4).finish_now(), 5);
}

mod patterns {
    /// Patterns in the arguments of methods without a body, sync and async.
    #[stackslot::dyn_trait]
    pub trait Sum {
        async fn pair(&self, (a, b): (u32, u32)) -> u32;
        async fn scaled(&self, mut by: u32, [x, y]: [u32; 2]) -> u32;
        fn first(&self, (a, _): (u32, u32), _: u8) -> u32;
        async fn doubled(&self, (a, b): (u32, u32)) -> u32 {
            2 * (a + b)
        }
    }

    /// The same with `Send`, whose default bodies are rewritten too.
    #[stackslot::dyn_trait(Send)]
    pub trait SendSum: Sync {
        async fn pair(&self, (a, b): (u32, u32)) -> u32;
        async fn doubled(&self, (a, b): (u32, u32), ref c: u32) -> u32 {
            2 * (a + b) + *c
        }
    }
}

struct Adder;

impl patterns::Sum for Adder {
    async fn pair(&self, (a, b): (u32, u32)) -> u32 {
        a + b
    }
    async fn scaled(&self, mut by: u32, [x, y]: [u32; 2]) -> u32 {
        by += 1;
        by * (x + y)
    }
    fn first(&self, (a, _): (u32, u32), _: u8) -> u32 {
        a
    }
}

impl patterns::SendSum for Adder {
    async fn pair(&self, (a, b): (u32, u32)) -> u32 {
        a + b
    }
}

#[test]
fn patterns_in_arguments_through_dyn() {
    use patterns::{DynSendSum, DynSum};
    let sum: &dyn DynSum = &Adder;
    let mut slot = pin!(Slot::<64>::new());
    assert_eq!(run(&mut sum.pair(slot.as_mut().or_box(), (1, 2)), 10), 3);
    assert_eq!(
        run(&mut sum.scaled(slot.as_mut().or_box(), 1, [2, 3]), 10),
        10
    );
    assert_eq!(sum.first((7, 8), 0), 7);
    assert_eq!(run(&mut sum.doubled(slot.as_mut().or_box(), (1, 2)), 10), 6);
    let sum: &(dyn DynSendSum + Send + Sync) = &Adder;
    let fut = sum.doubled(slot.as_mut().or_box(), (1, 2), 1);
    is_send(&fut);
    assert_eq!(run(&mut { fut }, 10), 7);
    assert_eq!(run(&mut sum.pair(slot.as_mut().or_box(), (4, 5)), 10), 9);
}

mod defaults {
    use std::sync::Arc;

    use super::Token;

    /// Default bodies under `Send` with no `Send` or `Sync` supertrait:
    /// `&self` ones get `where Self: Sync`, `&mut self` ones `Self: Send`.
    #[stackslot::dyn_trait(Send)]
    pub trait Counter {
        async fn get(&self) -> u32;
        fn set(&mut self, to: u32);
        /// Holds `self` and `token` across an await.
        async fn twice(&self, token: Token) -> u32 {
            let once = self.get().await;
            drop(token);
            once + self.get().await
        }
        async fn bump(&mut self) -> u32 {
            let now = self.get().await + 1;
            self.set(now);
            now
        }
        async fn into_count(self) -> u32
        where
            Self: Sized,
        {
            self.get().await
        }
    }

    /// A token for `twice`.
    pub fn token(drops: &Arc<std::sync::atomic::AtomicUsize>) -> Token {
        Token(Arc::clone(drops))
    }
}

struct Count(u32);

impl defaults::Counter for Count {
    async fn get(&self) -> u32 {
        self.0
    }
    fn set(&mut self, to: u32) {
        self.0 = to;
    }
}

/// `Send` but not `Sync`: implements the trait, and calls the methods
/// that need only `Send` through `dyn`.
struct CellCount(Cell<u32>);

impl defaults::Counter for CellCount {
    fn get(&self) -> impl Future<Output = u32> + Send {
        let now = self.0.get();
        async move { now }
    }
    fn set(&mut self, to: u32) {
        self.0.set(to);
    }
}

#[test]
fn default_bodies_under_send_get_the_bounds_they_need() {
    use defaults::{CounterWithSlot, DynCounter, token};
    let drops = Arc::new(AtomicUsize::new(0));
    let mut count = Count(3);
    let mut slot = pin!(Slot::<128>::new());
    {
        let counter: &mut (dyn DynCounter + Send + Sync) = &mut count;
        let fut = counter.twice(slot.as_mut().or_box(), token(&drops));
        is_send(&fut);
        assert_eq!(run(&mut { fut }, 10), 6);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        // Dropped before its first poll, the future drops the token.
        drop(counter.twice(slot.as_mut().or_box(), token(&drops)));
        assert_eq!(drops.load(Ordering::Relaxed), 2);
        let fut = counter.bump(slot.as_mut().or_box());
        is_send(&fut);
        assert_eq!(run(&mut { fut }, 10), 4);
    }
    let mut wrapper = CounterWithSlot::new(&mut count as &mut (dyn DynCounter + Send + Sync), slot);
    assert_eq!(run(&mut wrapper.twice(token(&drops)), 10), 8);
    assert_eq!(run(&mut wrapper.bump(), 10), 5);
    assert_eq!(drops.load(Ordering::Relaxed), 3);
    // Through an adapter of a `Send + Sync` implementor.
    let mut adapter = BoxingAdapter::new(Count(1));
    let counter: &mut (dyn DynCounter + Send + Sync) = &mut adapter;
    let mut slot = pin!(Slot::<128>::new());
    assert_eq!(run(&mut counter.bump(slot.as_mut().or_box()), 10), 2);
    assert_eq!(
        run(
            &mut counter.twice(slot.as_mut().or_box(), token(&drops)),
            10
        ),
        4
    );
    use defaults::Counter;
    assert_eq!(run(&mut pin!(Count(9).into_count()), 10), 9);
    // A `!Sync` implementor still gets the methods that need only `Send`.
    let mut cell = CellCount(Cell::new(7));
    let counter: &mut (dyn DynCounter + Send) = &mut cell;
    assert_eq!(run(&mut counter.bump(slot.as_mut().or_box()), 10), 8);
    assert_eq!(run(&mut counter.get(slot.as_mut().or_box()), 10), 8);
}

mod coercions {
    use core::fmt::Display;

    /// What `name` returns.
    pub static NAME: &str = "static";

    /// Default bodies under `Send` whose values coerce to the declared
    /// return type.
    #[stackslot::dyn_trait(Send)]
    pub trait Source: Sync {
        fn early(&self) -> bool;
        async fn name(&self) -> &'static (dyn Display + Sync) {
            if self.early() {
                return &NAME;
            }
            &"late"
        }
        async fn items(&self) -> Box<dyn Iterator<Item = u8> + Send> {
            let items = vec![1, 2, 3];
            if self.early() {
                return Box::new(items.into_iter().rev());
            }
            Box::new(items.into_iter())
        }
        async fn nothing(&self) {
            if self.early() {
                return;
            }
        }
    }
}

struct Early(bool);

impl coercions::Source for Early {
    fn early(&self) -> bool {
        self.0
    }
}

#[test]
fn default_bodies_coerce_to_the_declared_return_type() {
    use coercions::DynSource;
    let mut slot = pin!(Slot::<128>::new());
    for (early, name, items) in [(true, "static", [3, 2, 1]), (false, "late", [1, 2, 3])] {
        let source: &(dyn DynSource + Send + Sync) = &Early(early);
        let got = run(&mut source.name(slot.as_mut().or_box()), 10);
        assert_eq!(got.to_string(), name);
        let got = run(&mut source.items(slot.as_mut().or_box()), 10);
        assert_eq!(got.collect::<Vec<_>>(), items);
        run(&mut source.nothing(slot.as_mut().or_box()), 10);
    }
}

mod blanket {
    use core::future::Future;

    /// A trait with a blanket impl of its own, which the adapter impls
    /// would overlap.
    #[stackslot::dyn_trait(Send, no_adapter_impls)]
    pub trait Task {
        async fn run(&self) -> u32;
    }

    impl<F: Future<Output = u32> + Clone + Send + Sync> Task for F {
        async fn run(&self) -> u32 {
            self.clone().await
        }
    }
}

/// A future ready with 7 that holds a shared token.
#[derive(Clone)]
struct Seven {
    _token: Arc<Token>,
}

impl Future for Seven {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        Poll::Ready(7)
    }
}

#[test]
fn no_adapter_impls_makes_room_for_a_blanket_impl() {
    use blanket::DynTask;
    let drops = Arc::new(AtomicUsize::new(0));
    let token = Arc::new(Token(Arc::clone(&drops)));
    let seven = Seven {
        _token: Arc::clone(&token),
    };
    {
        let task: &(dyn DynTask + Send + Sync) = &seven;
        let mut slot = pin!(Slot::<128>::new());
        let fut = task.run(slot.as_mut().or_box());
        is_send(&fut);
        assert_eq!(run(&mut { fut }, 10), 7);
    }
    assert_eq!(Arc::strong_count(&token), 2); // the clone `run` awaited is gone
    drop((seven, token));
    assert_eq!(drops.load(Ordering::Relaxed), 1);
}

mod pointers {
    use core::pin::Pin;
    use std::rc::Rc;
    use std::sync::Arc;

    /// Methods taking `self` through a pointer, which the future owns.
    #[stackslot::dyn_trait]
    pub trait Service {
        async fn get(&self) -> u32;
        async fn shutdown(self: Box<Self>) -> u32;
        async fn shared(self: Arc<Self>, by: &u32) -> u32;
        async fn local(self: Rc<Self>) -> u32;
        async fn pinned(self: Pin<&mut Self>, by: u32) -> u32;
        fn count(self: Box<Self>) -> u32;
    }

    /// The same with `Send`: a default body that holds `Arc<Self>` gets
    /// `where Self: Send + Sync`.
    #[stackslot::dyn_trait(Send)]
    pub trait SendService {
        async fn get(&self) -> u32;
        async fn shared(self: Arc<Self>) -> u32 {
            self.get().await + 1
        }
    }
}

/// A service holding a token, to see when the future drops it.
struct Svc {
    value: u32,
    _token: Token,
}

impl Svc {
    fn new(value: u32, drops: &Arc<AtomicUsize>) -> Self {
        Svc {
            value,
            _token: Token(Arc::clone(drops)),
        }
    }
}

impl pointers::Service for Svc {
    async fn get(&self) -> u32 {
        self.value
    }
    async fn shutdown(self: Box<Self>) -> u32 {
        self.value
    }
    async fn shared(self: Arc<Self>, by: &u32) -> u32 {
        self.value + by
    }
    async fn local(self: Rc<Self>) -> u32 {
        self.value * 2
    }
    async fn pinned(self: Pin<&mut Self>, by: u32) -> u32 {
        let this = self.get_mut();
        this.value += by;
        this.value
    }
    fn count(self: Box<Self>) -> u32 {
        self.value
    }
}

impl pointers::SendService for Svc {
    async fn get(&self) -> u32 {
        self.value
    }
}

#[test]
fn pointer_receivers_through_dyn() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut slot = pin!(Slot::<128>::new());
    // `Box<Self>`: the future owns the box, and drops it when done ...
    let svc: Box<dyn DynService> = Box::new(Svc::new(1, &drops));
    let mut fut = svc.shutdown(slot.as_mut().or_box());
    assert_eq!(drops.load(Ordering::Relaxed), 0);
    assert_eq!(run(&mut fut, 10), 1);
    drop(fut);
    assert_eq!(drops.load(Ordering::Relaxed), 1);
    // ... or when dropped before it is polled.
    let svc: Box<dyn DynService> = Box::new(Svc::new(2, &drops));
    drop(svc.shutdown(slot.as_mut().or_box()));
    assert_eq!(drops.load(Ordering::Relaxed), 2);
    // `Arc<Self>` and `Rc<Self>`: the future holds one count.
    let svc: Arc<dyn DynService> = Arc::new(Svc::new(3, &drops));
    let by = 4;
    let mut fut = Arc::clone(&svc).shared(slot.as_mut().or_box(), &by);
    assert_eq!(Arc::strong_count(&svc), 2);
    assert!(poll_once(&mut fut) == core::task::Poll::Ready(7));
    drop(fut);
    assert_eq!(Arc::strong_count(&svc), 1);
    drop(svc);
    assert_eq!(drops.load(Ordering::Relaxed), 3);
    let svc: Rc<dyn DynService> = Rc::new(Svc::new(5, &drops));
    let mut fut = Rc::clone(&svc).local(slot.as_mut().or_box());
    assert_eq!(Rc::strong_count(&svc), 2);
    assert_eq!(run(&mut fut, 10), 10);
    drop(fut);
    assert_eq!(Rc::strong_count(&svc), 1);
    // `Pin<&mut Self>`.
    let mut svc = pin!(Svc::new(6, &drops));
    let pinned: Pin<&mut dyn DynService> = svc.as_mut();
    assert_eq!(run(&mut pinned.pinned(slot.as_mut().or_box(), 1), 10), 7);
    assert_eq!(svc.value, 7);
    // A sync method with a pointer receiver is forwarded.
    let svc: Box<dyn DynService> = Box::new(Svc::new(8, &drops));
    assert_eq!(svc.count(), 8);
    // With `Send`, the default body's future owns the `Arc`.
    let svc: Arc<dyn DynSendService + Send + Sync> = Arc::new(Svc::new(9, &drops));
    let fut = Arc::clone(&svc).shared(slot.as_mut().or_box());
    is_send(&fut);
    assert_eq!(run(&mut { fut }, 10), 10);
    assert_eq!(Arc::strong_count(&svc), 1);
}
