//! Leaked handles: what a space remembers about its occupant, and the check
//! its owner makes before reusing or freeing it (the abort itself is in
//! `abort.rs`).
//!
//! A future placed in a space is pinned there. Pin's drop guarantee says its
//! memory may not be reused or invalidated before its destructor ran. A
//! handle can be leaked (`mem::forget`, an `Rc` cycle), which ends the borrow
//! of the space without running the future's destructor; afterwards the
//! space can be borrowed again. If the leaked future has drop glue, it can
//! neither be dropped now (what it borrows may be gone) nor be overwritten
//! (an intrusive list may still point into it), so the process aborts.

use core::any::type_name;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr;

use super::abort::{Event, LeakedFuture, abort_occupied};
use crate::sync::{AtomicPtr, Ordering};

/// What a space records about the future that occupies it, for the abort
/// message.
#[derive(Debug)]
pub(crate) struct Occupant {
    type_name: fn() -> &'static str,
    size: usize,
    align: usize,
    /// A leaked occupant without drop glue may be forgotten.
    needs_drop: bool,
}

/// The [`Occupant`] record of future type `F`.
pub(crate) struct OccupantOf<F>(PhantomData<fn() -> F>);

impl<F> OccupantOf<F> {
    pub(crate) const RECORD: Occupant = Occupant {
        type_name: type_name::<F>,
        size: size_of::<F>(),
        align: align_of::<F>(),
        needs_drop: core::mem::needs_drop::<F>(),
    };
}

/// The record of an occupant whose destructor runs (or ran and panicked).
/// Never a reason to abort: the occupant is gone.
static DROPPING: Occupant = Occupant {
    type_name: || "a future being dropped",
    size: 0,
    align: 1,
    needs_drop: false,
};

/// Which future, if any, occupies a space: the first field of every space
/// and block header.
///
/// The record is one pointer-sized atomic. An even value is an
/// occupant: a `&'static Occupant` (aligned to at least 2, asserted below).
/// An odd value is a vacant space, and carries a word for the space's
/// owner in its other bits ([`Occupancy::vacant_with`]): a space's header
/// keeps its fallback's [`Link`](crate::space::Link) word there, which is
/// read only while the space is vacant, so a header needs no word of its
/// own for it. The integer is made with `without_provenance` and never
/// dereferenced (strict provenance).
///
/// Spaces that one borrow lends at a time record only futures with drop
/// glue: leaking one without is harmless, and the borrow keeps a live one
/// safe. Shared storage (a side stack's frames) records every future, to
/// know which frames are free; there too, a leaked future without drop glue
/// is not a reason to abort. The record is atomic because a `Send` handle may be dropped on
/// another thread while the owner of a shared storage (a side stack) looks
/// for free blocks; the release store comes after the future's destructor,
/// so the owner's acquire load sees a block free only once it is.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct Occupancy(AtomicPtr<Occupant>);

/// Under loom: loom's atomics cannot be made in a `const fn` (a slot's is),
/// so the record's atomic is made by the plain writes ([`Occupancy::occupy`],
/// [`Occupancy::vacant_with`]); no atomic is the record [`VACANT`].
#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct Occupancy(core::cell::UnsafeCell<Option<AtomicPtr<Occupant>>>);

// SAFETY: the option is written only by `occupy`, when no other thread
// accesses the record (its contract); everything else reads it, and uses
// the atomic inside.
#[cfg(loom)]
unsafe impl Sync for Occupancy {}

/// The record of a vacant space that carries the word 0.
const VACANT: *mut Occupant = ptr::without_provenance_mut(1);

// An occupant's address is even, so an odd record is never one.
const _: () = assert!(align_of::<Occupant>() >= 2);

/// Whether `record` names an occupant (even) rather than a vacant space
/// (odd).
#[inline(always)]
fn is_occupant(record: *mut Occupant) -> bool {
    record.addr() & 1 == 0
}

impl Occupancy {
    /// The largest word a vacant record carries ([`Occupancy::vacant_with`]).
    pub(crate) const MAX_WORD: usize = usize::MAX >> 1;

    /// No occupant.
    #[cfg(not(loom))]
    pub(crate) const fn vacant() -> Self {
        Occupancy(AtomicPtr::new(VACANT))
    }

    /// No occupant.
    #[cfg(loom)]
    pub(crate) const fn vacant() -> Self {
        Occupancy(core::cell::UnsafeCell::new(None))
    }

    /// A plain write of the record.
    ///
    /// # Safety
    ///
    /// No other thread accesses the record now.
    #[cfg(not(loom))]
    #[inline(always)]
    unsafe fn write(&self, occupant: *mut Occupant) {
        // SAFETY: no concurrent access (contract).
        unsafe { self.0.as_ptr().write(occupant) }
    }

    /// A plain write of the record: a new atomic, with no history.
    ///
    /// # Safety
    ///
    /// No other thread accesses the record now.
    #[cfg(loom)]
    unsafe fn write(&self, occupant: *mut Occupant) {
        // SAFETY: no concurrent access (contract), so no reference to the
        // option exists.
        unsafe { *self.0.get() = Some(AtomicPtr::new(occupant)) }
    }

