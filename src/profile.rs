//! Per-call-site counters (feature `profile`): which line of your program
//! lent each space, how often its futures fit, why the others fell back,
//! how many of those allocated from the global heap, and which slot class
//! would have held them.
//!
//! With the feature on, every lend is attributed to the source line that
//! lent the space (through `#[track_caller]`): [`Slot::or_box`](crate::Slot::or_box),
//! [`Slot::stack_only`](crate::Slot::stack_only), [`Slot::then`](crate::Slot::then),
//! `Slot::or_arena`, [`Slot::place`](crate::Slot::place),
//! [`HeapSlot::scratch`](crate::HeapSlot::scratch),
//! [`SideStack::or_box`](crate::SideStack::or_box) and
//! [`SideStack::stack_only`](crate::SideStack::stack_only),
//! [`Scratch::boxed`](crate::Scratch::boxed), and the constructors of
//! `SlotStream` and `LocalSlotStream` (whose lends are attributed to where
//! the stream was made). Each site accumulates what a slot's
//! [`Stats`] count, over every space lent there, from every thread:
//! [`sites`] lists them, [`report`] prints them as a Markdown table, and
//! [`deny_fallbacks`] turns any fallback into a panic that names its site.
//!
//! ```
//! use core::pin::pin;
//! use stackslot::Slot;
//!
//! let mut slot = pin!(Slot::<64>::new());
//! let line = line!() + 1;
//! drop(slot.as_mut().or_box().emplace(async { 1u8 }));
//!
//! let site = stackslot::profile::sites()
//!     .into_iter()
//!     .find(|site| site.location().line() == line)
//!     .unwrap();
//! assert_eq!(site.location().file(), file!());
//! assert!(site.stats().hits() >= 1);
//! ```
//!
//! # How it counts
//!
//! The registry is a fixed table of [`TABLE_SIZE`] sites in a `static`
//! (open addressing, keyed by the site's line and column; a new site claims
//! an entry with one compare-and-swap), with atomic counters, so counting
//! never allocates and threads merge exactly. Once every entry is taken,
//! further sites are counted together in one extra row,
//! [`Site::is_other`] ("other sites" in the report). The site of a lend is
//! kept in the space's header (a slot's, a heap slot's buffer's) with its
//! entry, looked up when the space is lent at another line than the last
//! time; a
//! [`Scratch::boxed`](crate::Scratch::boxed) carries it in its otherwise
//! unused pointer; a side stack keeps the site of its *last* lend, so two
//! scratches of one side stack lent before either is used are both counted
//! at the second one's site.
//!
//! A *lend* in the report is an emplacement through a scratch lent at the
//! site (a scratch allows one; one dropped unused is not counted). A *heap
//! allocation* is a fallback that allocated from the global heap: a boxed
//! future (`or_box`, `Scratch::boxed`, a side stack's `or_box` once the
//! region is full) or a heap slot's growth. An arena's fallback is not one.
//!
//! A hit in a slot or a heap slot is first counted on its thread, without
//! an atomic read-modify-write, and added to the table in batches: when the
//! thread counts a hit at another site or size class, after 64 hits, when a
//! slot or heap slot is dropped, when the thread calls [`sites`] or
//! [`report`], and when the thread ends. So the table is exact for every
//! thread once its slots are dropped, and for the calling thread at once;
//! while other threads keep lending, it may lack up to 63 of their latest
//! hits each. Fallbacks are counted at once. The first hit of a thread
//! registers the destructor that adds its last hits, which the standard
//! library may do with memory from the system allocator, never the global
//! one.
//!
//! The counters in a space's own [`Stats`] are unchanged by the feature;
//! the space's header grows by 16 bytes (its site and its entry).
//!
//! # Next to `dhat` and `assert_no_alloc`
//!
//! Two crates are the usual way to look at a program's allocations.
//! [`dhat`](https://docs.rs/dhat) is installed as the global allocator (it
//! wraps the system's) and records every heap block with the backtrace
//! that allocated it, to be browsed in DHAT's viewer; its testing mode
//! asserts on the heap's statistics (blocks and bytes allocated in total,
//! live, at the peak) after a piece of code ran.
//! [`assert_no_alloc`](https://docs.rs/assert_no_alloc) is a global
//! allocator too: while a closure passed to its `assert_no_alloc` runs, an
//! allocation or a free on that thread aborts the program, or only prints a
//! warning with its `warn_*` features; by default its release builds do not
//! check.
//!
//! Those tools see allocations, wherever they come from, and nothing of the
//! futures that did not allocate. This profile sees only this crate's
//! lends, but all of them, hits included, and adds what sizing a slot
//! needs:
//!
//! - the sizes of every future offered at a site, by size class: the
//!   smallest class that would have held 90, 99 or 100 % of them
//!   ([`Stats::smallest_class`]), which a count of allocations cannot give
//!   (the futures that fit allocate nothing, so they are never seen);
//! - why each fallback happened (too large, too aligned, no space), and
//!   fallbacks that allocate nothing (a future handed on to the next slot or
//!   to an arena, or refused by `try_emplace`) next to those that do;
//! - the site as the line that lent the space, where the slot's size is
//!   chosen, rather than a backtrace through this crate into the callee;
//! - no global allocator to install, and a [`deny_fallbacks`] failure that
//!   is an ordinary panic, raised before the future is placed, naming the
//!   site and both sizes.
//!
//! Use `dhat` or `assert_no_alloc` instead to find allocations this crate
//! does not make (in the futures' bodies, in the callee's own code), to
//! measure bytes and the heap's peak, or to prove that a whole scope
//! allocates nothing: [`deny_fallbacks`] covers only the fallbacks of
//! stackslot's spaces.

