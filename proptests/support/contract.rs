//! The contract the properties check a placement against, stated in terms
//! of what can be observed (a storage's capacity, alignment, `used()` and
//! statistics before the placement), never in terms of how the crate lays a
//! future out:
//!
//! - A slot, a heap slot's buffer and the inline strategy's slot take a
//!   future exactly when its size is at most the capacity and its alignment
//!   at most the space's; otherwise the statistics count a size fallback
//!   (also when both fail) or an alignment fallback.
//! - A side stack never takes a future larger than its free bytes
//!   (`capacity - used()`) or more aligned than itself, and always takes
//!   one that fits the free bytes with room for a frame's bookkeeping
//!   ([`FRAME_ROOM`]) and its alignment padding; in between it may do
//!   either, and its statistics say which. A leaked frame stays in use.
//! - A lender's spaces are offered the future in turn (each counts it);
//!   what fits none goes to its fallback: a box (one allocation, freed with
//!   the future), the heap slot (grown to hold it: one allocation, freeing
//!   the buffer it replaces, never shrinking), an arena (at most one chunk,
//!   none once warm), or a panic. `try_emplace` and the `StackOnly`
//!   strategy never use the fallback; `CachedBox` uses its cache instead
//!   (growing it only when the scratch may allocate); `Inline` first
//!   offers its own slot.
//! - A refusal or an overflow panic names the future's layout, the last
//!   space that refused it (for a side stack: its free bytes and its
//!   alignment), and the reason relative to that space.
//!
//! What the contract leaves open is learned by observation: where a heap
//! block landed (from the allocator), which way a side stack decided (from
//! its statistics), how much a heap slot grew (within its bounds).

use core::ops::Range;

use stackslot::FallbackReason;

use super::catalogue::FutureType;
use super::kinds::{Lender, Placer};
use super::storage::{Buffer, Counters, INLINE, SlotClass, Snapshot, Spans};
use crate::common::alloc_count::Counts;

/// At most what a side-stack frame takes besides its future and the
/// padding to align them (twice the larger of the future's alignment and
/// 16): a small header. A bound the tests allow, not the header's size.
pub const FRAME_ROOM: usize = 64;

/// A space a lender offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Slot,
    SideStack,
    Heap,
    /// `Scratch::boxed()`: no space, which refuses every future.
    NoSpace,
}

/// Where a lender sends a future that fits none of its spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Last {
    Box,
    /// The heap slot grows.
    Grow,
    Arena,
    Panic,
}

/// What a placer does beyond offering the lender's spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// The lender's fallback.
    Emplace,
    /// Gives the future back instead.
    Try,
    /// Panics instead.
    NoAlloc,
    /// The `CachedBox`'s cache instead.
    Cached,
    /// The inline strategy's slot first, then as `Emplace`.
    Inline,
}

/// Where a future lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Home {
    Slot,
    SideStack,
    Heap,
    Cache,
    Inline,
    Box,
    Arena,
}

/// What the callee did, as its handle and result say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A handle that `is_inline()`.
    Inline,
    /// A handle that is not.
    Boxed,
    /// Given back by `try_emplace`.
    Refused,
    /// The placement panicked (a stack-only overflow).
    Panics,
}

/// What placing does to the heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alloc {
    None,
    Box,
    /// A new buffer for the heap slot or the cache, replacing one or not.
    Grow {
        replaces: bool,
    },
    /// At most one chunk, none when warm.
    Chunk {
        warm: bool,
    },
}

/// What the scratch says before the placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub fits: bool,
    pub capacity: usize,
    pub alignment: usize,
    pub may_allocate: bool,
}

/// What the contract says of one placement.
#[derive(Clone, Debug)]
pub struct Expect {
    pub outcome: Outcome,
    pub home: Option<Home>,
    /// The reason and the space (capacity, alignment) a refusal or an
    /// overflow panic names.
    pub misfit: Option<(FallbackReason, usize, usize)>,
    pub alloc: Alloc,
    /// The storages right after the placement.
    pub after: Snapshot,
}

impl Expect {
    /// Checks the storages after the future's life (`leaked`: its handle was
    /// leaked before it completed) against the contract.
    pub fn settle(
        &self,
        ty: &FutureType,
        leaked: bool,
        before: &Snapshot,
        after: &Snapshot,
    ) -> Result<(), String> {
        let mut exp = self.after;
        let stays = leaked && ty.tracked;
        exp.slot_occupied |= stays && self.home == Some(Home::Slot);
        exp.heap.occupied |= stays && self.home == Some(Home::Heap);
        exp.cache.occupied |= stays && self.home == Some(Home::Cache);
        if let Alloc::Grow { .. } = self.alloc {
            let buffer = if self.home == Some(Home::Heap) {
                &mut exp.heap
            } else {
                &mut exp.cache
            };
            (buffer.capacity, buffer.align) = if self.home == Some(Home::Heap) {
                (after.heap.capacity, after.heap.align)
            } else {
                (after.cache.capacity, after.cache.align)
            };
        }
        if leaked && self.home == Some(Home::SideStack) {
            // The frame stays in use, above the bytes used before.
            let used = after.side_stack_used;
            if used < before.side_stack_used + ty.size {
                return Err(format!(
                    "a leaked frame of {ty:?} is not in use: {before:?} then {after:?}"
                ));
            }
            exp.side_stack_used = used;
        }
        if exp != *after {
            return Err(format!("expected {exp:#?}\nobserved {after:#?}"));
        }
        Ok(())
    }

