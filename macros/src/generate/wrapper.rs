//! `<Name>WithSlot`: the async methods of `Dyn<Name>` under their own
//! names, each call lending one borrowed slot; for callers who would rather
//! not pass a scratch.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;
use syn::{GenericParam, Lifetime, Token, Type, WherePredicate, parse_quote};

use super::{
    allow_deprecated, allow_deprecated_trait, outliving, scratch_ident, slot_future, trait_path,
    typed_arg,
};
use crate::model::{AsyncMethod, Member, Model, Receiver};
use crate::rewrite::{ReplaceSelf, mentions_self};

pub(super) fn wrapper(model: &Model) -> TokenStream {
    let methods: Vec<TokenStream> = model
        .members
        .iter()
        .filter_map(|member| match member {
            Member::Async(method) => match &method.receiver {
                Receiver::Ref { mutable, lifetime } => {
                    Some(self::method(model, method, *mutable, lifetime.as_ref()))
                }
                // Takes its own pointer to the callee, not the wrapper's.
                Receiver::Pointer(_) => None,
            },
            _ => None,
        })
        .collect();
    if methods.is_empty() {
        return TokenStream::new();
    }
    let krate = &model.args.krate;
    let vis = &model.item.vis;
    let wrapper = &model.wrapper_ident;
    let (p, n, a, slot) = (
        &model.fresh.p,
        &model.fresh.n,
        &model.fresh.a,
        &model.fresh.slot,
    );
    let cfg = &model.cfg;
    let slot_ty = quote!(::core::pin::Pin<&#slot mut #krate::Slot<#n, #a>>);
    let alloc = cfg!(feature = "alloc");
    let may_allocate_field = alloc.then(|| quote!(may_allocate: bool,));
    let new = alloc.then(|| {
        quote! {
            /// Lends `slot` with `Slot::or_box`: a future too large is boxed.
            #[inline]
            #vis fn new(target: #p, slot: #slot_ty) -> Self {
                #wrapper { target, slot, may_allocate: true }
            }
        }
    });
    let stack_only_field = alloc.then(|| quote!(may_allocate: false,));
    let debug_may_allocate = alloc.then(|| quote!(.field("may_allocate", &self.may_allocate)));
    let doc = wrapper_doc(model);
    let target_doc = format!(
        " The callee: `&dyn`, `&mut dyn`, `Box<dyn>` or `&mut` of a [`{}`].",
        model.dyn_ident
    );
    let deprecated = &model.deprecated;
    let allow_deprecated = allow_deprecated_trait(model);
    let allow_dead_code = quote! {
        #[allow(dead_code, reason = "generated for callers of the trait, who may not need it")]
    };
    quote! {
        #(#cfg)*
        #doc
        #deprecated
        #allow_dead_code
        #vis struct #wrapper<#slot, #p, const #n: usize, #a: #krate::Alignment = #krate::Align16> {
            #[doc = #target_doc]
            #vis target: #p,
            /// The slot lent to each call; `slot.stats()` counts hits.
            #vis slot: #slot_ty,
            #may_allocate_field
        }

        #(#cfg)*
        #allow_dead_code
        #allow_deprecated
        impl<#slot, #p, const #n: usize, #a: #krate::Alignment> #wrapper<#slot, #p, #n, #a> {
            #new

            /// Lends `slot` with `Slot::stack_only`: never allocates; a future
            /// too large panics.
            #[inline]
            #vis fn stack_only(target: #p, slot: #slot_ty) -> Self {
                #wrapper { target, slot, #stack_only_field }
            }

            #(#methods)*
        }

        #(#cfg)*
        #allow_deprecated
        impl<#slot, #p: ::core::fmt::Debug, const #n: usize, #a: #krate::Alignment>
            ::core::fmt::Debug for #wrapper<#slot, #p, #n, #a>
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#wrapper))
                    .field("target", &self.target)
                    .field("slot", &self.slot)
                    #debug_may_allocate
                    .finish()
            }
        }
    }
}

