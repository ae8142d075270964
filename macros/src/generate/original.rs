//! The trait as written; with `Send`, its futures are made `Send`: each
//! `async fn` becomes `fn ... -> impl Future<Output = T> + Send`, and each
//! `impl Future` output gets a `+ Send` bound.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{
    Block, FnArg, Pat, PatIdent, ReturnType, Signature, Stmt, TraitItem, Type, TypeParamBound,
    parse_quote,
};

use super::hygienic;
use crate::model::Model;

pub(super) fn rewrite(model: &Model) -> TokenStream {
    let mut item = model.item.clone();
    if model.args.send {
        for trait_item in &mut item.items {
            if let TraitItem::Fn(method) = trait_item {
                if method.sig.asyncness.take().is_some() {
                    let output = match &method.sig.output {
                        ReturnType::Default => parse_quote!(()),
                        ReturnType::Type(_, ty) => (**ty).clone(),
                    };
                    method.sig.output = parse_quote! {
                        -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
                    };
                    if let Some(body) = method.default.take() {
                        method.default = Some(async_body(&mut method.sig, body));
                    }
                } else if let ReturnType::Type(_, ty) = &mut method.sig.output {
                    add_send(ty);
                }
            }
        }
    }
    quote!(#item)
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
/// in (`_` ones too), so each is dropped with the future, as before.
fn async_body(sig: &mut Signature, body: Block) -> Block {
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
    let stmts = body.stmts;
    parse_quote!({
        async move {
            #(#moves)*
            #(#stmts)*
        }
    })
}
