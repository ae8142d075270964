//! The reference: what the contract says happens, computed from the layout
//! of the future, the kind, and the state of each storage as the reference
//! itself tracks it over a case, independently of the crate.
//!
//! The only things the reference learns by observation are addresses (where
//! a heap block landed) and, for an arena, whether bumpalo needed a new
//! chunk (see `arena`); everything else is predicted and then compared.

#[cfg(feature = "bumpalo")]
mod arena;
#[cfg(feature = "alloc")]
mod buffer;
mod side;

use stackslot::FallbackReason;

#[cfg(feature = "bumpalo")]
use self::arena::ArenaModel;
#[cfg(feature = "alloc")]
use self::buffer::BufferModel;
use self::side::SideModel;
use super::alloc::Counts;
use super::catalogue::FutureType;
use super::kinds::ScratchKind;
use super::slots::SlotClass;
use super::span::Span;
use super::storage::{Counters, Snapshot, Spans};

/// Where a placed future ends up, as its handle and the callee say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `is_inline()`: in a space of the caller or of the strategy.
    Inline,
    /// Not `is_inline()`: on the heap or in an arena.
    Boxed,
    /// Given back by `try_emplace`.
    Refused,
    /// A stack-only overflow.
    Panics,
}

/// The storage a placed future lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Home {
    Slot,
    SideStack,
    /// A block of its own on the heap.
    #[cfg(feature = "alloc")]
    Box,
    /// The case's heap slot.
    #[cfg(feature = "alloc")]
    HeapSlot,
    /// The `CachedBox` strategy's cache.
    #[cfg(feature = "alloc")]
    Cache,
    /// The `Inline` strategy's slot.
    Inline,
    #[cfg(feature = "bumpalo")]
    Arena,
}

/// What the scratch says about the future before it is placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub fits: bool,
    pub capacity: usize,
    pub alignment: usize,
    pub may_allocate: bool,
}

/// Why a future did not fit, and the space that said so (the one named by
/// a refusal or a stack-only panic).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Misfit {
    pub reason: FallbackReason,
    pub capacity: usize,
    pub align: usize,
}

/// What placing a future does to the heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alloc {
    None,
    /// One block, freed when the future completes or is cancelled.
    #[cfg(feature = "alloc")]
    Box,
    /// A heap slot's new buffer, replacing (and freeing) an old one or not.
    #[cfg(feature = "alloc")]
    Grow {
        replaces: bool,
    },
    /// A block in an arena: at most one new chunk, none when warm.
    #[cfg(feature = "bumpalo")]
    Chunk {
        warm: bool,
    },
}

/// What the reference expects of one placement.
#[derive(Clone, Copy, Debug)]
pub struct Prediction {
    pub view: View,
    pub outcome: Outcome,
    /// Where the future lives, when the callee returned a handle.
    pub home: Option<Home>,
    /// Why the future did not fit, for a refusal or a stack-only panic.
    pub misfit: Option<Misfit>,
    pub alloc: Alloc,
    /// For a future that got a side-stack frame: where the frame ends.
    frame_end: Option<usize>,
}

impl Prediction {
    /// The allocations of placing, when the reference knows them exactly
    /// (an arena's cold placement allocates a chunk or not).
    pub fn place_allocs(&self) -> Option<usize> {
        match self.alloc {
            Alloc::None => Some(0),
            #[cfg(feature = "alloc")]
            Alloc::Box | Alloc::Grow { .. } => Some(1),
            #[cfg(feature = "bumpalo")]
            Alloc::Chunk { warm } => warm.then_some(0),
        }
    }

    /// The frees of placing: an old buffer replaced by a larger one.
    pub fn place_frees(&self) -> usize {
        match self.alloc {
            #[cfg(feature = "alloc")]
            Alloc::Grow { replaces: true } => 1,
            _ => 0,
        }
    }

    /// Whether the future has a block of its own, freed with the future.
    pub fn boxed(&self) -> bool {
        #[cfg(feature = "alloc")]
        return self.alloc == Alloc::Box;
        #[cfg(not(feature = "alloc"))]
        false
    }
}

/// How a kind's first space treats a future that does not fit it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Then {
    #[cfg(feature = "alloc")]
    Box,
    Panic,
    Refuse,
    #[cfg(feature = "alloc")]
    HeapSlot,
    /// The cache of a `CachedBox`, which grows only when the caller may
    /// allocate.
    #[cfg(feature = "alloc")]
    Cache {
        grow: bool,
    },
    #[cfg(feature = "bumpalo")]
    Arena,
}

