//! The test-future family: [`Plain<K, A>`] is a future of exactly `K` bytes
//! aligned to exactly `A::BYTES`, without drop glue; [`Tracked<K, A>`] is the
//! same with a destructor that reports to the [registry](super::registry).
//!
//! Neither holds a field besides its bytes: the first `min(K, 4)` bytes carry
//! the future's id, the rest a fill pattern derived from it, and everything
//! else (pending polls, value, panics, counters) lives in the registry. So
//! the layout is exactly the intended one for every `K` that is a multiple
//! of the alignment, including 0.

use core::future::Future;
use core::mem::{align_of, size_of};
use core::pin::Pin;
use core::task::{Context, Poll};

use super::registry::{self, Id, OnPoll, Seen};

/// A zero-sized marker that aligns a test future.
pub trait Align: Copy + Send + Sync + 'static {
    const BYTES: usize;
}

macro_rules! align_markers {
    ($($name:ident = $bytes:literal),* $(,)?) => {$(
        #[doc = concat!("Aligns a test future to ", stringify!($bytes), " bytes.")]
        #[derive(Clone, Copy)]
        #[repr(align($bytes))]
        pub struct $name;

        impl Align for $name {
            const BYTES: usize = $bytes;
        }

        const _: () = assert!(size_of::<$name>() == 0 && align_of::<$name>() == $bytes);
    )*};
}

align_markers!(
    A1 = 1,
    A2 = 2,
    A4 = 4,
    A8 = 8,
    A16 = 16,
    A32 = 32,
    A64 = 64,
    A128 = 128,
    A4096 = 4096
);

/// What the panics of test futures carry, so that the quiet panic hook and
/// the properties can tell them from the crate's own panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestPanic {
    Poll,
    Drop,
    /// The callee panicked after placing the future (see the rig).
    Callee,
}

/// A member of the family: made from its id.
pub trait TestFuture: Future<Output = u64> + Send + 'static {
    fn new(id: Id) -> Self;
}

/// The fill byte of a future whose id's low byte is `low`.
fn fill(low: u8) -> u8 {
    0xA5 ^ low.wrapping_mul(31)
}

/// A future of exactly `K` bytes aligned to `A`, without drop glue.
#[repr(C)]
pub struct Plain<const K: usize, A: Align> {
    _align: [A; 0],
    bytes: [u8; K],
}

impl<const K: usize, A: Align> Plain<K, A> {
    const ID_LEN: usize = if K < 4 { K } else { 4 };

    /// What the future sees of itself at `addr`.
    fn seen(&self, addr: usize) -> Seen {
        let mut id_bytes = [0; 4];
        id_bytes[..Self::ID_LEN].copy_from_slice(&self.bytes[..Self::ID_LEN]);
        Seen {
            id_bytes,
            id_len: Self::ID_LEN,
            intact: self.intact(),
            size: size_of::<Self>(),
            align: align_of::<Self>(),
            addr,
        }
    }

    /// Whether the bytes after the id still hold the fill pattern. Checks the
    /// first and last 64 and every 61st in between: enough to see another
    /// future written over this one, cheap enough under Miri.
    fn intact(&self) -> bool {
        let Some(rest) = self.bytes.get(Self::ID_LEN..) else {
            return true;
        };
        let expected = fill(self.bytes.first().copied().unwrap_or(0));
        let edge = rest.len().min(64);
        rest[..edge].iter().all(|&b| b == expected)
            && rest[rest.len() - edge..].iter().all(|&b| b == expected)
            && rest.iter().step_by(61).all(|&b| b == expected)
    }

    fn poll_at(&self, addr: usize, cx: &mut Context<'_>) -> Poll<u64> {
        match registry::polled(&self.seen(addr)) {
            OnPoll::Pending => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            OnPoll::Ready(value) => Poll::Ready(value),
            OnPoll::Panic => std::panic::panic_any(TestPanic::Poll),
        }
    }
}

impl<const K: usize, A: Align> TestFuture for Plain<K, A> {
    fn new(id: Id) -> Self {
        let mut bytes = [fill(id as u8); K];
        bytes[..Self::ID_LEN].copy_from_slice(&id.to_le_bytes()[..Self::ID_LEN]);
        Plain { _align: [], bytes }
    }
}

impl<const K: usize, A: Align> Future for Plain<K, A> {
    type Output = u64;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let addr = (&raw const *self).addr();
        self.poll_at(addr, cx)
    }
}

/// [`Plain<K, A>`] with a destructor that reports to the registry (and may
/// panic): same size, same alignment, but with drop glue.
#[repr(transparent)]
pub struct Tracked<const K: usize, A: Align>(Plain<K, A>);

impl<const K: usize, A: Align> TestFuture for Tracked<K, A> {
    fn new(id: Id) -> Self {
        Tracked(Plain::new(id))
    }
}

impl<const K: usize, A: Align> Future for Tracked<K, A> {
    type Output = u64;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let addr = (&raw const *self).addr();
        self.0.poll_at(addr, cx)
    }
}

impl<const K: usize, A: Align> Drop for Tracked<K, A> {
    fn drop(&mut self) {
        let addr = (&raw const *self).addr();
        if registry::dropped(&self.0.seen(addr)) {
            std::panic::panic_any(TestPanic::Drop);
        }
    }
}
