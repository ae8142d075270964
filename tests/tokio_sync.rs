//! tokio's intrusive primitives inside slot futures: a `Notify` waiter, a
//! `Semaphore` acquire and an `mpsc` send each link a node that lives in the
//! slot into the primitive's list. Cancelling them (abort, drop, timeout)
//! must unlink it, and no wakeup, permit or message may be lost or leaked.
//! Time is paused, so timers fire in a fixed order without waiting.
#![cfg(all(feature = "alloc", feature = "macros"))]

use core::pin::pin;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use stackslot::Slot;
use tokio::sync::{Notify, Semaphore};
use traits::{DynLimited, DynWaiter};

mod traits {
    /// Waits for a notification.
    #[stackslot::dyn_trait(Send)]
    pub trait Waiter: Send + Sync {
        /// Returns how many waits were woken before this one.
        async fn wait(&self) -> u64;
    }

    /// Work limited by a semaphore.
    #[stackslot::dyn_trait(Send)]
    pub trait Limited: Send + Sync {
        /// Holds a permit for `hold`; returns `id`.
        async fn work(&self, id: u64, hold: std::time::Duration) -> u64;
    }

    /// Sends into a channel.
    #[stackslot::dyn_trait(Send)]
    pub trait Outbox: Send + Sync {
        /// Whether `value` was sent.
        async fn send(&self, value: u64) -> bool;
    }

    /// Receives from a channel.
    #[stackslot::dyn_trait(Send)]
    pub trait Inbox: Send {
        /// The next value, or `None` once every sender is gone.
        async fn next(&mut self) -> Option<u64>;
    }
}

/// Counts a drop of the future that holds it.
struct DropCounter<'a>(&'a AtomicU64);

impl Drop for DropCounter<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

#[derive(Default)]
struct NotifyWaiter {
    notify: Notify,
    registered: AtomicU64,
    woken: AtomicU64,
    dropped: AtomicU64,
}

impl traits::Waiter for NotifyWaiter {
    async fn wait(&self) -> u64 {
        let _counter = DropCounter(&self.dropped);
        let mut notified = pin!(self.notify.notified());
        notified.as_mut().enable(); // linked into the waiter list from here on
        self.registered.fetch_add(1, Ordering::SeqCst);
        notified.await;
        self.woken.fetch_add(1, Ordering::SeqCst)
    }
}

#[test]
fn notify_waiters_aborted_in_their_slots_lose_no_wakeup() {
    const WAITERS: usize = if cfg!(miri) { 4 } else { 32 };
    let waiter = Arc::new(NotifyWaiter::default());
    paused_runtime().block_on(async {
        let mut tasks: Vec<_> = (0..WAITERS)
            .map(|_| {
                let waiter = Arc::clone(&waiter);
                tokio::spawn(async move {
                    let mut slot = pin!(Slot::<256>::new());
                    let waiter: &dyn DynWaiter = &*waiter;
                    waiter.wait(slot.as_mut().or_box()).await
                })
            })
            .collect();
        while waiter.registered.load(Ordering::SeqCst) < WAITERS as u64 {
            tokio::task::yield_now().await;
        }
        // Abort every other waiter while its node is linked in the list.
        let kept: Vec<_> = (0..WAITERS).map(|i| i % 2 == 1).collect();
        for (task, _) in tasks.iter().zip(&kept).filter(|(_, keep)| !**keep) {
            task.abort();
        }
        let mut woken = Vec::new();
        for (task, keep) in tasks.drain(..).zip(kept) {
            if keep {
                waiter.notify.notify_one();
                woken.push(task.await.unwrap());
            } else {
                assert!(task.await.unwrap_err().is_cancelled());
            }
        }
        woken.sort_unstable();
        assert_eq!(woken, (0..WAITERS as u64 / 2).collect::<Vec<_>>());
    });
    assert_eq!(waiter.dropped.load(Ordering::SeqCst), WAITERS as u64);

    // No waiter is left in the list: a notification becomes a permit, which
    // the next wait takes at once.
    waiter.notify.notify_one();
    let mut slot = pin!(Slot::<256>::new());
    let next = waiter.wait(slot.as_mut().or_box());
    assert_eq!(next.now_or_never(), Some(WAITERS as u64 / 2));
}

#[test]
fn a_notified_waiter_dropped_from_its_slot_passes_the_wakeup_on() {
    let waiter = NotifyWaiter::default();
    let (mut slot_a, mut slot_b) = (pin!(Slot::<256>::new()), pin!(Slot::<256>::new()));
    let dyn_waiter: &dyn DynWaiter = &waiter;
    let mut first = dyn_waiter.wait(slot_a.as_mut().or_box());
    let mut second = dyn_waiter.wait(slot_b.as_mut().or_box());
    assert_eq!((&mut first).now_or_never(), None);
    assert_eq!((&mut second).now_or_never(), None);
    waiter.notify.notify_one(); // to the first waiter (FIFO)
    drop(first); // notified but never completed: tokio hands the wakeup on
    assert_eq!(second.now_or_never(), Some(0));
    assert_eq!(waiter.woken.load(Ordering::SeqCst), 1);
    assert_eq!(waiter.dropped.load(Ordering::SeqCst), 2);
    assert!(!slot_a.is_occupied() && !slot_b.is_occupied());
}

const PERMITS: usize = 3;

struct SemaphoreLimited {
    semaphore: Semaphore,
    in_use: AtomicU64,
    most_in_use: AtomicU64,
    dropped: AtomicU64,
}

