//! The callee side: a dyn-compatible request handler and its implementors,
//! whose futures hold state of different sizes across an `.await`.

use std::future::{Future, ready};
use std::marker::PhantomData;
use std::mem::size_of_val;
use std::pin::Pin;
use std::task::{Context, Poll};

use stackfuture::StackFuture;
use stackslot::{Adapter, Scratch, SlotFuture, Strategy};

/// What an implementor does, written once: an `async fn` and the same
/// work done synchronously (the floor).
pub trait Work: Sync {
    fn handle(&self, req: u64) -> impl Future<Output = u64> + Send + '_;
    fn handle_sync(&self, req: u64) -> u64;
}

/// The dyn-compatible trait the workloads call, with one method per
/// calling convention compared (a real trait would have one of them).
pub trait Handler: Sync {
    /// The floor: a synchronous dyn call doing the same work.
    fn call_sync(&self, req: u64) -> u64;
    /// `stackslot`: the caller lends a scratch. Through a pinned `&mut`
    /// receiver, as the `dyn_trait` macro writes a `&mut self` method, so
    /// that every strategy can serve it, including those with storage of
    /// their own (a cached buffer, an inline slot, an arena).
    fn call<'s>(self: Pin<&'s mut Self>, scratch: Scratch<'s>, req: u64) -> SlotFuture<'s, u64>;
    /// `async-trait`: a `Box` per call.
    fn call_boxed(&self, req: u64) -> Pin<Box<dyn Future<Output = u64> + Send + '_>>;
    /// `stackfuture`: 256 bytes returned by value, boxed when too large.
    fn call_stack_256(&self, req: u64) -> StackFuture<'_, u64, 256>;
    /// `stackfuture`: 4 KiB returned by value, boxed when too large.
    fn call_stack_4k(&self, req: u64) -> StackFuture<'_, u64, 4096>;
}

impl<W: Work> Handler for W {
    fn call_sync(&self, req: u64) -> u64 {
        self.handle_sync(req)
    }
    fn call<'s>(self: Pin<&'s mut Self>, scratch: Scratch<'s>, req: u64) -> SlotFuture<'s, u64> {
        scratch.emplace(self.into_ref().get_ref().handle(req))
    }
    fn call_boxed(&self, req: u64) -> Pin<Box<dyn Future<Output = u64> + Send + '_>> {
        Box::pin(self.handle(req))
    }
    fn call_stack_256(&self, req: u64) -> StackFuture<'_, u64, 256> {
        StackFuture::from_or_box(self.handle(req))
    }
    fn call_stack_4k(&self, req: u64) -> StackFuture<'_, u64, 4096> {
        StackFuture::from_or_box(self.handle(req))
    }
}

/// An implementor behind a strategy adapter: `call` lets the strategy
/// place the future; the other conventions are the implementor's own.
impl<W: Work, S: Strategy + Sync> Handler for Adapter<W, S> {
    fn call_sync(&self, req: u64) -> u64 {
        self.inner().handle_sync(req)
    }
    fn call<'s>(self: Pin<&'s mut Self>, scratch: Scratch<'s>, req: u64) -> SlotFuture<'s, u64> {
        let (inner, strategy) = self.parts_pinned();
        strategy.emplace_exclusive(scratch, inner.handle(req))
    }
    fn call_boxed(&self, req: u64) -> Pin<Box<dyn Future<Output = u64> + Send + '_>> {
        Box::pin(self.inner().handle(req))
    }
    fn call_stack_256(&self, req: u64) -> StackFuture<'_, u64, 256> {
        StackFuture::from_or_box(self.inner().handle(req))
    }
    fn call_stack_4k(&self, req: u64) -> StackFuture<'_, u64, 4096> {
        StackFuture::from_or_box(self.inner().handle(req))
    }
}

/// What a handler's `.await` waits for: the one thing in which two
/// handlers with the same state and work differ.
pub trait Pause: Default + Send + Sync + 'static {
    fn pause() -> impl Future<Output = ()> + Send;
}

/// An `.await` that is ready at once, as most workloads' futures are.
#[derive(Default)]
pub struct AtOnce;

impl Pause for AtOnce {
    fn pause() -> impl Future<Output = ()> + Send {
        ready(())
    }
}

/// An `.await` that is pending once: as a future waiting for a readiness
/// event that has already come, it wakes its task and returns `Pending`,
/// then is ready when polled again.
#[derive(Default)]
pub struct PendingOnce;

impl Pause for PendingOnce {
    fn pause() -> impl Future<Output = ()> + Send {
        YieldOnce { yielded: false }
    }
}

/// The future of [`PendingOnce`].
struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A handler that fills `K` bytes of state (a buffer, a parsed header)
/// and keeps them across an `.await` on `P`, so its future holds them.
#[derive(Default)]
pub struct Buffered<const K: usize, P = AtOnce>(PhantomData<P>);

impl<const K: usize, P: Pause> Work for Buffered<K, P> {
    async fn handle(&self, req: u64) -> u64 {
        let mut state = [0u8; K];
        let i = req as usize % K;
        state[i] = req as u8;
        P::pause().await;
        u64::from(state[i]) + req
    }

    fn handle_sync(&self, req: u64) -> u64 {
        let mut state = [0u8; K];
        let i = req as usize % K;
        state[i] = req as u8;
        u64::from(state[i]) + req
    }
}

/// Cache-line-aligned state, as `crossbeam`'s `CachePadded` makes it.
#[repr(align(64))]
struct CacheLine([u8; 64]);

