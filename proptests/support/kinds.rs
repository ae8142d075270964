//! The scratch kinds: the ways a caller lends its space and a callee places
//! its future there, and what each does with a future that does not fit.
//!
//! Each kind is a row of [`ScratchKind`]; a new way of placing futures (an
//! adapter strategy, say) is a new variant plus one arm in each `match`
//! below and in the reference (`expect`), and the properties pick it up
//! through [`ScratchKind::ALL`].

use core::fmt::{self, Write as _};
use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};

#[cfg(feature = "alloc")]
use stackslot::strategy;
use stackslot::{FallbackReason, LocalSlotFuture, Overflow, Scratch, SlotFuture, Strategy};

/// The `StackOnly` strategy's `&self` path needs no storage of its own.
#[cfg(feature = "alloc")]
static STACK_ONLY: strategy::StackOnly<0> = strategy::StackOnly::new();

use super::family::TestFuture;
use super::storage::{InlineStrategy, Storages, Taint};

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
    /// The case's heap slot: `heap.scratch()`, `emplace`; grows on a miss.
    #[cfg(feature = "alloc")]
    HeapSlot,
    /// A tier: `slot.then(heap.scratch())`, `emplace`.
    #[cfg(feature = "alloc")]
    ThenHeapSlot,
    /// `slot.or_arena(&arena)`, `emplace`; the arena is reset between
    /// lives while no leaked future may live in it.
    #[cfg(feature = "bumpalo")]
    OrArena,
    /// The case's side stack: `stack.or_box()`, `emplace`.
    #[cfg(feature = "alloc")]
    SideStackOrBox,
    /// The case's side stack: `stack.stack_only()`, `emplace`.
    SideStackOnly,
    /// The `CachedBox` strategy of an adapter, for a `&mut self` method:
    /// `slot.or_box()`, then `cached.emplace_exclusive`; what misses the
    /// slot goes to the strategy's cache, which grows.
    #[cfg(feature = "alloc")]
    CachedBoxOrBox,
    /// As `CachedBoxOrBox` with `slot.stack_only()`: the cache is used
    /// only when it already holds the future; otherwise a panic.
    #[cfg(feature = "alloc")]
    CachedBoxStackOnly,
    /// The `Inline<256, Align64>` strategy of an adapter, for a `&mut self`
    /// method: its own slot first, then `slot.or_box()`.
    #[cfg(feature = "alloc")]
    InlineOrBox,
    /// As `InlineOrBox` with `slot.stack_only()`.
    InlineStackOnly,
}

impl ScratchKind {
    /// Every kind this build has.
    pub const ALL: &[ScratchKind] = &[
        #[cfg(feature = "alloc")]
        ScratchKind::OrBox,
        #[cfg(feature = "alloc")]
        ScratchKind::OrBoxLocal,
        ScratchKind::StackOnly,
        #[cfg(feature = "alloc")]
        ScratchKind::Boxed,
        #[cfg(feature = "alloc")]
        ScratchKind::TryOrBox,
        ScratchKind::TryStackOnly,
        ScratchKind::TryStackOnlyLocal,
        #[cfg(feature = "alloc")]
        ScratchKind::ThenBoxed,
        #[cfg(feature = "alloc")]
        ScratchKind::BoxingAdapter,
        #[cfg(feature = "alloc")]
        ScratchKind::StackOnlyAdapter,
        #[cfg(feature = "alloc")]
        ScratchKind::HeapSlot,
        #[cfg(feature = "alloc")]
        ScratchKind::ThenHeapSlot,
        #[cfg(feature = "bumpalo")]
        ScratchKind::OrArena,
        #[cfg(feature = "alloc")]
        ScratchKind::SideStackOrBox,
        ScratchKind::SideStackOnly,
        #[cfg(feature = "alloc")]
        ScratchKind::CachedBoxOrBox,
        #[cfg(feature = "alloc")]
        ScratchKind::CachedBoxStackOnly,
        #[cfg(feature = "alloc")]
        ScratchKind::InlineOrBox,
        ScratchKind::InlineStackOnly,
    ];

    /// Whether the kind may allocate at all: the guarantee of the kinds
    /// that may not, checked against the heap whatever the reference says.
    pub fn may_allocate(self) -> bool {
        match self {
            ScratchKind::StackOnly
            | ScratchKind::TryStackOnly
            | ScratchKind::TryStackOnlyLocal
            | ScratchKind::SideStackOnly
            | ScratchKind::InlineStackOnly => false,
            #[cfg(feature = "alloc")]
            ScratchKind::StackOnlyAdapter | ScratchKind::CachedBoxStackOnly => false,
            #[cfg(feature = "alloc")]
            _ => true,
        }
    }

    /// The storages whose occupancy cannot be observed that this kind may
    /// place a future in.
    pub fn may_use(self) -> Taint {
        match self {
            ScratchKind::SideStackOnly => Taint {
                side_stack: true,
                ..Taint::default()
            },
            #[cfg(feature = "alloc")]
            ScratchKind::SideStackOrBox => Taint {
                side_stack: true,
                ..Taint::default()
            },
            #[cfg(feature = "alloc")]
            ScratchKind::InlineOrBox => Taint {
                inline: true,
                ..Taint::default()
            },
            ScratchKind::InlineStackOnly => Taint {
                inline: true,
                ..Taint::default()
            },
            #[cfg(feature = "bumpalo")]
            ScratchKind::OrArena => Taint {
                arena: true,
                ..Taint::default()
            },
            _ => Taint::default(),
        }
    }

