//! Property tests over future sizes, alignments and lifecycles.
//!
//! A grid of test futures (every size around each size class, small and
//! large sizes, alignments 1 to 4096; with and without drop glue) meets a
//! grid of slots (every size class and alignment marker) through every
//! lender (the slot lent `or_box` or `stack_only`, no slot, tiers, a heap
//! slot, an arena, a side stack of the slot's class) and every placer
//! (`emplace`, `emplace_local`, `try_emplace`, `try_emplace_local`, and the
//! adapter strategies `Boxing`, `StackOnly`, `CachedBox`, `Inline`) under
//! generated schedules of polls, cancellations, leaks, reuse and panics;
//! and `Slot::call` against the plain lend of the same slot class.
//! Each module is one property; `support` holds the grid, the storages of a
//! case, the rig that drives them, and the contract they are checked
//! against. The test futures and the counting allocator are those of the
//! integration tests (`tests/common`).
//!
//! Each property runs 2048 cases (16 under Miri); set `PROPTEST_CASES` to
//! change that. Run one property with `cargo test --test proptests
//! placement`. Under Miri, add `-Zmiri-ignore-leaks` to the usual flags:
//! some cases leak handles (and then their storages) on purpose, and the
//! allocation property checks the heap balance of every case itself.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

mod alignment;
mod allocation;
mod call;
mod drops;
mod grid;
mod model;
mod output;
mod panics;
mod placement;
mod side_stack;
