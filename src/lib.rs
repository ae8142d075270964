//! Call `async fn`s through `dyn Trait` without a heap allocation per call.
//!
//! Rust cannot call an `async fn` of a trait through `dyn Trait` directly: the
//! caller does not know how large the callee's future is, so it cannot
//! reserve room for it. `stackslot` implements the *scratch-space* calling
//! convention: the caller reserves a pinned [`Slot<N>`](Slot) (on its stack,
//! or inside its own future) and passes a type-erased [`Scratch`] into the
//! dyn method; the callee writes its future into that space when it fits and
//! otherwise falls back as the caller allowed (to `Box`, or not at all). The
//! caller gets a two-word [`SlotFuture`] back and awaits it.
//!
//! ```
//! use core::pin::pin;
//! use stackslot::{Scratch, Slot, SlotFuture};
//!
//! // A dyn-compatible async iterator, written by hand.
//! trait DynAsyncIterator {
//!     type Item;
//!     fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<Self::Item>>;
//! }
//!
//! struct Countdown(u32);
//!
//! impl DynAsyncIterator for Countdown {
//!     type Item = u32;
//!     fn next<'s>(&'s mut self, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
//!         scratch.emplace(async move {
//!             let n = self.0.checked_sub(1)?;
//!             self.0 = n;
//!             Some(n)
//!         })
//!     }
//! }
//!
//! # #[cfg(feature = "alloc")] {
//! async fn drain(iter: &mut dyn DynAsyncIterator<Item = u32>) -> Vec<u32> {
//!     let mut slot = pin!(Slot::<64>::new());
//!     let mut items = Vec::new();
//!     while let Some(x) = iter.next(slot.as_mut().or_box()).await {
//!         items.push(x);
//!     }
//!     assert_eq!(slot.stats().fallbacks(), 0); // every future fit: no allocation
//!     items
//! }
//! # use core::future::Future;
//! # let mut countdown = Countdown(3);
//! # let mut fut = pin!(drain(&mut countdown));
//! # let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
//! # assert_eq!(fut.as_mut().poll(&mut cx), core::task::Poll::Ready(vec![2, 1, 0]));
//! # }
//! ```
//!
//! # Generated from a trait
//!
//! With the default feature `macros`, [`#[dyn_trait]`](dyn_trait) writes the
//! dyn-compatible form of a trait with `async fn`s, `Dyn<Name>`, its impls
//! for every implementor and for [`Adapter`]s, a `<Name>WithSlot`
//! wrapper that lends one slot to every call, and a `<Name>FromDyn` that
//! passes a dyn object to code generic over `Name`:
//!
//! ```
//! # #[cfg(feature = "macros")] {
//! use core::pin::pin;
//! use stackslot::Slot;
//!
//! #[stackslot::dyn_trait]
//! trait Greeter {
//!     async fn greet(&self, name: &str) -> String;
//! }
//!
//! struct English;
//! impl Greeter for English {
//!     async fn greet(&self, name: &str) -> String {
//!         format!("hello, {name}")
//!     }
//! }
//!
//! let greeter: &dyn DynGreeter = &English;
//! let mut slot = pin!(Slot::<128>::new());
//! # #[cfg(feature = "alloc")] {
//! let fut = greeter.greet(slot.as_mut().or_box(), "world");
//! assert!(fut.is_inline());
//! # drop(fut);
//! # }
//! # }
//! ```
//!
//! Its futures are local by default (`LocalSlotFuture`, `!Send`), unlike
//! `#[async_trait]`'s: the trait is kept exactly as its author wrote it,
//! implementors whose futures hold an `Rc` still qualify, and the
//! single-threaded and embedded executors a stack slot suits need no
//! `Send`. For a multi-threaded executor, `#[dyn_trait(Send)]` makes them
//! `Send` ([`SlotFuture`]); spawning a local one does not compile, and the
//! error names that attribute. [The macro's documentation](dyn_trait) gives
//! the reasons in full.
//!
//! # The pieces
//!
//! | item | role |
//! | --- | --- |
//! | [`Slot<N, A>`](Slot) | the caller's pinned space: `N` bytes aligned to `A` (16 by default); named classes [`Slot64`] to [`Slot4K`] |
//! | [`Slot::or_box`], [`Slot::stack_only`], [`Scratch::boxed`] | lend the space: fall back to `Box`, never allocate, or lend nothing (for futures that escape the frame) |
//! | [`Scratch::emplace`], [`Scratch::try_emplace`] | the callee's side: place a future or fall back; `*_local` twins for `!Send` futures |
//! | [`SlotFuture`], [`LocalSlotFuture`] | the type-erased future the caller awaits; [`SlotFuture::is_inline`] tells a hit from a fallback |
//! | [`Slot::stats`] | hits, fallbacks by reason, and future sizes, per slot |
//! | [`Slot::place`] | static placement that fails the build when the future cannot fit |
//!
//! # Strategies
//!
//! Every strategy of the design space sits behind the same calling
//! convention (`Scratch` in, `SlotFuture` out), so a call site switches by
//! changing what it lends or how the dyn object is made, not the trait.
//!
//! On the caller's side, the kinds of space:
//!
//! | space | lend it with | a future that does not fit |
//! | --- | --- | --- |
//! | [`Slot<N>`](Slot), on the stack or in the caller's future | [`Slot::or_box`], [`Slot::stack_only`] | the heap, or a panic |
//! | [`HeapSlot`], a reusable heap buffer (the caller-side cached box) | [`HeapSlot::scratch`] | makes the buffer grow, once per new largest size |
//! | tiers: a slot, then any other space | [`Slot::then`] | goes to the next space, and so on |
//! | [`Arena`], a `bumpalo` arena behind a slot (feature `bumpalo`) | [`Slot::or_arena`] | a bump allocation, reclaimed by [`Arena::reset`] |
//! | [`SideStack<N>`](SideStack), one region for nested calls, LIFO | [`SideStack::or_box`], [`SideStack::stack_only`] | the heap, or a panic, once the region is full |
//! | nothing: the future escapes the frame | [`Scratch::boxed`] | always the heap |
//!
//! On the callee's side, [`Adapter`]s with a [`Strategy`] decide where the
//! futures of `&mut self` methods go: [`BoxingAdapter`], [`CachedBoxAdapter`],
//! [`InlineAdapter`] and [`StackOnlyAdapter`]; the [`strategy`] module
//! compares their strategies.
//!
//! Heap allocations over 10,000 calls of one `&mut self` method through a
//! dyn trait (`tests/strategies.rs`, which asserts these numbers; "large"
//! is a 624-byte future, "small" a 32-byte one):
//!
//! | caller lends / callee is | small | large |
//! | --- | --- | --- |
//! | `Slot<64>`, `or_box` | 0 | 10,000 |
//! | `Scratch::boxed()` | 10,000 | 10,000 |
//! | `HeapSlot` | 1 | 1 |
//! | `Slot<64>` then `HeapSlot` | 0 | 1 |
//! | `Slot<64>`, `or_arena`, arena reset every 100 calls | 0 | 7 (arena chunks) |
//! | `SideStack<4096>` | 0 | 0 |
//! | `Slot<64>` / plain implementor or [`BoxingAdapter`] | 0 | 10,000 |
//! | `Slot<64>` / [`CachedBoxAdapter`] | 0 | 1 |
//! | `Slot<64>` / [`InlineAdapter<_, 1024>`](InlineAdapter) | 0 | 0 |
//! | `Slot<64>` / [`StackOnlyAdapter<_, 1024>`](StackOnlyAdapter) | 0 | 0 |
//!
//! Which to pick for a call site, with the report's measurements: the
//! [`guide`].
//!
//! # Escaping futures
//!
//! The borrow checker is the escape analysis: a future placed in a slot
//! borrows the slot and cannot outlive it. A caller that must return or
//! spawn the future passes [`Scratch::boxed`], whose futures borrow only
//! what the callee's future borrows.
//!
//! # Soundness
//!
//! - **Pin's drop guarantee.** A placed future is pinned in the slot and is
//!   dropped before the slot's memory is reused or freed. A handle can still
//!   be leaked (`mem::forget`); then its future stays in the slot. Reusing or
//!   dropping a slot that a leaked future with drop glue still occupies
//!   **aborts the process** with a message naming the future's type, because
//!   neither dropping the future late (what it borrows may be gone) nor
//!   overwriting it (an intrusive waiter list may still point into it) is
//!   sound. The abort is unconditional: it does not unwind (so
//!   `catch_unwind` cannot resume the program) and does not depend on
//!   stderr being writable. A leaked future without drop glue is simply
//!   forgotten.
//! - **Layout** is decided by `size_of` and `align_of` alone: a future of
//!   exactly `N` bytes fits, `N + 1` does not; zero-sized and over-aligned
//!   futures work (over-aligned ones need an aligned slot, e.g.
//!   `Slot<256, Align64>`, or fall back).
//! - **Aliasing.** No reference to a slot's bytes is made while a future
//!   lives there; every access goes through a pointer derived from a pointer
//!   to the whole slot. The test suite runs under Miri with Stacked and Tree
//!   Borrows, strict provenance and symbolic alignment checks.
//! - **Threads.** [`SlotFuture`] is `Send` because it only ever holds `Send`
//!   futures; [`LocalSlotFuture`] is neither `Send` nor `Sync` (its
//!   `impl Send` has a bound that never holds, there only so that the
//!   compiler's error names the fix).
//! - **Panics** in `poll`, in a destructor, or in the callee after placing a
//!   future never cause a double drop, and leave the slot usable.
//! - **Completion.** A future is dropped, and its space freed, as soon as it
//!   returns `Ready`; polling the handle again panics without touching the
//!   space.
//!
//! # Features
//!
//! | feature | default | enables |
//! | --- | --- | --- |
//! | `alloc` | yes (via `std`) | the heap fallback: [`Slot::or_box`], [`Scratch::boxed`] |
//! | `std` | yes | implies `alloc`; a leaked, occupied slot aborts with `std::process::abort` after printing why (without `std` the abort is a double panic) |
//! | `macros` | yes | [`dyn_trait`], from the `stackslot-macros` crate |
//! | `bumpalo` | no | implies `alloc`; [`Arena`] and [`Slot::or_arena`] |
//! | `profile` | no | implies `std`; [`profile`]: every lend attributed to its source line (`#[track_caller]`), counters per call site from every thread, [`profile::report`] (a Markdown table), [`profile::deny_fallbacks`]. Each space's header grows by 16 bytes on 64-bit targets (the lending site: a [`NoStats`] slot's header is 32 bytes, a counting one's 128), and slots without counters are attributed too; without the feature nothing changes |
//! | `futures` | no | `SlotStream` and `LocalSlotStream`: a dyn async iterator and a slot it owns as a `futures_core::Stream` (needs no allocator) |
//! | `portable-atomic` | no | [`SideStack`] on targets without compare-and-swap (`thumbv6m-none-eabi`, `riscv32imc-unknown-none-elf`), its lock from the `portable-atomic` crate; the binary enables that crate's `critical-section` feature or sets `--cfg portable_atomic_unsafe_assume_single_core`. Without it, such targets have everything but `SideStack` |
//!
//! Without default features the crate needs no allocator: `stack_only`,
//! `try_emplace` and `place` still work. [`Overflow`] implements
//! [`core::error::Error`] (which is `std::error::Error`) in every
//! configuration.
#![no_std]
// docs.rs (`[package.metadata.docs.rs]` sets `--cfg docsrs`): every
// feature-gated item is marked with the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// (`loom` is the model checker's build, never a user's: no badge for it.)
#![cfg_attr(docsrs, doc(auto_cfg(hide(loom))))]
#![deny(unsafe_op_in_unsafe_fn)]
// The docs are written for every feature (docs.rs builds them so, with a
// badge on each gated item); a build without one of them has no target for
// the links to its items, which is expected there, not an error.
#![cfg_attr(
    not(all(
        feature = "alloc",
        feature = "bumpalo",
        feature = "futures",
        feature = "profile",
        any(target_has_atomic = "8", feature = "portable-atomic")
    )),
    allow(rustdoc::broken_intra_doc_links)
)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    clippy::missing_panics_doc
)]

