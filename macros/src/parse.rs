//! Turns the trait into a [`Model`]: classifies each member, names elided
//! lifetimes, and collects every error (see [`crate::validate`]).

use quote::format_ident;
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;
use syn::{
    Attribute, Error, FnArg, GenericArgument, GenericParam, Ident, ItemTrait, Pat, PatIdent,
    PathArguments, ReturnType, Signature, TraitItem, TraitItemFn, Type, TypeParamBound,
    WherePredicate, parse_quote,
};

use crate::args::Args;
use crate::model::{Arg, AsyncMethod, Common, Fresh, Member, Method, Model};
use crate::names::Names;
use crate::rewrite::{NameElided, is_self};
use crate::validate;

/// A trait's supertraits, `A + B`.
pub(crate) type Supertraits = Punctuated<TypeParamBound, syn::Token![+]>;

/// Attributes carried from a member to its declaration in `Dyn<Name>`,
/// besides the [`LINT_LEVELS`].
const CARRIED: &[&str] = &["doc", "cfg", "cfg_attr", "deprecated"];

/// The lint-level attributes.
const LINT_LEVELS: &[&str] = &["allow", "warn", "deny", "forbid"];

/// Classifies and checks the trait; every error found, combined.
pub(crate) fn lower(args: Args, item: ItemTrait) -> Result<Model, Error> {
    validate::header(&item)?;
    let mut names = Names::collect(&item);
    let fresh = Fresh {
        s: names.lifetime("s", proc_macro2::Span::call_site()),
        t: names.ident("T"),
        strategy: names.ident("S"),
        p: names.ident("P"),
        n: names.ident("N"),
        a: names.ident("A"),
        slot: names.lifetime("slot", proc_macro2::Span::call_site()),
        pin: names.lifetime("pin", proc_macro2::Span::call_site()),
    };
    let mut errors: Option<Error> = None;
    let mut members = Vec::new();
    // With `Send`, default bodies may need bounds on `Self`.
    let supertraits = args.send.then_some(&item.supertraits);
    for trait_item in &item.items {
        match member(trait_item, &mut names, supertraits) {
            Ok(Some(member)) => members.push(member),
            Ok(None) => {}
            Err(error) => match &mut errors {
                Some(errors) => errors.combine(error),
                None => errors = Some(error),
            },
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    let dyn_ident = format_ident!("Dyn{}", item.ident);
    let wrapper_ident = format_ident!("{}WithSlot", item.ident);
    let from_dyn_ident = format_ident!("{}FromDyn", item.ident);
    check_wrapper_names(&members, &wrapper_ident)?;
    Ok(Model {
        args,
        cfg: cfgs(&item.attrs),
        lints: item
            .attrs
            .iter()
            .filter(|a| is_lint_level(a))
            .cloned()
            .collect(),
        deprecated: item
            .attrs
            .iter()
            .find(|a| a.path().is_ident("deprecated"))
            .cloned(),
        item,
        dyn_ident,
        wrapper_ident,
        from_dyn_ident,
        members,
        fresh,
    })
}

/// The wrapper's constructors must not collide with the async methods it
/// forwards.
fn check_wrapper_names(members: &[Member], wrapper: &Ident) -> Result<(), Error> {
    for member in members {
        if let Member::Async(method) = member {
            let ident = &method.common.ident;
            if ident == "new" || ident == "stack_only" {
                return Err(Error::new(
                    ident.span(),
                    format!(
                        "an async method named `{ident}` clashes with the constructor \
                         `{wrapper}::{ident}` that `#[dyn_trait]` generates: rename the method"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn is_lint_level(attr: &Attribute) -> bool {
    LINT_LEVELS.iter().any(|name| attr.path().is_ident(name))
}

/// The `#[cfg]`s among `attrs`.
fn cfgs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .cloned()
        .collect()
}

fn common(ident: &Ident, attrs: &[Attribute]) -> Common {
    let carried =
        |a: &&Attribute| CARRIED.iter().any(|name| a.path().is_ident(name)) || is_lint_level(a);
    Common {
        ident: ident.clone(),
        attrs: attrs.iter().filter(carried).cloned().collect(),
        cfg: cfgs(attrs),
        deprecated: attrs.iter().any(|a| a.path().is_ident("deprecated")),
        documented: attrs.iter().any(|a| a.path().is_ident("doc")),
    }
}

/// One trait item: `Ok(None)` when `Dyn<Name>` leaves it out. `supertraits`
/// are given under `#[dyn_trait(Send)]`.
fn member(
    item: &TraitItem,
    names: &mut Names,
    supertraits: Option<&Supertraits>,
) -> Result<Option<Member>, Error> {
    match item {
        TraitItem::Const(item) => {
            if !item.generics.params.is_empty() {
                return Err(Error::new_spanned(
                    &item.generics,
                    "`#[dyn_trait]` does not support generic associated consts",
                ));
            }
            let common = common(&item.ident, &item.attrs);
            Ok(Some(Member::Const(common, item.ty.clone())))
        }
        TraitItem::Type(item) => {
            if !item.generics.params.is_empty() {
                return Err(validate::generic_associated_type(&item.generics));
            }
            let common = common(&item.ident, &item.attrs);
            Ok(Some(Member::Type(common, item.bounds.clone())))
        }
        TraitItem::Fn(item) => method(item, names, supertraits),
        other => Err(validate::item_kind(other)),
    }
}

/// The auto traits `Self` needs for the future of an `async fn`'s default
/// body to be `Send` under `#[dyn_trait(Send)]`, as the future holds the
/// receiver: `Sync` for `&self`, `Send` for `&mut self` or `self`, both for
/// `Arc<Self>`. Those the supertraits name are left out; `Rc<Self>` needs
/// none, as no bound makes it `Send`.
pub(crate) fn default_body_bounds(sig: &Signature, supertraits: &Supertraits) -> Vec<Ident> {
    /// The auto traits `Self` needs for a receiver of type `ty` to be `Send`.
    fn needs(ty: &Type) -> &'static [&'static str] {
        match ty {
            Type::Reference(reference) if is_self(&reference.elem) => {
                if reference.mutability.is_some() {
                    &["Send"]
                } else {
                    &["Sync"]
                }
            }
            Type::Path(path) => {
                let last = path.path.segments.last().expect("a path has a segment");
                let arg = match &last.arguments {
                    PathArguments::AngleBracketed(args) => args.args.first(),
                    _ => None,
                };
                match (last.ident.to_string().as_str(), arg) {
                    ("Self", None) => &["Send"],
                    ("Box", _) => &["Send"],
                    ("Arc", _) => &["Send", "Sync"],
                    ("Pin", Some(GenericArgument::Type(inner))) => needs(inner),
                    _ => &[],
                }
            }
            _ => &[],
        }
    }
    let receiver: Type = match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => match &receiver.kind {
            syn::ReceiverKind::Reference(_, _, None) => parse_quote!(&Self),
            syn::ReceiverKind::Reference(_, _, Some(_)) => parse_quote!(&mut Self),
            syn::ReceiverKind::Typed(_, ty) => (**ty).clone(),
            _ => parse_quote!(Self),
        },
        _ => return Vec::new(),
    };
    let named = |name: &str| {
        supertraits.iter().any(|bound| match bound {
            TypeParamBound::Trait(bound) => bound
                .path
                .segments
                .last()
                .is_some_and(|segment| segment.ident == name),
            _ => false,
        })
    };
    needs(&receiver)
        .iter()
        .filter(|name| !named(name))
        .map(|name| Ident::new(name, proc_macro2::Span::call_site()))
        .collect()
}

/// Whether a method is kept out of `Dyn<Name>` with `where Self: Sized`.
fn requires_sized(sig: &Signature) -> bool {
    let Some(where_clause) = &sig.generics.where_clause else {
        return false;
    };
    where_clause
        .predicates
        .iter()
        .any(|predicate| match predicate {
            WherePredicate::Type(predicate) => {
                is_self(&predicate.bounded_ty)
                    && predicate.bounds.iter().any(|bound| match bound {
                        TypeParamBound::Trait(bound) => {
                            bound.maybe.is_none() && bound.path.is_ident("Sized")
                        }
                        _ => false,
                    })
            }
            _ => false,
        })
}

/// The output of `impl Future<Output = T>`; `Ok(None)` when `ty` is not an
/// `impl Future`.
pub(crate) fn future_output(ty: &Type) -> Result<Option<Type>, Error> {
    let Type::ImplTrait(impl_trait) = ty else {
        return Ok(None);
    };
    for bound in &impl_trait.bounds {
        let TypeParamBound::Trait(bound) = bound else {
            continue;
        };
        let last = bound.path.segments.last().expect("a path has a segment");
        if last.ident != "Future" {
            continue;
        }
        if let PathArguments::AngleBracketed(args) = &last.arguments {
            for arg in &args.args {
                if let GenericArgument::AssocType(assoc) = arg {
                    if assoc.ident == "Output" {
                        return Ok(Some(assoc.ty.clone()));
                    }
                }
            }
        }
        return Err(validate::future_without_output(last.ident.span()));
    }
    Ok(None)
}

fn method(
    item: &TraitItemFn,
    names: &mut Names,
    supertraits: Option<&Supertraits>,
) -> Result<Option<Member>, Error> {
    let sig = &item.sig;
    if requires_sized(sig) {
        return Ok(None);
    }
    let Some(receiver) = validate::receiver(sig)? else {
        return Ok(None); // no receiver, or `self` by value: cannot be called through `dyn`
    };
    validate::safety(sig)?;
    validate::method_generics(sig)?;
    validate::method_where(sig)?;
    let name = sig.ident.to_string();
    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(&**ty),
    };
    let future = match (&sig.asyncness, output) {
        (Some(_), output) => Some(output.cloned().unwrap_or_else(|| parse_quote!(()))),
        (None, Some(ty)) => future_output(ty)?,
        (None, None) => None,
    };
    let common = common(&sig.ident, &item.attrs);
    let mut args = Vec::new();
    for (i, input) in sig.inputs.iter().skip(1).enumerate() {
        let FnArg::Typed(arg) = input else {
            unreachable!("only the first argument can be a receiver");
        };
        validate::arg_type(&name, &arg.pat, &arg.ty)?;
        let name = match &*arg.pat {
            Pat::Ident(PatIdent {
                by_ref: None,
                subpat: None,
                ident,
                ..
            }) => ident.clone(),
            _ => names.ident(&format!("arg{i}")),
        };
        args.push(Arg {
            attrs: arg.attrs.clone(),
            name,
            ty: (*arg.ty).clone(),
        });
    }
    match future {
        Some(output) => {
            validate::async_output(&name, &output)?;
            let mut generics = sig.generics.clone();
            let mut elided = NameElided {
                names,
                named: Vec::new(),
            };
            for arg in &mut args {
                elided.visit_type_mut(&mut arg.ty);
            }
            for lifetime in &elided.named {
                generics
                    .params
                    .push(GenericParam::Lifetime(parse_quote!(#lifetime)));
            }
            Ok(Some(Member::Async(AsyncMethod {
                common,
                receiver,
                self_bounds: match (supertraits, &sig.asyncness, &item.default) {
                    (Some(supertraits), Some(_), Some(_)) => default_body_bounds(sig, supertraits),
                    _ => Vec::new(),
                },
                generics,
                args,
                output,
            })))
        }
        None => {
            if let Some(output) = output {
                validate::sync_output(&name, output)?;
            }
            let mut sig = sig.clone();
            let mut inputs: Punctuated<FnArg, syn::Token![,]> = Punctuated::new();
            inputs.push(sig.inputs[0].clone());
            for arg in &args {
                let (attrs, name, ty) = (&arg.attrs, &arg.name, &arg.ty);
                inputs.push(parse_quote!(#(#attrs)* #name: #ty));
            }
            sig.inputs = inputs;
            Ok(Some(Member::Method(Method {
                common,
                receiver,
                sig,
                args: args.into_iter().map(|arg| arg.name).collect(),
            })))
        }
    }
}
