//! [`SlotStream`] and [`LocalSlotStream`]: a dyn async iterator and a slot
//! of its own, as a [`futures_core::Stream`].
//!
//! The library cannot name the caller's async iterator trait, so a stream is
//! built from the iterator, a [`Slot`] it takes by value, and the "next"
//! function that calls the iterator: any
//! `FnMut(&'s mut I, Scratch<'s>) -> SlotFuture<'s, Option<T>>`, usually
//! `|iter, scratch| iter.next(scratch)`. Each item's future goes to the
//! stream's slot, so the items of a stream whose futures fit cost no
//! allocation.
//!
//! How the stream keeps the borrow of its item future, and what a leak
//! does: see [`SlotStream`]'s docs.

use core::cell::UnsafeCell;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use futures_core::{FusedStream, Stream};

use crate::block::Event;
use crate::future::Erased;
use crate::space::SpaceInfo;
use crate::storage::call_eagerly;
use crate::{Align16, Alignment, LocalSlotFuture, Scratch, Slot, SlotFuture, Stats};

/// What both streams are: the iterator, the function that calls it, the
/// slot, and the handle of the item in flight.
///
/// Invariant: while `in_flight` is `Some`, its future may borrow `iter`
/// (mutably) and `slot` for the erased lifetime. Then no reference to
/// either is made, and the handle is dropped before either (in `Drop`).
struct StreamState<I, F, H, const N: usize, A: Alignment> {
    /// The handle of the item being produced, its lifetime erased.
    in_flight: Option<H>,
    next: F,
    iter: UnsafeCell<I>,
    slot: UnsafeCell<Slot<N, A>>,
    /// How the slot is lent to each call: as `Slot::call` (`or_box`) or
    /// `Slot::call_stack_only` lend it, eagerly.
    lend: SpaceInfo,
    /// Where the stream was made: the site its lends are attributed to.
    #[cfg(feature = "profile")]
    site: crate::profile::SiteRef,
    /// The iterator returned `None`: the stream is over.
    finished: bool,
}

impl<I, F, H, const N: usize, A: Alignment> StreamState<I, F, H, N, A> {
    #[cfg_attr(feature = "profile", track_caller)]
    fn new(iter: I, slot: Slot<N, A>, next: F, lend: SpaceInfo) -> Self {
        StreamState {
            #[cfg(feature = "profile")]
            site: core::panic::Location::caller(),
            in_flight: None,
            next,
            iter: UnsafeCell::new(iter),
            slot: UnsafeCell::new(slot),
            lend: lend.eager(),
            finished: false,
        }
    }

