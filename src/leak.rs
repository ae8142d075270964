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

use core::any::type_name;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};

/// What a space records about the future that occupies it, for the abort
/// message.
#[derive(Debug)]
pub(crate) struct Occupant {
    type_name: fn() -> &'static str,
    size: usize,
    align: usize,
}

/// The [`Occupant`] record of future type `F`.
pub(crate) struct OccupantOf<F>(PhantomData<fn() -> F>);

impl<F> OccupantOf<F> {
    pub(crate) const RECORD: Occupant = Occupant {
        type_name: type_name::<F>,
        size: size_of::<F>(),
        align: align_of::<F>(),
    };
}

/// What the owner of an occupied space was about to do.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// Lend the space again (a new scratch).
    Reuse,
    /// Free the space.
    Drop,
}

/// Stops the process: `occupant` still lives in a space that is about to be
/// reused or freed, because its handle was leaked.
#[cold]
#[inline(never)]
pub(crate) fn abort_occupied(occupant: &Occupant, event: Event) -> ! {
    let action = match event {
        Event::Reuse => "reused",
        Event::Drop => "dropped",
    };
    let message = format_args!(
        "stackslot: a slot was {action} while a leaked future still occupied it \
         (`{}`, {} bytes, align {}). Its handle was forgotten before the future \
         completed or was dropped; the future can neither be dropped nor have its \
         memory reused without breaking Pin's drop guarantee, so the process aborts. \
         Drop slot futures instead of leaking them.",
        (occupant.type_name)(),
        occupant.size,
        occupant.align,
    );
    abort_with(message)
}

#[cfg(feature = "std")]
fn abort_with(message: core::fmt::Arguments<'_>) -> ! {
    extern crate std;
    std::eprintln!("{message}");
    std::process::abort()
}

/// Without `std` there is no `abort`: panic while a guard in this very frame
/// panics again during the unwinding. The second panic aborts before any
/// other frame (and whatever the leaked future borrows) is unwound; with
/// `panic = "abort"` the first panic already stops the process.
#[cfg(not(feature = "std"))]
fn abort_with(message: core::fmt::Arguments<'_>) -> ! {
    struct PanicAgain;
    impl Drop for PanicAgain {
        fn drop(&mut self) {
            panic!("stackslot: aborting (see the message above)");
        }
    }
    let _guard = PanicAgain;
    panic!("{message}")
}