extern crate alloc;
extern crate std;

use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::panic::Location;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::space::{BUCKETS, FallbackReason, SpaceInfo, Stats, bucket};

/// How many distinct call sites the registry holds before it counts the
/// rest together as "other sites" ([`Site::is_other`]).
///
/// # Example
///
/// ```
/// assert_eq!(stackslot::profile::TABLE_SIZE, 1024);
/// ```
pub const TABLE_SIZE: usize = 1024;

/// A call site, as kept by the registry.
pub(crate) type SiteRef = &'static Location<'static>;

/// The counters a space's header counts in: its site's entry in the
/// registry, or before the space's first lend an entry that belongs to no
/// site and that [`sites`] never lists.
///
/// A `&'static Entry` kept as a pointer: a header is made in `const`
/// contexts (`Slot::new`), whose values may not hold a reference to a
/// `static` with interior mutability.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SiteCounters(NonNull<Entry>);

// SAFETY: the pointer is a `&'static Entry` (see `get`), and `Entry` is
// `Sync` (atomics only), so a shared `&'static Entry` may go to and be used
// from any thread.
unsafe impl Send for SiteCounters {}
// SAFETY: as for `Send`.
unsafe impl Sync for SiteCounters {}

/// The entry of no site: counted in, never listed.
static UNATTRIBUTED: Entry = Entry::new();

impl SiteCounters {
    /// The counters of a space not lent yet.
    // SAFETY: made from a pointer to a `static`, so not null.
    pub(crate) const UNATTRIBUTED: Self =
        SiteCounters(unsafe { NonNull::new_unchecked((&raw const UNATTRIBUTED).cast_mut()) });

    /// The entry counted in.
    #[inline(always)]
    pub(crate) fn get(self) -> &'static Entry {
        // SAFETY: the pointer is made from a `&'static Entry`: the
        // registry's (`counters`) or `UNATTRIBUTED`'s; an `Entry` is only
        // ever shared.
        unsafe { self.0.as_ref() }
    }
}

/// The counters of one site.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Null while the entry is free; set once, by the site that claims it.
    site: AtomicPtr<Location<'static>>,
    by_class: [AtomicU64; BUCKETS],
    size_fallbacks: AtomicU64,
    alignment_fallbacks: AtomicU64,
    no_space_fallbacks: AtomicU64,
    heap_allocations: AtomicU64,
    largest: AtomicUsize,
}

impl Entry {
    const fn new() -> Self {
        Entry {
            site: AtomicPtr::new(ptr::null_mut()),
            by_class: [const { AtomicU64::new(0) }; BUCKETS],
            size_fallbacks: AtomicU64::new(0),
            alignment_fallbacks: AtomicU64::new(0),
            no_space_fallbacks: AtomicU64::new(0),
            heap_allocations: AtomicU64::new(0),
            largest: AtomicUsize::new(0),
        }
    }

