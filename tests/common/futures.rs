//! Test futures: exact sizes, chosen alignments, and a drop-tracking future
//! that can stay pending, panic in `poll` or panic in `drop`.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A ready future of exactly `K` bytes, alignment 1, no drop glue; its output
/// is `K`.
#[derive(Clone, Copy)]
pub struct Exact<const K: usize>(pub [u8; K]);

impl<const K: usize> Exact<K> {
    pub fn new() -> Self {
        Exact([0xA5; K])
    }
}

impl<const K: usize> Future for Exact<K> {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<usize> {
        assert!(
            self.0.iter().all(|&b| b == 0xA5),
            "future bytes were corrupted"
        );
        Poll::Ready(K)
    }
}

/// What happened to the [`Tracked`] futures that share it.
#[derive(Clone, Default)]
pub struct Probe(Arc<ProbeState>);

#[derive(Default)]
struct ProbeState {
    polls: AtomicUsize,
    drops: AtomicUsize,
}

impl Probe {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn polls(&self) -> usize {
        self.0.polls.load(Ordering::SeqCst)
    }
    pub fn drops(&self) -> usize {
        self.0.drops.load(Ordering::SeqCst)
    }
}

/// A drop-tracking future with at least `K` bytes of payload. It returns
/// `Pending` `pending` times (waking itself), then `Ready(value)`.
pub struct Tracked<const K: usize> {
    probe: Probe,
    pending: u32,
    value: u64,
    panic_on_poll: bool,
    panic_on_drop: bool,
    payload: [u8; K],
}

impl<const K: usize> Tracked<K> {
    pub fn new(probe: &Probe, value: u64) -> Self {
        Tracked {
            probe: probe.clone(),
            pending: 0,
            value,
            panic_on_poll: false,
            panic_on_drop: false,
            payload: [K as u8; K],
        }
    }
    pub fn pending(mut self, times: u32) -> Self {
        self.pending = times;
        self
    }
    pub fn panic_on_poll(mut self) -> Self {
        self.panic_on_poll = true;
        self
    }
    pub fn panic_on_drop(mut self) -> Self {
        self.panic_on_drop = true;
        self
    }
}

impl<const K: usize> Future for Tracked<K> {
    type Output = u64;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let this = self.get_mut();
        this.probe.0.polls.fetch_add(1, Ordering::SeqCst);
        assert!(
            this.payload.iter().all(|&b| b == K as u8),
            "payload corrupted"
        );
        if this.panic_on_poll {
            panic!("Tracked: panic in poll");
        }
        if this.pending > 0 {
            this.pending -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(this.value)
    }
}

impl<const K: usize> Drop for Tracked<K> {
    fn drop(&mut self) {
        self.probe.0.drops.fetch_add(1, Ordering::SeqCst);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("Tracked: panic in drop");
        }
    }
}

/// Wraps a future and raises its alignment to exactly the given one (for
/// an inner future aligned to at most that). Its output pairs the inner
/// output with whether every poll saw the wrapper at an aligned address.
macro_rules! aligned {
    ($($name:ident = $align:literal),* $(,)?) => {$(
        #[repr(C, align($align))]
        pub struct $name<F>(pub F);

        impl<F: Future + Unpin> Future for $name<F> {
            type Output = (F::Output, bool);
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let this = self.get_mut();
                let aligned = (this as *const Self).is_aligned();
                Pin::new(&mut this.0).poll(cx).map(|out| (out, aligned))
            }
        }
    )*};
}

aligned!(
    A1 = 1,
    A2 = 2,
    A4 = 4,
    A8 = 8,
    A16 = 16,
    A32 = 32,
    A64 = 64,
    A128 = 128,
    A256 = 256,
    A512 = 512,
    A1024 = 1024,
    A2048 = 2048,
    A4096 = 4096,
);
