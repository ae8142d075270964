//! What the side stack and the occupancy records synchronize with: `core`'s
//! atomics and cells, or loom's under `cfg(loom)`, so that the `stackslot-loom`
//! package can model-check the side stack's protocol (push behind the lock,
//! release from any thread, reclaim).
//!
//! Loom's atomics and cells cannot be made in a `const fn`; the few
//! constructors that make them are `const` except under loom
//! ([`const_unless_loom`]).

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicPtr, Ordering};
#[cfg(loom)]
pub(crate) use loom::{
    cell::UnsafeCell,
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicPtr, Ordering},
};

#[cfg(all(not(loom), any(target_has_atomic = "8", feature = "portable-atomic")))]
pub(crate) use core::hint::spin_loop;

/// The side stack's lock: `core`'s, or `portable-atomic`'s on a target
/// without compare-and-swap.
#[cfg(all(not(loom), target_has_atomic = "8"))]
pub(crate) use core::sync::atomic::AtomicBool;
#[cfg(all(not(loom), not(target_has_atomic = "8"), feature = "portable-atomic"))]
pub(crate) use portable_atomic::AtomicBool;

/// `core`'s `UnsafeCell` with loom's access API: every access goes through
/// [`with_mut`](UnsafeCell::with_mut), which loom's cell checks for
/// concurrent use.
#[cfg(all(not(loom), any(target_has_atomic = "8", feature = "portable-atomic")))]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(all(not(loom), any(target_has_atomic = "8", feature = "portable-atomic")))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(core::cell::UnsafeCell::new(value))
    }

    /// Calls `f` with a pointer to the value.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Defines a function that is `const` except under loom, whose atomics and
/// cells are made at run time.
#[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
macro_rules! const_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}
#[cfg(any(target_has_atomic = "8", feature = "portable-atomic"))]
pub(crate) use const_unless_loom;