    /// Polls the item in flight, first starting one with `start` (which
    /// calls `next` and erases the handle's lifetime) when there is none.
    fn poll_next<'h, T: 'h>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        start: impl for<'a> FnOnce(&mut F, &'a mut I, Scratch<'a>) -> H,
    ) -> Poll<Option<T>>
    where
        H: Erased<'h, Option<T>>,
    {
        // SAFETY: nothing is moved out of the pinned stream: `iter` and
        // `slot`, which the item futures borrow, are only reached in place
        // through their cells below; the other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let item = match &mut this.in_flight {
            Some(handle) => ready!(Pin::new(handle).poll(cx)),
            None if this.finished => return Poll::Ready(None),
            None => {
                // SAFETY: no handle is in flight, so nothing else borrows
                // the slot; it is pinned because the stream is, and the
                // stream only reaches it in place.
                let slot = unsafe { Pin::new_unchecked(&mut *this.slot.get()) };
                // Lending checks the slot first: a future that `next` leaked
                // last time (and that may borrow the iterator) stops the
                // process before the iterator is touched again. Lent as
                // `Slot::call` lends it: an item ready at once is polled by
                // `next`'s `emplace` (docs/ARCHITECTURE.md, "The eager
                // path").
                let scratch = slot.lend(this.lend);
                #[cfg(feature = "profile")]
                scratch.attribute_to(this.site);
                // SAFETY: no handle is in flight and no leaked future
                // occupies the slot, so nothing else borrows the iterator.
                let iter = unsafe { &mut *this.iter.get() };
                let next = &mut this.next;
                match call_eagerly(scratch, cx, |scratch| start(next, iter, scratch)) {
                    Ok(item) => item,
                    Err(handle) => {
                        this.in_flight = Some(handle);
                        return Poll::Pending;
                    }
                }
            }
        };
        this.in_flight = None;
        this.finished = item.is_none();
        Poll::Ready(item)
    }

    fn stats(&self) -> Option<Stats> {
        if self.in_flight.is_some() {
            return None;
        }
        // SAFETY: no handle is in flight, so no live handle borrows the
        // slot, and `&self` rules out a poll (which needs `Pin<&mut Self>`)
        // meanwhile. A future that `next` leaked may still occupy the slot;
        // its bytes are in the slot's `UnsafeCell`, so a `&Slot` claims
        // nothing about them, and only the header's counters are read.
        Some(unsafe { &*self.slot.get() }.stats())
    }

    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("in_flight", &self.in_flight.is_some())
            .field("finished", &self.finished)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl<I, F, H, const N: usize, A: Alignment> Drop for StreamState<I, F, H, N, A> {
    /// Drops the future in flight first: it borrows the iterator and the
    /// slot. Then, before the iterator is dropped, aborts the process if a
    /// future that `next` leaked still occupies the slot (it may borrow the
    /// iterator). Being a `Drop` impl, it also makes the borrow checker keep
    /// what `I` borrows alive until the stream is dropped.
    ///
    /// # Panics
    ///
    /// When the destructor of the future in flight panics. The slot is
    /// checked all the same before the unwinding drops the iterator (the
    /// handle releases its space also when the destructor unwinds).
    fn drop(&mut self) {
        /// Checks the slot once the handle in flight is gone, also when its
        /// destructor unwinds.
        struct CheckVacant<const N: usize, A: Alignment>(*const Slot<N, A>);
        impl<const N: usize, A: Alignment> Drop for CheckVacant<N, A> {
            fn drop(&mut self) {
                // SAFETY: the slot lives in the stream being dropped, and
                // the handle in flight, the only other user of the slot, is
                // gone: it was dropped before this guard.
                unsafe { &*self.0 }.assert_vacant(Event::Drop);
            }
        }
        let _check = CheckVacant(self.slot.get().cast_const());
        drop(self.in_flight.take());
    }
}

