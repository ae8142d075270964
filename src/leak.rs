//! Leaked handles: what a space remembers about its occupant, and the abort
//! when an occupied space would be reused or freed.
//!
//! A future placed in a space is pinned there. Pin's drop guarantee says its
//! memory may not be reused or invalidated before its destructor ran. A
//! handle can be leaked (`mem::forget`, an `Rc` cycle), which ends the borrow
//! of the space without running the future's destructor; afterwards the
//! space can be borrowed again. If the leaked future has drop glue, it can
//! neither be dropped now (what it borrows may be gone) nor be overwritten
//! (an intrusive list may still point into it), so the process aborts.
//!
//! # Nothing may unwind past an occupant
//!
//! An owner whose destructor or release path unwinds is freed (or, under
//! `catch_unwind`, reused) all the same. So the abort itself cannot unwind
//! ([`abort_occupied`]), and every other panic on the paths that free or
//! reuse a space either comes before anything is placed or after the
//! space's occupant is gone:
//!
//! | path | possible panic | why it is harmless |
//! | --- | --- | --- |
//! | `Slot`, `SideStack`, `Arena` drop; `Arena::reset` | none before the occupancy checks | the checks abort; `Bump::reset` runs after them |
//! | `HeapSlot` drop, `free_buffer` | none before the checks; `layout()` after them | the layout is the one the buffer was allocated with, so it is valid again |
//! | heap block release (`HeapBlock::release`) | the block's `Layout` | the same layout was valid when the block was allocated |
//! | a handle's drop and `poll` on `Ready` | the future's destructor | the record is vacated (or marked as dropping) before it runs, and the block released by a guard after it |
//! | `SlotStream`/`LocalSlotStream` drop | the destructor of the item in flight | a guard checks the slot before the iterator is dropped |
//! | lending and reserving (`Slot::lend`, `HeapSlot::scratch`, `grow`, arena and side-stack pushes, `HeapBlock::reserve`) | a layout or capacity too large, an allocation limit, a debug-mode overflow of a block's size | nothing is placed yet: the future being placed is dropped by the unwinding, and the space is unchanged (the side stack's lock is released by a guard) |
//! | counters (`Stats`) | none: `u64` increments once per emplacement | |

use core::any::type_name;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr;

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
                abort_occupied(occupant, storage, event)
            }
        }
    }
}

/// What the owner of an occupied space was about to do.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// Lend the space again (a new scratch).
    Reuse,
    /// Free the space.
    Drop,
    /// Reclaim the space for new futures (an arena's `reset`).
    #[cfg(feature = "bumpalo")]
    Reset,
}

/// Stops the process: `occupant` still lives in a space that is about to be
/// reused or freed, because its handle was leaked.
///
/// Nothing on this path may unwind: an unwind would run the owner's
/// destructor (or let `catch_unwind` resume the program) with the occupant
/// still in place, and the space would be freed or reused under a pinned
/// future. So the message is formatted without allocating, written without
/// caring whether the write succeeds, and the whole path runs under a guard
/// that turns any unwind into an abort.
#[cold]
#[inline(never)]
fn abort_occupied(occupant: &Occupant, storage: &str, event: Event) -> ! {
    let _abort_on_unwind = AbortOnUnwind;
    let action = match event {
        Event::Reuse => "reused",
        Event::Drop => "dropped",
        #[cfg(feature = "bumpalo")]
        Event::Reset => "reset",
    };
    // `format_args!` stays inside the call: its temporaries live only as
    // long as the statement.
    stop(format_args!(
        "stackslot: {storage} was {action} while a leaked future still occupied it \
         (`{}`, {} bytes, align {}). Its handle was forgotten before the future \
         completed or was dropped; the future can neither be dropped nor have its \
         memory reused without breaking Pin's drop guarantee, so the process aborts. \
         Drop slot futures instead of leaking them.",
        (occupant.type_name)(),
        occupant.size,
        occupant.align,
    ))
}

/// Turns an unwind through the frame that holds it into an abort. It is
/// dropped only by unwinding: the frame's normal path never returns.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        {
            extern crate std;
            std::process::abort()
        }
        #[cfg(not(feature = "std"))]
        panic_again()
    }
}

