//! Test support shared by the integration tests and the property tests
//! (`proptests/main.rs` includes this module): a counting allocator, test
//! futures (drop-tracking ones of chosen size and alignment, and scripted
//! ones of exact layouts that report to a registry), and hand polling.
#![allow(dead_code)] // each test binary uses a different part

pub mod alloc_count;
pub mod futures;

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Polls `fut` once with a waker that does nothing.
pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()))
}

/// Polls `fut` until it is ready (test futures wake themselves by being
/// polled again), at most `limit` times.
pub fn run<F: Future + Unpin>(fut: &mut F, limit: usize) -> F::Output {
    for _ in 0..limit {
        if let Poll::Ready(v) = poll_once(fut) {
            return v;
        }
    }
    panic!("future still pending after {limit} polls");
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::from("<non-string panic>")
    }
}