    /// The allocations of placing, when the contract fixes them.
    pub fn allocs(&self) -> Option<usize> {
        match self.alloc {
            Alloc::None => Some(0),
            Alloc::Box | Alloc::Grow { .. } => Some(1),
            Alloc::Chunk { warm } => warm.then_some(0),
        }
    }

    /// The frees of placing: a replaced buffer.
    pub fn frees(&self) -> usize {
        usize::from(self.alloc == Alloc::Grow { replaces: true })
    }

    /// Whether the future has a block of its own, freed with it.
    pub fn boxed(&self) -> bool {
        self.alloc == Alloc::Box
    }
}

/// How a space takes a future, by the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    Yes,
    No(FallbackReason),
    /// A side stack near its end: a hit or a size fallback.
    Maybe,
    /// A side stack, over-aligned near its end: a fallback of either reason.
    NoEither,
}

impl Fit {
    /// The exact rule of a slot or a buffer.
    fn exact(ty: &FutureType, capacity: usize, align: usize) -> Fit {
        if ty.size > capacity {
            Fit::No(FallbackReason::Size)
        } else if ty.align > align {
            Fit::No(FallbackReason::Alignment)
        } else {
            Fit::Yes
        }
    }

    /// The fallback reason of an exact rule.
    fn reason(self) -> Option<FallbackReason> {
        if let Fit::No(reason) = self {
            Some(reason)
        } else {
            None
        }
    }

    pub fn allows(self, got: Option<FallbackReason>) -> bool {
        match self {
            Fit::Yes => got.is_none(),
            Fit::No(reason) => got == Some(reason),
            Fit::Maybe => matches!(got, None | Some(FallbackReason::Size)),
            Fit::NoEither => got.is_some(),
        }
    }
}

/// The rule of a side stack of `capacity` bytes aligned to `align` with
/// `used` bytes in use.
pub fn side_stack_fit(ty: &FutureType, capacity: usize, align: usize, used: usize) -> Fit {
    let free = capacity - used;
    let roomy = ty.size + 2 * ty.align.max(16) + FRAME_ROOM <= free;
    match (ty.size > free, ty.align > align, roomy) {
        (true, _, _) => Fit::No(FallbackReason::Size),
        (false, true, true) => Fit::No(FallbackReason::Alignment),
        (false, true, false) => Fit::NoEither,
        (false, false, true) => Fit::Yes,
        (false, false, false) => Fit::Maybe,
    }
}

impl Counters {
    /// Counts one emplacement of `size` bytes: a hit, or a fallback for
    /// `misfit` (no space at all counts as a size fallback).
    pub fn record(&mut self, size: usize, misfit: Option<FallbackReason>) {
        self.emplacements += 1;
        match misfit {
            None => self.hits += 1,
            Some(FallbackReason::Size | FallbackReason::NoSpace) => self.size_fallbacks += 1,
            Some(FallbackReason::Alignment) => self.alignment_fallbacks += 1,
        }
        self.largest = self.largest.max(size);
    }

    /// Which one emplacement of `size` bytes turned `self` into `after`.
    pub fn one_more(self, size: usize, after: Counters) -> Option<Option<FallbackReason>> {
        use FallbackReason::{Alignment, Size};
        [None, Some(Size), Some(Alignment)]
            .into_iter()
            .find(|&misfit| {
                let mut c = self;
                c.record(size, misfit);
                c == after
            })
    }
}

/// What the contract has learned of a case's storages.
#[derive(Debug)]
pub struct Contract {
    pub class: &'static SlotClass,
    /// The heap slot's and the cache's buffers, the arena's chunk.
    heap: Option<Range<usize>>,
    cache: Option<Range<usize>>,
    chunk: Option<Range<usize>>,
    /// Layouts placed in the current chunk; whether the arena was reset
    /// since the last placement.
    in_chunk: Vec<(usize, usize)>,
    reset: bool,
}

impl Contract {
    pub fn new(class: &'static SlotClass) -> Contract {
        let (heap, cache, chunk, in_chunk, reset) = (None, None, None, Vec::new(), false);
        Contract {
            class,
            heap,
            cache,
            chunk,
            in_chunk,
            reset,
        }
    }

