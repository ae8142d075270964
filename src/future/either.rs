//! One of two futures with the same output, for the code that
//! `#[dyn_trait]` generates: a `<Name>WithSlot` method that may box returns
//! a lazy, eagerly polled [`Slot::call`](crate::Slot::call); one that may
//! not calls the callee at once, at the caller's line, so that a stack-only
//! overflow panics there (a closure run by a later poll would report the
//! generated code instead).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Either future; both are `Unpin`, as the crate's handles and calls are.
///
/// Not part of the API: only the generated code names it.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use core::task::{Context, Poll, Waker};
/// use stackslot::__macro_support::Either;
///
/// let mut either: Either<core::future::Ready<u8>, core::future::Ready<u8>> =
///     Either::Right(core::future::ready(7));
/// let mut cx = Context::from_waker(Waker::noop());
/// # use core::future::Future;
/// assert_eq!(pin!(either).poll(&mut cx), Poll::Ready(7));
/// ```
#[derive(Debug)]
pub enum Either<L, R> {
    /// The first future.
    Left(L),
    /// The second future.
    Right(R),
}

impl<L, R> Future for Either<L, R>
where
    L: Future + Unpin,
    R: Future<Output = L::Output> + Unpin,
{
    type Output = L::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<L::Output> {
        match self.get_mut() {
            Either::Left(future) => Pin::new(future).poll(cx),
            Either::Right(future) => Pin::new(future).poll(cx),
        }
    }
}
