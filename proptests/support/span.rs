//! Address ranges: of a storage, of a heap block, of a future.

use core::ops::Range;

/// The addresses of a storage or of a heap block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Span(pub Range<usize>);

impl Span {
    /// The addresses of `value`, all of its bytes.
    pub fn of<T: ?Sized>(value: &T) -> Span {
        let start = core::ptr::from_ref(value).addr();
        Span(start..start + size_of_val(value))
    }

    /// Whether `addr..addr + size` lies within the span.
    pub fn holds(&self, addr: usize, size: usize) -> bool {
        self.0.start <= addr && addr + size <= self.0.end
    }
}