#[cfg(feature = "alloc")]
extern crate alloc;

// The layers, bottom up (docs/ARCHITECTURE.md draws them): a block and its
// occupancy record; the type-erased future; what a caller lends; where
// futures live; the callee's strategies; integrations.
mod block;
mod future;
pub mod guide;
#[cfg(feature = "profile")]
pub mod profile;
mod space;
mod storage;
pub mod strategy;
#[cfg(feature = "futures")]
mod stream;
mod sync;

#[cfg(feature = "macros")]
pub use stackslot_macros::dyn_trait;

pub use future::{LocalSlotFuture, SlotFuture};
pub use space::{
    Align16, Align32, Align64, Align128, Align256, Align512, Align1024, Align2048, Align4096,
    Alignment, Counting, FallbackReason, NoStats, Overflow, SIZE_CLASSES, Scratch, Stats,
    WithStats,
};
#[cfg(feature = "bumpalo")]
pub use storage::Arena;
#[cfg(feature = "alloc")]
pub use storage::HeapSlot;
#[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
pub use storage::SideStack;
pub use storage::{Slot, Slot1K, Slot2K, Slot4K, Slot64, Slot128, Slot256, Slot512, SlotCall};
pub use strategy::{Adapter, Strategy};
#[cfg(feature = "futures")]
pub use stream::{LocalSlotStream, SlotStream};

