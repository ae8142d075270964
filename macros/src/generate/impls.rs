//! The impls of `Dyn<Name>`: for every implementor, for an `Adapter` with an
//! `Unpin` strategy, and for a pinned `Adapter` with any strategy.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::visit_mut::VisitMut;
use syn::{Generics, Ident, Path, Type, WhereClause, parse_quote};

use super::{
    allow_deprecated_trait, async_sig, default_body_bounds, hygienic, impl_attrs, scratch_ident,
    trait_path,
};
use crate::model::{AsyncMethod, Member, Method, Model};
use crate::rewrite::ReplaceSelf;

/// Which impl is being generated.
#[derive(Clone, Copy)]
enum Target {
    /// `impl<T: Name + ?Sized> DynName for T`.
    Blanket,
    /// `impl<T: Name, S: Strategy> DynName for Adapter<T, S> where S: Unpin`.
    Adapter,
    /// `impl<T: Name, S: Strategy> DynName for Pin<&mut Adapter<T, S>>`.
    Pinned,
}

pub(super) fn impls(model: &Model) -> TokenStream {
    let blanket = one(model, Target::Blanket);
    if model.without_adapters().is_some() {
        return blanket;
    }
    let adapter = one(model, Target::Adapter);
    let pinned = one(model, Target::Pinned);
    quote!(#blanket #adapter #pinned)
}

fn one(model: &Model, target: Target) -> TokenStream {
    let krate = &model.args.krate;
    let (t, s) = (&model.fresh.t, &model.fresh.strategy);
    let name = trait_path(model, &model.item.ident);
    let dyn_name = trait_path(model, &model.dyn_ident);
    let pin = &model.fresh.pin;
    let self_ty: Type = match target {
        Target::Blanket => parse_quote!(#t),
        Target::Adapter => parse_quote!(#krate::Adapter<#t, #s>),
        Target::Pinned => parse_quote!(::core::pin::Pin<&#pin mut #krate::Adapter<#t, #s>>),
    };
    let mut generics: Generics = model.item.generics.clone();
    match target {
        Target::Blanket => generics
            .params
            .push(parse_quote!(#t: #name + ?::core::marker::Sized)),
        Target::Adapter | Target::Pinned => {
            generics.params.push(parse_quote!(#t: #name));
            generics.params.push(parse_quote!(#s: #krate::Strategy));
        }
    }
    if let Target::Pinned = target {
        generics.params.insert(0, parse_quote!(#pin));
    }
    let implementor: Type = parse_quote!(#t);
    // The trait's own bounds, with `Self` made concrete.
    let mut replace = ReplaceSelf {
        implementor: &implementor,
        trait_path: &name,
        self_ty: Some(&self_ty),
    };
    let where_clause: &mut WhereClause = generics.make_where_clause();
    replace.visit_where_clause_mut(where_clause);
    let supertraits = &model.item.supertraits;
    if !matches!(target, Target::Blanket) && !supertraits.is_empty() {
        where_clause
            .predicates
            .push(parse_quote!(Self: #supertraits));
    }
    // A default body's future is `Send` only with the implementor's
    // `Send`/`Sync`, which an adapter's `Self: Send` does not imply.
    if !matches!(target, Target::Blanket) {
        for bound in default_body_bounds(model) {
            where_clause
                .predicates
                .push(parse_quote!(#t: ::core::marker::#bound));
        }
    }
    if let Target::Adapter = target {
        where_clause
            .predicates
            .push(parse_quote!(#s: ::core::marker::Unpin));
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let mut replace = ReplaceSelf {
        implementor: &implementor,
        trait_path: &name,
        self_ty: None,
    };
    let members = model
        .members
        .iter()
        .map(|member| self::member(model, target, &name, &mut replace, member));
    let cfg = &model.cfg;
    let allow_deprecated = allow_deprecated_trait(model);
    quote! {
        #(#cfg)*
        #allow_deprecated
        impl #impl_generics #dyn_name for #self_ty #where_clause {
            #(#members)*
        }
    }
}

fn member(
    model: &Model,
    target: Target,
    name: &Path,
    replace: &mut ReplaceSelf<'_>,
    member: &Member,
) -> TokenStream {
    let t = &model.fresh.t;
    match member {
        Member::Async(method) => async_method(model, target, name, replace, method),
        Member::Method(method) => forward(model, target, name, replace, method),
        Member::Const(common, ty) => {
            let attrs = impl_attrs(common);
            let ident = &common.ident;
            let mut ty = ty.clone();
            replace.visit_type_mut(&mut ty);
            quote! {
                #attrs
                #[inline]
                fn #ident(&self) -> #ty {
                    <#t as #name>::#ident
                }
            }
        }
        Member::Type(common, _) => {
            let attrs = impl_attrs(common);
            let ident = &common.ident;
            quote!(#attrs type #ident = <#t as #name>::#ident;)
        }
    }
}

fn async_method(
    model: &Model,
    target: Target,
    name: &Path,
    replace: &mut ReplaceSelf<'_>,
    method: &AsyncMethod,
) -> TokenStream {
    let (krate, t, s) = (&model.args.krate, &model.fresh.t, &model.fresh.strategy);
    let ident = &method.common.ident;
    let attrs = impl_attrs(&method.common);
    let sig = async_sig(model, method, Some(replace));
    let args = method.args.iter().map(|arg| &arg.name);
    let scratch = scratch_ident();
    let (inner, strategy) = (hygienic("inner"), hygienic("strategy"));
    let local_suffix = if model.args.send { "" } else { "_local" };
    let body = match target {
        Target::Blanket => {
            let emplace = Ident::new(&format!("emplace{local_suffix}"), Span::call_site());
            quote!(#krate::Scratch::#emplace(#scratch, <#t as #name>::#ident(self, #(#args),*)))
        }
        Target::Adapter | Target::Pinned => {
            let kind = if method.receiver.is_mut() {
                "exclusive"
            } else {
                "shared"
            };
            let emplace = Ident::new(&format!("emplace_{kind}{local_suffix}"), Span::call_site());
            let parts = match (target, method.receiver.is_mut()) {
                (Target::Adapter, false) => quote!(#krate::Adapter::parts(self)),
                (Target::Adapter, true) => {
                    quote!(#krate::Adapter::parts_pinned(::core::pin::Pin::new(self)))
                }
                (_, false) => quote!(#krate::Adapter::parts(
                    ::core::pin::Pin::get_ref(::core::pin::Pin::as_ref(self))
                )),
                (_, true) => quote!(#krate::Adapter::parts_pinned(::core::pin::Pin::as_mut(self))),
            };
            quote! {
                let (#inner, #strategy) = #parts;
                <#s as #krate::Strategy>::#emplace(
                    #strategy,
                    #scratch,
                    <#t as #name>::#ident(#inner, #(#args),*),
                )
            }
        }
    };
    quote! {
        #attrs
        #[inline]
        #sig {
            #body
        }
    }
}

fn forward(
    model: &Model,
    target: Target,
    name: &Path,
    replace: &mut ReplaceSelf<'_>,
    method: &Method,
) -> TokenStream {
    let (krate, t) = (&model.args.krate, &model.fresh.t);
    let attrs = impl_attrs(&method.common);
    let mut sig = method.sig.clone();
    replace.visit_signature_mut(&mut sig);
    let ident = &sig.ident;
    let args = &method.args;
    let receiver = match (target, method.receiver.is_mut()) {
        (Target::Blanket, _) => quote!(self),
        (Target::Adapter, false) => quote!(#krate::Adapter::inner(self)),
        (Target::Adapter, true) => quote!(#krate::Adapter::inner_mut(self)),
        (Target::Pinned, false) => quote!(#krate::Adapter::inner(
            ::core::pin::Pin::get_ref(::core::pin::Pin::as_ref(self))
        )),
        (Target::Pinned, true) => {
            quote!(#krate::Adapter::parts_pinned(::core::pin::Pin::as_mut(self)).0)
        }
    };
    quote! {
        #attrs
        #[inline]
        #sig {
            <#t as #name>::#ident(#receiver, #(#args),*)
        }
    }
}