/// The reference state of every storage of a case.
#[derive(Debug)]
pub struct Model {
    slot: &'static SlotClass,
    slot_counters: Counters,
    slot_occupied: bool,
    side: SideModel,
    #[cfg(feature = "alloc")]
    heap: BufferModel,
    #[cfg(feature = "alloc")]
    cache: BufferModel,
    inline: Counters,
    #[cfg(feature = "bumpalo")]
    arena: ArenaModel,
}

/// The `Inline` strategy's slot (`storage::InlineStrategy`).
const INLINE: (usize, usize) = (256, 64);

impl Model {
    /// Fresh storages around a slot of `slot`'s class.
    pub fn new(slot: &'static SlotClass) -> Model {
        Model {
            slot,
            slot_counters: Counters::default(),
            slot_occupied: false,
            side: SideModel::new(slot),
            #[cfg(feature = "alloc")]
            heap: BufferModel::new(),
            #[cfg(feature = "alloc")]
            cache: BufferModel::new(),
            inline: Counters::default(),
            #[cfg(feature = "bumpalo")]
            arena: ArenaModel::default(),
        }
    }

    /// Whether `ty` fits the slot, and why not.
    fn slot_misfit(&self, ty: &FutureType) -> Option<FallbackReason> {
        if ty.size > self.slot.capacity {
            Some(FallbackReason::Size)
        } else if ty.align > self.slot.align {
            Some(FallbackReason::Alignment)
        } else {
            None
        }
    }

    /// Places `ty` as `kind` does: what should happen, with the counters
    /// and buffers updated accordingly.
    pub fn place(&mut self, ty: &FutureType, kind: ScratchKind) -> Prediction {
        match kind {
            #[cfg(feature = "alloc")]
            ScratchKind::OrBox
            | ScratchKind::OrBoxLocal
            | ScratchKind::ThenBoxed
            | ScratchKind::BoxingAdapter => self.slot_then(ty, true, Then::Box),
            ScratchKind::StackOnly => self.slot_then(ty, false, Then::Panic),
            #[cfg(feature = "alloc")]
            ScratchKind::Boxed => Prediction {
                view: View {
                    fits: false,
                    capacity: 0,
                    alignment: 0,
                    may_allocate: true,
                },
                outcome: Outcome::Boxed,
                home: Some(Home::Box),
                misfit: None,
                alloc: Alloc::Box,
                frame_end: None,
            },
            #[cfg(feature = "alloc")]
            ScratchKind::TryOrBox => self.slot_then(ty, true, Then::Refuse),
            ScratchKind::TryStackOnly | ScratchKind::TryStackOnlyLocal => {
                self.slot_then(ty, false, Then::Refuse)
            }
            // The scratch allows the heap, the strategy does not.
            #[cfg(feature = "alloc")]
            ScratchKind::StackOnlyAdapter => self.slot_then(ty, true, Then::Panic),
            #[cfg(feature = "alloc")]
            ScratchKind::HeapSlot => self.heap_slot(ty),
            #[cfg(feature = "alloc")]
            ScratchKind::ThenHeapSlot => self.slot_then(ty, true, Then::HeapSlot),
            #[cfg(feature = "bumpalo")]
            ScratchKind::OrArena => self.slot_then(ty, true, Then::Arena),
            #[cfg(feature = "alloc")]
            ScratchKind::SideStackOrBox => self.side_stack(ty, Then::Box),
            ScratchKind::SideStackOnly => self.side_stack(ty, Then::Panic),
            #[cfg(feature = "alloc")]
            ScratchKind::CachedBoxOrBox => self.slot_then(ty, true, Then::Cache { grow: true }),
            #[cfg(feature = "alloc")]
            ScratchKind::CachedBoxStackOnly => {
                self.slot_then(ty, false, Then::Cache { grow: false })
            }
            #[cfg(feature = "alloc")]
            ScratchKind::InlineOrBox => self.inline_adapter(ty, true, Then::Box),
            ScratchKind::InlineStackOnly => self.inline_adapter(ty, false, Then::Panic),
        }
    }