/// Erases the lifetime of a handle, for a stream to keep.
///
/// # Safety
///
/// The returned handle is dropped before anything the original borrows for
/// `'s` is invalidated, and nothing it borrows is used meanwhile except
/// through the handle.
unsafe fn erase<'s, 't, T>(handle: SlotFuture<'s, T>) -> SlotFuture<'t, T> {
    // SAFETY: the types differ in a lifetime alone, hence in nothing at run
    // time; the caller keeps the borrow alive and unused for as long.
    unsafe { core::mem::transmute::<SlotFuture<'s, T>, SlotFuture<'t, T>>(handle) }
}

/// [`erase`] for a [`LocalSlotFuture`].
///
/// # Safety
///
/// As for [`erase`].
unsafe fn erase_local<'s, 't, T>(handle: LocalSlotFuture<'s, T>) -> LocalSlotFuture<'t, T> {
    // SAFETY: as in `erase`.
    unsafe { core::mem::transmute::<LocalSlotFuture<'s, T>, LocalSlotFuture<'t, T>>(handle) }
}

/// A dyn async iterator and a slot of its own, as a [`Stream`]: each item's
/// future goes to the stream's slot, so items whose futures fit cost no
/// allocation, and every [`StreamExt`] combinator applies.
///
/// Built from the iterator (`Box<dyn DynIter>`, `&mut dyn DynIter`, or any
/// value), a [`Slot`] by value, and the function that calls the iterator,
/// usually `|iter, scratch| iter.next(scratch)`: it takes `&'s mut I` and
/// the slot's [`Scratch<'s>`] and returns a [`SlotFuture<'s, Option<T>>`],
/// as the `next` of a hand-written dyn async iterator or of one generated by
/// [`#[dyn_trait(Send)]`](crate::dyn_trait) does. For
/// [`LocalSlotFuture`]s, use [`LocalSlotStream`].
///
/// The stream is `!Unpin` (the item future borrows the iterator and the
/// slot inside it): pin it before polling, with [`core::pin::pin!`] or
/// `Box::pin`. It is `Send` when `I` and the function are, and `Sync`. It
/// is fused: once the iterator returned `None`, the stream returns `None`
/// without calling it again. Dropping it mid-item drops the item's future
/// first. `'t` is inferred: a lifetime that the items outlive, which the
/// stream gives the handle of its item future (see below).
///
/// [`StreamExt`]: https://docs.rs/futures/latest/futures/stream/trait.StreamExt.html
///
/// # The borrow of the item in flight
///
/// The future of the item in flight borrows the iterator (`&mut`) and the
/// slot, and both live in the stream itself. The borrow checker cannot
/// follow a borrow of a value by itself, so the stream tracks it by hand:
///
/// - the future's handle is kept in the stream with its borrow erased to
///   `'t`; it
///   is dropped before the iterator and the slot, when the item completes or
///   when the stream is dropped (a `Drop` impl, so the borrow checker also
///   keeps everything the iterator borrows alive until then);
/// - while a handle is kept, the stream makes no reference to the iterator
///   or the slot; both sit in an `UnsafeCell`, so that a shared reference to
///   the stream (which callers may make from a `Pin<&mut _>` at any time)
///   asserts nothing about them either;
/// - the iterator and the slot are reached only through a pinned stream, so
///   they never move once a future borrows them.
///
/// So what the iterator borrows must outlive the stream, in flight or not:
///
/// ```compile_fail,E0597
/// use stackslot::{Scratch, Slot, SlotFuture, SlotStream};
///
/// fn count<'s>(n: &'s mut &mut u32, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
///     scratch.emplace(async move {
///         **n += 1;
///         Some(**n)
///     })
/// }
///
/// let stream;
/// {
///     let mut n = 0;
///     stream = Box::pin(SlotStream::new(&mut n, Slot::<64>::new(), count));
/// } // error: `n` does not live long enough (the stream's drop may use it)
/// ```
///
/// # Leaks
///
/// The stream keeps the handle of its item future private, so only two
/// leaks are possible:
///
/// - The whole stream (`mem::forget` of a `Pin<Box<_>>`, an `Rc` cycle): its
///   item future stays in its slot forever, pinned, neither polled nor
///   dropped; since the slot is part of the stream, its memory is never
///   freed or reused either, which is what `Pin`'s drop guarantee asks (an
///   intrusive waiter list may keep pointing into it). A stream pinned on
///   the stack cannot be leaked: `pin!` drops it at the end of the scope.
/// - A handle that the `next` function itself leaks (it forgets the
///   iterator's handle and returns another one): the leaked future occupies
///   the slot without being in flight, and may borrow the iterator. The
///   stream then aborts the process, like a [`Slot`] reused or dropped under
///   a leaked occupant, at its next item (before it touches the iterator) or
///   when it is dropped (before it drops the iterator). Meanwhile
///   [`stats`](SlotStream::stats) returns the counters.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use futures_util::StreamExt;
/// use stackslot::{Scratch, Slot, SlotFuture, SlotStream};
///
/// trait DynAsyncIterator {
///     type Item;
///     fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<Self::Item>>;
/// }
///
/// struct Countdown(u32);
/// impl DynAsyncIterator for Countdown {
///     type Item = u32;
///     fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
///         scratch.emplace(async move {
///             self.0 = self.0.checked_sub(1)?;
///             Some(self.0)
///         })
///     }
/// }
///
/// # #[cfg(feature = "alloc")] {
/// async fn odd_squares(iter: Box<dyn DynAsyncIterator<Item = u32> + Send>) -> Vec<u32> {
///     let stream = SlotStream::new(iter, Slot::<64>::new(), |iter, scratch| iter.next(scratch));
///     let mut stream = pin!(stream);
///     let squares = stream.as_mut().filter(|x| core::future::ready(x % 2 == 1)).map(|x| x * x);
///     let squares = squares.collect::<Vec<_>>().await;
///     assert_eq!(stream.stats().unwrap().fallbacks(), 0); // every item's future fit
///     squares
/// }
/// # let mut fut = pin!(odd_squares(Box::new(Countdown(6))));
/// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
/// # assert_eq!(core::future::Future::poll(fut.as_mut(), &mut cx), core::task::Poll::Ready(vec![25, 9, 1]));
/// # }
/// ```
pub struct SlotStream<'t, I, F, T, const N: usize, A: Alignment = Align16> {
    state: StreamState<I, F, SlotFuture<'t, Option<T>>, N, A>,
}

// SAFETY: a shared `SlotStream` gives access to no `I`, `F` or future: only
// to whether an item is in flight, whether the stream is over, and the
// slot's counters, read while no item is in flight (`&self` rules out a
// poll meanwhile). All of it is plain data.
unsafe impl<'t, I, F, T, const N: usize, A: Alignment> Sync for SlotStream<'t, I, F, T, N, A> {}

impl<'t, I, F, T, const N: usize, A: Alignment> SlotStream<'t, I, F, T, N, A>
where
    F: for<'s> FnMut(&'s mut I, Scratch<'s>) -> SlotFuture<'s, Option<T>>,
{
    /// A stream whose item futures go to `slot`, or to the heap when they
    /// do not fit ([`Slot::or_box`]).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use futures_util::StreamExt;
    /// use stackslot::{Scratch, Slot, SlotFuture, SlotStream};
    ///
    /// fn next_word<'s>(words: &'s mut &'static str, scratch: Scratch<'s>) -> SlotFuture<'s, Option<&'static str>> {
    ///     scratch.emplace(async move {
    ///         let (word, rest) = words.trim_start().split_once(' ').unwrap_or((words.trim(), ""));
    ///         *words = rest;
    ///         (!word.is_empty()).then_some(word)
    ///     })
    /// }
    ///
    /// let stream = pin!(SlotStream::new("one two three", Slot::<64>::new(), next_word));
    /// # let mut fut = pin!(stream.count());
    /// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    /// # assert_eq!(core::future::Future::poll(fut.as_mut(), &mut cx), core::task::Poll::Ready(3));
    /// ```
    #[cfg(feature = "alloc")]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn new(iter: I, slot: Slot<N, A>, next: F) -> Self {
        SlotStream {
            state: StreamState::new(iter, slot, next, Slot::<N, A>::OR_BOX),
        }
    }

    /// A stream that never allocates: its item futures go to `slot`, and
    /// one that does not fit panics ([`Slot::stack_only`]).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use futures_util::StreamExt;
    /// use stackslot::{Scratch, Slot, SlotFuture, SlotStream};
    ///
    /// fn next_power<'s>(x: &'s mut u32, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
    ///     scratch.emplace(async move {
    ///         *x = x.checked_mul(2)?;
    ///         Some(*x)
    ///     })
    /// }
    ///
    /// let mut powers = pin!(SlotStream::stack_only(1u32, Slot::<64>::new(), next_power));
    /// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    /// # let mut fut = pin!(powers.as_mut().take(3).collect::<Vec<_>>());
    /// # assert_eq!(core::future::Future::poll(fut.as_mut(), &mut cx), core::task::Poll::Ready(vec![2, 4, 8]));
    /// # assert_eq!(powers.stats().unwrap().hits(), 3);
    /// ```
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn stack_only(iter: I, slot: Slot<N, A>, next: F) -> Self {
        SlotStream {
            state: StreamState::new(iter, slot, next, Slot::<N, A>::STACK_ONLY),
        }
    }
}

