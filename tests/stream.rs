//! `SlotStream` and `LocalSlotStream`: `StreamExt` chains over dyn async
//! iterators (hand-written and generated), allocations per item, drops
//! mid-item (in order, with panics), fusing, shared references between
//! polls, and a leaked stream whose item future stays linked into a tokio
//! `Notify`.
#![cfg(all(feature = "futures", feature = "alloc", feature = "macros"))]

mod common;

use core::future::{Future, ready};
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

use common::alloc_count::count;
use common::futures::{Probe, Tracked};
use common::panic_message;
use futures_core::{FusedStream, Stream};
use futures_util::StreamExt;
use stackslot::{LocalSlotFuture, LocalSlotStream, Scratch, Slot, SlotFuture, SlotStream};
use static_assertions::{assert_impl_all, assert_not_impl_any};

/// Items per test; fewer under Miri, which interprets every one.
const ITEMS: u64 = if cfg!(miri) { 20 } else { 1000 };

/// A dyn async iterator written by hand, as the crate's docs show.
trait DynAsyncIterator {
    type Item;
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<Self::Item>>;
}

type BoxedIter = Box<dyn DynAsyncIterator<Item = u64> + Send>;
type NextFn = for<'s> fn(&'s mut BoxedIter, Scratch<'s>) -> SlotFuture<'s, Option<u64>>;

assert_impl_all!(SlotStream<'static, BoxedIter, NextFn, u64, 64>: Send, Sync, Stream<Item = u64>, FusedStream);
assert_not_impl_any!(SlotStream<'static, BoxedIter, NextFn, u64, 64>: Unpin);
type LocalNextFn = for<'s> fn(&'s mut u64, Scratch<'s>) -> LocalSlotFuture<'s, Option<u64>>;
assert_not_impl_any!(LocalSlotStream<'static, u64, LocalNextFn, u64, 64>: Send, Sync, Unpin);

/// The `next` every stream here calls.
fn next_of<'s>(iter: &'s mut BoxedIter, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
    iter.next(scratch)
}

/// Counts down from `left`; each item's future is pending once (it waits
/// for a `Tracked<K>` of the shared probe) and holds `&mut self` across
/// that wait, writing through it afterwards.
struct Countdown<const K: usize> {
    left: u64,
    probe: Probe,
    calls: u64,
}

impl<const K: usize> Countdown<K> {
    fn boxed(left: u64, probe: &Probe) -> BoxedIter {
        Box::new(Countdown::<K> {
            left,
            probe: probe.clone(),
            calls: 0,
        })
    }
}

impl<const K: usize> DynAsyncIterator for Countdown<K> {
    type Item = u64;
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        self.calls += 1;
        let wait = Tracked::<K>::new(&self.probe, 0).pending(1);
        scratch.emplace(async move {
            let this = &mut *self;
            wait.await;
            this.left = this.left.checked_sub(1)?;
            Some(this.left)
        })
    }
}

/// Polls once with a waker that does nothing.
fn poll_next<S: Stream + ?Sized>(stream: Pin<&mut S>) -> Poll<Option<S::Item>> {
    stream.poll_next(&mut Context::from_waker(Waker::noop()))
}

/// Polls `fut` to completion (the test futures wake themselves).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10 * ITEMS + 10 {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("future still pending");
}

#[test]
fn stream_ext_chain_over_a_boxed_dyn_iterator() {
    let probe = Probe::new();
    let stream = SlotStream::new(
        Countdown::<8>::boxed(10, &probe),
        Slot::<128>::new(),
        |iter, scratch| iter.next(scratch),
    );
    let mut stream = pin!(stream);
    let odd_squares = stream
        .as_mut()
        .filter(|x| ready(x % 2 == 1))
        .map(|x| x * x)
        .take(4)
        .collect::<Vec<_>>();
    assert_eq!(block_on(odd_squares), [81, 49, 25, 9]);
    let stats = stream.stats().expect("no item in flight");
    assert_eq!((stats.hits(), stats.fallbacks()), (7, 0), "items 9 to 3");
    assert_eq!(probe.drops(), 7);
    assert!(!stream.is_terminated());
}

