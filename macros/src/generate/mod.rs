//! The expansion: the trait (rewritten for `Send`), `Dyn<Name>`, its impls,
//! the `<Name>WithSlot` wrapper and the `<Name>FromDyn` forwarder.

mod declaration;
mod forward;
mod impls;
mod original;
mod wrapper;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::visit_mut::VisitMut;
use syn::{GenericParam, Ident, Lifetime, Path, Type, WherePredicate, parse_quote};

use crate::model::{Arg, AsyncMethod, Common, Member, Model, Receiver};
use crate::rewrite::{FillElided, ReplaceSelf};

/// Everything `#[dyn_trait]` emits for an accepted trait.
pub(crate) fn expand(model: &Model) -> TokenStream {
    let original = original::rewrite(model);
    let declaration = declaration::declaration(model);
    let impls = impls::impls(model);
    let wrapper = wrapper::wrapper(model);
    let from_dyn = forward::from_dyn(model);
    quote!(#original #declaration #impls #wrapper #from_dyn)
}

/// A name the generated code introduces; hygienic (`Span::mixed_site`), so
/// it never collides with, or shadows, the method's own arguments.
fn hygienic(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The name of the scratch argument.
fn scratch_ident() -> Ident {
    hygienic("scratch")
}

/// `Name<'a, T, ...>` or `DynName<'a, T, ...>`.
fn trait_path(model: &Model, ident: &Ident) -> Path {
    let (_, ty_generics, _) = model.item.generics.split_for_impl();
    parse_quote!(#ident #ty_generics)
}

/// The slot future a dyn method returns: `SlotFuture` or `LocalSlotFuture`.
fn slot_future(model: &Model, lifetime: &Lifetime, output: &Type) -> TokenStream {
    let krate = &model.args.krate;
    if model.args.send {
        quote!(#krate::SlotFuture<#lifetime, #output>)
    } else {
        quote!(#krate::LocalSlotFuture<#lifetime, #output>)
    }
}

/// What must outlive the scratch's lifetime for a method's future to live
/// that long: the trait's lifetimes and type parameters, and the method's
/// lifetimes (its own and those named for elided ones). The future captures
/// all of them.
fn outliving(model: &Model, method: &AsyncMethod) -> Vec<TokenStream> {
    let trait_params = model.item.generics.params.iter();
    let method_params = method.generics.params.iter();
    trait_params
        .chain(method_params)
        .filter_map(|param| match param {
            GenericParam::Lifetime(param) => Some(param.lifetime.to_token_stream()),
            GenericParam::Type(param) => Some(param.ident.to_token_stream()),
            GenericParam::Const(_) => None,
        })
        .collect()
}

/// The auto traits that default bodies require of `Self` under `Send`
/// (`where Self: Sync`), each once, across the trait's async methods.
fn default_body_bounds(model: &Model) -> Vec<&Ident> {
    let mut bounds: Vec<&Ident> = Vec::new();
    for member in &model.members {
        if let Member::Async(method) = member {
            for bound in &method.self_bounds {
                if !bounds.contains(&bound) {
                    bounds.push(bound);
                }
            }
        }
    }
    bounds
}

/// A dyn method's signature, `fn name<'s, ...>(receiver, scratch:
/// Scratch<'s>, args...) -> Future where ...` (`'s` first, with the outlives
/// bounds): as `Dyn<Name>` declares it; with `replace`, as an impl writes it.
/// A reference receiver borrows for `'s`; a pointer receiver (`self:
/// Arc<Self>`) is moved into the future, so `Self: 's`.
fn async_sig(
    model: &Model,
    method: &AsyncMethod,
    mut replace: Option<&mut ReplaceSelf<'_>>,
) -> TokenStream {
    let (s, krate, scratch) = (&model.fresh.s, &model.args.krate, scratch_ident());
    let mut generics = method.generics.clone();
    generics.params.insert(0, parse_quote!(#s));
    let mut outlives: Vec<WherePredicate> = outliving(model, method)
        .into_iter()
        .map(|outliving| parse_quote!(#outliving: #s))
        .collect();
    let self_bounds = &method.self_bounds;
    outlives.extend(
        self_bounds
            .iter()
            .map(|bound| -> WherePredicate { parse_quote!(Self: ::core::marker::#bound) }),
    );
    let receiver = match &method.receiver {
        Receiver::Ref { mutable, lifetime } => {
            let lifetime = lifetime.as_ref().unwrap_or(s);
            let mutability = mutable.then(|| quote!(mut));
            quote!(&#lifetime #mutability self)
        }
        Receiver::Pointer(ty) => {
            let mut ty = (**ty).clone();
            FillElided(s).visit_type_mut(&mut ty);
            outlives.push(parse_quote!(Self: #s));
            quote!(self: #ty)
        }
    };
    generics.make_where_clause().predicates.extend(outlives);
    let mut output = method.output.clone();
    if let Some(replace) = replace.as_deref_mut() {
        replace.visit_type_mut(&mut output);
        replace.visit_generics_mut(&mut generics);
    }
    let args: Vec<TokenStream> = method
        .args
        .iter()
        .map(|arg| typed_arg(arg, replace.as_deref_mut()))
        .collect();
    let ident = &method.common.ident;
    let future = slot_future(model, s, &output);
    let where_clause = &generics.where_clause;
    quote! {
        fn #ident #generics (#receiver, #scratch: #krate::Scratch<#s>, #(#args),*)
            -> #future
        #where_clause
    }
}

/// An argument as a signature writes it, `#[attrs] name: Type`; with
/// `replace`, as an impl writes it.
fn typed_arg(arg: &Arg, replace: Option<&mut ReplaceSelf<'_>>) -> TokenStream {
    let (attrs, name, mut ty) = (&arg.attrs, &arg.name, arg.ty.clone());
    if let Some(replace) = replace {
        replace.visit_type_mut(&mut ty);
    }
    quote!(#(#attrs)* #name: #ty)
}

/// The `#[cfg]`s and `#[allow(deprecated)]` of a member's items in impls.
fn impl_attrs(common: &Common) -> TokenStream {
    let cfg = &common.cfg;
    let deprecated = common
        .deprecated
        .then(|| allow_deprecated("forwards a deprecated member of the trait"));
    quote!(#(#cfg)* #deprecated)
}

/// `#[allow(deprecated)]` for items that name a deprecated trait.
fn allow_deprecated_trait(model: &Model) -> Option<TokenStream> {
    model
        .deprecated
        .as_ref()
        .map(|_| allow_deprecated("implements the dyn form of a deprecated trait"))
}

/// `#[allow(deprecated, reason = "...")]`.
fn allow_deprecated(reason: &str) -> TokenStream {
    quote!(#[allow(deprecated, reason = #reason)])
}

/// A path as the user would write it, for messages: `stackslot`.
fn display_path(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
