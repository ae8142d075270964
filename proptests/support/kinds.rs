//! The scratch kinds: the ways a caller lends its space and a callee places
//! its future there, and what each does with a future that does not fit.
//!
//! Each kind is a row of [`ScratchKind`]; a new way of placing futures (an
//! adapter strategy, say) is a new variant plus one arm in each `match`
//! below, and the properties pick it up through [`ScratchKind::ALL`].

use core::fmt::{self, Write as _};
use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};

use stackslot::{FallbackReason, LocalSlotFuture, Overflow, Scratch, SlotFuture};
#[cfg(feature = "alloc")]
use stackslot::{Strategy, strategy};

/// The `StackOnly` strategy's `&self` path needs no storage of its own.
#[cfg(feature = "alloc")]
static STACK_ONLY: strategy::StackOnly<0> = strategy::StackOnly::new();

use super::family::TestFuture;
use super::slots::DynSlot;

/// How the caller lends its space and the callee places its future.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScratchKind {
    /// `slot.or_box()`, `emplace`.
    #[cfg(feature = "alloc")]
    OrBox,
    /// `slot.or_box()`, `emplace_local`.
    #[cfg(feature = "alloc")]
    OrBoxLocal,
    /// `slot.stack_only()`, `emplace`.
    StackOnly,
    /// `Scratch::boxed()`, `emplace`: the slot is not lent at all.
    #[cfg(feature = "alloc")]
    Boxed,
    /// `slot.or_box()`, `try_emplace`: never allocates, although the
    /// scratch would allow it.
    #[cfg(feature = "alloc")]
    TryOrBox,
    /// `slot.stack_only()`, `try_emplace`.
    TryStackOnly,
    /// `slot.stack_only()`, `try_emplace_local`.
    TryStackOnlyLocal,
    /// A tier: `slot.then(Scratch::boxed())`, `emplace`.
    #[cfg(feature = "alloc")]
    ThenBoxed,
    /// The `Boxing` strategy of an adapter: `slot.or_box()`, then
    /// `strategy::Boxing.emplace_exclusive`.
    #[cfg(feature = "alloc")]
    BoxingAdapter,
    /// The `StackOnly` strategy of an adapter, for a `&self` method:
    /// `slot.or_box()`, then `strategy::StackOnly::<0>.emplace_shared`,
    /// which never allocates although the scratch would allow it.
    #[cfg(feature = "alloc")]
    StackOnlyAdapter,
}

/// What a kind does with a future that does not fit its space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnMisfit {
    /// Moves it to the heap.
    #[cfg(feature = "alloc")]
    Box,
    /// Panics (and drops it).
    Panic,
    /// Gives it back.
    Refuse,
}

impl ScratchKind {
    /// Every kind this build has.
    #[cfg(feature = "alloc")]
    pub const ALL: &[ScratchKind] = &[
        ScratchKind::OrBox,
        ScratchKind::OrBoxLocal,
        ScratchKind::StackOnly,
        ScratchKind::Boxed,
        ScratchKind::TryOrBox,
        ScratchKind::TryStackOnly,
        ScratchKind::TryStackOnlyLocal,
        ScratchKind::ThenBoxed,
        ScratchKind::BoxingAdapter,
        ScratchKind::StackOnlyAdapter,
    ];
    /// Every kind this build has.
    #[cfg(not(feature = "alloc"))]
    pub const ALL: &[ScratchKind] = &[
        ScratchKind::StackOnly,
        ScratchKind::TryStackOnly,
        ScratchKind::TryStackOnlyLocal,
    ];

    /// Whether the scratch lends the slot's space.
    pub fn lends_slot(self) -> bool {
        match self {
            #[cfg(feature = "alloc")]
            ScratchKind::Boxed => false,
            _ => true,
        }
    }

    /// What happens to a future that does not fit.
    pub fn on_misfit(self) -> OnMisfit {
        match self {
            #[cfg(feature = "alloc")]
            ScratchKind::OrBox
            | ScratchKind::OrBoxLocal
            | ScratchKind::Boxed
            | ScratchKind::ThenBoxed
            | ScratchKind::BoxingAdapter => OnMisfit::Box,
            ScratchKind::StackOnly => OnMisfit::Panic,
            #[cfg(feature = "alloc")]
            ScratchKind::StackOnlyAdapter => OnMisfit::Panic,
            #[cfg(feature = "alloc")]
            ScratchKind::TryOrBox => OnMisfit::Refuse,
            ScratchKind::TryStackOnly | ScratchKind::TryStackOnlyLocal => OnMisfit::Refuse,
        }
    }

    /// Whether the scratch lets the callee allocate (`Scratch::may_allocate`).
    pub fn scratch_may_allocate(self) -> bool {
        match self {
            #[cfg(feature = "alloc")]
            ScratchKind::StackOnlyAdapter => true,
            _ => self.may_allocate(),
        }
    }

    /// Whether the kind may allocate at all.
    pub fn may_allocate(self) -> bool {
        match self {
            #[cfg(feature = "alloc")]
            ScratchKind::OrBox
            | ScratchKind::OrBoxLocal
            | ScratchKind::Boxed
            | ScratchKind::ThenBoxed
            | ScratchKind::BoxingAdapter => true,
            #[cfg(feature = "alloc")]
            ScratchKind::StackOnlyAdapter => false,
            #[cfg(feature = "alloc")]
            ScratchKind::TryOrBox => true,
            ScratchKind::StackOnly | ScratchKind::TryStackOnly | ScratchKind::TryStackOnlyLocal => {
                false
            }
        }
    }

