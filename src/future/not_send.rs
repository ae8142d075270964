//! Why a [`LocalSlotFuture`](crate::LocalSlotFuture) is not `Send`, in
//! words the compiler shows.
//!
//! The handle is `!Send` because its raw parts are; left at that, spawning
//! one on a multi-threaded executor reports that `NonNull<u8>` cannot be
//! sent between threads, which says nothing about the fix. So the handle
//! has an `impl Send` whose bound, [`Sendable`] for [`Local<T>`], never
//! holds: it is as `!Send` as before, and the compiler, explaining the
//! unmet bound, shows the `#[diagnostic::on_unimplemented]` message of
//! [`Sendable`], which names `#[dyn_trait(Send)]` and `Scratch::emplace`.
//!
//! Both items are public in a private module: no other crate can name,
//! implement or see them.

use core::marker::PhantomData;

use super::SlotFuture;

/// What a handle that may be sent to another thread implements; the bound
/// of `LocalSlotFuture`'s `impl Send`, which [`Local<T>`] never meets.
#[diagnostic::on_unimplemented(
    message = "`LocalSlotFuture` is not `Send`: its future may only run on the thread that created it",
    label = "a `LocalSlotFuture` may not be sent to another thread",
    note = "a `#[stackslot::dyn_trait]` trait returns `LocalSlotFuture`s; for futures that can be spawned on a multi-threaded executor (`tokio::spawn`), declare the trait `#[stackslot::dyn_trait(Send)]`: its dyn methods then return `SlotFuture`s, which are `Send` (and its implementors' futures must be `Send`)",
    note = "a `LocalSlotFuture` made by hand comes from `Scratch::emplace_local`; `Scratch::emplace` takes a `Send` future and returns a `Send` `SlotFuture`"
)]
pub trait Sendable {}

// The compiler shows this impl as the one that exists ("is implemented for
// `SlotFuture<'_, T>`"), a hint in itself, instead of suggesting to add one.
impl<T> Sendable for SlotFuture<'_, T> {}

/// The marker `LocalSlotFuture<'_, T>`'s `impl Send` asks to be
/// [`Sendable`]; it never is.
#[derive(Debug)]
pub struct Local<T>(PhantomData<T>);