impl<'t, I, F, T, const N: usize, A: Alignment> SlotStream<'t, I, F, T, N, A> {
    /// The slot's counters (hits, fallbacks, future sizes), or `None`
    /// while an item is in flight: the stream lends the slot to the item's
    /// future then and makes no reference to it. A future that the `next`
    /// function leaked is not in flight: the counters are returned (see
    /// the type's section on leaks).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use futures_util::StreamExt;
    /// use stackslot::{Scratch, Slot, SlotFuture, SlotStream};
    ///
    /// fn count_to_3<'s>(n: &'s mut u32, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
    ///     scratch.emplace(async move {
    ///         *n += 1;
    ///         (*n <= 3).then_some(*n)
    ///     })
    /// }
    ///
    /// # #[cfg(feature = "alloc")] {
    /// let mut stream = pin!(SlotStream::new(0, Slot::<64>::new(), count_to_3));
    /// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    /// # let mut fut = pin!(stream.as_mut().count());
    /// # assert!(core::future::Future::poll(fut.as_mut(), &mut cx).is_ready());
    /// // ... after the stream ran to its end: three items and the final `None`
    /// assert_eq!(stream.stats().unwrap().hits(), 4);
    /// # }
    /// ```
    pub fn stats(&self) -> Option<Stats> {
        self.state.stats()
    }

    fn state(self: Pin<&mut Self>) -> Pin<&mut StreamState<I, F, SlotFuture<'t, Option<T>>, N, A>> {
        // SAFETY: `state` is the only field and is structurally pinned: it
        // is never moved out, and `SlotStream` has no `Drop` impl.
        unsafe { self.map_unchecked_mut(|stream| &mut stream.state) }
    }
}

