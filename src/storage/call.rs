//! [`Slot::call`]: a dyn call that lends the slot on its first poll, with the
//! poll's context, so that a future ready at once is polled by the callee
//! itself and its output crosses back without a second indirect call
//! (docs/ARCHITECTURE.md, "The eager path").

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

use crate::block::Event;
use crate::future::{Eager, Erased, LocalSlotFuture, SlotFuture};
use crate::space::{Alignment, CountedHeader, Counting, Header, Scratch, SpaceInfo};
use crate::storage::Slot;

impl<const N: usize, A: Alignment, C: Counting> Slot<N, A, C> {
    /// A call of `f` with this slot lent as [`or_box`](Slot::or_box) lends
    /// it, made on the first poll of the returned future, which then awaits
    /// the handle `f` returns: `slot.as_mut().call(|s| iter.next(s)).await`
    /// does what `iter.next(slot.as_mut().or_box()).await` does, faster
    /// when the future is ready at once.
    ///
    /// The returned future does nothing until it is polled. Its first poll
    /// lends the slot together with the poll's context: a future that the
    /// callee places in the slot is polled right there, through a direct
    /// call, and when it is ready, dropped, its output kept in the slot and
    /// read back with a plain load (one indirect call, the dyn method, where
    /// awaiting the handle costs two). A future that is pending, or boxed,
    /// or whose output does not fit the slot, is awaited as usual; a
    /// pending one is not polled twice in a row. The slot's
    /// [`Stats`](crate::Stats) count what they count for `or_box`.
    ///
    /// `f` returns a [`SlotFuture`] or a [`LocalSlotFuture`]; the returned
    /// future is `Send` when `f` is. `f` should return the handle it got
    /// without polling it.
    ///
    /// # Panics
    ///
    /// When polled again after it returned `Ready`, and when `f` or the
    /// callee's future panics (the slot stays usable: the future is
    /// dropped once, by the unwinding).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::{Scratch, Slot, SlotFuture};
    ///
    /// trait DynCounter {
    ///     fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, u32>;
    /// }
    ///
    /// struct Counter(u32);
    /// impl DynCounter for Counter {
    ///     fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, u32> {
    ///         scratch.emplace(async move {
    ///             self.0 += 1;
    ///             self.0
    ///         })
    ///     }
    /// }
    ///
    /// async fn sum_three(counter: &mut dyn DynCounter) -> u32 {
    ///     let mut slot = pin!(Slot::<64>::new());
    ///     let mut sum = 0;
    ///     for _ in 0..3 {
    ///         sum += slot.as_mut().call(|s| counter.next(s)).await;
    ///     }
    ///     assert_eq!(slot.stats().hits(), 3);
    ///     sum
    /// }
    /// # let mut counter = Counter(0);
    /// # let mut fut = pin!(sum_three(&mut counter));
    /// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    /// # use core::future::Future;
    /// assert_eq!(fut.as_mut().poll(&mut cx), core::task::Poll::Ready(6));
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn call<'s, F, H>(self: Pin<&'s mut Self>, f: F) -> SlotCall<'s, F, H>
    where
        F: FnOnce(Scratch<'s>) -> H,
    {
        SlotCall::new(self, Self::OR_BOX.eager(), f)
    }

    /// [`call`](Slot::call) with the slot lent as
    /// [`stack_only`](Slot::stack_only) lends it: the callee may never
    /// allocate.
    ///
    /// # Panics
    ///
    /// As [`call`](Slot::call), and when the callee's future does not fit
    /// the slot (its [`Scratch::emplace`] panics).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use core::task::{Context, Poll, Waker};
    /// use stackslot::{Scratch, Slot, SlotFuture};
    ///
    /// fn double<'s>(x: &'s u32, scratch: Scratch<'s>) -> SlotFuture<'s, u32> {
    ///     scratch.emplace(async move { *x * 2 })
    /// }
    ///
    /// let x = 21;
    /// let mut slot = pin!(Slot::<64>::new());
    /// let mut call = slot.as_mut().call_stack_only(|s| double(&x, s));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(pin!(call).poll(&mut cx), Poll::Ready(42));
    /// # use core::future::Future;
    /// ```
    #[inline]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn call_stack_only<'s, F, H>(self: Pin<&'s mut Self>, f: F) -> SlotCall<'s, F, H>
    where
        F: FnOnce(Scratch<'s>) -> H,
    {
        SlotCall::new(self, Self::STACK_ONLY.eager(), f)
    }
}

/// The future of [`Slot::call`] and [`Slot::call_stack_only`]: calls `F`
/// with the slot lent on its first poll, then awaits the handle `F`
/// returns, a [`SlotFuture`] or a [`LocalSlotFuture`] (`H`).
///
/// `Unpin`, and `Send` when `F` and `H` are (a [`SlotFuture`] always is).
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::{Scratch, Slot, SlotCall, SlotFuture};
///
/// fn one<'s>(scratch: Scratch<'s>) -> SlotFuture<'s, u8> {
///     scratch.emplace(async { 1 })
/// }
///
/// let mut slot = pin!(Slot::<64>::new());
/// let call: SlotCall<'_, _, SlotFuture<'_, u8>> = slot.as_mut().call_stack_only(one);
/// # drop(call);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct SlotCall<'s, F, H> {
    /// The slot's header: the one pointer taken from the slot, up front
    /// (docs/ARCHITECTURE.md, "The eager path").
    space: NonNull<Header>,
    info: SpaceInfo,
    state: State<F, H>,
    /// Where `call` was called, to which the lend is attributed.
    #[cfg(feature = "profile")]
    site: crate::profile::SiteRef,
    /// Borrows the slot exclusively for `'s`.
    _slot: PhantomData<&'s mut Header>,
}

