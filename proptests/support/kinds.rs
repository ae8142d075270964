//! The two axes of a placement: what the caller lends (a [`Lender`]: a row
//! of [`LENDERS`]) and how the callee places its future in it (a
//! [`Placer`]). Every lender meets every placer; a lender describes its
//! spaces and its fallback, a placer its policy, and the contract
//! (`contract`) combines the two, so a new kind is one row or one variant.

use core::fmt::{self, Write as _};
use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};

#[cfg(feature = "alloc")]
use stackslot::strategy;
use stackslot::{FallbackReason, LocalSlotFuture, Overflow, Scratch, SlotFuture, Strategy};

use super::contract::{Last, Policy, Tier};
use super::storage::{Spaces, Storages};

/// A way of lending the case's storages: its spaces, in the order they are
/// offered the future, and where a future that fits none goes.
pub struct Lender {
    pub name: &'static str,
    pub tiers: &'static [Tier],
    pub last: Last,
    pub lend: for<'s> fn(&'s mut Spaces) -> Scratch<'s>,
}

impl fmt::Debug for Lender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Every lender of this build.
pub static LENDERS: &[Lender] = &[
    #[cfg(feature = "alloc")]
    Lender {
        name: "slot.or_box()",
        tiers: &[Tier::Slot],
        last: Last::Box,
        lend: |s| s.slot.pin_mut().or_box(),
    },
    Lender {
        name: "slot.stack_only()",
        tiers: &[Tier::Slot],
        last: Last::Panic,
        lend: |s| s.slot.pin_mut().stack_only(),
    },
    #[cfg(feature = "alloc")]
    Lender {
        name: "Scratch::boxed()",
        tiers: &[Tier::NoSpace],
        last: Last::Box,
        lend: |_| Scratch::boxed(),
    },
    #[cfg(feature = "alloc")]
    Lender {
        name: "slot.then(Scratch::boxed())",
        tiers: &[Tier::Slot, Tier::NoSpace],
        last: Last::Box,
        lend: |s| s.slot.pin_mut().then(Scratch::boxed()),
    },
    #[cfg(feature = "alloc")]
    Lender {
        name: "heap.scratch()",
        tiers: &[Tier::Heap],
        last: Last::Grow,
        lend: |s| s.heap.pin_mut().get_mut().scratch(),
    },
    #[cfg(feature = "alloc")]
    Lender {
        name: "slot.then(heap.scratch())",
        tiers: &[Tier::Slot, Tier::Heap],
        last: Last::Grow,
        lend: |s| s.slot.pin_mut().then(s.heap.pin_mut().get_mut().scratch()),
    },
    #[cfg(feature = "bumpalo")]
    Lender {
        name: "slot.or_arena(&arena)",
        tiers: &[Tier::Slot],
        last: Last::Arena,
        lend: |s| s.slot.pin_mut().or_arena(s.arena.get()),
    },
    #[cfg(feature = "alloc")]
    Lender {
        name: "side_stack.or_box()",
        tiers: &[Tier::SideStack],
        last: Last::Box,
        lend: |s| s.side_stack.pin().or_box(),
    },
    Lender {
        name: "side_stack.stack_only()",
        tiers: &[Tier::SideStack],
        last: Last::Panic,
        lend: |s| s.side_stack.pin().stack_only(),
    },
];

/// `StackOnly`'s `&self` path needs no storage of its own.
#[cfg(feature = "alloc")]
static STACK_ONLY: strategy::StackOnly<0> = strategy::StackOnly::new();

/// How the callee places its future in what the caller lent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placer {
    Emplace,
    EmplaceLocal,
    TryEmplace,
    TryEmplaceLocal,
    /// `strategy::Boxing.emplace_exclusive`.
    #[cfg(feature = "alloc")]
    Boxing,
    /// `strategy::StackOnly::<0>.emplace_shared`: never allocates.
    #[cfg(feature = "alloc")]
    StackOnlyShared,
    /// The case's `CachedBox` strategy, `emplace_exclusive`.
    #[cfg(feature = "alloc")]
    CachedBox,
    /// The case's `Inline<256, Align64>` strategy, `emplace_exclusive`.
    Inline,
}

impl Placer {
    pub const ALL: &[Placer] = &[
        Placer::Emplace,
        Placer::EmplaceLocal,
        Placer::TryEmplace,
        Placer::TryEmplaceLocal,
        #[cfg(feature = "alloc")]
        Placer::Boxing,
        #[cfg(feature = "alloc")]
        Placer::StackOnlyShared,
        #[cfg(feature = "alloc")]
        Placer::CachedBox,
        Placer::Inline,
    ];

