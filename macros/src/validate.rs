//! The checks that reject what `Dyn<Name>` cannot express, each with an
//! error at the offending tokens that says what to write instead.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{
    Error, FnArg, GenericArgument, GenericParam, ItemTrait, Pat, PathArguments, ReceiverKind,
    Signature, TraitItem, Type, TypePath, TypeReference, WherePredicate,
};

use crate::model::Receiver;
use crate::rewrite::{find_bare_self, find_impl_trait, is_self};
use crate::suggest;

/// How to keep a method out of `Dyn<Name>`, for error messages.
fn keep_out(name: &str) -> String {
    format!("or add `where Self: Sized` to `{name}` to keep it out of the dyn trait")
}

/// Rejects trait headers that cannot get a dyn form.
pub(crate) fn header(item: &ItemTrait) -> Result<(), Error> {
    if let Some(unsafety) = &item.unsafety {
        return Err(Error::new(
            unsafety.span,
            "`#[dyn_trait]` does not support `unsafe trait`: the dyn trait would need an \
             `unsafe impl` for every implementor, which it does not generate; make the trait \
             safe, or write its dyn form by hand",
        ));
    }
    Ok(())
}

/// Rejects trait items other than methods, associated types and consts.
pub(crate) fn item_kind(item: &TraitItem) -> Error {
    match item {
        TraitItem::Macro(mac) => Error::new_spanned(
            &mac.mac,
            "`#[dyn_trait]` cannot see what a macro in a trait expands to: write the items \
             out by hand",
        ),
        other => Error::new_spanned(other, "`#[dyn_trait]` does not support this trait item"),
    }
}

/// The receiver of a method that `Dyn<Name>` exposes: `&self`, `&mut self`,
/// `&'a self`, `self: &Self`, ..., or a pointer to `Self` that a dyn method
/// can take (`self: Box<Self>`, `Rc<Self>`, `Arc<Self>`, `Pin<&mut Self>`,
/// ...). `None` for a method `Dyn<Name>` leaves out: one without a
/// receiver, or one taking `self` by value (a dyn method cannot move an
/// unsized `Self`).
pub(crate) fn receiver(sig: &Signature) -> Result<Option<Receiver>, Error> {
    let Some(FnArg::Receiver(receiver)) = sig.inputs.first() else {
        return Ok(None);
    };
    let by_ref = |lifetime: &Option<syn::Lifetime>, mutable: bool| {
        let lifetime = lifetime.clone().filter(|l| l.ident != "_");
        Ok(Some(Receiver::Ref { mutable, lifetime }))
    };
    match &receiver.kind {
        ReceiverKind::Reference(_, lifetime, mutability) => by_ref(lifetime, mutability.is_some()),
        ReceiverKind::Typed(_, ty) => match &**ty {
            Type::Reference(TypeReference {
                lifetime,
                mutability,
                elem,
                ..
            }) if is_self(elem) => by_ref(lifetime, mutability.is_some()),
            ty if is_self(ty) => Ok(None),
            ty if is_self_pointer(ty) => Ok(Some(Receiver::Pointer(Box::new(ty.clone())))),
            other => Err(Error::new_spanned(
                other,
                format!(
                    "`#[dyn_trait]` methods take `self` by reference or through `Box<Self>`, \
                     `Rc<Self>`, `Arc<Self>` or `Pin<P>` of those or of a reference: \
                     change the receiver, {}",
                    keep_out(&sig.ident.to_string())
                ),
            )),
        },
        _ => Ok(None),
    }
}

/// Whether `ty` is `Box<Self>`, `Rc<Self>` or `Arc<Self>` (by any path), or
/// `Pin<P>` of one of those or of `&Self` or `&mut Self`: the pointers
/// through which a dyn method can take `self`.
fn is_self_pointer(ty: &Type) -> bool {
    let Some((name, arg)) = single_argument(ty) else {
        return false;
    };
    match name.as_str() {
        "Box" | "Rc" | "Arc" => is_self(arg),
        "Pin" => match arg {
            Type::Reference(reference) => is_self(&reference.elem),
            other => single_argument(other).is_some_and(|(name, arg)| {
                matches!(name.as_str(), "Box" | "Rc" | "Arc") && is_self(arg)
            }),
        },
        _ => false,
    }
}

/// `Name<Arg>`: the last segment's name and its only type argument.
fn single_argument(ty: &Type) -> Option<(String, &Type)> {
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = ty
    else {
        return None;
    };
    let last = path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>()[..] {
        [GenericArgument::Type(arg)] => Some((last.ident.to_string(), arg)),
        _ => None,
    }
}

