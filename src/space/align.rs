//! Alignment markers: the second, defaulted type parameter of [`Slot`](crate::Slot).
//!
//! A slot's buffer is aligned to 16 bytes unless the slot names a larger
//! [`Alignment`]. A future whose alignment exceeds the slot's does not fit,
//! whatever its size, and takes the scratch's fallback.

mod sealed {
    pub trait Sealed {}
}

/// An alignment a [`Slot`](crate::Slot) can guarantee for its buffer.
///
/// Implemented by the zero-sized markers [`Align16`] (the default) up to
/// [`Align4096`]; sealed, because the slot's layout relies on the marker
/// being a zero-sized type aligned to exactly [`Alignment::BYTES`].
///
/// # Example
///
/// ```
/// use stackslot::{Align64, Alignment, Slot};
///
/// assert_eq!(Align64::BYTES, 64);
/// assert_eq!(core::mem::align_of::<Slot<256, Align64>>(), 64);
/// ```
pub trait Alignment:
    sealed::Sealed + Copy + Default + Send + Sync + Unpin + core::fmt::Debug + 'static
{
    /// The alignment in bytes: a power of two from 16 to 4096.
    const BYTES: usize;
}

macro_rules! alignments {
    ($($name:ident = $bytes:literal),* $(,)?) => {$(
        #[doc = concat!("Aligns a [`Slot`](crate::Slot)'s buffer to ", stringify!($bytes), " bytes.")]
        ///
        /// # Example
        ///
        /// ```
        #[doc = concat!("use stackslot::{", stringify!($name), ", Slot};")]
        ///
        #[doc = concat!("let slot = Slot::<256, ", stringify!($name), ">::new();")]
        #[doc = concat!("assert_eq!(core::mem::align_of_val(&slot), ", stringify!($bytes), ");")]
        /// ```
        #[repr(align($bytes))]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        impl Alignment for $name {
            const BYTES: usize = $bytes;
        }

        const _: () = assert!(
            core::mem::size_of::<$name>() == 0 && core::mem::align_of::<$name>() == $bytes
        );
    )*};
}

alignments!(
    Align16 = 16,
    Align32 = 32,
    Align64 = 64,
    Align128 = 128,
    Align256 = 256,
    Align512 = 512,
    Align1024 = 1024,
    Align2048 = 2048,
    Align4096 = 4096,
);