    /// Loads the record.
    #[cfg(not(loom))]
    #[inline(always)]
    fn load(&self, order: Ordering) -> *mut Occupant {
        self.0.load(order)
    }

    /// Stores into the record.
    #[cfg(not(loom))]
    #[inline(always)]
    fn store(&self, occupant: *mut Occupant, order: Ordering) {
        self.0.store(occupant, order);
    }

    /// The record's atomic, if an occupant was ever recorded.
    #[cfg(loom)]
    fn atomic(&self) -> Option<&AtomicPtr<Occupant>> {
        // SAFETY: the option is written only while no other thread accesses
        // the record (`write`), so not while this shared reference lives.
        unsafe { (*self.0.get()).as_ref() }
    }

    /// Loads the record.
    #[cfg(loom)]
    fn load(&self, order: Ordering) -> *mut Occupant {
        self.atomic().map_or(VACANT, |atomic| atomic.load(order))
    }

    /// Stores into the record, which was written before.
    #[cfg(loom)]
    fn store(&self, occupant: *mut Occupant, order: Ordering) {
        if let Some(atomic) = self.atomic() {
            atomic.store(occupant, order);
        }
    }

    /// Records `occupant` as living in the space.
    ///
    /// A plain write: an atomic one would keep the compiler from writing the
    /// future straight into the space after it.
    ///
    /// # Safety
    ///
    /// No other thread accesses the record now (it is written before the
    /// handle exists, by whoever lends the space).
    #[inline(always)]
    pub(crate) unsafe fn occupy(&self, occupant: &'static Occupant) {
        // SAFETY: no concurrent access (contract).
        unsafe { self.write(ptr::from_ref(occupant).cast_mut()) }
    }

    /// Records the space as vacant, carrying `word` for its owner, until an
    /// occupant is recorded (a plain write, like [`Occupancy::occupy`]).
    ///
    /// # Safety
    ///
    /// No other thread accesses the record now, and no occupant is recorded
    /// (the space is vacant: its owner checked).
    ///
    /// # Panics
    ///
    /// In debug builds, when `word` is larger than [`Occupancy::MAX_WORD`].
    #[inline(always)]
    pub(crate) unsafe fn vacant_with(&self, word: usize) {
        debug_assert!(
            word <= Self::MAX_WORD,
            "a vacant record carries 1 bit less than a word"
        );
        debug_assert!(
            !self.is_occupied(),
            "a space's word is set while it is vacant"
        );
        // SAFETY: no concurrent access (contract). The record stays odd, so
        // it is read as a vacant space, and is never dereferenced.
        unsafe { self.write(ptr::without_provenance_mut(word << 1 | 1)) }
    }

    /// The word that [`Occupancy::vacant_with`] stored (0 when none was),
    /// or `None` while an occupant is recorded: its record replaced the
    /// word.
    #[inline(always)]
    pub(crate) fn vacant_word(&self) -> Option<usize> {
        let record = self.load(Ordering::Relaxed);
        (!is_occupant(record)).then_some(record.addr() >> 1)
    }

    /// Records the space as free, after its occupant was dropped, for the
    /// owner of a shared storage to see from another thread.
    #[inline(always)]
    pub(crate) fn vacate(&self) {
        self.store(VACANT, Ordering::Release);
    }

    /// [`Occupancy::vacate`] for a space that one handle at a time uses,
    /// whose owner looks at the record only after that handle is gone.
    ///
    /// # Safety
    ///
    /// No other thread accesses the record now.
    #[inline(always)]
    pub(crate) unsafe fn vacate_exclusive(&self) {
        // SAFETY: no concurrent access (contract).
        unsafe { self.write(VACANT) }
    }

    /// Records that the occupant's destructor is running: the space is not
    /// free yet, and if the destructor panics the record says the occupant
    /// is gone all the same.
    #[inline(always)]
    pub(crate) fn begin_drop(&self) {
        self.store(ptr::from_ref(&DROPPING).cast_mut(), Ordering::Relaxed);
    }

    /// Whether [`Occupancy::begin_drop`] was the last record.
    #[inline(always)]
    pub(crate) fn is_dropping(&self) -> bool {
        ptr::eq(self.load(Ordering::Acquire), &DROPPING)
    }

    /// Whether a recorded future lives in the space.
    #[inline(always)]
    pub(crate) fn is_occupied(&self) -> bool {
        is_occupant(self.load(Ordering::Acquire))
    }

    /// Aborts the process if a future with drop glue still lives in the
    /// space: its handle was leaked, and the space may neither be reused nor
    /// freed. `storage` names the space for the message ("a slot").
    #[inline(always)]
    pub(crate) fn assert_vacant(&self, storage: &'static str, event: Event) {
        let occupant = self.load(Ordering::Acquire);
        if is_occupant(occupant) {
            // SAFETY: an even record always comes from `occupy` or
            // `begin_drop`, which store a `&'static Occupant`: every other
            // write stores an odd integer (`VACANT`, `vacant_with`).
            let occupant = unsafe { &*occupant };
            if occupant.needs_drop {
                let leaked = LeakedFuture {
                    type_name: (occupant.type_name)(),
                    size: occupant.size,
                    align: occupant.align,
                };
                abort_occupied(leaked, storage, event)
            }
        }
    }
}