    /// Counts one emplacement of a `F` in a space's header; `fallback` is
    /// `None` for a hit, which is counted on this thread first
    /// ([`Pending`]): no atomic read-modify-write on the path of a hit.
    #[inline(always)]
    pub(crate) fn record<F>(&'static self, fallback: Option<FallbackReason>) {
        let bucket = const { bucket(size_of::<F>()) };
        match fallback {
            None => {
                self.note_size(size_of::<F>());
                count_hit(&self.by_class[bucket]);
            }
            Some(_) => self.record_size(size_of::<F>(), bucket, fallback),
        }
    }

    #[inline(always)]
    fn record_size(&self, size: usize, bucket: usize, fallback: Option<FallbackReason>) {
        self.by_class[bucket].fetch_add(1, Relaxed);
        self.note_size(size);
        match fallback {
            None => {}
            Some(reason) => self.record_fallback(reason),
        }
    }

    /// Keeps `size` if it is the largest so far.
    #[inline(always)]
    fn note_size(&self, size: usize) {
        // Mostly a plain load: the largest size rarely changes.
        if size > self.largest.load(Relaxed) {
            self.largest.fetch_max(size, Relaxed);
        }
    }

    #[cold]
    fn record_fallback(&self, reason: FallbackReason) {
        match reason {
            FallbackReason::Size => &self.size_fallbacks,
            FallbackReason::Alignment => &self.alignment_fallbacks,
            FallbackReason::NoSpace => &self.no_space_fallbacks,
        }
        .fetch_add(1, Relaxed);
    }

    fn reset(&self) {
        for count in &self.by_class {
            count.store(0, Relaxed);
        }
        self.size_fallbacks.store(0, Relaxed);
        self.alignment_fallbacks.store(0, Relaxed);
        self.no_space_fallbacks.store(0, Relaxed);
        self.heap_allocations.store(0, Relaxed);
        self.largest.store(0, Relaxed);
    }

    /// A snapshot, or `None` when nothing was counted.
    fn snapshot(&self, location: SiteRef, other: bool) -> Option<Site> {
        let by_class = core::array::from_fn(|i| self.by_class[i].load(Relaxed));
        let no_space = self.no_space_fallbacks.load(Relaxed);
        let stats = Stats::from_parts(
            by_class,
            self.size_fallbacks.load(Relaxed) + no_space,
            self.alignment_fallbacks.load(Relaxed),
            self.largest.load(Relaxed),
        );
        let heap_allocations = self.heap_allocations.load(Relaxed);
        if stats.emplacements() == 0 && heap_allocations == 0 {
            return None;
        }
        Some(Site {
            location,
            stats,
            no_space_fallbacks: no_space,
            heap_allocations,
            other,
        })
    }
}

/// A fixed table of `N` sites (a power of two) and the row of the others.
struct Registry<const N: usize> {
    entries: [Entry; N],
    other: Entry,
}

impl<const N: usize> Registry<N> {
    const fn new() -> Self {
        assert!(N.is_power_of_two());
        Registry {
            entries: [const { Entry::new() }; N],
            other: Entry::new(),
        }
    }

    /// Where the search for `site` starts: a hash of its line and column.
    #[inline(always)]
    fn start(site: SiteRef) -> usize {
        let key = (u64::from(site.line()) << 20) ^ u64::from(site.column());
        let hash = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (hash >> 32) as usize & (N - 1)
    }

    /// The entry of `site`, claimed now if it has none.
    #[inline(always)]
    fn entry(&self, site: SiteRef) -> &Entry {
        let start = Self::start(site);
        let entry = &self.entries[start];
        if ptr::eq(entry.site.load(Relaxed), site) {
            return entry;
        }
        self.find(site, start)
    }

    /// The entry of `site` past the first probe: an equal site (the same
    /// location may be emitted at more than one address), a free entry to
    /// claim, or the other sites' row when the table is full.
    #[cold]
    #[inline(never)]
    fn find(&self, site: SiteRef, start: usize) -> &Entry {
        let wanted = ptr::from_ref(site).cast_mut();
        for i in 0..N {
            let entry = &self.entries[(start + i) & (N - 1)];
            let mut current = entry.site.load(Relaxed);
            if current.is_null() {
                match entry
                    .site
                    .compare_exchange(current, wanted, Relaxed, Relaxed)
                {
                    Ok(_) => return entry,
                    Err(taken) => current = taken,
                }
            }
            // SAFETY: a non-null entry holds a `&'static Location` (stored
            // above, never changed back), so it is valid to read forever.
            if ptr::eq(current, site) || unsafe { *current == *site } {
                return entry;
            }
        }
        &self.other
    }

