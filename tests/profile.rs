//! The feature `profile`: every lend attributed to its source line, the
//! registry's counts (exact, merged across slots and threads), the report,
//! `deny_fallbacks`, and no allocation on the counting path.
//!
//! The registry is global: the tests of this file take `LOCK`, and each
//! lends at lines of its own (a site is a source location), so their sites
//! never mix.
#![cfg(feature = "profile")]

mod common;

use core::pin::pin;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard};

use common::alloc_count::count;
use common::futures::{A64, Exact, Probe, Tracked};
use common::{panic_message, run};
use stackslot::profile::{self, Site};
use stackslot::{HeapSlot, Scratch, SideStack, Slot};

static LOCK: Mutex<()> = Mutex::new(());

fn serialize() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Iterations: fewer under Miri.
const N: u64 = if cfg!(miri) { 20 } else { 1000 };

/// The sites of this file at `line` (one per lend on that line).
fn sites_at(line: u32) -> Vec<Site> {
    let mut sites: Vec<Site> = profile::sites()
        .into_iter()
        .filter(|site| site.location().file() == file!() && site.location().line() == line)
        .collect();
    sites.sort_by_key(|site| site.location().column());
    sites
}

/// The one site of this file at `line`.
fn site_at(line: u32) -> Site {
    let mut sites = sites_at(line);
    assert_eq!(sites.len(), 1, "sites at line {line}: {sites:?}");
    sites.pop().unwrap()
}

#[test]
fn two_sites_on_one_slot_count_separately() {
    let _lock = serialize();
    let mut slot = pin!(Slot::<64>::new());
    let first = line!() + 3;
    let second = line!() + 5;
    for _ in 0..3 {
        drop(slot.as_mut().or_box().emplace(Exact::<8>::new()));
    }
    for _ in 0..5 {
        drop(slot.as_mut().stack_only().emplace(Exact::<16>::new()));
    }
    assert_eq!(site_at(first).stats().hits(), 3);
    assert_eq!(site_at(first).stats().largest_future(), 8);
    assert_eq!(site_at(second).stats().hits(), 5);
    assert_eq!(site_at(second).stats().largest_future(), 16);
    // The slot's own counters hold both.
    assert_eq!(slot.stats().hits(), 8);
}

#[test]
fn one_site_across_slots_merges() {
    let _lock = serialize();
    let line = line!() + 4;
    let lend = |bytes: usize| {
        let mut slot = pin!(Slot::<64>::new());
        if bytes <= 64 {
            drop(slot.as_mut().or_box().emplace(Exact::<64>::new()));
        } else {
            drop(slot.as_mut().or_box().emplace(Exact::<200>::new()));
        }
    };
    for i in 0..4 {
        lend(if i == 0 { 200 } else { 64 });
    }
    // Only the first branch's line is one site; the other line is another.
    let site = site_at(line);
    assert_eq!((site.stats().hits(), site.stats().fallbacks()), (3, 0));
    let other = site_at(line + 2);
    assert_eq!(other.stats().size_fallbacks(), 1);
    assert_eq!(other.heap_allocations(), 1);
    assert_eq!(other.stats().largest_future(), 200);
}

#[test]
fn counts_are_exact() {
    let _lock = serialize();
    let mut slot = pin!(Slot::<64>::new());
    let mut line = 0;
    let mut hits = 0;
    let mut large = 0;
    let mut aligned = 0;
    for i in 0..N {
        let kind = i % 10;
        // One line: one site, whatever the future.
        line = line!() + 1;
        let scratch = slot.as_mut().or_box();
        match kind {
            0 => {
                large += 1;
                drop(scratch.emplace(Exact::<300>::new()));
            }
            1 => {
                aligned += 1;
                drop(scratch.emplace(A64(Exact::<1>::new())));
            }
            _ => {
                hits += 1;
                drop(scratch.emplace(Exact::<32>::new()));
            }
        }
    }
    let site = site_at(line);
    let stats = site.stats();
    assert_eq!(stats.emplacements(), N);
    assert_eq!(stats.hits(), hits);
    assert_eq!(stats.size_fallbacks(), large);
    assert_eq!(stats.alignment_fallbacks(), aligned);
    assert_eq!(site.no_space_fallbacks(), 0);
    assert_eq!(site.heap_allocations(), large + aligned);
    assert_eq!(stats.largest_future(), 300);
    assert_eq!(stats, slot.stats());
    assert_eq!(stats.smallest_class(80.0), Some(64));
    assert_eq!(stats.smallest_class(100.0), Some(512));
}

