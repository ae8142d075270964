//! The trait as written, but for patterns in the arguments of methods
//! without a body (which Rust rejects there), named. With `Send`, its
//! futures are made `Send`: each `async fn` becomes `fn ... -> impl
//! Future<Output = T> + Send` (a default body, an `async move` block, with
//! the bounds on `Self` its future needs), and each `impl Future` output
//! gets a `+ Send` bound. Without `Send`, each `async fn` is allowed the
//! `async_fn_in_trait` lint: the attribute already says its futures are
//! local.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{
    Attribute, Block, FnArg, Ident, Pat, PatIdent, ReturnType, Signature, Stmt, TraitItem, Type,
    TypeParamBound, parse_quote, parse_quote_spanned,
};

use super::hygienic;
use crate::model::Model;
use crate::parse::default_body_bounds;

pub(super) fn rewrite(model: &Model) -> TokenStream {
    let mut item = model.item.clone();
    for trait_item in &mut item.items {
        let TraitItem::Fn(method) = trait_item else {
            continue;
        };
        if method.default.is_none() {
            name_patterns(&mut method.sig);
        }
        if !model.args.send {
            if method.sig.asyncness.is_some() {
                method.attrs.push(allow_local_async_fn());
            }
            continue;
        }
        if let Some(asyncness) = method.sig.asyncness.take() {
            let output = match &method.sig.output {
                ReturnType::Default => parse_quote!(()),
                ReturnType::Type(_, ty) => (**ty).clone(),
            };
            // At the user's `async`: where a future that is not `Send` is
            // reported.
            method.sig.output = parse_quote_spanned! {asyncness.span=>
                -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
            };
            if let Some(body) = method.default.take() {
                let bounds = default_body_bounds(&method.sig, &model.item.supertraits);
                if !bounds.is_empty() {
                    method
                        .sig
                        .generics
                        .make_where_clause()
                        .predicates
                        .push(parse_quote!(Self: #(::core::marker::#bounds)+*));
                }
                method.default = Some(async_body(&mut method.sig, &output, body));
            }
        } else if let ReturnType::Type(_, ty) = &mut method.sig.output {
            add_send(ty);
        }
    }
    quote!(#item)
}

/// `#[allow(async_fn_in_trait)]`, for an `async fn` of a trait without
/// `Send`. The lint asks the author of a public trait to choose whether its
/// futures are `Send`, since callers cannot add the bound; here the choice is
/// the attribute's: `#[dyn_trait]` declares them local (and `Dyn<Name>`
/// returns `!Send` handles to match), `#[dyn_trait(Send)]` makes them `Send`
/// by the very rewrite the lint suggests.
fn allow_local_async_fn() -> Attribute {
    parse_quote! {
        #[allow(
            async_fn_in_trait,
            reason = "`#[dyn_trait]` declares the futures local; `#[dyn_trait(Send)]` makes them `Send`"
        )]
    }
}

/// Names the arguments of a method without a body that are patterns
/// (`(a, b): (u8, u8)`, `mut x: u8`), which Rust allows only with a body:
/// `x` for `mut x` and `ref x`, `argN` for the others.
fn name_patterns(sig: &mut Signature) {
    let args = sig.inputs.iter_mut().filter_map(|input| match input {
        FnArg::Typed(arg) => Some(arg),
        FnArg::Receiver(_) => None,
    });
    for (i, arg) in args.enumerate() {
        let name = match &*arg.pat {
            Pat::Ident(PatIdent {
                by_ref: None,
                mutability: None,
                subpat: None,
                ..
            })
            | Pat::Wild(_) => continue,
            Pat::Ident(PatIdent {
                ident,
                subpat: None,
                ..
            }) => ident.clone(),
            _ => hygienic(&format!("arg{i}")),
        };
        *arg.pat = parse_quote!(#name);
    }
}

/// Adds `+ Send` to an `impl Future` output that lacks it.
fn add_send(ty: &mut Type) {
    let Type::ImplTrait(impl_trait) = ty else {
        return;
    };
    let last_is = |bound: &TypeParamBound, name: &str| match bound {
        TypeParamBound::Trait(bound) => bound.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    };
    let is_future = impl_trait.bounds.iter().any(|b| last_is(b, "Future"));
    let is_send = impl_trait.bounds.iter().any(|b| last_is(b, "Send"));
    if is_future && !is_send {
        impl_trait.bounds.push(parse_quote!(::core::marker::Send));
    }
}

/// The default body of an `async fn` as the body of a function returning an
/// `async move` block. Like an `async fn`, the block moves every argument
/// in (`_` ones too), so each is dropped with the future, as before. Its
/// output is declared `output` first, as the body's expected type, so that
/// its `return`s and its value coerce to it (`&x` to `&dyn Trait`, ...); the
/// block is spanned at the body, where errors about it belong.
fn async_body(sig: &mut Signature, output: &Type, body: Block) -> Block {
    let mut moves: Vec<Stmt> = Vec::new();
    let args = sig.inputs.iter_mut().filter_map(|input| match input {
        FnArg::Typed(arg) => Some(arg),
        FnArg::Receiver(_) => None,
    });
    for (i, arg) in args.enumerate() {
        match &mut *arg.pat {
            Pat::Ident(PatIdent {
                by_ref: None,
                subpat: None,
                mutability,
                ident,
                ..
            }) => {
                let mutability = mutability.take();
                moves.push(parse_quote!(let #mutability #ident = #ident;));
            }
            pat => {
                let name = hygienic(&format!("arg{i}"));
                let pat = std::mem::replace(pat, parse_quote!(#name));
                moves.push(parse_quote!(let #name = #name;));
                moves.push(parse_quote!(let #pat = #name;));
            }
        }
    }
    let span = body.brace_token.span.join();
    let ret = Ident::new("__ret", Span::mixed_site().located_at(span));
    let stmts = body.stmts;
    let block = quote_spanned! {span=>
        async move {
            #(#moves)*
            if let ::core::option::Option::Some(#ret) = ::core::option::Option::None::<#output> {
                #[allow(unreachable_code)]
                return #ret;
            }
            let #ret: #output = { #(#stmts)* };
            #[allow(unreachable_code)]
            #ret
        }
    };
    parse_quote!({ #block })
}