/// Rejects type and const parameters on a method.
pub(crate) fn method_generics(sig: &Signature) -> Result<(), Error> {
    let name = sig.ident.to_string();
    match sig
        .generics
        .params
        .iter()
        .find(|p| !matches!(p, GenericParam::Lifetime(_)))
    {
        None => Ok(()),
        Some(param) => Err(Error::new_spanned(
            param,
            format!(
                "`{name}` is generic, so it cannot be called through `dyn` (a dyn method is \
                 compiled once, not once per type): take `&dyn Trait` or `Box<dyn Trait>` \
                 instead of a type parameter, {}",
                keep_out(&name)
            ),
        )),
    }
}

/// Rejects `unsafe fn`.
pub(crate) fn safety(sig: &Signature) -> Result<(), Error> {
    match &sig.safety {
        syn::Safety::Unsafe(token) => Err(Error::new(
            token.span,
            format!(
                "`#[dyn_trait]` does not forward `unsafe fn`s (it generates no unsafe code): \
                 make `{0}` safe, {1}",
                sig.ident,
                keep_out(&sig.ident.to_string())
            ),
        )),
        _ => Ok(()),
    }
}

/// Rejects `impl Trait` in `ty` with `message` (followed by how to keep the
/// method out), then a bare `Self`.
fn impl_trait_then_self(name: &str, ty: &Type, message: &str) -> Result<(), Error> {
    if let Some(impl_trait) = find_impl_trait(ty) {
        let message = format!("{message}, {}", keep_out(name));
        return Err(Error::new_spanned(impl_trait, message));
    }
    bare_self(name, ty)
}

/// Rejects argument types that a dyn method cannot take: `impl Trait`
/// (a hidden type parameter; the message spells out the argument `pat:
/// ty` with a trait object instead) and `Self` by value.
pub(crate) fn arg_type(name: &str, pat: &Pat, ty: &Type) -> Result<(), Error> {
    if find_impl_trait(ty).is_none() {
        return bare_self(name, ty);
    }
    let written = suggest::dyn_argument(&suggest::display(pat.to_token_stream()), ty);
    let message = format!(
        "`impl Trait` in an argument makes `{name}` generic, so it cannot be called \
         through `dyn` (a dyn method is compiled once, not once per type): write \
         `{written}` instead"
    );
    impl_trait_then_self(name, ty, &message)
}

/// Rejects a bare `Self` (not `Self::X`) in an argument or output type.
pub(crate) fn bare_self(name: &str, ty: &Type) -> Result<(), Error> {
    match find_bare_self(ty) {
        None => Ok(()),
        Some(span) => Err(Error::new(
            span,
            format!(
                "`{name}` mentions `Self`, which a dyn trait cannot name (behind `dyn` it is \
                 unsized and unknown): use an associated type (`Self::X`) or a concrete type, {}",
                keep_out(name)
            ),
        )),
    }
}

/// Rejects `impl Trait` in the output of an async method.
pub(crate) fn async_output(name: &str, ty: &Type) -> Result<(), Error> {
    let message = format!(
        "the output of `{name}` contains `impl Trait`, which a dyn method cannot \
         return: return a concrete type or `Box<dyn Trait>`"
    );
    impl_trait_then_self(name, ty, &message)
}

/// Rejects `impl Trait` outputs of methods that are not futures.
pub(crate) fn sync_output(name: &str, ty: &Type) -> Result<(), Error> {
    let message = format!(
        "`{name}` returns `impl Trait`, which a dyn method cannot return (only \
         `impl Future<Output = T>` is turned into a slot future): return \
         `Box<dyn Trait>` or a concrete type"
    );
    impl_trait_then_self(name, ty, &message)
}

/// Rejects `where Self: Bound` on a method, other than `Self: Sized` (which
/// keeps the method out, and is checked before).
pub(crate) fn method_where(sig: &Signature) -> Result<(), Error> {
    let Some(where_clause) = &sig.generics.where_clause else {
        return Ok(());
    };
    for predicate in &where_clause.predicates {
        if let WherePredicate::Type(predicate) = predicate {
            if let Some(span) = find_bare_self(&predicate.bounded_ty) {
                return Err(Error::new(
                    span,
                    format!(
                        "`#[dyn_trait]` does not support `where Self: ...` bounds on methods, \
                         other than `Self: Sized`: move the bound to the trait \
                         (`trait Name: Bound`), {}",
                        keep_out(&sig.ident.to_string())
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// An error for an `impl Future` without `Output = T`.
pub(crate) fn future_without_output(span: Span) -> Error {
    Error::new(
        span,
        "name the future's output: write `impl Future<Output = T>` (`Output = ()` for none)",
    )
}

/// An error for generic associated types.
pub(crate) fn generic_associated_type(generics: &syn::Generics) -> Error {
    Error::new_spanned(
        generics,
        "generic associated types make a trait dyn-incompatible, so `#[dyn_trait]` cannot \
         expose them: use a non-generic associated type (e.g. an owned type instead of one \
         borrowing for `'a`)",
    )
}