/// A handler whose future holds cache-line-aligned state: 64-byte aligned,
/// more than a default slot's 16, so it falls back whatever the slot's size.
#[derive(Default)]
pub struct Padded;

impl Work for Padded {
    async fn handle(&self, req: u64) -> u64 {
        let mut line = CacheLine([0; 64]);
        line.0[req as usize % 64] = req as u8;
        ready(()).await;
        u64::from(line.0[req as usize % 64]) + req
    }

    fn handle_sync(&self, req: u64) -> u64 {
        let mut line = CacheLine([0; 64]);
        line.0[req as usize % 64] = req as u8;
        u64::from(line.0[req as usize % 64]) + req
    }
}

/// The implementors, as the workloads name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Tiny,
    Small,
    Medium,
    Large,
    Huge,
    Padded,
    TinyPendingOnce,
}

pub type Tiny = Buffered<1>;
pub type Small = Buffered<24>;
pub type Medium = Buffered<400>;
pub type Large = Buffered<3000>;
pub type Huge = Buffered<6000>;
/// The tiny handler's state and work, its future pending once.
pub type TinyPendingOnce = Buffered<1, PendingOnce>;

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tiny => "tiny",
            Kind::Small => "small",
            Kind::Medium => "medium",
            Kind::Large => "large",
            Kind::Huge => "huge",
            Kind::Padded => "cache-padded",
            Kind::TinyPendingOnce => "tiny pending once",
        }
    }

    /// The size in bytes of this implementor's future.
    pub fn future_size(self) -> usize {
        fn size<W: Work + Default>() -> usize {
            size_of_val(&W::default().handle(0))
        }
        match self {
            Kind::Tiny => size::<Tiny>(),
            Kind::Small => size::<Small>(),
            Kind::Medium => size::<Medium>(),
            Kind::Large => size::<Large>(),
            Kind::Huge => size::<Huge>(),
            Kind::Padded => size::<Padded>(),
            Kind::TinyPendingOnce => size::<TinyPendingOnce>(),
        }
    }
}

/// Turns an implementor into the dyn object a calling convention calls.
pub trait Erase {
    type Dyn: ?Sized;
    fn erase<W: Work + Default + 'static>() -> Pin<Box<Self::Dyn>>;
}

/// The implementors themselves, as `dyn Handler`.
pub struct Plain;

impl Erase for Plain {
    type Dyn = dyn Handler;
    fn erase<W: Work + Default + 'static>() -> Pin<Box<dyn Handler>> {
        Box::pin(W::default())
    }
}

/// The implementors, each wrapped in an adapter with strategy `S`.
pub struct Adapted<S>(PhantomData<S>);

impl<S: Strategy + Default + Sync + 'static> Erase for Adapted<S> {
    type Dyn = dyn Handler;
    fn erase<W: Work + Default + 'static>() -> Pin<Box<dyn Handler>> {
        Box::pin(Adapter::<W, S>::new(W::default()))
    }
}

/// One handler per [`Kind`], indexed by `kind as usize`, pinned because
/// a strategy's storage may be.
pub struct Fleet<D: ?Sized = dyn Handler>(Vec<Pin<Box<D>>>);

impl Fleet {
    /// The implementors themselves.
    pub fn plain() -> Self {
        Fleet::of::<Plain>()
    }

    /// The implementors, each wrapped in an adapter with strategy `S`.
    pub fn adapted<S: Strategy + Default + Sync + 'static>() -> Self {
        Fleet::of::<Adapted<S>>()
    }
}

impl<D: ?Sized> Fleet<D> {
    /// Every implementor, erased by `E`, in the order of [`Kind`].
    pub fn of<E: Erase<Dyn = D>>() -> Self {
        Fleet(vec![
            E::erase::<Tiny>(),
            E::erase::<Small>(),
            E::erase::<Medium>(),
            E::erase::<Large>(),
            E::erase::<Huge>(),
            E::erase::<Padded>(),
            E::erase::<TinyPendingOnce>(),
        ])
    }

    #[inline(always)]
    pub fn get(&self, kind: Kind) -> &D {
        &self.0[kind as usize]
    }

    #[inline(always)]
    pub fn get_mut(&mut self, kind: Kind) -> Pin<&mut D> {
        self.0[kind as usize].as_mut()
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn pending_once_handler_wakes_once_then_gives_the_floors_output() {
        let handler = TinyPendingOnce::default();
        for req in [0, 7, 255, 0x1234_5678_9abc_def0] {
            let wakes = Arc::new(CountingWaker::default());
            let waker = Waker::from(wakes.clone());
            let mut cx = Context::from_waker(&waker);
            let mut future = pin!(handler.handle(req));
            assert!(future.as_mut().poll(&mut cx).is_pending());
            assert_eq!(wakes.0.load(Ordering::Relaxed), 1, "woken before Pending");
            assert_eq!(
                future.as_mut().poll(&mut cx),
                Poll::Ready(handler.handle_sync(req))
            );
            assert_eq!(wakes.0.load(Ordering::Relaxed), 1, "no wake when ready");
            assert_eq!(handler.handle_sync(req), Tiny::default().handle_sync(req));
        }
    }

    #[test]
    fn pending_once_handler_holds_the_tiny_handlers_state() {
        assert_eq!(
            Kind::TinyPendingOnce.future_size(),
            Kind::Tiny.future_size()
        );
    }
}