#[test]
fn every_storage_attributes_its_lends() {
    let _lock = serialize();
    let probe = Probe::new();

    // A heap slot: growth is a heap allocation.
    let mut heap = HeapSlot::new();
    let heap_line = line!() + 2;
    for _ in 0..4 {
        drop(heap.scratch().emplace(Exact::<100>::new()));
    }
    let site = site_at(heap_line);
    assert_eq!((site.stats().hits(), site.stats().fallbacks()), (3, 1));
    assert_eq!(site.heap_allocations(), 1);

    // A slot then a heap slot: two lends on one line, two sites.
    let mut slot = pin!(Slot::<64>::new());
    let mut heap = HeapSlot::with_capacity(256);
    let chain_line = line!() + 1;
    let scratch = slot.as_mut().then(heap.scratch());
    drop(scratch.emplace(Exact::<100>::new()));
    let [then, next] = <[Site; 2]>::try_from(sites_at(chain_line)).unwrap();
    assert_eq!(then.stats().size_fallbacks(), 1);
    assert_eq!(then.heap_allocations(), 0);
    assert_eq!(next.stats().hits(), 1);

    // A side stack: a full stack boxes (`or_box`), counted at its site.
    let stack = pin!(SideStack::<256>::new());
    let stack = stack.into_ref();
    let stack_line = line!() + 1;
    let bottom = stack.or_box().emplace(Tracked::<150>::new(&probe, 1));
    let top_line = line!() + 1;
    let mut top = stack.or_box().emplace(Tracked::<150>::new(&probe, 2));
    assert!(!top.is_inline());
    assert_eq!(run(&mut top, 1), 2);
    drop((bottom, top));
    assert_eq!(site_at(stack_line).stats().hits(), 1);
    let top = site_at(top_line);
    assert_eq!(top.stats().size_fallbacks(), 1);
    assert_eq!(top.heap_allocations(), 1);
    assert_eq!(probe.drops(), 2);

    // `Slot::place`: the caller's line.
    let mut slot = pin!(Slot::<64>::new());
    let place_line = line!() + 1;
    drop(slot.as_mut().place(Exact::<64>::new()));
    assert_eq!(site_at(place_line).stats().hits(), 1);
}

#[cfg(feature = "futures")]
#[test]
fn a_stream_attributes_its_lends_to_where_it_was_made() {
    use futures_util::StreamExt;
    use stackslot::{SlotFuture, SlotStream};

    fn count_to_5<'s>(n: &'s mut u32, scratch: Scratch<'s>) -> SlotFuture<'s, Option<u32>> {
        scratch.emplace(async move {
            *n += 1;
            (*n <= 5).then_some(*n)
        })
    }

    let _lock = serialize();
    let line = line!() + 1;
    let stream = pin!(SlotStream::new(0, Slot::<64>::new(), count_to_5));
    let mut items = pin!(stream.count());
    assert_eq!(common::poll_once(&mut items), core::task::Poll::Ready(5));
    assert_eq!(site_at(line).stats().hits(), 6); // five items and the end
}

/// A trait whose futures have exact sizes, for calls through the
/// generated wrapper.
#[cfg(feature = "macros")]
mod sized {
    use super::common::futures::Exact;

    #[stackslot::dyn_trait]
    pub trait Sized8Or200 {
        /// A future of 8 bytes.
        fn small(&self) -> impl Future<Output = usize>;
        /// A future of 200 bytes.
        fn large(&self) -> impl Future<Output = usize>;
    }

    /// The line of the attribute above: no lend is attributed to it.
    pub const ATTRIBUTE_LINE: u32 = line!() - 10;