#[test]
fn items_that_fit_allocate_nothing() {
    let probe = Probe::new();
    let mut stream = pin!(SlotStream::new(
        Countdown::<8>::boxed(ITEMS, &probe),
        Slot::<128>::new(),
        next_of as NextFn,
    ));
    let (allocations, sum) = count(|| {
        let mut sum = 0;
        loop {
            match poll_next(stream.as_mut()) {
                Poll::Ready(Some(x)) => sum += x,
                Poll::Ready(None) => break sum,
                Poll::Pending => {}
            }
        }
    });
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
    assert_eq!(allocations, 0, "no allocation for {ITEMS} items");
    let stats = stream.stats().unwrap();
    assert_eq!((stats.hits(), stats.fallbacks()), (ITEMS + 1, 0));
    assert_eq!(probe.drops() as u64, ITEMS + 1);
}

#[test]
fn items_that_do_not_fit_allocate_once_each() {
    let probe = Probe::new();
    let mut stream = pin!(SlotStream::new(
        Countdown::<600>::boxed(ITEMS, &probe),
        Slot::<64>::new(),
        next_of as NextFn,
    ));
    let (allocations, items) = count(|| block_on(stream.as_mut().count()));
    assert_eq!(items as u64, ITEMS);
    assert_eq!(allocations as u64, ITEMS + 1, "one box per call of next");
    assert_eq!(stream.stats().unwrap().fallbacks(), ITEMS + 1);
}

#[test]
fn stack_only_never_allocates_and_panics_on_overflow() {
    let probe = Probe::new();
    let mut fits = pin!(SlotStream::stack_only(
        Countdown::<8>::boxed(3, &probe),
        Slot::<128>::new(),
        next_of as NextFn,
    ));
    let (allocations, items) = count(|| block_on(fits.as_mut().collect::<Vec<_>>()));
    assert_eq!((allocations, items), (1, vec![2, 1, 0]), "the Vec alone");

    let mut too_large = Box::pin(SlotStream::stack_only(
        Countdown::<600>::boxed(3, &probe),
        Slot::<128>::new(),
        next_of as NextFn,
    ));
    let panic = catch_unwind(AssertUnwindSafe(|| poll_next(too_large.as_mut())))
        .expect_err("a future of 600 bytes cannot fit 128");
    let message = panic_message(&*panic);
    assert!(message.contains("stack-only"), "{message}");
    assert!(message.contains("128 bytes"), "{message}");
    assert_eq!(too_large.stats().unwrap().fallbacks(), 1);
    let drops = probe.drops();
    drop(too_large);
    assert_eq!(
        probe.drops(),
        drops,
        "the refused future was dropped already"
    );
}

/// Logs what was dropped, in order.
#[derive(Clone, Default)]
struct DropLog(Arc<Mutex<Vec<&'static str>>>);

impl DropLog {
    fn guard(&self, name: &'static str) -> LogOnDrop {
        LogOnDrop(self.clone(), name)
    }
    fn entries(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().clone()
    }
}

struct LogOnDrop(DropLog, &'static str);

impl Drop for LogOnDrop {
    fn drop(&mut self) {
        self.0.0.lock().unwrap().push(self.1);
    }
}

/// An iterator whose item futures never finish; logs its drops and theirs.
struct Forever {
    log: DropLog,
    _guard: LogOnDrop,
}

impl DynAsyncIterator for Forever {
    type Item = u64;
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        let guard = self.log.guard("item future");
        scratch.emplace(async move {
            let _guard = guard;
            core::future::pending::<()>().await;
            Some(0)
        })
    }
}

#[test]
fn dropping_mid_item_drops_the_future_before_the_iterator() {
    let log = DropLog::default();
    let iter: BoxedIter = Box::new(Forever {
        log: log.clone(),
        _guard: log.guard("iterator"),
    });
    let mut stream = Box::pin(SlotStream::new(iter, Slot::<128>::new(), next_of as NextFn));
    assert!(poll_next(stream.as_mut()).is_pending());
    assert_eq!(stream.stats(), None, "an item is in flight");
    assert!(log.entries().is_empty());
    drop(stream);
    assert_eq!(log.entries(), ["item future", "iterator"]);
}

#[test]
fn a_panic_in_the_item_futures_drop_still_drops_the_rest() {
    struct PanicsOnDrop {
        probe: Probe,
        _guard: LogOnDrop,
    }
    impl DynAsyncIterator for PanicsOnDrop {
        type Item = u64;
        fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
            let fut = Tracked::<16>::new(&self.probe, 1)
                .pending(5)
                .panic_on_drop();
            scratch.emplace(async move { Some(fut.await) })
        }
    }
    let probe = Probe::new();
    let log = DropLog::default();
    let iter: BoxedIter = Box::new(PanicsOnDrop {
        probe: probe.clone(),
        _guard: log.guard("iterator"),
    });
    let mut stream = Box::pin(SlotStream::new(iter, Slot::<128>::new(), next_of as NextFn));
    assert!(poll_next(stream.as_mut()).is_pending());
    let panic = catch_unwind(AssertUnwindSafe(|| drop(stream))).expect_err("drop panics");
    assert_eq!(panic_message(&*panic), "Tracked: panic in drop");
    assert_eq!(probe.drops(), 1);
    assert_eq!(log.entries(), ["iterator"], "dropped while unwinding");
}