    /// What a scratch of `lender` says about `ty` (with `before` the
    /// storages as they are).
    pub fn view(&self, before: &Snapshot, ty: &FutureType, lender: &Lender) -> View {
        let (capacity, alignment) = match lender.tiers.first() {
            Some(Tier::Slot) => (self.class.capacity, self.class.align),
            Some(Tier::Heap) => (before.heap.capacity, before.heap.align),
            // A side stack's scratch has no space of its own.
            Some(Tier::SideStack | Tier::NoSpace) | None => (0, 0),
        };
        View {
            fits: ty.size <= capacity && ty.align <= alignment,
            capacity,
            alignment,
            may_allocate: lender.last != Last::Panic,
        }
    }

    /// The capacity and alignment `tier` offers `ty`, and its rule.
    fn tier(&self, tier: Tier, before: &Snapshot, ty: &FutureType) -> (usize, usize, Fit) {
        let (capacity, align) = (self.class.capacity, self.class.align);
        let used = before.side_stack_used;
        let (space, fit) = match tier {
            Tier::Slot => ((capacity, align), Fit::exact(ty, capacity, align)),
            Tier::Heap => (
                (before.heap.capacity, before.heap.align),
                Fit::exact(ty, before.heap.capacity, before.heap.align),
            ),
            Tier::SideStack => (
                (capacity - used, align),
                side_stack_fit(ty, capacity, align, used),
            ),
            Tier::NoSpace => ((0, 0), Fit::No(FallbackReason::NoSpace)),
        };
        (space.0, space.1, fit)
    }

    /// Whether `ty` certainly gets a handle from fresh storages.
    pub fn places(&self, ty: &FutureType, lender: &Lender, placer: Placer) -> bool {
        // An empty heap slot or cache has no bytes, aligned to 16.
        let fresh = Snapshot {
            heap: Buffer {
                align: 16,
                ..Buffer::default()
            },
            ..Snapshot::default()
        };
        let cache_fits = Fit::exact(ty, 0, 16) == Fit::Yes;
        let fits = lender
            .tiers
            .iter()
            .any(|&t| self.tier(t, &fresh, ty).2 == Fit::Yes);
        let may_allocate = lender.last != Last::Panic;
        fits || match placer.policy() {
            Policy::Emplace => may_allocate,
            Policy::Inline => Fit::exact(ty, INLINE.0, INLINE.1) == Fit::Yes || may_allocate,
            Policy::Cached => may_allocate || cache_fits,
            Policy::Try | Policy::NoAlloc => false,
        }
    }

    /// What placing `ty` as `placer` does in what `lender` lends, given the
    /// storages `before` and, for a side stack's choice, `after`.
    pub fn expect(
        &mut self,
        before: &Snapshot,
        after: &Snapshot,
        ty: &FutureType,
        lender: &Lender,
        placer: Placer,
    ) -> Result<Expect, String> {
        let (outcome, home, misfit, alloc) = (Outcome::Inline, None, None, Alloc::None);
        let mut exp = Expect {
            outcome,
            home,
            misfit,
            alloc,
            after: *before,
        };
        let policy = placer.policy();
        if policy == Policy::Inline && Fit::exact(ty, INLINE.0, INLINE.1) == Fit::Yes {
            exp.after.inline.record(ty.size, None);
            exp.home = Some(Home::Inline);
            return Ok(exp);
        }
        let mut misfit = (FallbackReason::NoSpace, 0, 0);
        for &tier in lender.tiers {
            let (capacity, align, fit) = self.tier(tier, before, ty);
            let mut nowhere = Counters::default();
            let counters = match tier {
                Tier::Slot => &mut exp.after.slot,
                Tier::Heap => &mut exp.after.heap.counters,
                Tier::SideStack => &mut exp.after.side_stack,
                Tier::NoSpace => &mut nowhere,
            };
            let got = match fit {
                Fit::Yes => None,
                Fit::No(reason) => Some(reason),
                _ => before
                    .side_stack
                    .one_more(ty.size, after.side_stack)
                    .filter(|&got| fit.allows(got))
                    .ok_or_else(|| {
                        format!(
                            "{fit:?}: the side stack counted {:?} then {:?}",
                            before.side_stack, after.side_stack
                        )
                    })?,
            };
            counters.record(ty.size, got);
            let Some(reason) = got else {
                exp.home = Some(match tier {
                    Tier::Slot => Home::Slot,
                    Tier::Heap => Home::Heap,
                    Tier::SideStack => Home::SideStack,
                    Tier::NoSpace => unreachable!("no space takes a future"),
                });
                return Ok(exp);
            };
            // A refusal's reason is the one of the space it names (the
            // frame a side stack needs is not part of that).
            misfit = match Fit::exact(ty, capacity, align) {
                Fit::No(named) if tier != Tier::NoSpace => (named, capacity, align),
                _ => (reason, capacity, align),
            };
        }
        let last = match policy {
            Policy::Try => None,
            Policy::NoAlloc => Some(Last::Panic),
            Policy::Cached => {
                let cache = Fit::exact(ty, before.cache.capacity, before.cache.align);
                let miss = cache.reason();
                if lender.last == Last::Panic && miss.is_some() {
                    Some(Last::Panic)
                } else {
                    exp.after.cache.counters.record(ty.size, miss);
                    let grow = Alloc::Grow {
                        replaces: self.cache.is_some(),
                    };
                    (exp.home, exp.alloc) = (
                        Some(Home::Cache),
                        if miss.is_some() { grow } else { Alloc::None },
                    );
                    return Ok(exp);
                }
            }
            Policy::Emplace | Policy::Inline => Some(lender.last),
        };
        match last {
            None => exp.outcome = Outcome::Refused,
            Some(Last::Panic) => exp.outcome = Outcome::Panics,
            Some(Last::Box) => {
                (exp.outcome, exp.home, exp.alloc) = (Outcome::Boxed, Some(Home::Box), Alloc::Box)
            }
            Some(Last::Grow) => {
                let grow = Alloc::Grow {
                    replaces: self.heap.is_some(),
                };
                (exp.home, exp.alloc) = (Some(Home::Heap), grow);
            }
            Some(Last::Arena) => {
                let fits = |&(size, align): &(usize, usize)| ty.size <= size && ty.align <= align;
                let warm = self.reset && self.in_chunk.iter().any(fits);
                (exp.outcome, exp.home, exp.alloc) =
                    (Outcome::Boxed, Some(Home::Arena), Alloc::Chunk { warm });
            }
        }
        if exp.home.is_none() {
            exp.misfit = Some(misfit);
        }
        Ok(exp)
    }

