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
    /// `<Name>FromDyn`.
    pub(crate) from_dyn_ident: Ident,
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
    /// Why `Dyn<Name>` gets no impls for adapters; `None` when it gets them.
    pub(crate) fn without_adapters(&self) -> Option<WithoutAdapters> {
        let generic = self
            .item
            .generics
            .params
            .iter()
            .any(|param| !matches!(param, syn::GenericParam::Lifetime(_)));
        let pointer = self.members.iter().any(|member| match member {
            Member::Async(method) => matches!(method.receiver, Receiver::Pointer(_)),
            Member::Method(method) => matches!(method.receiver, Receiver::Pointer(_)),
            Member::Const(..) | Member::Type(..) => false,
        });
        if self.args.no_adapter_impls {
            Some(WithoutAdapters::Asked)
        } else if generic {
            Some(WithoutAdapters::Generic)
        } else if pointer {
            Some(WithoutAdapters::PointerReceiver)
        } else {
            None
        }
    }
}

/// Why `Dyn<Name>` is not implemented for adapters.
pub(crate) enum WithoutAdapters {
    /// `#[dyn_trait(no_adapter_impls)]`, for a trait with a blanket impl of
    /// its own (`impl<F: Future> Name for F`), which they would overlap.
    Asked,
    /// A type or const parameter on the trait: another crate could
    /// implement `Name<ItsOwnType>` for `Adapter<T, S>`, and the blanket
    /// impl would then overlap the adapter impls, so coherence rejects them.
    Generic,
    /// A method takes `self` through a pointer (`self: Arc<Self>`): an
    /// adapter cannot turn `Arc<Adapter<T, S>>` into the `Arc<T>` its
    /// implementor takes, and its strategy would be owned by the future it
    /// places.
    PointerReceiver,
}

/// How a method that `Dyn<Name>` exposes takes `self`.
pub(crate) enum Receiver {
    /// `&self`, `&mut self`, `&'a self`, `self: &Self`, ...
    Ref {
        mutable: bool,
        /// The lifetime when written (`&'a self`).
        lifetime: Option<Lifetime>,
    },
    /// `self: Box<Self>`, `Rc<Self>`, `Arc<Self>` or `Pin<&mut Self>`, as
    /// written: the call moves the pointer (into the future, for an async
    /// method).
    Pointer(Box<Type>),
}

impl Receiver {
    /// Whether the receiver is `&mut self`.
    pub(crate) fn is_mut(&self) -> bool {
        matches!(self, Receiver::Ref { mutable: true, .. })
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
    /// Any other method with a receiver `Dyn<Name>` can take: forwarded.
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
    pub(crate) receiver: Receiver,
    /// `Sync` and/or `Send`: what `Self` must implement for the future of a
    /// default body to be `Send`, under `#[dyn_trait(Send)]` (a `where
    /// Self: ...` bound on the method, as `parse::default_body_bounds` says).
    pub(crate) self_bounds: Vec<Ident>,
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
    pub(crate) receiver: Receiver,
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