    fn reset(&self) {
        // This thread's pending hits were counted before the reset.
        PENDING.with(Pending::discard);
        for entry in &self.entries {
            entry.reset();
        }
        self.other.reset();
    }

    fn sites(&self) -> Vec<Site> {
        flush_pending();
        let mut sites: Vec<Site> = self
            .entries
            .iter()
            .filter_map(|entry| {
                let location = entry.site.load(Relaxed);
                // SAFETY: as in `find`: a claimed entry holds a
                // `&'static Location`.
                let location = unsafe { location.as_ref() }?;
                entry.snapshot(location, false)
            })
            .collect();
        sites.extend(self.other.snapshot(other_sites(), true));
        sites
    }
}

/// The location that stands for the sites past the table's capacity.
fn other_sites() -> SiteRef {
    Location::caller()
}

static REGISTRY: Registry<TABLE_SIZE> = Registry::new();

/// Counts one emplacement of a `F` lent at `site`; `fallback` is `None`
/// for a hit.
#[inline(always)]
pub(crate) fn record<F>(site: SiteRef, fallback: Option<FallbackReason>) {
    REGISTRY
        .entry(site)
        .record_size(size_of::<F>(), const { bucket(size_of::<F>()) }, fallback);
}

/// How many hits a thread counts before it adds them to the registry.
const PENDING_MAX: u64 = 64;

/// Hits counted on this thread and not yet added to the registry: those of
/// one counter (a site's size class) at a time. They are added when the
/// thread counts a hit in another counter or reaches [`PENDING_MAX`], when
/// a slot or a heap slot is dropped, when the thread reads the registry
/// ([`sites`]), and when the thread ends.
struct Pending {
    /// The counter of the pending hits, if any.
    counter: Cell<Option<&'static AtomicU64>>,
    /// How many more hits may be pending: `PENDING_MAX` minus their number.
    left: Cell<u64>,
}

impl Pending {
    /// Counts one hit in `counter`.
    #[inline(always)]
    fn add(&self, counter: &'static AtomicU64) {
        if self.counter.get().is_some_and(|c| ptr::eq(c, counter)) {
            let left = self.left.get() - 1;
            self.left.set(left);
            if left == 0 {
                self.flush();
            }
        } else {
            self.switch_to(counter);
        }
    }

    /// Adds the pending hits, then counts one in `counter`: pending, unless
    /// the thread is ending (then at once).
    #[cold]
    #[inline(never)]
    fn switch_to(&self, counter: &'static AtomicU64) {
        self.flush();
        // The first time, registers the flush at the thread's end.
        if FLUSH_AT_EXIT.try_with(|_| ()).is_ok() {
            self.counter.set(Some(counter));
            self.left.set(PENDING_MAX - 1);
        } else {
            self.counter.set(None);
            counter.fetch_add(1, Relaxed);
        }
    }

    /// Adds the pending hits to their counter.
    #[cold]
    #[inline(never)]
    fn flush(&self) {
        let count = PENDING_MAX - self.left.replace(PENDING_MAX);
        if let Some(counter) = self.counter.get() {
            if count > 0 {
                counter.fetch_add(count, Relaxed);
            }
        }
    }

    /// Drops the pending hits.
    fn discard(&self) {
        self.left.set(PENDING_MAX);
    }
}

/// Flushes this thread's [`Pending`] hits when the thread ends. Kept apart
/// from them so that counting a hit does not check whether the thread's
/// destructors were registered: only [`Pending::switch_to`] touches it.
struct FlushAtExit;

impl Drop for FlushAtExit {
    fn drop(&mut self) {
        flush_pending();
    }
}

std::thread_local! {
    /// Without drop glue, so always accessible, even while the thread ends.
    static PENDING: Pending = const {
        Pending {
            counter: Cell::new(None),
            left: Cell::new(PENDING_MAX),
        }
    };
    static FLUSH_AT_EXIT: FlushAtExit = const { FlushAtExit };
}

/// Counts a hit in `counter`, on this thread first.
#[inline(always)]
fn count_hit(counter: &'static AtomicU64) {
    PENDING.with(|pending| pending.add(counter));
}

/// Adds the hits this thread counted to the registry (a slot or heap slot
/// that is dropped calls it, so that its hits are in the registry when the
/// code that used it is done, on whatever thread).
pub(crate) fn flush_pending() {
    PENDING.with(Pending::flush);
}