enum State<F, H> {
    /// Not polled yet.
    Lazy(F),
    /// `F` returned this handle, pending.
    Awaiting(H),
    /// Returned `Ready`, or unwound.
    Done,
}

// SAFETY: the pointer is the slot's, exclusively borrowed for `'s` like a
// `&'s mut Slot` (which is `Send`); the call uses it only in `poll`, which
// needs `&mut self`. What else it holds is sent with it: `F` and `H`.
unsafe impl<F: Send, H: Send> Send for SlotCall<'_, F, H> {}

// SAFETY: a `&SlotCall` gives access to nothing (`Debug` prints the state's
// name only).
unsafe impl<F, H> Sync for SlotCall<'_, F, H> {}

/// Nothing is pinned in a call: `F` is called by value, and the handle is
/// `Unpin`.
impl<F, H> Unpin for SlotCall<'_, F, H> {}

impl<'s, F, H> SlotCall<'s, F, H> {
    #[inline(always)]
    #[cfg_attr(feature = "profile", track_caller)]
    fn new<const N: usize, A: Alignment, C: Counting>(
        slot: Pin<&'s mut Slot<N, A, C>>,
        info: SpaceInfo,
        f: F,
    ) -> Self {
        // SAFETY: nothing is moved out of the slot; the pointer keeps
        // pointing at the pinned slot, and is the only one taken from it.
        let slot = unsafe { slot.get_unchecked_mut() };
        SlotCall {
            space: NonNull::from(slot).cast::<Header>(),
            info,
            state: State::Lazy(f),
            #[cfg(feature = "profile")]
            site: core::panic::Location::caller(),
            _slot: PhantomData,
        }
    }
}

/// While the callee runs: the space's link holds the caller's context, and
/// is cleared when the guard drops, also when the callee unwinds.
struct Lent(NonNull<Header>);

impl Drop for Lent {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the slot's live header, exclusively borrowed by the call;
        // no reference to it exists now.
        unsafe { Header::set_context(self.0, core::ptr::null()) }
    }
}