    /// The slot is lent (the scratch describes it) and offered `ty`; what
    /// misses it goes where `then` says.
    fn slot_then(&mut self, ty: &FutureType, may_allocate: bool, then: Then) -> Prediction {
        let misfit = self.slot_misfit(ty);
        self.slot_counters.record(ty.size, misfit);
        let view = self.slot_view(ty, may_allocate);
        let Some(reason) = misfit else {
            return Prediction {
                view,
                outcome: Outcome::Inline,
                home: Some(Home::Slot),
                misfit: None,
                alloc: Alloc::None,
                frame_end: None,
            };
        };
        let misfit = Misfit {
            reason,
            capacity: self.slot.capacity,
            align: self.slot.align,
        };
        self.fall_back(ty, view, misfit, then)
    }

    /// What a scratch over the slot says.
    fn slot_view(&self, ty: &FutureType, may_allocate: bool) -> View {
        View {
            fits: self.slot_misfit(ty).is_none(),
            capacity: self.slot.capacity,
            alignment: self.slot.align,
            may_allocate,
        }
    }

    /// The `Inline` strategy: its own slot when the future fits it (the
    /// caller's slot is lent but not offered the future), the caller's
    /// scratch otherwise.
    fn inline_adapter(&mut self, ty: &FutureType, may_allocate: bool, then: Then) -> Prediction {
        if ty.size > INLINE.0 || ty.align > INLINE.1 {
            return self.slot_then(ty, may_allocate, then);
        }
        self.inline.record(ty.size, None);
        Prediction {
            view: self.slot_view(ty, may_allocate),
            outcome: Outcome::Inline,
            home: Some(Home::Inline),
            misfit: None,
            alloc: Alloc::None,
            frame_end: None,
        }
    }

