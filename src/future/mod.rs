//! The type-erased future: the reservation a future is written into, the
//! per-type vtable that polls and drops it in its block, and the two-word
//! handles the caller awaits.

mod either;
mod handle;
mod not_send;
mod raw;
mod vtable;

pub use either::Either;
pub(crate) use handle::Erased;
pub use handle::{LocalSlotFuture, SlotFuture};
pub(crate) use raw::{Eager, RawFuture, Reservation};