fn wrapper_doc(model: &Model) -> TokenStream {
    let dyn_ident = &model.dyn_ident;
    let lines = [
        format!(
            " [`{dyn_ident}`]'s async methods under their own names, each call lending `slot`."
        ),
        String::new(),
        " One slot holds one future at a time: every method takes `&mut self` and its".to_owned(),
        " future borrows the wrapper, so calls through one wrapper run one after the".to_owned(),
        " other. For calls in flight at once, use one wrapper (one slot) per call, all".to_owned(),
        " with the same `&dyn` target. Other members: `wrapper.target.method()`.".to_owned(),
    ];
    quote!(#(#[doc = #lines])*)
}

/// A forwarding method: `fn name<'s, ...>(&'s mut self, args...) -> Future`,
/// for an async method with a `&self` (`mutable`: `&mut self`) receiver,
/// whose `lifetime` is the one written (`&'a self`).
fn method(
    model: &Model,
    method: &AsyncMethod,
    mutable: bool,
    lifetime: Option<&Lifetime>,
) -> TokenStream {
    let krate = &model.args.krate;
    let p = &model.fresh.p;
    let ident = &method.common.ident;
    // The scratch lives as long as the borrow of the wrapper; a receiver
    // with a lifetime of its own (`&'a self`) lends the slot for `'a`.
    let s = lifetime.unwrap_or(&model.fresh.s);
    let mut params: Punctuated<GenericParam, Token![,]> = Punctuated::new();
    if lifetime.is_none() {
        params.push(parse_quote!(#s));
    }
    let trait_params = model.item.generics.params.iter().map(without_default);
    let (lifetimes, others): (Vec<_>, Vec<_>) = trait_params
        .chain(method.generics.params.iter().cloned())
        .partition(|param| matches!(param, GenericParam::Lifetime(_)));
    params.extend(lifetimes);
    params.extend(others);
    let dyn_name = trait_path(model, &model.dyn_ident);
    let target = quote!(<#p as ::core::ops::Deref>::Target);
    let deref = if mutable {
        quote!(::core::ops::DerefMut)
    } else {
        quote!(::core::ops::Deref)
    };
    let mut predicates: Vec<WherePredicate> =
        vec![parse_quote!(#p: #deref), parse_quote!(#target: #dyn_name)];
    for bound in &method.self_bounds {
        predicates.push(parse_quote!(#target: ::core::marker::#bound));
    }
    if let Some(where_clause) = &model.item.generics.where_clause {
        let own = where_clause
            .predicates
            .iter()
            .filter(|pred| !mentions_self(pred));
        predicates.extend(own.cloned());
    }
    if let Some(where_clause) = &method.generics.where_clause {
        predicates.extend(where_clause.predicates.iter().cloned());
    }
    for outliving in outliving(model, method) {
        if outliving.to_string() != quote!(#s).to_string() {
            predicates.push(parse_quote!(#outliving: #s));
        }
    }
    // `Self::X` is the target's.
    let target_ty: Type = parse_quote!(#target);
    let mut replace = ReplaceSelf {
        implementor: &target_ty,
        trait_path: &dyn_name,
        self_ty: None,
    };
    predicates
        .iter_mut()
        .for_each(|pred| replace.visit_where_predicate_mut(pred));
    let args: Vec<TokenStream> = method
        .args
        .iter()
        .map(|arg| typed_arg(arg, Some(&mut replace)))
        .collect();
    let names: Vec<_> = method.args.iter().map(|arg| &arg.name).collect();
    let mut output = method.output.clone();
    replace.visit_type_mut(&mut output);
    let handle = slot_future(model, s, &output);
    let target_ref = if mutable {
        quote!(&mut *self.target)
    } else {
        quote!(&*self.target)
    };
    let scratch = scratch_ident();
    let slot = quote!(::core::pin::Pin::as_mut(&mut self.slot));
    // A wrapper that may box lends its slot through `Slot::call` (the
    // callee polls a future ready at once itself); one that may not calls
    // the callee now, in this `#[track_caller]` method, so that a stack-only
    // overflow panics at the user's line (the closure that a later poll of
    // `Slot::call_stack_only` would run reports the generated code).
    let stack_only = quote! {
        <#target as #dyn_name>::#ident(target, #krate::Slot::stack_only(#slot), #(#names),*)
    };
    let lend = if cfg!(feature = "alloc") {
        quote! {
            if self.may_allocate {
                let call = move |#scratch| -> #handle {
                    // Moved out of the closure (`FnOnce`): the future borrows
                    // the target and the arguments for `'s`, not the closure.
                    let (target, #(#names,)*) = (target, #(#names,)*);
                    <#target as #dyn_name>::#ident(target, #scratch, #(#names),*)
                };
                #krate::__macro_support::Either::Left(#krate::Slot::call(#slot, call))
            } else {
                #krate::__macro_support::Either::Right(#stack_only)
            }
        }
    } else {
        stack_only
    };
    // The future captures every parameter (and is `Send` when they are).
    let (wrapper_slot, wrapper_p, n, a) = (
        &model.fresh.slot,
        &model.fresh.p,
        &model.fresh.n,
        &model.fresh.a,
    );
    let captured = |lifetimes: bool| {
        params
            .iter()
            .filter_map(move |param| match param {
                GenericParam::Lifetime(param) if lifetimes => {
                    Some(param.lifetime.to_token_stream())
                }
                GenericParam::Type(param) if !lifetimes => Some(param.ident.to_token_stream()),
                GenericParam::Const(param) if !lifetimes => Some(param.ident.to_token_stream()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let (captured_lifetimes, captured_others) = (captured(true), captured(false));
    let attrs = &method.common.attrs;
    let allow_deprecated = method
        .common
        .deprecated
        .then(|| allow_deprecated("forwards a deprecated method of the trait"));
    let vis = &model.item.vis;
    // `#[track_caller]`: the lend (`Slot::or_box`, attributed to its caller
    // under the feature `profile`) and `Dyn<Name>`'s method (a `stack_only`
    // overflow panics at its caller) see the user's call.
    quote! {
        #(#attrs)*
        #allow_deprecated
        #[inline]
        #[track_caller]
        #vis fn #ident<#params>(&#s mut self, #(#args),*)
            -> impl ::core::future::Future<Output = #output>
                + use<#wrapper_slot, #(#captured_lifetimes,)* #wrapper_p, #n, #a, #(#captured_others),*>
        where
            #(#predicates,)*
        {
            let target = #target_ref;
            #lend
        }
    }
}

/// A trait parameter as a method parameter: without its default.
fn without_default(param: &GenericParam) -> GenericParam {
    let mut param = param.clone();
    match &mut param {
        GenericParam::Type(param) => param.default = None,
        GenericParam::Const(param) => param.default = None,
        GenericParam::Lifetime(_) => {}
    }
    param
}
