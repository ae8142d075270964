//! Which strategy should I use? A decision table, with the measurements
//! behind each row.
//!
//! Each row rests on facts that do not depend on the machine, and that the
//! crate's report and tests count exactly: **allocations per call** (a
//! counting global allocator), **hit ratio** (the slot's [`Stats`]), and
//! **stack bytes** (`size_of` of what the caller reserves). The timings next
//! to them are from one run of `cargo run --release -p stackslot-report` on a
//! shared 2-core x86-64 machine: compare them with each other, as ratios,
//! not with your machine. Run the report yourself, and size real call sites
//! with [`Stats::smallest_class`] (see the example below).
//!
//! # The decision table
//!
//! | your call site | use | facts it rests on | measured (report) |
//! | --- | --- | --- | --- |
//! | a dyn call awaited at once, often ready at once or pending once (an async iterator's `next()` in a loop) | [`Slot::call`](crate::Slot::call): `slot.as_mut().call(\|s\| iter.next(s)).await`; `<Name>WithSlot` and [`SlotStream`](crate::SlotStream) use it | one indirect call instead of two for a future ready at once (the callee polls it); a pending future polled no more often; same counters, 0 allocations | *iterator* workload: 4.8 ns against 6.6 for the plain `Slot<64>` (0.73x; 2.49x a synchronous `dyn` call); each future pending once: 7.3 against 10.8 ns (0.68x); where futures fall back it gains nothing (*heavy tail*: 30.4 against 28.9 ns). Callgrind: 49 instructions against 47 ready at once, 67 against 72 pending once, 12 for the synchronous call (what the rest is: `docs/ARCHITECTURE.md`, "What bounds the hit path") |
//! | every future is small and known, e.g. an async iterator's `next()` | the smallest class that holds them: [`Slot<64>`](crate::Slot64), lent with [`or_box`](crate::Slot::or_box) | 0 allocations per call; 100% hits; 176 stack bytes | *iterator* workload: 6.6 ns per call, 0.37x a `Box` per call, 3.40x a synchronous `dyn` call |
//! | a service's handlers: mostly small, some medium, rare large | the class that `Stats::smallest_class(99.0)` names (`Slot<512>` here), `or_box` | 0.01 allocations per call; 99% hits; 624 stack bytes (`Slot<64>`: 0.10, 90%, 176) | *service* workload: 8.9 ns, 0.46x `Box` (`Slot<64>`: 10.4 ns, 0.53x) |
//! | two sizes, half each | the class that holds the larger one (`Slot<512>`) | 0 allocations per call at 512, 0.50 at 256: the hit ratio jumps at the class that holds the medium future | *bimodal*: 14.5 ns at 512, 21.2 ns at 256 (0.54x and 0.78x `Box`) |
//! | a few futures larger than any class | a slot for the common size, `or_box` for the rest; a [`HeapSlot`](crate::HeapSlot) after the slot ([`Slot::then`](crate::Slot::then)) to keep the rare large ones from allocating each time | 0.05 allocations per call (the 5% that fit no class); a slot smaller than the common size falls back on every call | *heavy tail*: 17.0 ns at 4096, 25.8 at 512 (0.56x, 0.85x `Box`); `Slot<256>`: 28.9 ns, 0.95x `Box`, 1.00 allocations per call |
//! | some futures over-aligned (cache-padded state) | a slot aligned for them: `Slot<N, Align64>` | alignment fallbacks (5% here) in every default 16-byte aligned slot, whatever `N` | *over-aligned*: 15.6 to 16.7 ns at every `N` |
//! | large slots are tempting "just in case" | they cost stack, not time: the hit path does not touch the unused bytes | stack bytes grow with `N` (4208 for `Slot<4096>`); time does not | *iterator*: `Slot<4096>` 6.2 ns, `Slot<64>` 6.6 ns; `StackFuture<4096>`, which returns its 4 KiB by value, 49.1 ns (2.75x `Box`) |
//! | the future escapes the frame (spawned, returned, stored) | [`Scratch::boxed`](crate::Scratch::boxed) | exactly 1 allocation per call, like `async-trait` | the `Box` per call row: 17.9 to 30.6 ns |
//! | every byte of stack counts (microcontrollers, deep call chains), and the slot's size is settled | [`Slot<N, A, NoStats>`](crate::NoStats): no counters, so no `stats()` and no sizing advice from it; size the call site first with a default slot | a 16-byte header instead of 104 on 64-bit targets (8 instead of 96 on 32-bit): `Slot<64>` is 176 bytes, `Slot<64, Align16, NoStats>` 80 (`tests/sizes.rs`) | the hit path costs what a counting slot's does (48 instructions per call under callgrind, against 47: `benches/instructions.sh`) |
//! | an allocation would be a bug, or there is no allocator | [`stack_only`](crate::Slot::stack_only), [`Slot::place`](crate::Slot::place) (a build error when the future cannot fit), the [`StackOnly`](crate::StackOnlyAdapter) adapter, [`SlotStream::stack_only`](crate::SlotStream::stack_only) | 0 allocations, always; an overflow panics with both sizes (or fails the build) | hits cost what the `Slot<N>` rows cost; `examples/embedded.rs` runs without `alloc` and counts 0 allocations |
//! | one object's `&mut self` method called in a loop with futures too large for its callers' slots | the [`CachedBoxAdapter`](crate::CachedBoxAdapter) | 1 allocation for the first call, 0 after (`tests/strategies.rs`, 10,000 calls); one buffer per object | *heavy tail*: `CachedBox` behind a `Slot<256>`, 24.6 ns and 0.00 allocations per call, against 28.9 ns and 1.00 for the plain `Slot<256>` |
//! | `&mut self` methods in a hot loop, where the callee knows its future's size | the [`InlineAdapter`](crate::InlineAdapter) | 0 allocations; `N` bytes in every object, used pinned | *bimodal*: `Inline<512>` behind a `Slot<256>`, 14.5 ns, 0 allocations, against 21.2 ns and 0.50 for the plain `Slot<256>` |
//! | dynamic call depth (recursion, middleware chains) | a [`SideStack`](crate::SideStack) per task | 0 allocations while the frames fit; one region for every nested call | not a report row; `tests/strategies.rs` counts 0 allocations |
//! | a dyn async iterator consumed with `StreamExt` | [`SlotStream`](crate::SlotStream) (feature `futures`) | 0 allocations per item on hits (`tests/stream.rs`); the stream owns its slot | an item costs a hit plus the stream's bookkeeping |
//!
//! The report's hit ratios and allocations per call are exact for its
//! mixes of future sizes (64, 440, 3040 and 6040 bytes, and a 128-byte
//! future aligned to 64). Your futures have other sizes: the facts carry
//! over (a future that fits costs no allocation, one that does not costs
//! one), the classes do not. Measure your own with the slot's counters.
//!
//! # Sizing a call site
//!
//! Lend the call site the largest class for a representative run, then ask
//! its counters which class would have held enough of the futures. This
//! needs a slot that counts: the default `Slot<N>` (`WithStats`); a
//! [`NoStats`](crate::NoStats) slot keeps no counters, so size with a
//! default one and switch once the size is settled:
//!
//! ```
//! use core::pin::pin;
//! use stackslot::{Scratch, Slot, SlotFuture};
//!
//! trait DynHandler {
//!     fn call<'s>(&'s self, scratch: Scratch<'s>, request: usize) -> SlotFuture<'s, usize>;
//! }
//!
//! /// Its futures hold a buffer of `request` bytes, up to 600.
//! struct Buffering;
//! impl DynHandler for Buffering {
//!     fn call<'s>(&'s self, scratch: Scratch<'s>, request: usize) -> SlotFuture<'s, usize> {
//!         if request < 90 {
//!             scratch.emplace(async move { request })
//!         } else {
//!             let buffer = [0u8; 600];
//!             scratch.emplace(async move { buffer.len() + request })
//!         }
//!     }
//! }
//!
//! let mut slot = pin!(Slot::<4096>::new());
//! # #[cfg(feature = "alloc")] {
//! for request in 0..100 {
//!     drop(Buffering.call(slot.as_mut().or_box(), request)); // a caller would await it
//! }
//! let stats = slot.stats();
//! assert_eq!(stats.fallbacks(), 0); // nothing allocated while measuring
//! assert_eq!(stats.smallest_class(90.0), Some(64)); // 90 of 100 fit 64 bytes
//! assert_eq!(stats.smallest_class(100.0), Some(1024)); // all of them: 1 KiB
//! # }
//! ```
//!
//! ## Every call site at once (feature `profile`)
//!
//! With the feature `profile`, every lend is counted at the source line that
//! lent the space, merged over every slot and thread, so a whole program is
//! sized in one run: `stackslot::profile::report()` prints one row per call
//! site, the sites that allocate most first, with the classes that would
//! have held 90, 99 and 100 % of its futures. And under
//! `stackslot::profile::deny_fallbacks()`, a test fails at the first future
//! that does not fit, naming the line that lent the space:
//!
//! ```
//! # #[cfg(feature = "profile")] {
//! use core::pin::pin;
//! use stackslot::Slot;
//!
//! let mut slot = pin!(Slot::<64>::new());
//! let line = line!() + 3;
//! for request in 0..100usize {
//!     let buffer = [0u8; 100];
//!     let fut = slot.as_mut().or_box().emplace(async move {
//!         if request % 10 == 0 { buffer.len() } else { request }
//!     });
//!     drop(fut); // a caller would await it
//! }
//! let site = stackslot::profile::sites()
//!     .into_iter()
//!     .find(|site| site.location().line() == line)
//!     .unwrap();
//! assert_eq!(site.heap_allocations(), 100); // the buffer is in every future: 100+ bytes
//! assert_eq!(site.stats().smallest_class(100.0), Some(128)); // a `Slot<128>` would hold them
//! println!("{}", stackslot::profile::report());
//! # }
//! ```
//!
//! Heap profilers answer another question. `dhat` records every
//! allocation of the program with its backtrace, and `assert_no_alloc`
//! rejects any allocation inside a closure; both need their own global
//! allocator, and neither sees a future that fitted its slot, so neither
//! can say which class would have been enough. The profile counts every
//! lend, fitted or not, at the line that chose the slot, with the reason of
//! each fallback. Keep those tools for allocations outside this crate (a
//! callee's `Vec`, a `String` in a future's body) and for heap bytes and
//! peaks; the comparison is in the `stackslot::profile` module's
//! documentation (feature `profile`).
//!
//! [`Stats`]: crate::Stats
//! [`Stats::smallest_class`]: crate::Stats::smallest_class
