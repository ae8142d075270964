//! Many tasks on a multi-threaded tokio runtime, each with a slot of its
//! own in its future, calling one shared `dyn` handler: every call lands in
//! the task's slot while the task moves between worker threads; and
//! `SlotStream`s spawned as tasks.
#![cfg(all(feature = "alloc", feature = "macros"))]

use core::pin::pin;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use stackslot::Slot;
use traits::DynCounter;

mod traits {
    /// A shared counter that yields to the runtime on every call.
    #[stackslot::dyn_trait(Send)]
    pub trait Counter: Send + Sync {
        /// Adds `n`; returns `n` doubled.
        async fn add(&self, n: u64) -> u64;
        /// The next value of a per-caller sequence.
        async fn next(&mut self) -> Option<u64>;
    }
}

/// Calls per task and tasks; fewer under Miri, which is slow.
const CALLS: u64 = if cfg!(miri) { 4 } else { 200 };
const TASKS: u64 = if cfg!(miri) { 3 } else { 64 };

#[derive(Default)]
struct Shared {
    total: AtomicU64,
    left: u64,
}

impl traits::Counter for Shared {
    async fn add(&self, n: u64) -> u64 {
        tokio::task::yield_now().await;
        self.total.fetch_add(n, Ordering::Relaxed);
        2 * n
    }
    async fn next(&mut self) -> Option<u64> {
        tokio::task::yield_now().await;
        self.left = self.left.checked_sub(1)?;
        Some(self.left)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

#[test]
fn every_task_calls_into_its_own_slot() {
    let shared = Arc::new(Shared::default());
    let results = runtime().block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let counter: &(dyn DynCounter + Send + Sync) = &*shared;
                    // The slot lives in the task's future, which moves
                    // between the worker threads at every yield.
                    let mut slot = pin!(Slot::<128>::new());
                    let mut doubled = 0;
                    for call in 0..CALLS {
                        doubled += counter.add(slot.as_mut().or_box(), task + call).await;
                    }
                    let stats = slot.stats();
                    (doubled, stats.hits(), stats.fallbacks())
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    });
    let mut expected_total = 0;
    for (task, result) in (0..TASKS).zip(results) {
        let sum: u64 = (0..CALLS).map(|call| task + call).sum();
        assert_eq!(result, (2 * sum, CALLS, 0), "task {task}");
        expected_total += sum;
    }
    assert_eq!(shared.total.load(Ordering::Relaxed), expected_total);
}

#[cfg(feature = "futures")]
#[test]
fn slot_streams_run_as_spawned_tasks() {
    use futures_util::StreamExt;
    use stackslot::SlotStream;

    let sums = runtime().block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let source: Box<dyn DynCounter + Send + Sync> = Box::new(Shared {
                    total: AtomicU64::new(0),
                    left: CALLS + task,
                });
                tokio::spawn(async move {
                    let stream = SlotStream::new(source, Slot::<128>::new(), |source, scratch| {
                        source.next(scratch)
                    });
                    let mut stream = pin!(stream);
                    let sum = stream
                        .as_mut()
                        .fold(0, |sum, x| async move { sum + x })
                        .await;
                    let stats = stream.stats().expect("the stream is over");
                    (sum, stats.hits(), stats.fallbacks())
                })
            })
            .collect();
        let mut sums = Vec::new();
        for task in tasks {
            sums.push(task.await.unwrap());
        }
        sums
    });
    for (task, (sum, hits, fallbacks)) in (0..TASKS).zip(sums) {
        let n = CALLS + task;
        assert_eq!(sum, n * (n - 1) / 2, "task {task}");
        assert_eq!((hits, fallbacks), (n + 1, 0), "task {task}");
    }
}
