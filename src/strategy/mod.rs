//! The callee-side strategies of the design space, each a [`Strategy`] for
//! an [`Adapter`] (named forms at the crate root:
//! [`crate::BoxingAdapter`], [`crate::CachedBoxAdapter`], [`crate::InlineAdapter`],
//! [`crate::StackOnlyAdapter`]).
//!
//! | strategy | a `&mut self` future that does not fit the caller's space | costs | pick it when |
//! | --- | --- | --- | --- |
//! | [`Boxing`] | falls back as the caller's scratch allows (the heap under `or_box`) | one allocation per miss | the default; misses are rare |
//! | [`CachedBox`] | goes to one heap buffer kept by the adapter | one buffer per object, kept | one object is called in a loop with futures too large for the callers' slots |
//! | [`Inline`] | never reaches the caller: the adapter's own `N`-byte slot comes first | `N` bytes per object; used pinned | `&mut self` methods called in a hot loop (`Stream`-like) |
//! | [`StackOnly`] | never reaches the caller either; a future that cannot fit is a build error | `N` bytes per object; used pinned; never allocates | no-alloc targets, or where an allocation would be a bug |
//!
//! `&self` methods may have several futures alive at once, so every
//! strategy but [`StackOnly`] hands them to the caller's scratch;
//! `StackOnly` uses the caller's space and panics rather than allocate.
//!
//! [`Strategy`]: crate::Strategy

mod adapter;
mod boxing;
#[cfg(feature = "alloc")]
mod cached_box;
mod inline;
mod stack_only;

pub use adapter::{Adapter, Strategy};
pub use boxing::Boxing;
#[cfg(feature = "alloc")]
pub use cached_box::CachedBox;
pub use inline::Inline;
pub use stack_only::StackOnly;