impl traits::Limited for SemaphoreLimited {
    async fn work(&self, id: u64, hold: Duration) -> u64 {
        let _counter = DropCounter(&self.dropped);
        let _permit = self.semaphore.acquire().await.unwrap();
        let in_use = self.in_use.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_use.fetch_max(in_use, Ordering::SeqCst);
        /// Counts the permit back in, also when the sleep is cancelled.
        struct Leave<'a>(&'a AtomicU64);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _leave = Leave(&self.in_use);
        tokio::time::sleep(hold).await;
        id
    }
}

#[test]
fn semaphore_acquires_cancelled_in_their_slots_leak_no_permit() {
    const TASKS: u64 = 8;
    const ROUNDS: u64 = if cfg!(miri) { 3 } else { 20 };
    let limited = Arc::new(SemaphoreLimited {
        semaphore: Semaphore::new(PERMITS),
        in_use: AtomicU64::new(0),
        most_in_use: AtomicU64::new(0),
        dropped: AtomicU64::new(0),
    });
    let outcomes = paused_runtime().block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let limited = Arc::clone(&limited);
                tokio::spawn(async move {
                    let limited: &dyn DynLimited = &*limited;
                    let mut slot = pin!(Slot::<512>::new());
                    let (mut done, mut timed_out) = (0, 0);
                    for round in 0..ROUNDS {
                        // Cancelled while waiting for a permit or while
                        // holding one, depending on the queue.
                        let hold = Duration::from_millis(10 + (task + round) % 7);
                        let work = limited.work(slot.as_mut().or_box(), round, hold);
                        match tokio::time::timeout(Duration::from_millis(25), work).await {
                            Ok(id) => {
                                assert_eq!(id, round);
                                done += 1;
                            }
                            Err(_) => timed_out += 1,
                        }
                    }
                    assert_eq!(slot.stats().hits(), ROUNDS);
                    (done, timed_out)
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        outcomes
    });
    let done: u64 = outcomes.iter().map(|o| o.0).sum();
    let timed_out: u64 = outcomes.iter().map(|o| o.1).sum();
    assert_eq!(done + timed_out, TASKS * ROUNDS);
    assert!(
        done > 0 && timed_out > 0,
        "{done} done, {timed_out} timed out"
    );
    assert_eq!(
        limited.semaphore.available_permits(),
        PERMITS,
        "no permit leaked"
    );
    assert_eq!(limited.in_use.load(Ordering::SeqCst), 0);
    assert_eq!(limited.most_in_use.load(Ordering::SeqCst), PERMITS as u64);
    assert_eq!(limited.dropped.load(Ordering::SeqCst), TASKS * ROUNDS);
}

/// An `mpsc` channel: sends in slot futures, receives through a
/// `SlotStream`.
#[cfg(feature = "futures")]
mod mpsc {
    use super::*;
    use futures_util::StreamExt;
    use stackslot::SlotStream;
    use traits::{DynInbox, DynOutbox};

    struct Channel {
        sender: tokio::sync::mpsc::Sender<u64>,
        dropped: AtomicU64,
    }

    impl traits::Outbox for Channel {
        async fn send(&self, value: u64) -> bool {
            let _counter = DropCounter(&self.dropped);
            self.sender.send(value).await.is_ok()
        }
    }

    impl traits::Inbox for tokio::sync::mpsc::Receiver<u64> {
        async fn next(&mut self) -> Option<u64> {
            self.recv().await
        }
    }

    #[test]
    fn mpsc_sends_cancelled_in_their_slots_lose_no_message_and_no_capacity() {
        const CAPACITY: usize = 2;
        const MESSAGES: u64 = if cfg!(miri) { 12 } else { 200 };
        let (sender, receiver) = tokio::sync::mpsc::channel(CAPACITY);
        let channel = Arc::new(Channel {
            sender,
            dropped: AtomicU64::new(0),
        });
        let (sent, received) = paused_runtime().block_on(async {
            let producer = {
                let channel = Arc::clone(&channel);
                tokio::spawn(async move {
                    let outbox: &dyn DynOutbox = &*channel;
                    let mut slot = pin!(Slot::<256>::new());
                    let mut sent = Vec::new();
                    for value in 0..MESSAGES {
                        let send = outbox.send(slot.as_mut().or_box(), value);
                        // Cancelled while the channel is full.
                        if let Ok(ok) = tokio::time::timeout(Duration::from_secs(1), send).await {
                            assert!(ok);
                            sent.push(value);
                        }
                    }
                    sent
                })
            };
            let consumer = tokio::spawn(async move {
                let inbox: Box<dyn DynInbox + Send> = Box::new(receiver);
                let mut stream = Box::pin(SlotStream::new(
                    inbox,
                    Slot::<256>::new(),
                    |inbox, scratch| inbox.next(scratch),
                ));
                let mut received = Vec::new();
                // Half of the messages, slowly: the producer's sends time out
                // while the channel is full, and all of them once it stops.
                while let Some(value) = stream.next().await {
                    received.push(value);
                    if received.len() % 5 == 0 {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    if received.len() as u64 == MESSAGES / 2 {
                        break;
                    }
                }
                (received, stream)
            });
            let sent = producer.await.unwrap();
            let (mut received, mut stream) = consumer.await.unwrap();
            // What is left in the channel.
            while let Some(Some(value)) = stream.next().now_or_never() {
                received.push(value);
            }
            assert_eq!(
                stream.stats(),
                None,
                "waiting for more in the stream's slot"
            );
            (sent, received)
        });
        assert!(sent.len() < MESSAGES as usize, "some sends timed out");
        assert_eq!(received, sent, "every message sent arrived, in order");
        assert_eq!(channel.sender.capacity(), CAPACITY, "no capacity leaked");
        assert_eq!(channel.dropped.load(Ordering::SeqCst), MESSAGES);
    }
}