impl<'t, I, F, T, const N: usize, A: Alignment> Stream for SlotStream<'t, I, F, T, N, A>
where
    F: for<'s> FnMut(&'s mut I, Scratch<'s>) -> SlotFuture<'s, Option<T>>,
{
    type Item = T;

    /// # Panics
    ///
    /// When the item's future panics, when it does not fit a stream made
    /// with [`stack_only`](SlotStream::stack_only), and when `next` panics.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.state().poll_next(cx, |next, iter, scratch| {
            // SAFETY: `StreamState::poll_next` keeps the handle in `in_flight`,
            // makes no reference to the iterator or the slot while it is
            // there, and drops it before either (`StreamState`'s invariant).
            unsafe { erase(next(iter, scratch)) }
        })
    }
}

impl<'t, I, F, T, const N: usize, A: Alignment> FusedStream for SlotStream<'t, I, F, T, N, A>
where
    F: for<'s> FnMut(&'s mut I, Scratch<'s>) -> SlotFuture<'s, Option<T>>,
{
    fn is_terminated(&self) -> bool {
        self.state.finished
    }
}

impl<'t, I, F, T, const N: usize, A: Alignment> fmt::Debug for SlotStream<'t, I, F, T, N, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.state.debug("SlotStream", f)
    }
}

/// [`SlotStream`] for an iterator whose futures need not be `Send`: its
/// `next` returns a [`LocalSlotFuture`], as that of a trait generated by
/// [`#[dyn_trait]`](crate::dyn_trait) without `Send` does. The stream is
/// neither `Send` nor `Sync`.
///
/// # Example
///
/// ```
/// # #[cfg(feature = "macros")] {
/// use core::pin::pin;
/// use std::rc::Rc;
/// use futures_util::StreamExt;
/// use stackslot::{LocalSlotStream, Slot};
///
/// #[stackslot::dyn_trait]
/// trait Lines {
///     async fn next(&mut self) -> Option<Rc<str>>;
/// }
///
/// struct Fixed(Vec<Rc<str>>);
/// impl Lines for Fixed {
///     async fn next(&mut self) -> Option<Rc<str>> {
///         self.0.pop()
///     }
/// }
///
/// # #[cfg(feature = "alloc")] {
/// async fn longest(lines: &mut dyn DynLines) -> usize {
///     let stream = LocalSlotStream::new(lines, Slot::<64>::new(), |lines, scratch| lines.next(scratch));
///     stream.fold(0, |longest, line| async move { longest.max(line.len()) }).await
/// }
/// # let mut lines = Fixed(vec!["a".into(), "abc".into(), "ab".into()]);
/// # let mut fut = pin!(longest(&mut lines));
/// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
/// # assert_eq!(core::future::Future::poll(fut.as_mut(), &mut cx), core::task::Poll::Ready(3));
/// # }
/// # }
/// ```
pub struct LocalSlotStream<'t, I, F, T, const N: usize, A: Alignment = Align16> {
    state: StreamState<I, F, LocalSlotFuture<'t, Option<T>>, N, A>,
}

