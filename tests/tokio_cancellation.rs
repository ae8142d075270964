//! Cancellation on a tokio runtime while a future sits in a slot: losing a
//! `tokio::select!`, hitting `tokio::time::timeout`, and an aborted task.
//! Every cancelled future is dropped once, its slot is vacant afterwards,
//! and the next call lands in the same slot. Time is paused, so the timers
//! fire in a fixed order without waiting.
#![cfg(all(feature = "alloc", feature = "macros"))]

use core::pin::pin;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use stackslot::Slot;
use traits::DynJob;

mod traits {
    /// A job that takes some (virtual) time.
    #[stackslot::dyn_trait(Send)]
    pub trait Job: Send + Sync {
        /// Sleeps for `wait`, then returns `id`.
        async fn run(&self, id: u64, wait: std::time::Duration) -> u64;
    }
}

/// Counts the futures of its `run`: started, finished, dropped.
#[derive(Default)]
struct Sleeper {
    started: AtomicU64,
    finished: AtomicU64,
    dropped: Arc<AtomicU64>,
}

/// Counts a drop of the future that holds it.
struct DropCounter(Arc<AtomicU64>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl traits::Job for Sleeper {
    async fn run(&self, id: u64, wait: Duration) -> u64 {
        let _counter = DropCounter(Arc::clone(&self.dropped));
        self.started.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(wait).await;
        self.finished.fetch_add(1, Ordering::SeqCst);
        id
    }
}

impl Sleeper {
    /// (started, finished, dropped)
    fn counts(&self) -> (u64, u64, u64) {
        (
            self.started.load(Ordering::SeqCst),
            self.finished.load(Ordering::SeqCst),
            self.dropped.load(Ordering::SeqCst),
        )
    }
}

/// A single-threaded runtime with a paused clock: sleeps end as soon as
/// every task waits, in deadline order.
fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn losing_a_select_drops_the_slot_future_and_frees_the_slot() {
    let sleeper = Sleeper::default();
    let job: &dyn DynJob = &sleeper;
    paused_runtime().block_on(async {
        let mut slot = pin!(Slot::<256>::new());
        tokio::select! {
            _ = job.run(slot.as_mut().or_box(), 1, 10 * SECOND) => panic!("the job won"),
            () = tokio::time::sleep(SECOND) => {}
        }
        assert!(!slot.is_occupied());
        assert_eq!(
            sleeper.counts(),
            (1, 0, 1),
            "started, never finished, dropped"
        );

        let fut = job.run(slot.as_mut().or_box(), 2, SECOND);
        assert!(fut.is_inline(), "the slot is reused");
        assert_eq!(fut.await, 2);
        assert_eq!(sleeper.counts(), (2, 1, 2));
        assert_eq!((slot.stats().hits(), slot.stats().fallbacks()), (2, 0));
    });
}

#[test]
fn a_timeout_drops_the_slot_future_and_frees_the_slot() {
    let sleeper = Sleeper::default();
    let job: &dyn DynJob = &sleeper;
    paused_runtime().block_on(async {
        let mut slot = pin!(Slot::<256>::new());
        let late = tokio::time::timeout(SECOND, job.run(slot.as_mut().or_box(), 1, 5 * SECOND));
        assert!(late.await.is_err(), "elapsed");
        assert!(!slot.is_occupied());
        assert_eq!(sleeper.counts(), (1, 0, 1));

        let in_time = tokio::time::timeout(5 * SECOND, job.run(slot.as_mut().or_box(), 2, SECOND));
        assert_eq!(in_time.await.ok(), Some(2));
        assert_eq!(sleeper.counts(), (2, 1, 2));
        assert_eq!(slot.stats().hits(), 2);
    });
}

#[test]
fn select_in_a_loop_reuses_one_slot() {
    const ROUNDS: u64 = if cfg!(miri) { 6 } else { 200 };
    let sleeper = Sleeper::default();
    let job: &dyn DynJob = &sleeper;
    let (won, lost) = paused_runtime().block_on(async {
        let mut slot = pin!(Slot::<256>::new());
        let (mut won, mut lost) = (0, 0);
        for round in 0..ROUNDS {
            // Even rounds: the job needs 1 s and the deadline is 2 s; odd
            // rounds the other way round.
            let (wait, deadline) = if round % 2 == 0 { (1, 2) } else { (2, 1) };
            tokio::select! {
                id = job.run(slot.as_mut().or_box(), round, wait * SECOND) => {
                    assert_eq!(id, round);
                    won += 1;
                }
                () = tokio::time::sleep(deadline * SECOND) => lost += 1,
            }
            assert!(!slot.is_occupied());
        }
        assert_eq!(slot.stats().hits(), ROUNDS);
        assert_eq!(slot.stats().fallbacks(), 0);
        (won, lost)
    });
    assert_eq!((won, lost), (ROUNDS / 2, ROUNDS / 2));
    assert_eq!(sleeper.counts(), (ROUNDS, ROUNDS / 2, ROUNDS));
}

#[test]
fn aborting_a_task_drops_the_future_in_its_slot() {
    let sleeper = Arc::new(Sleeper::default());
    paused_runtime().block_on(async {
        let task = {
            let sleeper = Arc::clone(&sleeper);
            tokio::spawn(async move {
                let job: &dyn DynJob = &*sleeper;
                let mut slot = pin!(Slot::<256>::new());
                job.run(slot.as_mut().or_box(), 1, 60 * SECOND).await
            })
        };
        while sleeper.counts().0 == 0 {
            tokio::task::yield_now().await;
        }
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(sleeper.counts(), (1, 0, 1));
}