/// What the code that `#[dyn_trait]` generates names; not part of the API.
#[doc(hidden)]
pub mod __macro_support {
    pub use crate::future::Either;
}

/// An implementor whose futures use the caller's space when they fit and
/// otherwise fall back as the caller's scratch allows; see
/// [`strategy::Boxing`].
///
/// # Example
///
/// ```
/// let adapter = stackslot::BoxingAdapter::new(String::from("implementor"));
/// assert_eq!(adapter.inner(), "implementor");
/// ```
pub type BoxingAdapter<T> = Adapter<T, strategy::Boxing>;

/// An implementor whose `&mut self` futures that do not fit the caller's
/// space go to one heap buffer the adapter keeps; see
/// [`strategy::CachedBox`].
///
/// # Example
///
/// ```
/// let adapter = stackslot::CachedBoxAdapter::new(5u8);
/// assert_eq!(adapter.parts().1.cache().capacity(), 0);
/// ```
#[cfg(feature = "alloc")]
pub type CachedBoxAdapter<T> = Adapter<T, strategy::CachedBox>;

/// An implementor with an `N`-byte slot of its own for the futures of its
/// `&mut self` methods; used pinned. See [`strategy::Inline`].
///
/// # Example
///
/// ```
/// let adapter = core::pin::pin!(stackslot::InlineAdapter::<_, 256>::new(5u8));
/// assert_eq!(adapter.parts().1.stats().emplacements(), 0);
/// ```
pub type InlineAdapter<T, const N: usize, A = Align16> = Adapter<T, strategy::Inline<N, A>>;

