//! What the expansion is generated from: the trait as written plus each
//! member, classified and checked by [`crate::parse`].

use syn::Token;
use syn::punctuated::Punctuated;
use syn::{Attribute, Generics, Ident, ItemTrait, Lifetime, Signature, Type, TypeParamBound};

use crate::args::Args;

/// A trait accepted by `#[dyn_trait]`.
pub(crate) struct Model {
    pub(crate) args: Args,
    /// The trait as written (rewritten for `Send` by `generate::original`).
    pub(crate) item: ItemTrait,
    /// `Dyn<Name>`.
    pub(crate) dyn_ident: Ident,
    /// `<Name>WithSlot`.
    pub(crate) wrapper_ident: Ident,
    /// The trait's `#[cfg]`s, repeated on every generated item.
    pub(crate) cfg: Vec<Attribute>,
    /// The trait's lint levels (`#[allow]`, ...), repeated on `Dyn<Name>`.
    pub(crate) lints: Vec<Attribute>,
    /// The trait's `#[deprecated]`, repeated on `Dyn<Name>` and the wrapper.
    pub(crate) deprecated: Option<Attribute>,
    pub(crate) members: Vec<Member>,
    pub(crate) fresh: Fresh,
}

impl Model {
    /// Whether the adapter impls can stand next to the blanket impl. With a
    /// type or const parameter on the trait they cannot: another crate
    /// could implement `Name<ItsOwnType>` for `Adapter<T, S>`, and the
    /// blanket impl would then overlap them, so coherence rejects them.
    pub(crate) fn has_adapter_impls(&self) -> bool {
        self.item
            .generics
            .params
            .iter()
            .all(|param| matches!(param, syn::GenericParam::Lifetime(_)))
    }
}

/// Names the expansion introduces, none of which the trait uses.
pub(crate) struct Fresh {
    /// The scratch's lifetime, `'s`.
    pub(crate) s: Lifetime,
    /// The implementor in impls, `T`.
    pub(crate) t: Ident,
    /// The strategy in adapter impls, `S`.
    pub(crate) strategy: Ident,
    /// The wrapper's target, `P`.
    pub(crate) p: Ident,
    /// The wrapper's slot size, `N`.
    pub(crate) n: Ident,
    /// The wrapper's slot alignment, `A`.
    pub(crate) a: Ident,
    /// The wrapper's slot borrow, `'slot`.
    pub(crate) slot: Lifetime,
    /// The borrow of a pinned adapter, `'pin`.
    pub(crate) pin: Lifetime,
}

/// A member of the trait that `Dyn<Name>` exposes.
pub(crate) enum Member {
    /// An `async fn`, or a method returning `impl Future<Output = T>`.
    Async(AsyncMethod),
    /// Any other method with a `&self` or `&mut self` receiver: forwarded.
    Method(Method),
    /// `const NAME: Ty;`: exposed as a method `fn NAME(&self) -> Ty`.
    Const(Common, Type),
    /// `type Name: Bounds;`: set from the implementor.
    Type(Common, Punctuated<TypeParamBound, Token![+]>),
}

/// What every member has.
pub(crate) struct Common {
    pub(crate) ident: Ident,
    /// Attributes for the declaration in `Dyn<Name>`: docs, `cfg`,
    /// `cfg_attr`, `deprecated` and lint levels.
    pub(crate) attrs: Vec<Attribute>,
    /// The member's `#[cfg]`s, repeated on its items in the impls.
    pub(crate) cfg: Vec<Attribute>,
    /// Whether the member is `#[deprecated]` (forwarding it then needs
    /// `#[allow(deprecated)]`).
    pub(crate) deprecated: bool,
    /// Whether the member has doc comments.
    pub(crate) documented: bool,
}

/// A method whose future goes through a scratch.
pub(crate) struct AsyncMethod {
    pub(crate) common: Common,
    /// `&mut self` rather than `&self`.
    pub(crate) mutable: bool,
    /// The receiver's lifetime when written (`&'a self`).
    pub(crate) receiver_lifetime: Option<Lifetime>,
    /// The method's lifetime parameters, then one per lifetime elided in
    /// its arguments; and its where-clause.
    pub(crate) generics: Generics,
    pub(crate) args: Vec<Arg>,
    /// The future's output.
    pub(crate) output: Type,
}

/// A method forwarded unchanged.
pub(crate) struct Method {
    pub(crate) common: Common,
    pub(crate) mutable: bool,
    /// The signature, with plain names for the arguments and no attributes.
    pub(crate) sig: Signature,
    pub(crate) args: Vec<Ident>,
}

/// An argument after the receiver.
pub(crate) struct Arg {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) name: Ident,
    pub(crate) ty: Type,
}
