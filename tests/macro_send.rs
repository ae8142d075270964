//! `#[dyn_trait(Send)]`: the trait's futures become `Send`, the dyn methods
//! return `SlotFuture`s, and calls through `dyn DynFetch + Send + Sync` run
//! as tasks on a multi-threaded tokio runtime.
#![cfg(all(feature = "macros", feature = "alloc"))]

use core::future::Future;
use core::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use stackslot::{BoxingAdapter, Slot, SlotFuture};
use traits::{DynFetch, FetchWithSlot};

mod traits {
    /// Fetches values; shared between threads.
    #[stackslot::dyn_trait(Send)]
    pub trait Fetch: Send + Sync {
        /// The value for `key`.
        async fn fetch(&self, key: u64) -> u64;
        /// Sums several keys with `fetch`: a default body, now `Send` too.
        async fn fetch_sum(&self, keys: Vec<u64>) -> u64 {
            let mut sum = 0;
            for key in keys {
                sum += self.fetch(key).await;
            }
            sum
        }
        /// How many fetches it served.
        fn served(&self) -> u64;
    }
}

mod implementors {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::traits::Fetch;

    /// Doubles keys, yielding to the runtime first.
    #[derive(Default)]
    pub struct Doubler {
        pub served: AtomicU64,
    }

    impl Fetch for Doubler {
        async fn fetch(&self, key: u64) -> u64 {
            tokio::task::yield_now().await;
            self.served.fetch_add(1, Ordering::Relaxed);
            key * 2
        }
        fn served(&self) -> u64 {
            self.served.load(Ordering::Relaxed)
        }
    }

    /// Compiles only because the rewritten trait promises `Send` futures,
    /// for every implementor: `tokio::spawn` requires it.
    pub fn spawn_fetch<F: Fetch + 'static>(
        fetch: std::sync::Arc<F>,
    ) -> tokio::task::JoinHandle<u64> {
        tokio::spawn(async move { fetch.fetch(21).await })
    }
}

use implementors::Doubler;

fn assert_send<T: Send>(value: T) -> T {
    value
}

/// Iterations per task; fewer under Miri, which is slow.
const CALLS: u64 = if cfg!(miri) { 3 } else { 50 };
const TASKS: u64 = if cfg!(miri) { 2 } else { 8 };

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

#[test]
fn dyn_futures_run_as_tasks_on_a_multi_threaded_runtime() {
    let fetch: Arc<dyn DynFetch + Send + Sync> = Arc::new(Doubler::default());
    let results = runtime().block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let fetch = Arc::clone(&fetch);
                tokio::spawn(async move {
                    // The slot lives in the task's own future, which moves
                    // between worker threads.
                    let mut slot = pin!(Slot::<256>::new());
                    let mut sum = 0;
                    for key in 0..CALLS {
                        let fut =
                            assert_send(fetch.fetch(slot.as_mut().or_box(), task * 1000 + key));
                        assert!(fut.is_inline());
                        sum += fut.await;
                    }
                    (sum, slot.stats().hits())
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    });
    for (task, (sum, hits)) in (0..TASKS).zip(results) {
        let keys: u64 = (0..CALLS).map(|key| task * 1000 + key).sum();
        assert_eq!((sum, hits), (2 * keys, CALLS));
    }
    assert_eq!(fetch.served(), TASKS * CALLS);
}

#[test]
fn default_body_and_wrapper_in_spawned_tasks() {
    let fetch = Arc::new(BoxingAdapter::new(Doubler::default()));
    let results = runtime().block_on(async {
        let sum = {
            let fetch = Arc::clone(&fetch);
            tokio::spawn(async move {
                let mut slot = pin!(Slot::<512>::new());
                let fetch: &(dyn DynFetch + Send + Sync) = &*fetch;
                fetch.fetch_sum(slot.as_mut().or_box(), vec![1, 2, 3]).await
            })
        };
        let wrapped = {
            let fetch = Arc::clone(&fetch);
            tokio::spawn(async move {
                let mut slot = pin!(Slot::<256>::new());
                let mut wrapper = FetchWithSlot::new(&*fetch, slot.as_mut());
                let a = wrapper.fetch(10).await;
                let b = wrapper.fetch(11).await;
                a + b
            })
        };
        let escaped = implementors::spawn_fetch(Arc::new(Doubler::default()));
        (
            sum.await.unwrap(),
            wrapped.await.unwrap(),
            escaped.await.unwrap(),
        )
    });
    assert_eq!(results, (12, 42, 42));
    assert_eq!(fetch.served(), 5);
}

#[test]
fn the_dyn_method_returns_a_send_slot_future() {
    fn fetch_one<'s>(
        fetch: &'s (dyn DynFetch + Send + Sync),
        slot: core::pin::Pin<&'s mut Slot<64>>,
    ) -> SlotFuture<'s, u64> {
        fetch.fetch(slot.or_box(), 4)
    }
    fn is_send_future<F: Future + Send>(_: &F) {}
    let doubler = Doubler::default();
    let mut slot = pin!(Slot::<64>::new());
    let fut = fetch_one(&doubler, slot.as_mut());
    is_send_future(&fut);
    drop(fut);
    assert_eq!(
        doubler.served.load(Ordering::Relaxed),
        0,
        "dropped unpolled"
    );
}