    /// Learns where the placement's heap block went (`heap`: what placing
    /// did to the heap), and checks that a grown buffer keeps its bounds.
    pub fn placed(
        &mut self,
        exp: &Expect,
        ty: &FutureType,
        heap: &Counts,
        after: &Snapshot,
    ) -> Result<(), String> {
        let (buffer, seen) = match exp.home {
            Some(Home::Heap) => (&mut self.heap, &after.heap),
            Some(Home::Cache) => (&mut self.cache, &after.cache),
            Some(Home::Arena) => {
                if heap.allocs > 0 {
                    (self.chunk, self.in_chunk) = (heap.last.clone(), Vec::new());
                }
                self.in_chunk.push((ty.size, ty.align));
                self.reset = false;
                return Ok(());
            }
            _ => return Ok(()),
        };
        let was = if exp.home == Some(Home::Heap) {
            exp.after.heap
        } else {
            exp.after.cache
        };
        if let Alloc::Grow { .. } = exp.alloc {
            *buffer = heap.last.clone();
            let holds = buffer.as_ref().is_some_and(|b| b.len() >= seen.capacity);
            if !(holds
                && seen.capacity >= ty.size.max(was.capacity)
                && seen.align >= ty.align.max(was.align))
            {
                return Err(format!("{ty:?} grew {was:?} to {seen:?} in {buffer:x?}"));
            }
        } else if (seen.capacity, seen.align) != (was.capacity, was.align) {
            return Err(format!("{was:?} changed to {seen:?} without growing"));
        }
        Ok(())
    }

    /// The arena was reset.
    pub fn reset_arena(&mut self) {
        self.reset = true;
    }

    /// The addresses a future living in `home` must lie within (`heap`:
    /// what placing it did to the heap).
    pub fn region(&self, home: Home, spans: &Spans, heap: &Counts) -> Option<Range<usize>> {
        match home {
            Home::Slot => Some(spans.slot.clone()),
            Home::SideStack => Some(spans.side_stack.clone()),
            Home::Heap => Some(self.heap.clone().unwrap_or(spans.heap.clone())),
            Home::Cache => Some(self.cache.clone().unwrap_or(spans.cache.clone())),
            Home::Inline => Some(spans.inline.clone()),
            Home::Box => heap.last.clone(),
            Home::Arena => self.chunk.clone(),
        }
    }
}

/// Whether a refusal's or a panic's message names the future's layout and
/// the space's (`misfit`), or says that there is no space.
pub fn names_layouts(
    message: &str,
    ty: &FutureType,
    misfit: (FallbackReason, usize, usize),
) -> bool {
    let space = match misfit {
        (FallbackReason::NoSpace, ..) => String::from("the scratch has no space"),
        (_, capacity, align) => format!("a space of {capacity} bytes (align {align})"),
    };
    message.contains(&format!(
        "a future of {} bytes (align {})",
        ty.size, ty.align
    )) && message.contains(&space)
}
