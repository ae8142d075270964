//! Syntax-tree rewrites and searches on types: naming elided lifetimes,
//! replacing `Self` and lifetimes, finding `Self` and `impl Trait`.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Lifetime, ParenthesizedGenericArguments, Path, PathSegment, Token, Type, TypeFnPtr,
    TypeImplTrait, TypePath, TypeReference, parse_quote,
};

use crate::names::Names;

/// Gives every elided lifetime in argument types (`&T`, `Foo<'_>`) a fresh
/// name, so that the dyn method can require it to outlive the scratch.
/// Lifetimes elided inside `fn(&T)` and `Fn(&T)` are higher-ranked and are
/// left alone.
pub(crate) struct NameElided<'a> {
    pub(crate) names: &'a mut Names,
    /// The lifetimes named so far.
    pub(crate) named: Vec<Lifetime>,
}

impl NameElided<'_> {
    fn name(&mut self, span: Span) -> Lifetime {
        let base = format!("arg{}", self.named.len());
        let lifetime = self.names.lifetime(&base, span);
        self.named.push(lifetime.clone());
        lifetime
    }
}

impl VisitMut for NameElided<'_> {
    fn visit_type_reference_mut(&mut self, reference: &mut TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(self.name(reference.and_token.span));
        }
        visit_mut::visit_type_reference_mut(self, reference);
    }

    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        if lifetime.ident == "_" {
            *lifetime = self.name(lifetime.span());
        }
    }

    fn visit_type_fn_ptr_mut(&mut self, _: &mut TypeFnPtr) {}

    fn visit_parenthesized_generic_arguments_mut(&mut self, _: &mut ParenthesizedGenericArguments) {
    }
}

/// Gives every elided lifetime in a type (`&T`, `Foo<'_>`) the same name:
/// for a pointer receiver, whose borrow must last as long as the scratch.
pub(crate) struct FillElided<'a>(pub(crate) &'a Lifetime);

impl VisitMut for FillElided<'_> {
    fn visit_type_reference_mut(&mut self, reference: &mut TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(self.0.clone());
        }
        visit_mut::visit_type_reference_mut(self, reference);
    }

    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        if lifetime.ident == "_" {
            *lifetime = self.0.clone();
        }
    }
}

/// Replaces `Self::X` with `<T as Trait>::X` and, when `self_ty` is given,
/// a bare `Self` with `self_ty`: for signatures and bounds copied into impls.
pub(crate) struct ReplaceSelf<'a> {
    pub(crate) implementor: &'a Type,
    pub(crate) trait_path: &'a Path,
    pub(crate) self_ty: Option<&'a Type>,
}

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(TypePath {
            qself: None, path, ..
        }) = ty
        {
            if path.leading_colon.is_none() && path.segments[0].ident == "Self" {
                if path.segments.len() > 1 {
                    let mut rest: Punctuated<PathSegment, Token![::]> =
                        path.segments.iter().skip(1).cloned().collect();
                    for segment in &mut rest {
                        self.visit_path_segment_mut(segment);
                    }
                    let (implementor, trait_path) = (self.implementor, self.trait_path);
                    *ty = parse_quote!(<#implementor as #trait_path>::#rest);
                    return;
                }
                if let Some(self_ty) = self.self_ty {
                    *ty = self_ty.clone();
                    return;
                }
            }
        }
        visit_mut::visit_type_mut(self, ty);
    }
}

/// The first bare `Self` (not `Self::X`) in a type, if any.
pub(crate) fn find_bare_self(ty: &Type) -> Option<Span> {
    struct Find(Option<Span>);
    impl Visit<'_> for Find {
        fn visit_type_path(&mut self, ty: &TypePath) {
            let first = &ty.path.segments[0];
            if ty.qself.is_none() && ty.path.leading_colon.is_none() && first.ident == "Self" {
                if ty.path.segments.len() == 1 {
                    self.0.get_or_insert(first.ident.span());
                }
                for segment in ty.path.segments.iter().skip(1) {
                    self.visit_path_segment(segment);
                }
                return;
            }
            if let Some(qself) = &ty.qself {
                if !is_self(&qself.ty) {
                    self.visit_type(&qself.ty);
                }
                for segment in &ty.path.segments {
                    self.visit_path_segment(segment);
                }
                return;
            }
            visit::visit_type_path(self, ty);
        }
    }
    let mut find = Find(None);
    find.visit_type(ty);
    find.0
}

/// Whether `ty` is `Self`.
pub(crate) fn is_self(ty: &Type) -> bool {
    matches!(ty, Type::Path(TypePath { qself: None, path, .. }) if path.is_ident("Self"))
}

/// The first `impl Trait` in a type, if any.
pub(crate) fn find_impl_trait(ty: &Type) -> Option<&TypeImplTrait> {
    struct Find<'ast>(Option<&'ast TypeImplTrait>);
    impl<'ast> Visit<'ast> for Find<'ast> {
        fn visit_type_impl_trait(&mut self, ty: &'ast TypeImplTrait) {
            self.0.get_or_insert(ty);
        }
    }
    let mut find = Find(None);
    find.visit_type(ty);
    find.0
}

/// Whether tokens mention `Self` at all (bare or in `Self::X`).
pub(crate) fn mentions_self(tokens: &impl quote::ToTokens) -> bool {
    fn walk(stream: proc_macro2::TokenStream) -> bool {
        stream.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => ident == "Self",
            proc_macro2::TokenTree::Group(group) => walk(group.stream()),
            _ => false,
        })
    }
    walk(tokens.to_token_stream())
}