/// The counters of `site`, claimed now if it has none yet.
#[inline]
pub(crate) fn counters(site: SiteRef) -> SiteCounters {
    SiteCounters(NonNull::from(REGISTRY.entry(site)))
}

/// Counts a fallback at `site` that allocated from the global heap.
#[cold]
pub(crate) fn record_heap_allocation(site: Option<SiteRef>) {
    if let Some(site) = site {
        REGISTRY.entry(site).heap_allocations.fetch_add(1, Relaxed);
    }
}

std::thread_local! {
    /// How many [`DenyFallbacks`] guards live on this thread.
    static DENIED: Cell<usize> = const { Cell::new(0) };
}

/// Panics if fallbacks are denied on this thread ([`deny_fallbacks`]): a
/// `F` lent at `site` did not fit `space`. Called before the future is
/// placed anywhere.
#[inline]
#[track_caller]
pub(crate) fn check_fallback<F>(site: Option<SiteRef>, space: SpaceInfo) {
    if DENIED.try_with(Cell::get).unwrap_or(0) > 0 {
        fallback_denied(
            site,
            size_of::<F>(),
            align_of::<F>(),
            space.capacity(),
            space.align(),
        );
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn fallback_denied(
    site: Option<SiteRef>,
    size: usize,
    align: usize,
    capacity: usize,
    space_align: usize,
) -> ! {
    struct At(Option<SiteRef>);
    impl fmt::Display for At {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0 {
                Some(site) => write!(f, "the space lent at {site}"),
                None => f.write_str("a space lent at an unknown site"),
            }
        }
    }
    panic!(
        "stackslot: fallback denied (profile::deny_fallbacks): a future of {size} bytes \
         (align {align}) does not fit {} of {capacity} bytes (align {space_align})",
        At(site)
    )
}

/// One call site's counters, a snapshot taken by [`sites`].
///
/// # Example
///
/// ```
/// use stackslot::Scratch;
///
/// let line = line!() + 1;
/// drop(Scratch::boxed().emplace(async { 1 }));
/// let site = stackslot::profile::sites()
///     .into_iter()
///     .find(|site| site.location().line() == line)
///     .unwrap();
/// assert!(site.heap_allocations() >= 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    location: SiteRef,
    stats: Stats,
    no_space_fallbacks: u64,
    heap_allocations: u64,
    other: bool,
}

impl Site {
    /// The source location that lent the spaces (file, line, column).
    ///
    /// For the "other sites" row ([`Site::is_other`]), a location inside
    /// this crate.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let line = line!() + 1;
    /// drop(slot.as_mut().stack_only().emplace(async {}));
    /// assert!(stackslot::profile::sites().iter().any(|site| site.location().line() == line));
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// The counters of every space lent at the site, merged: the same as a
    /// slot's [`Stats`] (hits, fallbacks by reason, the size-class
    /// histogram, the largest future); a no-space fallback
    /// ([`Scratch::boxed`](crate::Scratch::boxed)) counts as a size fallback
    /// there, as in a slot's.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let line = line!() + 2;
    /// for _ in 0..3 {
    ///     drop(slot.as_mut().stack_only().emplace(async {}));
    /// }
    /// let site = stackslot::profile::sites().into_iter().find(|s| s.location().line() == line).unwrap();
    /// assert_eq!(site.stats().smallest_class(100.0), Some(64));
    /// ```
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// How many of the fallbacks had no space to try
    /// ([`Scratch::boxed`](crate::Scratch::boxed)); included in
    /// [`Stats::size_fallbacks`].
    ///
    /// # Example
    ///
    /// ```
    /// use stackslot::Scratch;
    ///
    /// let line = line!() + 1;
    /// drop(Scratch::boxed().emplace(async { 1 }));
    /// let site = stackslot::profile::sites().into_iter().find(|s| s.location().line() == line).unwrap();
    /// assert_eq!(site.no_space_fallbacks(), site.stats().size_fallbacks());
    /// ```
    pub fn no_space_fallbacks(&self) -> u64 {
        self.no_space_fallbacks
    }