    pub struct Exacts;

    impl Sized8Or200 for Exacts {
        fn small(&self) -> impl Future<Output = usize> {
            Exact::<8>::new()
        }
        fn large(&self) -> impl Future<Output = usize> {
            Exact::<200>::new()
        }
    }
}

#[cfg(feature = "macros")]
#[test]
fn wrapper_calls_are_attributed_to_their_lines() {
    use sized::{DynSized8Or200, Exacts, Sized8Or200WithSlot};

    let _lock = serialize();
    let mut slot = pin!(Slot::<64>::new());
    let mut wrapper = Sized8Or200WithSlot::new(&Exacts as &dyn DynSized8Or200, slot.as_mut());
    let small = line!() + 3;
    let large = line!() + 4;
    for i in 0..5 {
        assert_eq!(run(&mut wrapper.small(), 1), 8);
        if i % 2 == 0 {
            assert_eq!(run(&mut wrapper.large(), 1), 200);
        }
    }
    let small = site_at(small);
    assert_eq!((small.stats().hits(), small.stats().fallbacks()), (5, 0));
    assert_eq!(small.stats().largest_future(), 8);
    assert_eq!(small.heap_allocations(), 0);
    let large = site_at(large);
    assert_eq!(
        (large.stats().hits(), large.stats().size_fallbacks()),
        (0, 3)
    );
    assert_eq!(large.stats().largest_future(), 200);
    assert_eq!(large.heap_allocations(), 3);
    assert!(sites_at(sized::ATTRIBUTE_LINE).is_empty());
    assert_eq!(wrapper.slot.stats().hits(), 5);
}

#[test]
fn boxed_sites_count_every_call_as_a_heap_allocation() {
    let _lock = serialize();
    let line = line!() + 3;
    let (allocations, ()) = count(|| {
        for _ in 0..N {
            let mut fut = Scratch::boxed().emplace(Exact::<8>::new());
            assert_eq!(run(&mut fut, 1), 8);
        }
    });
    assert_eq!(allocations as u64, N);
    let site = site_at(line);
    assert_eq!(site.heap_allocations(), N);
    assert_eq!(site.no_space_fallbacks(), N);
    assert_eq!(site.stats().fallbacks(), N);
    assert_eq!(site.stats().hits(), 0);
    // `try_emplace` through a boxed scratch refuses without allocating.
    let try_line = line!() + 1;
    assert!(Scratch::boxed().try_emplace(Exact::<8>::new()).is_err());
    let site = site_at(try_line);
    assert_eq!((site.no_space_fallbacks(), site.heap_allocations()), (1, 0));
}

#[test]
fn hits_allocate_nothing_with_the_profile_on() {
    let _lock = serialize();
    let mut slot = pin!(Slot::<64>::new());
    let stack = pin!(SideStack::<256>::new());
    let stack = stack.into_ref();
    let mut heap = HeapSlot::with_capacity(64);
    // The first lend at each line claims its site: that allocates nothing
    // either.
    let (allocations, ()) = count(|| {
        for _ in 0..N {
            drop(slot.as_mut().or_box().emplace(Exact::<64>::new()));
            drop(slot.as_mut().stack_only().emplace(Exact::<8>::new()));
            drop(stack.or_box().emplace(Exact::<8>::new()));
            drop(heap.scratch().emplace(Exact::<64>::new()));
        }
    });
    assert_eq!(allocations, 0);
    assert_eq!(slot.stats().hits(), 2 * N);
}

#[test]
fn a_slot_made_in_a_const_counts_at_its_site() {
    // Before its first lend, a header counts in an entry of no site, which
    // a `const` may hold: the slot is then lent and counted as any other.
    let _lock = serialize();
    let mut slot = pin!(const { Slot::<64>::new() });
    let line = line!() + 2;
    for _ in 0..3 {
        drop(slot.as_mut().or_box().emplace(Exact::<24>::new()));
    }
    let site = site_at(line);
    assert_eq!(site.stats().hits(), 3);
    assert_eq!(site.stats().largest_future(), 24);
    assert_eq!(slot.stats().hits(), 3);
}