#[test]
fn a_panic_in_poll_leaves_the_stream_droppable() {
    struct PanicsInPoll(Probe);
    impl DynAsyncIterator for PanicsInPoll {
        type Item = u64;
        fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
            let fut = Tracked::<16>::new(&self.0, 1).panic_on_poll();
            scratch.emplace(async move { Some(fut.await) })
        }
    }
    let probe = Probe::new();
    let mut stream = Box::pin(SlotStream::new(
        Box::new(PanicsInPoll(probe.clone())) as BoxedIter,
        Slot::<128>::new(),
        next_of as NextFn,
    ));
    let panic = catch_unwind(AssertUnwindSafe(|| poll_next(stream.as_mut()))).expect_err("panics");
    assert_eq!(panic_message(&*panic), "Tracked: panic in poll");
    drop(stream);
    assert_eq!((probe.polls(), probe.drops()), (1, 1));
}

#[test]
fn fused_after_the_iterator_ends() {
    struct Calls(u64);
    impl DynAsyncIterator for Calls {
        type Item = u64;
        fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
            self.0 += 1;
            let calls = self.0;
            scratch.emplace(async move { (calls <= 2).then_some(calls) })
        }
    }
    let mut stream = pin!(SlotStream::new(
        Box::new(Calls(0)) as BoxedIter,
        Slot::<64>::new(),
        next_of as NextFn,
    ));
    assert_eq!(block_on(stream.as_mut().collect::<Vec<_>>()), [1, 2]);
    assert!(stream.is_terminated());
    assert_eq!(poll_next(stream.as_mut()), Poll::Ready(None));
    assert_eq!(
        stream.stats().unwrap().emplacements(),
        3,
        "next is not called after None"
    );
}

/// Like `Countdown`, but its item future also holds a reference to one of
/// its own locals across the wait.
struct SelfReferential(u64);

impl DynAsyncIterator for SelfReferential {
    type Item = u64;
    fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
        scratch.emplace(async move {
            let mut local = self.0;
            let in_future = &mut local;
            let this = &mut *self;
            YieldOnce::default().await;
            *in_future = in_future.checked_sub(1)?;
            this.0 = local;
            Some(local)
        })
    }
}

/// Pending once, then ready.
#[derive(Default)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if core::mem::replace(&mut self.0, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn shared_references_between_polls_leave_the_item_future_intact() {
    // The iterator lives inside the stream (not boxed), so the item future
    // holds `&mut` into the stream itself, and a `&mut` into itself.
    let mut stream = pin!(SlotStream::new(
        SelfReferential(3),
        Slot::<128>::new(),
        |iter: &mut SelfReferential, scratch| iter.next(scratch),
    ));
    let mut items = Vec::new();
    while items.len() < 3 {
        match poll_next(stream.as_mut()) {
            Poll::Ready(item) => items.push(item.unwrap()),
            Poll::Pending => {
                // A shared reference to the stream, as callers may make from
                // the pin at any time, must not disturb either borrow
                // (checked by Miri under both models).
                let shared: &SlotStream<'_, _, _, _, 128> = &stream;
                assert_eq!(shared.stats(), None);
                assert!(!shared.is_terminated());
                assert!(format!("{shared:?}").contains("in_flight: true"));
            }
        }
    }
    assert_eq!(items, [2, 1, 0]);
}