    /// The caller's side: lends its storage as this kind does.
    pub fn lend(self, storages: &mut Storages) -> Lent<'_> {
        let slot = storages.slot.pin_mut();
        let lent = |scratch, callee| Lent { scratch, callee };
        match self {
            #[cfg(feature = "alloc")]
            ScratchKind::OrBox => lent(slot.or_box(), Callee::Emplace),
            #[cfg(feature = "alloc")]
            ScratchKind::OrBoxLocal => lent(slot.or_box(), Callee::EmplaceLocal),
            ScratchKind::StackOnly => lent(slot.stack_only(), Callee::Emplace),
            #[cfg(feature = "alloc")]
            ScratchKind::Boxed => lent(Scratch::boxed(), Callee::Emplace),
            #[cfg(feature = "alloc")]
            ScratchKind::TryOrBox => lent(slot.or_box(), Callee::TryEmplace),
            ScratchKind::TryStackOnly => lent(slot.stack_only(), Callee::TryEmplace),
            ScratchKind::TryStackOnlyLocal => lent(slot.stack_only(), Callee::TryEmplaceLocal),
            #[cfg(feature = "alloc")]
            ScratchKind::ThenBoxed => lent(slot.then(Scratch::boxed()), Callee::Emplace),
            #[cfg(feature = "alloc")]
            ScratchKind::BoxingAdapter => lent(slot.or_box(), Callee::Boxing),
            #[cfg(feature = "alloc")]
            ScratchKind::StackOnlyAdapter => lent(slot.or_box(), Callee::StackOnlyShared),
            #[cfg(feature = "alloc")]
            ScratchKind::HeapSlot => {
                lent(storages.heap.pin_mut().get_mut().scratch(), Callee::Emplace)
            }
            #[cfg(feature = "alloc")]
            ScratchKind::ThenHeapSlot => lent(
                slot.then(storages.heap.pin_mut().get_mut().scratch()),
                Callee::Emplace,
            ),
            #[cfg(feature = "bumpalo")]
            ScratchKind::OrArena => lent(slot.or_arena(storages.arena.get()), Callee::Emplace),
            #[cfg(feature = "alloc")]
            ScratchKind::SideStackOrBox => {
                lent(storages.side_stack.pin().or_box(), Callee::Emplace)
            }
            ScratchKind::SideStackOnly => {
                lent(storages.side_stack.pin().stack_only(), Callee::Emplace)
            }
            #[cfg(feature = "alloc")]
            ScratchKind::CachedBoxOrBox => {
                lent(slot.or_box(), Callee::Cached(storages.cached.pin_mut()))
            }
            #[cfg(feature = "alloc")]
            ScratchKind::CachedBoxStackOnly => {
                lent(slot.stack_only(), Callee::Cached(storages.cached.pin_mut()))
            }
            #[cfg(feature = "alloc")]
            ScratchKind::InlineOrBox => {
                lent(slot.or_box(), Callee::Inline(storages.inline.pin_mut()))
            }
            ScratchKind::InlineStackOnly => {
                lent(slot.stack_only(), Callee::Inline(storages.inline.pin_mut()))
            }
        }
    }
}

/// What the caller lent, and how the callee will place its future.
pub struct Lent<'s> {
    pub scratch: Scratch<'s>,
    callee: Callee<'s>,
}

/// How the callee places its future.
enum Callee<'s> {
    Emplace,
    #[cfg(feature = "alloc")]
    EmplaceLocal,
    TryEmplace,
    TryEmplaceLocal,
    /// `strategy::Boxing.emplace_exclusive`.
    #[cfg(feature = "alloc")]
    Boxing,
    /// `strategy::StackOnly::<0>.emplace_shared`.
    #[cfg(feature = "alloc")]
    StackOnlyShared,
    /// `emplace_exclusive` of the case's `CachedBox` strategy.
    #[cfg(feature = "alloc")]
    Cached(Pin<&'s mut strategy::CachedBox>),
    /// `emplace_exclusive` of the case's `Inline` strategy.
    Inline(Pin<&'s mut InlineStrategy>),
}

impl<'s> Lent<'s> {
    /// The callee's side: places `f` as the kind says. A refused future is
    /// dropped or run, as `back` says.
    pub fn place<F: TestFuture>(self, f: F, back: GivenBack) -> Placed<'s> {
        let Lent { scratch, callee } = self;
        let refused = |overflow| Placed::Refused(Refusal::new(overflow, back));
        match callee {
            Callee::Emplace => Placed::Handle(Handle::Send(scratch.emplace(f))),
            #[cfg(feature = "alloc")]
            Callee::EmplaceLocal => Placed::Handle(Handle::Local(scratch.emplace_local(f))),
            Callee::TryEmplace => match scratch.try_emplace(f) {
                Ok(handle) => Placed::Handle(Handle::Send(handle)),
                Err(overflow) => refused(overflow),
            },
            Callee::TryEmplaceLocal => match scratch.try_emplace_local(f) {
                Ok(handle) => Placed::Handle(Handle::Local(handle)),
                Err(overflow) => refused(overflow),
            },
            #[cfg(feature = "alloc")]
            Callee::Boxing => {
                // A stateless strategy: a fresh one lives as long as needed.
                let strategy: &'static mut strategy::Boxing = Box::leak(Box::new(strategy::Boxing));
                Placed::Handle(Handle::Send(
                    Pin::new(strategy).emplace_exclusive(scratch, f),
                ))
            }
            #[cfg(feature = "alloc")]
            Callee::StackOnlyShared => {
                Placed::Handle(Handle::Send(STACK_ONLY.emplace_shared(scratch, f)))
            }
            #[cfg(feature = "alloc")]
            Callee::Cached(cached) => {
                Placed::Handle(Handle::Send(cached.emplace_exclusive(scratch, f)))
            }
            Callee::Inline(inline) => {
                Placed::Handle(Handle::Send(inline.emplace_exclusive(scratch, f)))
            }
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