#[test]
fn a_thread_adds_its_hits_when_it_ends_and_in_batches_while_it_lends() {
    let _lock = serialize();
    let line = line!() + 6;
    // The slot outlives the thread that lent it: its hits are added when
    // that thread ends.
    let slot = std::thread::spawn(|| {
        let mut slot = Box::pin(Slot::<64>::new());
        for _ in 0..N {
            drop(slot.as_mut().or_box().emplace(Exact::<8>::new()));
        }
        slot
    })
    .join()
    .unwrap();
    assert_eq!(site_at(line).stats().hits(), N);
    drop(slot);

    // While a thread keeps lending, at most 63 of its hits are missing.
    let (lent, read) = std::sync::mpsc::channel();
    let (done, finish) = std::sync::mpsc::channel::<()>();
    let line = line!() + 4;
    let lender = std::thread::spawn(move || {
        let mut slot = pin!(Slot::<64>::new());
        for _ in 0..N {
            drop(slot.as_mut().or_box().emplace(Exact::<8>::new()));
        }
        lent.send(()).unwrap();
        finish.recv().unwrap();
    });
    read.recv().unwrap();
    // The site has no row yet while every hit is pending (N < 64).
    let hits: u64 = sites_at(line).iter().map(|site| site.stats().hits()).sum();
    assert!(
        (N.saturating_sub(63)..=N).contains(&hits),
        "{hits} of {N} hits"
    );
    done.send(()).unwrap();
    lender.join().unwrap();
    assert_eq!(site_at(line).stats().hits(), N);
}

#[test]
fn eight_threads_at_one_site_merge_exactly() {
    let _lock = serialize();
    const THREADS: u64 = 8;
    let per_thread: u64 = if cfg!(miri) { 10 } else { 5000 };
    let line = line!() + 6;
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            scope.spawn(move || {
                let mut slot = pin!(Slot::<64>::new());
                for i in 0..per_thread {
                    let scratch = slot.as_mut().or_box();
                    if i % 100 == 0 {
                        drop(scratch.emplace(Exact::<100>::new()));
                    } else if t == 7 && i == 1 {
                        drop(scratch.emplace(Exact::<4000>::new()));
                    } else {
                        drop(scratch.emplace(Exact::<16>::new()));
                    }
                }
            });
        }
    });
    let site = site_at(line);
    let large_per_thread = per_thread.div_ceil(100);
    assert_eq!(site.stats().emplacements(), THREADS * per_thread);
    assert_eq!(
        site.stats().size_fallbacks(),
        THREADS * large_per_thread + 1
    );
    assert_eq!(site.heap_allocations(), THREADS * large_per_thread + 1);
    assert_eq!(
        site.stats().hits(),
        THREADS * (per_thread - large_per_thread) - 1
    );
    assert_eq!(site.stats().largest_future(), 4000);
}

