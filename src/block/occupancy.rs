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
/// so the record's atomic is made by [`Occupancy::occupy`], the plain write
/// that starts an occupant's record; no atomic is a null record.
#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct Occupancy(core::cell::UnsafeCell<Option<AtomicPtr<Occupant>>>);

// SAFETY: the option is written only by `occupy`, when no other thread
// accesses the record (its contract); everything else reads it, and uses
// the atomic inside.
#[cfg(loom)]
unsafe impl Sync for Occupancy {}

impl Occupancy {
    /// No occupant.
    #[cfg(not(loom))]
    pub(crate) const fn vacant() -> Self {
        Occupancy(AtomicPtr::new(ptr::null_mut()))
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
        self.atomic()
            .map_or(ptr::null_mut(), |atomic| atomic.load(order))
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

    /// Records the space as free, after its occupant was dropped, for the
    /// owner of a shared storage to see from another thread.
    #[inline(always)]
    pub(crate) fn vacate(&self) {
        self.store(ptr::null_mut(), Ordering::Release);
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
        unsafe { self.write(ptr::null_mut()) }
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
        !self.load(Ordering::Acquire).is_null()
    }

    /// Aborts the process if a future with drop glue still lives in the
    /// space: its handle was leaked, and the space may neither be reused nor
    /// freed. `storage` names the space for the message ("a slot").
    #[inline(always)]
    pub(crate) fn assert_vacant(&self, storage: &'static str, event: Event) {
        let occupant = self.load(Ordering::Acquire);
        if !occupant.is_null() {
            // SAFETY: a non-null occupant always comes from `occupy`, which
            // stores a `&'static Occupant`.
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
