//! `<Name>FromDyn`: a type that implements `Name` itself by forwarding to a
//! `dyn Dyn<Name>`, so that a dyn object can be passed where generic code
//! expects `impl Name`. Each forwarded future holds a slot of its own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit_mut::VisitMut;
use syn::{
    FnArg, Ident, ReturnType, Signature, TraitItem, TraitItemFn, Type, TypeParamBound, parse_quote,
};

use super::{allow_deprecated_trait, default_body_bounds, impl_attrs, scratch_ident, trait_path};
use crate::model::{AsyncMethod, Member, Method, Model, Receiver};
use crate::rewrite::ReplaceSelf;

/// Why a trait gets no `<Name>FromDyn`: a member it would have to
/// implement but cannot reach through a dyn object.
enum WithoutFromDyn<'a> {
    /// `fn NAME` takes `self` through a pointer (`self: Arc<Self>`): the
    /// forwarder holds a pointer to the dyn object, not an `Arc` of it.
    PointerReceiver(&'a Ident),
    /// A method without a default body that `Dyn<Name>` leaves out (no
    /// receiver, `self` by value, or `where Self: Sized`).
    RequiredOutsideDyn(&'a Ident),
    /// `const NAME`: a constant cannot be read from a dyn object.
    Const(&'a Ident),
    /// `fn NAME(&self) -> impl Future<Output = T> + Send` without
    /// `#[dyn_trait(Send)]`: its dyn form returns a `LocalSlotFuture`, so a
    /// future that awaits it cannot be `Send`.
    SendWithoutSendOption(&'a Ident),
}

/// Why `<Name>FromDyn` is not generated; `None` when it is.
fn without_from_dyn(model: &Model) -> Option<WithoutFromDyn<'_>> {
    for member in &model.members {
        let pointer = match member {
            Member::Async(method) => matches!(method.receiver, Receiver::Pointer(_)),
            Member::Method(method) => matches!(method.receiver, Receiver::Pointer(_)),
            Member::Const(..) | Member::Type(..) => false,
        };
        if pointer {
            return Some(WithoutFromDyn::PointerReceiver(member_ident(member)));
        }
    }
    for member in &model.members {
        if let Member::Async(method) = member {
            if !model.args.send && declares_send(model, method) {
                return Some(WithoutFromDyn::SendWithoutSendOption(&method.common.ident));
            }
        }
    }
    for item in &model.item.items {
        match item {
            TraitItem::Const(item) => return Some(WithoutFromDyn::Const(&item.ident)),
            TraitItem::Fn(item) if item.default.is_none() && !in_dyn(model, &item.sig.ident) => {
                return Some(WithoutFromDyn::RequiredOutsideDyn(&item.sig.ident));
            }
            _ => {}
        }
    }
    None
}

/// The line of `Dyn<Name>`'s docs about `<Name>FromDyn`: what it is, or
/// why there is none.
pub(super) fn doc_line(model: &Model) -> String {
    let (ident, name) = (&model.from_dyn_ident, &model.item.ident);
    let Some(why) = without_from_dyn(model) else {
        return format!(" [`{ident}`] passes a dyn object to code generic over `{name}`.");
    };
    let why = match why {
        WithoutFromDyn::PointerReceiver(method) => format!(
            "`{method}` takes `self` through a pointer such as `Arc<Self>`, which a forwarder \
             holding a pointer to the dyn object cannot pass on"
        ),
        WithoutFromDyn::RequiredOutsideDyn(method) => format!(
            "`{method}` has no default body and cannot be called through `dyn`, so a forwarder \
             could not implement it"
        ),
        WithoutFromDyn::Const(constant) => format!(
            "the associated const `{constant}` cannot be read from a dyn object at compile time"
        ),
        WithoutFromDyn::SendWithoutSendOption(method) => format!(
            "`{method}` returns a `Send` future, but without `#[dyn_trait(Send)]` its dyn form \
             returns a `LocalSlotFuture`, which is not `Send`"
        ),
    };
    format!(" No `{ident}` is generated: {why}.")
}

fn member_ident(member: &Member) -> &Ident {
    match member {
        Member::Async(method) => &method.common.ident,
        Member::Method(method) => &method.common.ident,
        Member::Const(common, _) | Member::Type(common, _) => &common.ident,
    }
}

/// Whether `Dyn<Name>` has the method `ident`.
fn in_dyn(model: &Model, ident: &Ident) -> bool {
    model
        .members
        .iter()
        .any(|member| member_ident(member) == ident)
}

pub(super) fn from_dyn(model: &Model) -> TokenStream {
    if without_from_dyn(model).is_some() {
        return TokenStream::new();
    }
    let krate = &model.args.krate;
    let vis = &model.item.vis;
    let ident = &model.from_dyn_ident;
    let (p, n, a) = (&model.fresh.p, &model.fresh.n, &model.fresh.a);
    let cfg = &model.cfg;
    let alloc = cfg!(feature = "alloc");
    let may_allocate_field = alloc.then(|| quote!(may_allocate: bool,));
    let new = alloc.then(|| {
        quote! {
            /// Forwards to `target`, each future lending its slot with
            /// `Slot::or_box`: a future too large is boxed.
            #[inline]
            #vis const fn new(target: #p) -> Self {
                #ident { target, may_allocate: true, alignment: ::core::marker::PhantomData }
            }
        }
    });
    let stack_only_field = alloc.then(|| quote!(may_allocate: false,));
    let debug_may_allocate = alloc.then(|| quote!(.field("may_allocate", &self.may_allocate)));
    let doc = struct_doc(model);
    let deprecated = &model.deprecated;
    let allow_deprecated = allow_deprecated_trait(model);
    let allow_dead_code = quote! {
        #[allow(dead_code, reason = "generated for callers of the trait, who may not need it")]
    };
    let target_doc = format!(
        " The callee: `&dyn`, `&mut dyn` or `Box<dyn>` of a [`{}`].",
        model.dyn_ident
    );
    let trait_impl = trait_impl(model);
    quote! {
        #(#cfg)*
        #doc
        #deprecated
        #allow_dead_code
        #vis struct #ident<#p, const #n: usize, #a: #krate::Alignment = #krate::Align16> {
            #[doc = #target_doc]
            #vis target: #p,
            #may_allocate_field
            alignment: ::core::marker::PhantomData<fn() -> #a>,
        }

        #(#cfg)*
        #allow_dead_code
        #allow_deprecated
        impl<#p, const #n: usize, #a: #krate::Alignment> #ident<#p, #n, #a> {
            #new

            /// Forwards to `target`, each future lending its slot with
            /// `Slot::stack_only`: never allocates; a future too large panics.
            #[inline]
            #vis const fn stack_only(target: #p) -> Self {
                #ident { target, #stack_only_field alignment: ::core::marker::PhantomData }
            }
        }

        #trait_impl

        #(#cfg)*
        #allow_deprecated
        impl<#p: ::core::fmt::Debug, const #n: usize, #a: #krate::Alignment>
            ::core::fmt::Debug for #ident<#p, #n, #a>
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#ident))
                    .field("target", &self.target)
                    #debug_may_allocate
                    .finish()
            }
        }
    }
}