#[test]
fn deny_fallbacks_names_the_site_and_places_nothing() {
    let _lock = serialize();
    let probe = Probe::new();
    let mut slot = pin!(Slot::<64>::new());
    let deny = profile::deny_fallbacks();
    // Hits are fine.
    drop(slot.as_mut().or_box().emplace(Exact::<64>::new()));

    let mut line = 0;
    let caught = catch_unwind(AssertUnwindSafe(|| {
        line = line!() + 1;
        let scratch = slot.as_mut().or_box();
        drop(scratch.emplace(Tracked::<100>::new(&probe, 1)));
    }));
    let message = panic_message(&*caught.expect_err("the fallback was denied"));
    assert!(
        message.contains(&format!("{}:{line}:", file!())),
        "{message}"
    );
    let size = size_of::<Tracked<100>>();
    assert!(
        message.contains(&format!("a future of {size} bytes (align 8)")),
        "{message}"
    );
    assert!(message.contains("of 64 bytes (align 16)"), "{message}");
    // The future was dropped once while unwinding, never placed.
    assert_eq!((probe.polls(), probe.drops()), (0, 1));
    assert!(!slot.is_occupied());
    assert_eq!(site_at(line).stats().size_fallbacks(), 1);
    assert_eq!(site_at(line).heap_allocations(), 0);

    // `Scratch::boxed` and `try_emplace` are fallbacks too.
    let boxed_line = line!() + 1;
    let caught = catch_unwind(|| drop(Scratch::boxed().emplace(Exact::<8>::new())));
    let message = panic_message(&*caught.expect_err("denied"));
    assert!(
        message.contains(&format!("{}:{boxed_line}:", file!())),
        "{message}"
    );
    let caught = catch_unwind(AssertUnwindSafe(|| {
        slot.as_mut()
            .stack_only()
            .try_emplace(Exact::<65>::new())
            .is_err()
    }));
    assert!(caught.is_err());

    // Guards nest; other threads are not affected.
    let inner = profile::deny_fallbacks();
    drop(inner);
    std::thread::spawn(|| drop(Scratch::boxed().emplace(Exact::<8>::new())))
        .join()
        .unwrap();
    assert!(catch_unwind(|| drop(Scratch::boxed().emplace(Exact::<8>::new()))).is_err());

    // Without the guard, fallbacks are allowed again.
    drop(deny);
    let mut fut = slot
        .as_mut()
        .or_box()
        .emplace(Tracked::<100>::new(&probe, 2));
    assert_eq!(run(&mut fut, 1), 2);
}

/// The report's rows: a header, a separator, then `| cell | ... |` rows.
fn report_rows() -> Vec<Vec<String>> {
    let table = profile::report().to_string();
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        header,
        "| site | lends | hits | size fallbacks | alignment fallbacks | no-space fallbacks \
         | heap allocations | largest future | 90 % | 99 % | 100 % |"
    );
    assert!(lines.next().unwrap().starts_with("| --- |"));
    lines
        .map(|row| {
            let cells: Vec<String> = row
                .strip_prefix("| ")
                .and_then(|row| row.strip_suffix(" |"))
                .unwrap_or_else(|| panic!("not a row: {row}"))
                .split(" | ")
                .map(str::to_owned)
                .collect();
            assert_eq!(cells.len(), 11, "{row}");
            cells
        })
        .collect()
}

#[test]
fn the_report_has_a_row_per_site_most_allocations_first() {
    let _lock = serialize();
    profile::reset();
    assert!(report_rows().is_empty());

    let mut slot = pin!(Slot::<128>::new());
    let quiet = line!() + 3;
    let loud = line!() + 4;
    for i in 0..100 {
        drop(slot.as_mut().or_box().emplace(Exact::<100>::new()));
        if i % 10 == 0 {
            drop(slot.as_mut().or_box().emplace(Exact::<1000>::new()));
        }
        if i % 4 == 0 {
            drop(Scratch::boxed().emplace(Exact::<8>::new()));
        }
    }
    let rows = report_rows();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let at = |line: u32| format!("{}:{line}:", file!());
    // 25 heap allocations, then 10, then none.
    assert!(rows[0][0].starts_with(&at(loud + 3)), "{rows:?}");
    assert_eq!(
        rows[0][1..],
        ["25", "0", "0", "0", "25", "25", "8", "64", "64", "64"]
    );
    assert!(rows[1][0].starts_with(&at(loud)), "{rows:?}");
    assert_eq!(
        rows[1][1..],
        [
            "10", "0", "10", "0", "0", "10", "1000", "1024", "1024", "1024"
        ]
    );
    assert!(rows[2][0].starts_with(&at(quiet)), "{rows:?}");
    assert_eq!(
        rows[2][1..],
        ["100", "100", "0", "0", "0", "0", "100", "128", "128", "128"]
    );

    // No class holds a 5000-byte future: `-`.
    let huge = line!() + 1;
    drop(slot.as_mut().or_box().emplace(Exact::<5000>::new()));
    let rows = report_rows();
    let row = rows
        .iter()
        .find(|row| row[0].starts_with(&at(huge)))
        .unwrap();
    assert_eq!(row[8..], ["-", "-", "-"]);

    profile::reset();
    assert!(report_rows().is_empty());
    assert!(sites_at(quiet).is_empty());
}