impl<'t, I, F, T, const N: usize, A: Alignment> LocalSlotStream<'t, I, F, T, N, A>
where
    F: for<'s> FnMut(&'s mut I, Scratch<'s>) -> LocalSlotFuture<'s, Option<T>>,
{
    /// A stream whose item futures go to `slot`, or to the heap when they
    /// do not fit ([`Slot::or_box`]).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use std::rc::Rc;
    /// use futures_util::StreamExt;
    /// use stackslot::{LocalSlotFuture, LocalSlotStream, Scratch, Slot};
    ///
    /// fn next_share<'s>(rc: &'s mut Rc<u8>, scratch: Scratch<'s>) -> LocalSlotFuture<'s, Option<Rc<u8>>> {
    ///     scratch.emplace_local(async move { Some(Rc::clone(rc)) })
    /// }
    ///
    /// let shares = pin!(LocalSlotStream::new(Rc::new(7), Slot::<64>::new(), next_share));
    /// # let mut fut = pin!(shares.take(2).collect::<Vec<_>>());
    /// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    /// # let core::task::Poll::Ready(shares) = core::future::Future::poll(fut.as_mut(), &mut cx) else { panic!() };
    /// # assert_eq!(Rc::strong_count(&shares[0]), 3);
    /// ```
    #[cfg(feature = "alloc")]
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn new(iter: I, slot: Slot<N, A>, next: F) -> Self {
        LocalSlotStream {
            state: StreamState::new(iter, slot, next, Slot::<N, A>::OR_BOX),
        }
    }

    /// A stream that never allocates: its item futures go to `slot`, and
    /// one that does not fit panics ([`Slot::stack_only`]).
    ///
    /// # Example
    ///
    /// ```
    /// use core::cell::Cell;
    /// use core::pin::pin;
    /// use std::rc::Rc;
    /// use futures_util::StreamExt;
    /// use stackslot::{LocalSlotFuture, LocalSlotStream, Scratch, Slot};
    ///
    /// fn tick<'s>(ticks: &'s mut Rc<Cell<u32>>, scratch: Scratch<'s>) -> LocalSlotFuture<'s, Option<u32>> {
    ///     scratch.emplace_local(async move {
    ///         ticks.set(ticks.get() + 1);
    ///         Some(ticks.get())
    ///     })
    /// }
    ///
    /// let ticks = Rc::new(Cell::new(0));
    /// let mut stream = pin!(LocalSlotStream::stack_only(Rc::clone(&ticks), Slot::<64>::new(), tick));
    /// # let mut fut = pin!(stream.as_mut().take(2).collect::<Vec<_>>());
    /// # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    /// # assert_eq!(core::future::Future::poll(fut.as_mut(), &mut cx), core::task::Poll::Ready(vec![1, 2]));
    /// assert_eq!(ticks.get(), 2);
    /// assert_eq!(stream.stats().unwrap().fallbacks(), 0);
    /// ```
    #[cfg_attr(feature = "profile", track_caller)]
    pub fn stack_only(iter: I, slot: Slot<N, A>, next: F) -> Self {
        LocalSlotStream {
            state: StreamState::new(iter, slot, next, Slot::<N, A>::STACK_ONLY),
        }
    }
}

impl<'t, I, F, T, const N: usize, A: Alignment> LocalSlotStream<'t, I, F, T, N, A> {
    /// The slot's counters (hits, fallbacks, future sizes), or `None`
    /// while an item is in flight: the stream lends the slot to the item's
    /// future then and makes no reference to it. A future that the `next`
    /// function leaked is not in flight: the counters are returned (see
    /// the type's section on leaks).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::{LocalSlotFuture, LocalSlotStream, Scratch, Slot};
    ///
    /// fn nothing<'s>(_: &'s mut (), scratch: Scratch<'s>) -> LocalSlotFuture<'s, Option<u8>> {
    ///     scratch.emplace_local(async { None })
    /// }
    ///
    /// # #[cfg(feature = "alloc")] {
    /// let stream = pin!(LocalSlotStream::new((), Slot::<64>::new(), nothing));
    /// assert_eq!(stream.stats().unwrap().emplacements(), 0); // not polled yet
    /// # }
    /// ```
    pub fn stats(&self) -> Option<Stats> {
        self.state.stats()
    }

    fn state(
        self: Pin<&mut Self>,
    ) -> Pin<&mut StreamState<I, F, LocalSlotFuture<'t, Option<T>>, N, A>> {
        // SAFETY: `state` is the only field and is structurally pinned: it
        // is never moved out, and `LocalSlotStream` has no `Drop` impl.
        unsafe { self.map_unchecked_mut(|stream| &mut stream.state) }
    }
}

impl<'t, I, F, T, const N: usize, A: Alignment> Stream for LocalSlotStream<'t, I, F, T, N, A>
where
    F: for<'s> FnMut(&'s mut I, Scratch<'s>) -> LocalSlotFuture<'s, Option<T>>,
{
    type Item = T;

    /// # Panics
    ///
    /// When the item's future panics, when it does not fit a stream made
    /// with [`stack_only`](LocalSlotStream::stack_only), and when `next`
    /// panics.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.state().poll_next(cx, |next, iter, scratch| {
            // SAFETY: as in `SlotStream::poll_next`: `StreamState`'s invariant.
            unsafe { erase_local(next(iter, scratch)) }
        })
    }
}

impl<'t, I, F, T, const N: usize, A: Alignment> FusedStream for LocalSlotStream<'t, I, F, T, N, A>
where
    F: for<'s> FnMut(&'s mut I, Scratch<'s>) -> LocalSlotFuture<'s, Option<T>>,
{
    fn is_terminated(&self) -> bool {
        self.state.finished
    }
}

impl<'t, I, F, T, const N: usize, A: Alignment> fmt::Debug for LocalSlotStream<'t, I, F, T, N, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.state.debug("LocalSlotStream", f)
    }
}