    /// Lends `storages` as `lender` does and places `f` (a refused future
    /// is run or dropped as `back` says): the placer's policy, and what the
    /// callee returned.
    pub fn place<'s, F>(
        self,
        lender: &Lender,
        storages: &'s mut Storages,
        f: F,
        back: GivenBack,
    ) -> Placed<'s>
    where
        F: Future<Output = Out> + Send + 's,
    {
        let Storages { spaces, inline, .. } = storages;
        #[cfg(feature = "alloc")]
        let cached = &mut storages.cached;
        let scratch = (lender.lend)(spaces);
        use Handle::{Local, Send};
        match self {
            Placer::Emplace => Placed::Handle(Send(scratch.emplace(f))),
            Placer::EmplaceLocal => Placed::Handle(Local(scratch.emplace_local(f))),
            Placer::TryEmplace => match scratch.try_emplace(f) {
                Ok(h) => Placed::Handle(Send(h)),
                Err(overflow) => Placed::Refused(Refusal::new(overflow, back)),
            },
            Placer::TryEmplaceLocal => match scratch.try_emplace_local(f) {
                Ok(h) => Placed::Handle(Local(h)),
                Err(overflow) => Placed::Refused(Refusal::new(overflow, back)),
            },
            #[cfg(feature = "alloc")]
            Placer::Boxing => {
                // A stateless strategy: a fresh one lives as long as needed.
                let boxing: &'static mut strategy::Boxing = Box::leak(Box::new(strategy::Boxing));
                Placed::Handle(Send(Pin::new(boxing).emplace_exclusive(scratch, f)))
            }
            #[cfg(feature = "alloc")]
            Placer::StackOnlyShared => Placed::Handle(Send(STACK_ONLY.emplace_shared(scratch, f))),
            #[cfg(feature = "alloc")]
            Placer::CachedBox => {
                Placed::Handle(Send(cached.pin_mut().emplace_exclusive(scratch, f)))
            }
            Placer::Inline => Placed::Handle(Send(inline.pin_mut().emplace_exclusive(scratch, f))),
        }
    }

    pub fn policy(self) -> Policy {
        match self {
            Placer::Emplace | Placer::EmplaceLocal => Policy::Emplace,
            #[cfg(feature = "alloc")]
            Placer::Boxing => Policy::Emplace,
            Placer::TryEmplace | Placer::TryEmplaceLocal => Policy::Try,
            #[cfg(feature = "alloc")]
            Placer::StackOnlyShared => Policy::NoAlloc,
            #[cfg(feature = "alloc")]
            Placer::CachedBox => Policy::Cached,
            Placer::Inline => Policy::Inline,
        }
    }
}

/// The output of the catalogue's futures: the value, and whether the poll
/// saw the future aligned.
pub type Out = (u64, bool);

/// What the callee does with a future that `try_emplace` gave back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GivenBack {
    Drop,
    /// Runs it to completion where it is (pinned on the stack).
    Run,
}

/// The two handles a callee can return.
pub enum Handle<'s> {
    Send(SlotFuture<'s, Out>),
    Local(LocalSlotFuture<'s, Out>),
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

    /// Polls once; a future must see itself aligned.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        let polled = match self {
            Handle::Send(h) => Pin::new(h).poll(cx),
            Handle::Local(h) => Pin::new(h).poll(cx),
        };
        polled.map(|(value, aligned)| {
            assert!(aligned, "a future was polled at a misaligned address");
            value
        })
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
    pub future: (usize, usize),
    pub space: (usize, usize),
    pub reason: FallbackReason,
    /// Its `Display`, held on the stack.
    pub text: Text,
    /// The output of the given-back future, when it was run.
    pub output: Option<u64>,
}

impl Refusal {
    fn new<F: Future<Output = Out>>(overflow: Overflow<F>, back: GivenBack) -> Self {
        let mut text = Text([0; 192], 0);
        write!(text, "{overflow}").expect("the message fits the buffer");
        let future = (overflow.future_size(), overflow.future_align());
        let space = (overflow.capacity(), overflow.space_align());
        let reason = overflow.reason();
        let mut f = pin!(overflow.into_inner());
        let mut cx = Context::from_waker(Waker::noop());
        let mut run = (0..1000).map(|_| f.as_mut().poll(&mut cx));
        let output = match back {
            GivenBack::Run => run.find_map(|p| {
                if let Poll::Ready((v, _)) = p {
                    Some(v)
                } else {
                    None
                }
            }),
            GivenBack::Drop => None,
        };
        Refusal {
            future,
            space,
            reason,
            text,
            output,
        }
    }
}

/// A short message on the stack: recording it allocates nothing.
pub struct Text([u8; 192], usize);

impl Text {
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0[..self.1]).expect("only whole strings are written")
    }
}

impl fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.1 + s.len();
        self.0
            .get_mut(self.1..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.1 = end;
        Ok(())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