/// Calls `f` with `scratch`, a scratch with the eager bit over a slot's
/// space, while the space's link holds `cx`; then gives the output that the
/// eager poll kept, or polls the handle `f` returned unless the eager poll
/// already did. `Err` is the pending handle, to poll on the next wake.
///
/// `Slot::call` and the streams (`SlotStream`, `LocalSlotStream`) share it.
#[inline(always)]
pub(crate) fn call_eagerly<'s, 'h, T: 'h, H>(
    scratch: Scratch<'s>,
    cx: &mut Context<'_>,
    f: impl FnOnce(Scratch<'s>) -> H,
) -> Result<T, H>
where
    H: Erased<'h, T>,
{
    debug_assert!(scratch.is_eager());
    let space = scratch.space();
    let counts = scratch.counts();
    // SAFETY: the scratch's space is a slot's live header, exclusively
    // borrowed by the scratch, which is not used yet. The link holds the
    // context only while `f` runs (`Lent`), and a scratch with the eager
    // bit reads it only while it is not null.
    unsafe { Header::set_context(space, core::ptr::from_mut(cx).cast()) };
    let handle = {
        let _lent = Lent(space);
        f(scratch)
    };
    let eager = handle.raw().eager();
    if eager == Eager::Ready {
        let raw = handle.into_raw();
        // SAFETY: a ready handle's output is in a slot's block (only a slot
        // lends an eager space), headed by a `CountedHeader` when the
        // slot counts and by a bare `Header` otherwise, as the scratch's
        // eager poll placed it (`Scratch::fill_here`).
        return Ok(unsafe {
            if counts {
                raw.take_output::<CountedHeader>()
            } else {
                raw.take_output::<Header>()
            }
        });
    }
    let mut handle = handle;
    // Not polled with `cx` yet (`Eager::Pending`: polled, pending).
    if eager == Eager::NotPolled {
        if let Poll::Ready(output) = Pin::new(&mut handle).poll(cx) {
            return Ok(output);
        }
    }
    Err(handle)
}

impl<'s, F, H> SlotCall<'s, F, H> {
    /// The first poll: lends the slot with `cx` to `f`, and takes the
    /// output the eager path kept, or polls the handle `f` returned unless
    /// the eager path already did.
    #[inline(always)]
    fn start<T>(&mut self, f: F, cx: &mut Context<'_>) -> Poll<T>
    where
        F: FnOnce(Scratch<'s>) -> H,
        H: Erased<'s, T>,
        T: 's,
    {
        let space = self.space;
        // SAFETY: the slot's header (the slot is exclusively borrowed for
        // `'s`); `&Header` lives for this statement only.
        unsafe { space.as_ref() }
            .occupancy()
            .assert_vacant(super::slot::STORAGE, Event::Reuse);
        #[cfg(feature = "profile")]
        // SAFETY: the slot's live header, not borrowed now.
        unsafe {
            Header::set_site(space, self.site)
        };
        // SAFETY: the space is the slot's, vacant (checked above) and
        // exclusively borrowed for `'s`, as `Slot::lend` argues; the slot
        // checks its occupancy again before it is lent again or dropped.
        let scratch = unsafe { Scratch::from_space(space, self.info) };
        match call_eagerly(scratch, cx, f) {
            Ok(output) => Poll::Ready(output),
            Err(handle) => {
                self.state = State::Awaiting(handle);
                Poll::Pending
            }
        }
    }

    #[inline(always)]
    fn poll_call<T>(&mut self, cx: &mut Context<'_>) -> Poll<T>
    where
        F: FnOnce(Scratch<'s>) -> H,
        H: Erased<'s, T>,
        T: 's,
    {
        match &mut self.state {
            State::Awaiting(handle) => {
                let output = Pin::new(handle).poll(cx);
                if output.is_ready() {
                    self.state = State::Done;
                }
                return output;
            }
            State::Lazy(_) => {}
            State::Done => polled_after_completion(),
        }
        match core::mem::replace(&mut self.state, State::Done) {
            State::Lazy(f) => self.start(f, cx),
            _ => unreachable!(),
        }
    }
}

/// The panic of a call polled again after `Ready`: out of line, so that
/// the inlined `poll` stays small.
#[cold]
#[inline(never)]
#[track_caller]
fn polled_after_completion() -> ! {
    panic!("stackslot: call future polled after it completed")
}

/// The call awaits either handle.
macro_rules! call_future {
    ($handle:ident) => {
        impl<'s, F, T> Future for SlotCall<'s, F, $handle<'s, T>>
        where
            F: FnOnce(Scratch<'s>) -> $handle<'s, T>,
        {
            type Output = T;

            /// Inlined into the caller: a call is polled from the
            /// caller's own future, and a `poll` left out of line costs
            /// its pushes and pops twice for a future pending once.
            ///
            /// # Panics
            ///
            /// See [`Slot::call`].
            #[inline(always)]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
                self.get_mut().poll_call(cx)
            }
        }
    };
}

call_future!(SlotFuture);
call_future!(LocalSlotFuture);

impl<F, H> fmt::Debug for SlotCall<'_, F, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Lazy(_) => "lazy",
            State::Awaiting(_) => "awaiting",
            State::Done => "done",
        };
        f.debug_struct("SlotCall").field("state", &state).finish()
    }
}