    /// How many fallbacks allocated from the global heap: boxed futures and
    /// heap-slot growths.
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<64>::new());
    /// let bytes = [0u8; 100];
    /// let line = line!() + 1;
    /// drop(slot.as_mut().or_box().emplace(async move { bytes.len() }));
    /// let site = stackslot::profile::sites().into_iter().find(|s| s.location().line() == line).unwrap();
    /// assert_eq!(site.heap_allocations(), site.stats().fallbacks());
    /// ```
    pub fn heap_allocations(&self) -> u64 {
        self.heap_allocations
    }

    /// Whether this is the row of the sites that found the table full
    /// ([`TABLE_SIZE`] distinct sites before them), counted together.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(stackslot::profile::sites().iter().all(|site| !site.is_other()));
    /// ```
    pub fn is_other(&self) -> bool {
        self.other
    }
}

/// Every site counted so far (since the last [`reset`]), in no particular
/// order; sites with nothing counted are left out.
///
/// Exact for this thread's lends, and for other threads' once their slots
/// are dropped; see the module's docs ("How it counts") for the hits other
/// threads may still hold.
///
/// Allocates the vector; counting itself never allocates.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::Slot;
///
/// let mut slot = pin!(Slot::<64>::new());
/// drop(slot.as_mut().stack_only().emplace(async {}));
/// assert!(!stackslot::profile::sites().is_empty());
/// ```
pub fn sites() -> Vec<Site> {
    REGISTRY.sites()
}

/// Sets every site's counters back to zero (the sites keep their entries).
///
/// Not atomic with respect to lends on other threads: an emplacement
/// counted meanwhile may be partly kept, and so may hits they have not
/// added to the table yet (see the module's docs, "How it counts").
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::Slot;
///
/// let mut slot = pin!(Slot::<64>::new());
/// let line = line!() + 1;
/// drop(slot.as_mut().stack_only().emplace(async {}));
/// stackslot::profile::reset();
/// assert!(stackslot::profile::sites().iter().all(|site| site.location().line() != line));
/// ```
pub fn reset() {
    REGISTRY.reset();
}

/// The sites as a Markdown table, one row per site, the sites that
/// allocate most first; see [`Report`].
///
/// # Example
///
/// ```
/// use stackslot::Scratch;
///
/// drop(Scratch::boxed().emplace(async { 1 }));
/// let table = stackslot::profile::report().to_string();
/// assert!(table.starts_with("| site | lends |"));
/// assert!(table.contains(file!()));
/// ```
pub fn report() -> Report {
    let mut sites = sites();
    sites.sort_by(|a, b| {
        (
            b.heap_allocations,
            b.stats.fallbacks(),
            b.stats.emplacements(),
        )
            .cmp(&(
                a.heap_allocations,
                a.stats.fallbacks(),
                a.stats.emplacements(),
            ))
            .then_with(|| a.other.cmp(&b.other))
            .then_with(|| {
                (a.location.file(), a.location.line(), a.location.column()).cmp(&(
                    b.location.file(),
                    b.location.line(),
                    b.location.column(),
                ))
            })
    });
    Report { sites }
}

/// A snapshot of every site, whose `Display` is a Markdown table: one row
/// per site, sorted by heap allocations, then fallbacks, then lends (most
/// first).
///
/// The columns: the site (`file:line:column`, or `(other sites)`); lends
/// (emplacements through its scratches); hits; fallbacks because the future
/// was too large, too aligned, or had no space; heap allocations; the
/// largest future in bytes; and the smallest of the [`SIZE_CLASSES`](crate::SIZE_CLASSES)
/// that would have held 90, 99 and 100 % of its futures
/// ([`Stats::smallest_class`]; `-` when no class would).
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::Slot;
///
/// let mut slot = pin!(Slot::<64>::new());
/// drop(slot.as_mut().stack_only().emplace(async {}));
/// let report = stackslot::profile::report();
/// assert!(!report.sites().is_empty());
/// println!("{report}");
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    sites: Vec<Site>,
}

impl Report {
    /// The rows, in the table's order.
    ///
    /// # Example
    ///
    /// ```
    /// let report = stackslot::profile::report();
    /// assert_eq!(report.sites().len(), stackslot::profile::sites().len());
    /// ```
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| site | lends | hits | size fallbacks | alignment fallbacks | no-space fallbacks \
             | heap allocations | largest future | 90 % | 99 % | 100 % |"
        )?;
        writeln!(
            f,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        )?;
        for site in &self.sites {
            let stats = site.stats;
            if site.other {
                f.write_str("| (other sites) ")?;
            } else {
                write!(f, "| {} ", site.location)?;
            }
            write!(
                f,
                "| {} | {} | {} | {} | {} | {} | {} ",
                stats.emplacements(),
                stats.hits(),
                stats.size_fallbacks() - site.no_space_fallbacks,
                stats.alignment_fallbacks(),
                site.no_space_fallbacks,
                site.heap_allocations,
                stats.largest_future(),
            )?;
            for share in [90.0, 99.0, 100.0] {
                match stats.smallest_class(share) {
                    Some(class) => write!(f, "| {class} ")?,
                    None => f.write_str("| - ")?,
                }
            }
            writeln!(f, "|")?;
        }
        Ok(())
    }
}