/// Without `std` there is no `abort`: a panic while [`AbortOnUnwind`]'s
/// frame unwinds stops the process (a destructor that panics during
/// unwinding aborts) before any other frame, or what the leaked future
/// borrows, is unwound.
#[cfg(not(feature = "std"))]
fn panic_again() -> ! {
    panic!("stackslot: aborting (see the message above)")
}

/// Writes `message` to stderr, whatever becomes of the write, and aborts.
///
/// The message is formatted into a buffer on the stack (cut short if it
/// does not fit) and written at once: no allocation, no interleaving with
/// other threads' output, and a closed or full stderr (`EPIPE`, `ENOSPC`)
/// changes nothing: the error is ignored.
#[cfg(feature = "std")]
fn stop(message: core::fmt::Arguments<'_>) -> ! {
    extern crate std;
    use std::io::Write as _;
    let mut text = MessageBuffer::new();
    // Writing to a `MessageBuffer` never fails: it cuts the message short.
    let _ = core::fmt::write(&mut text, message);
    let _ = std::io::stderr().write_all(text.finish());
    std::process::abort()
}

/// Without `std` there is no `abort` nor stderr: the message is the payload
/// of a panic, which the guard of [`abort_occupied`] catches while it
/// unwinds and turns into an abort (see [`AbortOnUnwind`]); with
/// `panic = "abort"`, this panic already stops the process.
#[cfg(not(feature = "std"))]
fn stop(message: core::fmt::Arguments<'_>) -> ! {
    panic!("{message}")
}

/// A message formatted on the stack, cut short (ending in `...`) when it is
/// longer than the buffer.
#[cfg(any(feature = "std", test))]
struct MessageBuffer {
    bytes: [u8; MessageBuffer::CAPACITY],
    len: usize,
    truncated: bool,
}

#[cfg(any(feature = "std", test))]
impl MessageBuffer {
    /// Room for the text (a type name can be long), then the marker and the
    /// line break that [`finish`](Self::finish) adds.
    const CAPACITY: usize = 1024;
    const CUT: &'static [u8] = b"...";

    fn new() -> Self {
        MessageBuffer {
            bytes: [0; Self::CAPACITY],
            len: 0,
            truncated: false,
        }
    }

    /// The text, the cut marker if it was cut, and a line break.
    fn finish(&mut self) -> &[u8] {
        let room = Self::CAPACITY - Self::CUT.len() - 1;
        let mut end = self.len.min(room);
        if self.truncated {
            self.bytes[end..end + Self::CUT.len()].copy_from_slice(Self::CUT);
            end += Self::CUT.len();
        }
        self.bytes[end] = b'\n';
        &self.bytes[..=end]
    }
}

#[cfg(any(feature = "std", test))]
impl core::fmt::Write for MessageBuffer {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        // Keep room for the cut marker and the line break.
        let room = Self::CAPACITY - Self::CUT.len() - 1 - self.len;
        let taken = text.len().min(room);
        self.bytes[self.len..self.len + taken].copy_from_slice(&text.as_bytes()[..taken]);
        self.len += taken;
        self.truncated |= taken < text.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::MessageBuffer;
    use core::fmt::Write as _;

    #[test]
    fn a_short_message_is_written_whole_with_a_line_break() {
        let mut buffer = MessageBuffer::new();
        let action = "dropped";
        write!(buffer, "a slot was {action}").unwrap();
        assert_eq!(buffer.finish(), b"a slot was dropped\n");
    }

    #[test]
    fn a_long_message_is_cut_short_and_marked() {
        let mut buffer = MessageBuffer::new();
        buffer.write_str("ab").unwrap();
        for _ in 0..MessageBuffer::CAPACITY {
            buffer.write_str("x").unwrap();
        }
        buffer.write_str("never seen").unwrap();
        let text = buffer.finish();
        assert_eq!(text.len(), MessageBuffer::CAPACITY);
        assert!(text.starts_with(b"abxxx"));
        assert!(text.ends_with(b"x...\n"));
    }

    #[test]
    fn a_message_that_exactly_fills_the_room_is_not_marked() {
        let mut buffer = MessageBuffer::new();
        let room = MessageBuffer::CAPACITY - MessageBuffer::CUT.len() - 1;
        for _ in 0..room {
            buffer.write_str("y").unwrap();
        }
        let text = buffer.finish();
        assert_eq!(text.len(), room + 1);
        assert!(text.ends_with(b"yy\n"));
    }
}