fn struct_doc(model: &Model) -> TokenStream {
    let (name, dyn_ident) = (&model.item.ident, &model.dyn_ident);
    let lines = [
        format!(" A [`{name}`] that forwards to a [`{dyn_ident}`] object, for generic code"),
        format!(" that takes `impl {name}`."),
        String::new(),
        format!(" `target` is `&dyn {dyn_ident}`, `&mut dyn {dyn_ident}` (needed when a method"),
        " takes `&mut self`) or `Box<dyn ...>`. Each future it returns holds a".to_owned(),
        " `Slot<N, A>` of its own and lends it to the dyn method: no allocation when".to_owned(),
        " the callee's future fits, and any number of futures in flight at once.".to_owned(),
    ];
    quote!(#(#[doc = #lines])*)
}

/// `impl Name for <Name>FromDyn<P, N, A> where P: Deref<Target: DynName>`.
fn trait_impl(model: &Model) -> TokenStream {
    let krate = &model.args.krate;
    let (p, n, a) = (&model.fresh.p, &model.fresh.n, &model.fresh.a);
    let ident = &model.from_dyn_ident;
    let name = trait_path(model, &model.item.ident);
    let dyn_name = trait_path(model, &model.dyn_ident);
    let self_ty: Type = parse_quote!(#ident<#p, #n, #a>);
    let target: Type = parse_quote!(<#p as ::core::ops::Deref>::Target);
    let mut generics = model.item.generics.clone();
    generics.params.push(parse_quote!(#p));
    generics.params.push(parse_quote!(const #n: usize));
    generics.params.push(parse_quote!(#a: #krate::Alignment));
    let where_clause = generics.make_where_clause();
    let mut replace = ReplaceSelf {
        implementor: &target,
        trait_path: &dyn_name,
        self_ty: Some(&self_ty),
    };
    replace.visit_where_clause_mut(where_clause);
    let mutable = model.members.iter().any(|member| match member {
        Member::Async(method) => method.receiver.is_mut(),
        Member::Method(method) => method.receiver.is_mut(),
        Member::Const(..) | Member::Type(..) => false,
    });
    let deref = if mutable {
        quote!(::core::ops::DerefMut)
    } else {
        quote!(::core::ops::Deref)
    };
    where_clause.predicates.push(parse_quote!(#p: #deref));
    where_clause
        .predicates
        .push(parse_quote!(#target: #dyn_name));
    // A `Send` future holds the borrow of the forwarder: `&self` needs it
    // `Sync`, `&mut self` needs it `Send`.
    for (auto, receiver_mut) in [(quote!(Sync), false), (quote!(Send), true)] {
        let needed = model.members.iter().any(|member| match member {
            Member::Async(method) => model.args.send && method.receiver.is_mut() == receiver_mut,
            _ => false,
        });
        if needed {
            where_clause
                .predicates
                .push(parse_quote!(#p: ::core::marker::#auto));
        }
    }
    // The bounds a default body puts on `Self` (`where Self: Sync`), which
    // the dyn method requires of the target.
    for bound in default_body_bounds(model) {
        where_clause
            .predicates
            .push(parse_quote!(#target: ::core::marker::#bound));
    }
    let supertraits = &model.item.supertraits;
    if !supertraits.is_empty() {
        where_clause
            .predicates
            .push(parse_quote!(Self: #supertraits));
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let members = model.members.iter().map(|member| match member {
        Member::Async(method) => async_method(model, method, &target, &dyn_name),
        Member::Method(method) => sync_method(method, &target, &dyn_name),
        Member::Type(common, _) => {
            let (attrs, ident) = (impl_attrs(common), &common.ident);
            quote!(#attrs type #ident = <#target as #dyn_name>::#ident;)
        }
        Member::Const(..) => unreachable!("a trait with a const gets no forwarder"),
    });
    let cfg = &model.cfg;
    let allow_deprecated = allow_deprecated_trait(model);
    quote! {
        #(#cfg)*
        #allow_deprecated
        impl #impl_generics #name for #self_ty #where_clause {
            #(#members)*
        }
    }
}

/// The trait's own declaration of `ident`, as written.
fn original<'a>(model: &'a Model, ident: &Ident) -> &'a TraitItemFn {
    model
        .item
        .items
        .iter()
        .find_map(|item| match item {
            TraitItem::Fn(item) if item.sig.ident == *ident => Some(item),
            _ => None,
        })
        .expect("every method of the model is in the trait")
}

/// Whether the trait declares `method` to return `impl Future<...> + Send`.
fn declares_send(model: &Model, method: &AsyncMethod) -> bool {
    let sig = &original(model, &method.common.ident).sig;
    let ReturnType::Type(_, ty) = &sig.output else {
        return false;
    };
    let Type::ImplTrait(impl_trait) = &**ty else {
        return false;
    };
    impl_trait.bounds.iter().any(|bound| match bound {
        TypeParamBound::Trait(bound) => bound
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Send"),
        _ => false,
    })
}

/// An async method as an `async fn` that pins a slot in its own future and
/// lends it to the dyn method.
fn async_method(
    model: &Model,
    method: &AsyncMethod,
    target: &Type,
    dyn_name: &syn::Path,
) -> TokenStream {
    let krate = &model.args.krate;
    let (n, a) = (&model.fresh.n, &model.fresh.a);
    let written = &original(model, &method.common.ident).sig;
    let sig = async_sig(written, method);
    let ident = &method.common.ident;
    let names = method.args.iter().map(|arg| &arg.name);
    let target_ref = if method.receiver.is_mut() {
        quote!(&mut *self.target)
    } else {
        quote!(&*self.target)
    };
    let slot = hygienic_slot();
    let scratch = scratch_ident();
    let lend = if cfg!(feature = "alloc") {
        quote! {
            if self.may_allocate {
                #krate::Slot::or_box(::core::pin::Pin::as_mut(&mut #slot))
            } else {
                #krate::Slot::stack_only(::core::pin::Pin::as_mut(&mut #slot))
            }
        }
    } else {
        quote!(#krate::Slot::stack_only(::core::pin::Pin::as_mut(&mut #slot)))
    };
    let attrs = impl_attrs(&method.common);
    quote! {
        #attrs
        #sig {
            let mut #slot = ::core::pin::pin!(#krate::Slot::<#n, #a>::new());
            let #scratch = #lend;
            <#target as #dyn_name>::#ident(#target_ref, #scratch, #(#names),*).await
        }
    }
}

/// The name of the slot a forwarded future holds.
fn hygienic_slot() -> Ident {
    super::hygienic("slot")
}

/// `async fn name<...>(receiver, args...) -> Output where ...`: the
/// method's signature as written, its patterns named, as an `async fn`.
fn async_sig(written: &Signature, method: &AsyncMethod) -> TokenStream {
    let mut sig = written.clone();
    sig.asyncness = Some(Default::default());
    sig.output = {
        let output = &method.output;
        parse_quote!(-> #output)
    };
    let names = method.args.iter().map(|arg| &arg.name);
    for (input, name) in sig.inputs.iter_mut().skip(1).zip(names) {
        if let FnArg::Typed(arg) = input {
            *arg.pat = parse_quote!(#name);
        }
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first_mut() {
        receiver.attrs.clear();
    }
    quote!(#sig)
}

/// A method that is not async, forwarded as it is.
fn sync_method(method: &Method, target: &Type, dyn_name: &syn::Path) -> TokenStream {
    let (sig, ident, names) = (&method.sig, &method.common.ident, &method.args);
    let target_ref = if method.receiver.is_mut() {
        quote!(&mut *self.target)
    } else {
        quote!(&*self.target)
    };
    let attrs = impl_attrs(&method.common);
    quote! {
        #attrs
        #[inline]
        #sig {
            <#target as #dyn_name>::#ident(#target_ref, #(#names),*)
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The expansion of `item`, as a string.
    fn expand(item: proc_macro2::TokenStream) -> String {
        crate::expand(proc_macro2::TokenStream::new(), item).to_string()
    }

    #[test]
    fn traits_a_forwarder_cannot_implement_get_none_and_a_reason() {
        let cases = [
            (
                quote!(
                    trait Limited {
                        const LIMIT: u32;
                        async fn read(&self) -> u32;
                    }
                ),
                "Limited",
                "the associated const `LIMIT`",
            ),
            (
                quote!(
                    trait Owned {
                        async fn take(self: Box<Self>) -> u32;
                    }
                ),
                "Owned",
                "`take` takes `self` through a pointer",
            ),
            (
                quote!(
                    trait Made {
                        fn make() -> Self
                        where
                            Self: Sized;
                        async fn go(&self);
                    }
                ),
                "Made",
                "`make` has no default body",
            ),
            (
                quote!(
                    trait Spawn {
                        fn go(&self) -> impl Future<Output = u8> + Send;
                    }
                ),
                "Spawn",
                "`go` returns a `Send` future, but without `#[dyn_trait(Send)]`",
            ),
        ];
        for (item, name, reason) in cases {
            let expansion = expand(item);
            let doc = format!("No `{name}FromDyn` is generated: {reason}");
            assert!(expansion.contains(&doc), "{expansion}");
            assert!(
                !expansion.contains(&format!("struct {name}FromDyn")),
                "{expansion}"
            );
        }
    }

    #[test]
    fn methods_out_of_the_dyn_trait_with_a_default_body_keep_it() {
        let expansion = expand(quote!(
            trait Made {
                fn make() -> u32
                where
                    Self: Sized,
                {
                    1
                }
                async fn go(&self);
            }
        ));
        assert!(expansion.contains("struct MadeFromDyn"), "{expansion}");
        // Only the trait declares `make`; the forwarder's impl does not.
        assert_eq!(expansion.matches("fn make").count(), 1, "{expansion}");
    }
}