    /// The caller's side: lends `slot` (or not) as this kind does.
    pub fn lend(self, slot: Pin<&mut dyn DynSlot>) -> Scratch<'_> {
        match self {
            #[cfg(feature = "alloc")]
            ScratchKind::OrBox
            | ScratchKind::OrBoxLocal
            | ScratchKind::TryOrBox
            | ScratchKind::BoxingAdapter
            | ScratchKind::StackOnlyAdapter => slot.or_box(),
            #[cfg(feature = "alloc")]
            ScratchKind::ThenBoxed => slot.then_boxed(),
            #[cfg(feature = "alloc")]
            ScratchKind::Boxed => Scratch::boxed(),
            ScratchKind::StackOnly | ScratchKind::TryStackOnly | ScratchKind::TryStackOnlyLocal => {
                slot.stack_only()
            }
        }
    }

    /// The callee's side: places `f` as this kind does. A refused future is
    /// dropped or run, as `back` says.
    pub fn place<'s, F: TestFuture>(
        self,
        scratch: Scratch<'s>,
        f: F,
        back: GivenBack,
    ) -> Placed<'s> {
        match self {
            #[cfg(feature = "alloc")]
            ScratchKind::OrBox | ScratchKind::Boxed | ScratchKind::ThenBoxed => {
                Placed::Handle(Handle::Send(scratch.emplace(f)))
            }
            #[cfg(feature = "alloc")]
            ScratchKind::BoxingAdapter => {
                // A stateless strategy: a fresh one lives as long as needed.
                let strategy: &'static mut strategy::Boxing = Box::leak(Box::new(strategy::Boxing));
                Placed::Handle(Handle::Send(
                    Pin::new(strategy).emplace_exclusive(scratch, f),
                ))
            }
            #[cfg(feature = "alloc")]
            ScratchKind::StackOnlyAdapter => {
                Placed::Handle(Handle::Send(STACK_ONLY.emplace_shared(scratch, f)))
            }
            #[cfg(feature = "alloc")]
            ScratchKind::OrBoxLocal => Placed::Handle(Handle::Local(scratch.emplace_local(f))),
            ScratchKind::StackOnly => Placed::Handle(Handle::Send(scratch.emplace(f))),
            #[cfg(feature = "alloc")]
            ScratchKind::TryOrBox => match scratch.try_emplace(f) {
                Ok(handle) => Placed::Handle(Handle::Send(handle)),
                Err(overflow) => Placed::Refused(Refusal::new(overflow, back)),
            },
            ScratchKind::TryStackOnly => match scratch.try_emplace(f) {
                Ok(handle) => Placed::Handle(Handle::Send(handle)),
                Err(overflow) => Placed::Refused(Refusal::new(overflow, back)),
            },
            ScratchKind::TryStackOnlyLocal => match scratch.try_emplace_local(f) {
                Ok(handle) => Placed::Handle(Handle::Local(handle)),
                Err(overflow) => Placed::Refused(Refusal::new(overflow, back)),
            },
        }
    }
}

/// What the callee does with a future that `try_emplace` gave back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GivenBack {
    Drop,
    /// Runs it to completion where it is (pinned on the stack).
    Run,
}

/// The two handles a callee can return.
pub enum Handle<'s> {
    Send(SlotFuture<'s, u64>),
    Local(LocalSlotFuture<'s, u64>),
}

impl Handle<'_> {
    pub fn is_inline(&self) -> bool {
        match self {
            Handle::Send(h) => h.is_inline(),
            Handle::Local(h) => h.is_inline(),
        }
    }

    pub fn is_terminated(&self) -> bool {
        match self {
            Handle::Send(h) => h.is_terminated(),
            Handle::Local(h) => h.is_terminated(),
        }
    }

    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        match self {
            Handle::Send(h) => Pin::new(h).poll(cx),
            Handle::Local(h) => Pin::new(h).poll(cx),
        }
    }
}

/// What the callee returned.
#[expect(
    clippy::large_enum_variant,
    reason = "boxing the refusal would allocate inside the counted window"
)]
pub enum Placed<'s> {
    Handle(Handle<'s>),
    Refused(Refusal),
}

/// What an [`Overflow`] said, read without allocating.
#[derive(Debug)]
pub struct Refusal {
    pub future_size: usize,
    pub future_align: usize,
    pub capacity: usize,
    pub space_align: usize,
    pub reason: FallbackReason,
    /// Its `Display`.
    pub text: Text,
    /// The output of the given-back future, when it was run.
    pub output: Option<u64>,
}

impl Refusal {
    fn new<F: Future<Output = u64>>(overflow: Overflow<F>, back: GivenBack) -> Self {
        let mut text = Text::default();
        write!(text, "{overflow}").expect("the message fits the buffer");
        let mut refusal = Refusal {
            future_size: overflow.future_size(),
            future_align: overflow.future_align(),
            capacity: overflow.capacity(),
            space_align: overflow.space_align(),
            reason: overflow.reason(),
            text,
            output: None,
        };
        let future = overflow.into_inner();
        if back == GivenBack::Run {
            let mut future = pin!(future);
            let mut cx = Context::from_waker(Waker::noop());
            refusal.output = (0..1000).find_map(|_| match future.as_mut().poll(&mut cx) {
                Poll::Ready(value) => Some(value),
                Poll::Pending => None,
            });
        }
        refusal
    }
}

/// A short message held on the stack, so that recording it allocates
/// nothing.
pub struct Text {
    bytes: [u8; 192],
    len: usize,
}

impl Default for Text {
    fn default() -> Self {
        Text {
            bytes: [0; 192],
            len: 0,
        }
    }
}

impl Text {
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).expect("only whole strings are written")
    }
}

impl fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
