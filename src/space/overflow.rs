//! What happens when a future does not fit: the [`Overflow`] error of
//! `try_emplace`, and the panic of a `stack_only` emplacement.

use core::fmt;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};

use crate::space::{FallbackReason, SpaceInfo};

/// A future that did not fit the caller's space, given back by
/// [`Scratch::try_emplace`](crate::Scratch::try_emplace).
///
/// Its `Display` names the future's size and alignment and the space's; the
/// future itself is returned by [`Overflow::into_inner`].
///
/// # Example
///
/// ```
/// use core::pin::pin;
/// use stackslot::Slot;
///
/// let mut slot = pin!(Slot::<64>::new());
/// let bytes = [7u8; 100];
/// let big = async move { bytes.len() }; // 101 bytes
/// let err = slot.as_mut().stack_only().try_emplace(big).unwrap_err();
/// assert_eq!(err.future_size(), 101);
/// assert_eq!(
///     err.to_string(),
///     "a future of 101 bytes (align 1) does not fit a space of 64 bytes (align 16)"
/// );
/// let big = err.into_inner(); // run it some other way
/// # drop(big);
/// ```
pub struct Overflow<F> {
    future: F,
    space: SpaceInfo,
}

impl<F> Overflow<F> {
    pub(crate) fn new(future: F, space: SpaceInfo) -> Self {
        Overflow { future, space }
    }

    /// Gives the future back, untouched.
    ///
    /// # Example
    ///
    /// ```
    /// use stackslot::Scratch;
    ///
    /// # #[cfg(feature = "alloc")] {
    /// let err = Scratch::boxed().try_emplace(core::future::ready(5)).unwrap_err();
    /// let ready = err.into_inner();
    /// assert_eq!(ready.into_inner(), 5);
    /// # }
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }

    /// `size_of` the future, in bytes.
    ///
    /// # Example
    ///
    /// ```
    /// use stackslot::Scratch;
    ///
    /// # #[cfg(feature = "alloc")] {
    /// let err = Scratch::boxed().try_emplace(core::future::ready(5u32)).unwrap_err();
    /// assert_eq!(err.future_size(), size_of::<core::future::Ready<u32>>());
    /// # }
    /// ```
    pub fn future_size(&self) -> usize {
        size_of::<F>()
    }

    /// `align_of` the future, in bytes.
    ///
    /// # Example
    ///
    /// ```
    /// use stackslot::Scratch;
    ///
    /// # #[cfg(feature = "alloc")] {
    /// let err = Scratch::boxed().try_emplace(core::future::ready(5u32)).unwrap_err();
    /// assert_eq!(err.future_align(), 4);
    /// # }
    /// ```
    pub fn future_align(&self) -> usize {
        align_of::<F>()
    }

    /// The capacity of the space the future did not fit, in bytes (0 when
    /// the scratch had no space).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<8>::new());
    /// let bytes = [0u8; 9];
    /// let err = slot.as_mut().stack_only().try_emplace(async move { bytes.len() }).unwrap_err();
    /// assert_eq!(err.capacity(), 8);
    /// ```
    pub fn capacity(&self) -> usize {
        self.space.capacity()
    }

    /// The alignment of the space the future did not fit, in bytes (0 when
    /// the scratch had no space).
    ///
    /// # Example
    ///
    /// ```
    /// use core::pin::pin;
    /// use stackslot::Slot;
    ///
    /// let mut slot = pin!(Slot::<8>::new());
    /// let bytes = [0u8; 9];
    /// let err = slot.as_mut().stack_only().try_emplace(async move { bytes.len() }).unwrap_err();
    /// assert_eq!(err.space_align(), 16);
    /// ```
    pub fn space_align(&self) -> usize {
        self.space.align()
    }

    /// Why the future did not fit.
    ///
    /// # Example
    ///
    /// ```
    /// use stackslot::{FallbackReason, Scratch};
    ///
    /// # #[cfg(feature = "alloc")] {
    /// let err = Scratch::boxed().try_emplace(async {}).unwrap_err();
    /// assert_eq!(err.reason(), FallbackReason::NoSpace);
    /// # }
    /// ```
    pub fn reason(&self) -> FallbackReason {
        // An `Overflow` is only built for a future that does not fit.
        self.space.misfit::<F>().unwrap_or(FallbackReason::Size)
    }
}

/// Displays "a future of S bytes (align A) does not fit a space of C bytes
/// (align B)", or "... does not fit: the scratch has no space".
struct Misfit<F>(SpaceInfo, PhantomData<fn() -> F>);

impl<F> fmt::Display for Misfit<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let space = self.0;
        write!(
            f,
            "a future of {} bytes (align {}) does not fit",
            size_of::<F>(),
            align_of::<F>()
        )?;
        match space.misfit::<F>() {
            Some(FallbackReason::NoSpace) => f.write_str(": the scratch has no space"),
            _ => write!(
                f,
                " a space of {} bytes (align {})",
                space.capacity(),
                space.align()
            ),
        }
    }
}

impl<F> fmt::Display for Overflow<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Misfit::<F>(self.space, PhantomData).fmt(f)
    }
}

impl<F> fmt::Debug for Overflow<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overflow")
            .field("future_size", &self.future_size())
            .field("future_align", &self.future_align())
            .field("capacity", &self.capacity())
            .field("space_align", &self.space_align())
            .finish_non_exhaustive()
    }
}

impl<F> core::error::Error for Overflow<F> {}

/// The panic of an emplacement of a `F` into a space that may not allocate;
/// the caller still owns the future, which is dropped while the panic
/// unwinds.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn stack_only_overflow<F>(space: SpaceInfo) -> ! {
    panic!(
        "stackslot: {} and the scratch is stack-only (may not allocate); \
         use a larger Slot, a Slot aligned with an Align* marker, or `or_box` to allow a heap fallback",
        Misfit::<F>(space, PhantomData)
    )
}