mod generated {
    /// A generated `Send` async iterator.
    #[stackslot::dyn_trait(Send)]
    pub trait Source: Send {
        async fn next(&mut self) -> Option<String>;
    }

    /// A generated local one, yielding `Rc`s.
    #[stackslot::dyn_trait]
    pub trait LocalSource {
        async fn next(&mut self) -> Option<std::rc::Rc<str>>;
    }
}

mod implementors {
    use super::generated::{LocalSource, Source};

    pub struct Words(pub Vec<&'static str>);

    impl Source for Words {
        async fn next(&mut self) -> Option<String> {
            self.0.pop().map(str::to_uppercase)
        }
    }

    impl LocalSource for Words {
        async fn next(&mut self) -> Option<std::rc::Rc<str>> {
            self.0.pop().map(Into::into)
        }
    }
}

#[test]
fn streams_over_generated_traits() {
    use generated::{DynLocalSource, DynSource};

    let mut words = implementors::Words(vec!["c", "b", "a"]);
    let source: &mut (dyn DynSource + Send) = &mut words;
    let stream = SlotStream::new(source, Slot::<64>::new(), |source, scratch| {
        source.next(scratch)
    });
    fn is_send<T: Send>(value: T) -> T {
        value
    }
    let joined = block_on(is_send(stream).collect::<Vec<_>>()).join(" ");
    assert_eq!(joined, "A B C");

    let mut words = implementors::Words(vec!["cc", "b", "aaa"]);
    let source: &mut dyn DynLocalSource = &mut words;
    let mut stream = pin!(LocalSlotStream::new(
        source,
        Slot::<64>::new(),
        |source, scratch| source.next(scratch)
    ));
    let lengths = stream.as_mut().map(|word| word.len()).collect::<Vec<_>>();
    assert_eq!(block_on(lengths), [3, 1, 2]);
    assert_eq!(stream.stats().unwrap().hits(), 4);
}

#[test]
fn a_local_stream_is_fused_only_after_its_iterator_ends() {
    use generated::DynLocalSource;

    let mut words = implementors::Words(vec!["b", "a"]);
    let source: &mut dyn DynLocalSource = &mut words;
    let mut stream = pin!(LocalSlotStream::new(
        source,
        Slot::<64>::new(),
        |source, scratch| source.next(scratch)
    ));
    assert!(!stream.is_terminated());
    assert_eq!(poll_next(stream.as_mut()), Poll::Ready(Some("a".into())));
    assert!(!stream.is_terminated(), "an item is not the end");
    assert_eq!(poll_next(stream.as_mut()), Poll::Ready(Some("b".into())));
    assert_eq!(poll_next(stream.as_mut()), Poll::Ready(None));
    assert!(stream.is_terminated());
    assert!(
        format!("{stream:?}").starts_with("LocalSlotStream { in_flight: false, finished: true")
    );
}

/// Where the leaked stream below is kept: memory reachable from a static
/// is not a leak to Miri.
static LEAKED: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

#[test]
fn a_leaked_stream_keeps_its_item_future_where_it_is() {
    /// Waits for a notification, counting its drops.
    struct Waits {
        notify: Arc<tokio::sync::Notify>,
        probe: Probe,
    }
    impl DynAsyncIterator for Waits {
        type Item = u64;
        fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u64>> {
            let guard = Tracked::<8>::new(&self.probe, 0);
            scratch.emplace(async move {
                let _guard = guard;
                self.notify.notified().await;
                Some(1)
            })
        }
    }
    let notify = Arc::new(tokio::sync::Notify::new());
    let probe = Probe::new();
    let iter: BoxedIter = Box::new(Waits {
        notify: Arc::clone(&notify),
        probe: probe.clone(),
    });
    let mut stream = Box::pin(SlotStream::new(iter, Slot::<256>::new(), next_of as NextFn));
    assert!(
        poll_next(stream.as_mut()).is_pending(),
        "linked into the Notify"
    );
    let leaked: &'static mut _ = Box::leak(Box::new(stream));
    LEAKED.store(core::ptr::from_mut(leaked).cast(), Ordering::Relaxed);

    // The waiter list still points into the leaked stream's slot: walking
    // it touches live memory, and nothing was dropped.
    notify.notify_waiters();
    assert_eq!(probe.drops(), 0);
    assert_eq!(Arc::strong_count(&notify), 2, "the leaked iterator's");
}