/// Denies fallbacks on the current thread while the returned guard lives:
/// any emplacement that does not fit its space then panics, before the
/// future is placed anywhere, with a message that names the site that lent
/// the space (`file:line:column`) and the future's and the space's sizes
/// and alignments. The future is dropped while unwinding; nothing leaks.
///
/// Every fallback counts: a boxed future, a heap slot's growth, a slot
/// handing the future on to the next space ([`Slot::then`](crate::Slot::then))
/// or to an arena, a side stack that is full, and a
/// [`try_emplace`](crate::Scratch::try_emplace) that would return the
/// future. Guards nest; other threads are not affected.
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::Slot;
///
/// let mut slot = pin!(Slot::<64>::new());
/// let _deny = stackslot::profile::deny_fallbacks();
/// drop(slot.as_mut().or_box().emplace(async { 1 })); // fits: fine
///
/// let bytes = [0u8; 100];
/// let caught = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
///     drop(slot.as_mut().or_box().emplace(async move { bytes.len() }));
/// }));
/// assert!(caught.is_err());
/// ```
#[must_use = "fallbacks are denied only while the guard lives: bind it (`let _deny = ...`)"]
pub fn deny_fallbacks() -> DenyFallbacks {
    DENIED.with(|denied| denied.set(denied.get() + 1));
    DenyFallbacks {
        _thread: PhantomData,
    }
}

/// The guard of [`deny_fallbacks`]: fallbacks on this thread panic until it
/// is dropped. Not `Send`: it belongs to the thread it was made on.
///
/// # Example
///
/// ```
/// let deny = stackslot::profile::deny_fallbacks();
/// drop(deny); // fallbacks are allowed again
/// ```
#[derive(Debug)]
pub struct DenyFallbacks {
    _thread: PhantomData<*const ()>,
}

impl Drop for DenyFallbacks {
    fn drop(&mut self) {
        // Ignored during the thread's teardown, when the counter is gone.
        let _ = DENIED.try_with(|denied| denied.set(denied.get() - 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn location() -> SiteRef {
        Location::caller()
    }

    #[test]
    fn a_full_table_counts_the_rest_as_other_sites() {
        let registry = Registry::<4>::new();
        let sites = [
            location(),
            location(),
            location(),
            location(),
            location(),
            location(),
        ];
        for (i, site) in sites.iter().enumerate() {
            for _ in 0..=i {
                registry.entry(site).record_size(8, bucket(8), None);
            }
        }
        let mut counted = registry.sites();
        assert_eq!(counted.len(), 5);
        let other = counted.pop().unwrap();
        assert!(other.is_other());
        assert_eq!(other.stats().hits(), 5 + 6);
        let mut hits: Vec<u64> = counted.iter().map(|s| s.stats().hits()).collect();
        hits.sort();
        assert_eq!(hits, [1, 2, 3, 4]);
        registry.reset();
        assert!(registry.sites().is_empty());
        // The sites keep their entries.
        registry.entry(sites[0]).record_size(8, bucket(8), None);
        assert_eq!(registry.sites()[0].location(), sites[0]);
    }

    #[test]
    fn equal_locations_at_other_addresses_share_an_entry() {
        let registry = Registry::<8>::new();
        let site = location();
        // A static, not a leaked box: Miri's leak check ignores statics.
        static COPY: std::sync::OnceLock<Location<'static>> = std::sync::OnceLock::new();
        let copy: &'static Location<'static> = COPY.get_or_init(|| *site);
        assert!(!core::ptr::eq(copy, site));
        registry.entry(site).record_size(8, bucket(8), None);
        registry
            .entry(copy)
            .record_size(300, bucket(300), Some(FallbackReason::Size));
        let sites = registry.sites();
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].stats().emplacements(), 2);
        assert_eq!(sites[0].stats().largest_future(), 300);
    }
}