/// An implementor that never allocates: an `N`-byte slot of its own for its
/// `&mut self` futures (checked at build time), the caller's space or a
/// panic for `&self` ones; used pinned. See [`strategy::StackOnly`].
///
/// # Example
///
/// ```
/// let adapter = core::pin::pin!(stackslot::StackOnlyAdapter::<_, 256>::new(5u8));
/// assert_eq!(*adapter.inner(), 5);
/// ```
pub type StackOnlyAdapter<T, const N: usize, A = Align16> = Adapter<T, strategy::StackOnly<N, A>>;

// Two words each: they travel in registers (docs/ARCHITECTURE.md, "Layout
// decisions").
const _: () = {
    use core::mem::size_of;
    assert!(size_of::<Scratch<'static>>() == 2 * size_of::<usize>());
    assert!(size_of::<SlotFuture<'static, ()>>() == 2 * size_of::<usize>());
    assert!(size_of::<LocalSlotFuture<'static, ()>>() == 2 * size_of::<usize>());
    assert!(size_of::<Option<SlotFuture<'static, ()>>>() == 2 * size_of::<usize>());
};

/// The README's examples, compiled and run as doctests.
///
/// They show the default features (the `Box` fallback and the macro), so
/// they run where both are on; gating them here keeps hidden `# ` lines out
/// of the README's rendered Markdown.
#[cfg(all(doctest, feature = "alloc", feature = "macros"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