    /// Where a future that missed the first space goes.
    #[cfg_attr(
        not(feature = "alloc"),
        expect(unused_variables, reason = "only the heap's fallbacks place it")
    )]
    fn fall_back(&mut self, ty: &FutureType, view: View, misfit: Misfit, then: Then) -> Prediction {
        let placed = |outcome, home, alloc| Prediction {
            view,
            outcome,
            home: Some(home),
            misfit: None,
            alloc,
            frame_end: None,
        };
        let refused = |outcome| Prediction {
            view,
            outcome,
            home: None,
            misfit: Some(misfit),
            alloc: Alloc::None,
            frame_end: None,
        };
        match then {
            #[cfg(feature = "alloc")]
            Then::Box => placed(Outcome::Boxed, Home::Box, Alloc::Box),
            Then::Panic => refused(Outcome::Panics),
            Then::Refuse => refused(Outcome::Refused),
            #[cfg(feature = "alloc")]
            Then::HeapSlot => {
                let alloc = self.heap.place(ty);
                placed(Outcome::Inline, Home::HeapSlot, alloc)
            }
            #[cfg(feature = "alloc")]
            Then::Cache { grow } => {
                if grow || self.cache.misfit(ty).is_none() {
                    let alloc = self.cache.place(ty);
                    placed(Outcome::Inline, Home::Cache, alloc)
                } else {
                    refused(Outcome::Panics)
                }
            }
            #[cfg(feature = "bumpalo")]
            Then::Arena => {
                let warm = self.arena.place(ty);
                placed(Outcome::Boxed, Home::Arena, Alloc::Chunk { warm })
            }
        }
    }

    /// `heap.scratch()`: the heap slot is the only space.
    #[cfg(feature = "alloc")]
    fn heap_slot(&mut self, ty: &FutureType) -> Prediction {
        let view = View {
            fits: self.heap.misfit(ty).is_none(),
            capacity: self.heap.seen.capacity,
            alignment: self.heap.seen.align,
            may_allocate: true,
        };
        let alloc = self.heap.place(ty);
        Prediction {
            view,
            outcome: Outcome::Inline,
            home: Some(Home::HeapSlot),
            misfit: None,
            alloc,
            frame_end: None,
        }
    }

    /// A side stack's scratch: no space of its own; the stack's free bytes.
    fn side_stack(&mut self, ty: &FutureType, then: Then) -> Prediction {
        #[cfg(feature = "alloc")]
        let may_allocate = then == Then::Box;
        #[cfg(not(feature = "alloc"))]
        let may_allocate = false;
        let view = View {
            fits: false,
            capacity: 0,
            alignment: 0,
            may_allocate,
        };
        match self.side.push(ty) {
            Ok(end) => Prediction {
                view,
                outcome: Outcome::Inline,
                home: Some(Home::SideStack),
                misfit: None,
                alloc: Alloc::None,
                frame_end: Some(end),
            },
            Err(no_frame) => {
                let misfit = Misfit {
                    reason: no_frame.reason,
                    capacity: no_frame.free,
                    align: self.side.align,
                };
                self.fall_back(ty, view, misfit, then)
            }
        }
    }

    /// Learns where the placement's heap block went (`heap`: what placing
    /// did to the heap), when it made one.
    #[cfg_attr(
        not(feature = "alloc"),
        expect(unused_variables, reason = "no heap blocks without alloc")
    )]
    pub fn placed(&mut self, prediction: &Prediction, heap: &Counts) {
        match (prediction.home, prediction.alloc) {
            #[cfg(feature = "alloc")]
            (Some(Home::HeapSlot), Alloc::Grow { .. }) => self.heap.grown(heap.last.clone()),
            #[cfg(feature = "alloc")]
            (Some(Home::Cache), Alloc::Grow { .. }) => self.cache.grown(heap.last.clone()),
            #[cfg(feature = "bumpalo")]
            (Some(Home::Arena), _) => self.arena.placed(heap.last.clone()),
            _ => {}
        }
    }

    /// The addresses the future of `prediction` must lie within (`spans`:
    /// the case's storages; `heap`: what placing did to the heap).
    #[cfg_attr(
        not(feature = "alloc"),
        expect(unused_variables, reason = "no heap blocks without alloc")
    )]
    pub fn region(&self, prediction: &Prediction, spans: &Spans, heap: &Counts) -> Option<Span> {
        match prediction.home? {
            Home::Slot => Some(spans.slot.clone()),
            Home::SideStack => Some(spans.side_stack.clone()),
            #[cfg(feature = "alloc")]
            Home::Box => heap.last.clone(),
            #[cfg(feature = "alloc")]
            Home::HeapSlot => Some(self.heap.region(&spans.heap)),
            #[cfg(feature = "alloc")]
            Home::Cache => Some(self.cache.region(&spans.cache)),
            Home::Inline => Some(spans.inline.clone()),
            #[cfg(feature = "bumpalo")]
            Home::Arena => self.arena.chunk.clone(),
        }
    }

    /// The handle of `prediction`'s future of type `ty` was leaked before
    /// the future completed: a future with drop glue stays where it is,
    /// and a side-stack frame stays in use whatever its future.
    pub fn leaked(&mut self, ty: &FutureType, prediction: &Prediction) {
        if let Some(end) = prediction.frame_end {
            self.side.top = end;
        }
        if !ty.tracked {
            return;
        }
        match prediction.home {
            Some(Home::Slot) => self.slot_occupied = true,
            #[cfg(feature = "alloc")]
            Some(Home::HeapSlot) => self.heap.seen.occupied = true,
            #[cfg(feature = "alloc")]
            Some(Home::Cache) => self.cache.seen.occupied = true,
            // Not observable; the rig keeps what it may occupy.
            _ => {}
        }
    }

    /// The counters of the slot and of the heap slot are reset.
    pub fn reset_stats(&mut self) {
        self.slot_counters = Counters::default();
        #[cfg(feature = "alloc")]
        {
            self.heap.seen.counters = Counters::default();
        }
    }

    /// The arena was reset.
    #[cfg(feature = "bumpalo")]
    pub fn reset_arena(&mut self) {
        self.arena.reset();
    }

    /// What the storages should show while no handle is alive.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            slot: self.slot_counters,
            slot_occupied: self.slot_occupied,
            side_stack: self.side.counters,
            side_stack_used: self.side.top,
            #[cfg(feature = "alloc")]
            heap: self.heap.seen,
            #[cfg(feature = "alloc")]
            cache: self.cache.seen,
            inline: self.inline,
        }
    }
}

impl Counters {
    /// Counts one emplacement of a future of `size` bytes, a hit unless it
    /// fell back for `misfit`. No space at all counts as a size fallback.
    pub fn record(&mut self, size: usize, misfit: Option<FallbackReason>) {
        self.emplacements += 1;
        match misfit {
            None => self.hits += 1,
            Some(FallbackReason::Size | FallbackReason::NoSpace) => self.size_fallbacks += 1,
            Some(FallbackReason::Alignment) => self.alignment_fallbacks += 1,
        }
        self.largest = self.largest.max(size);
    }
}

/// Whether a misfit message names the future's layout and the space's.
pub fn names_layouts(message: &str, ty: &FutureType, space: &Misfit) -> bool {
    message.contains(&format!(
        "a future of {} bytes (align {})",
        ty.size, ty.align
    )) && message.contains(&format!(
        "a space of {} bytes (align {})",
        space.capacity, space.align
    ))
}
