//! A simulated clock: a tick counter and the timers waiting on it.

use core::cell::RefCell;
use core::future::poll_fn;
use core::task::{Poll, Waker};

use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;

/// How many timers may wait at once.
pub const TIMERS: usize = 4;

/// Ticks and timers, shared by every task (a `static` in the binary).
pub struct Clock {
    state: Mutex<CriticalSectionRawMutex, RefCell<State>>,
}

struct State {
    now: u32,
    timers: [Option<(u32, Waker)>; TIMERS],
}

impl Clock {
    /// A clock at tick 0 with no timer.
    pub const fn new() -> Self {
        Self {
            state: Mutex::new(RefCell::new(State {
                now: 0,
                timers: [const { None }; TIMERS],
            })),
        }
    }

    /// The current tick.
    pub fn now(&self) -> u32 {
        self.state.lock(|state| state.borrow().now)
    }

    /// Waits until `ticks` have passed.
    ///
    /// # Panics
    ///
    /// When more than [`TIMERS`] sleeps wait at once.
    pub async fn sleep(&self, ticks: u32) {
        let deadline = self.now() + ticks;
        poll_fn(|cx| {
            self.state.lock(|state| {
                let mut state = state.borrow_mut();
                if state.now >= deadline {
                    return Poll::Ready(());
                }
                // A task polled again before its deadline keeps one timer.
                let waker = cx.waker();
                let timers = &mut state.timers;
                let mine = timers.iter().position(
                    |timer| matches!(timer, Some((at, w)) if *at == deadline && w.will_wake(waker)),
                );
                let free = || timers.iter().position(Option::is_none);
                let i = mine.or_else(free).expect("more sleeps than timers");
                timers[i] = Some((deadline, waker.clone()));
                Poll::Pending
            })
        })
        .await;
    }

    /// The tick interrupt: advances the clock by one tick and wakes the
    /// timers that are due.
    pub fn tick(&self) {
        self.state.lock(|state| {
            let mut state = state.borrow_mut();
            state.now += 1;
            let now = state.now;
            for timer in &mut state.timers {
                if let Some((_, waker)) = timer.take_if(|(deadline, _)| *deadline <= now) {
                    waker.wake();
                }
            }
        });
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}
