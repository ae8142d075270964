//! The `#[dyn_trait]` attribute of [`stackslot`](https://docs.rs/stackslot);
//! use it as `stackslot::dyn_trait`, whose documentation is below.

mod args;
mod generate;
mod model;
mod names;
mod parse;
mod rewrite;
mod suggest;
#[cfg(test)]
mod tests;
mod validate;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use syn::{Item, ItemTrait};

#[doc = include_str!("../doc/dyn_trait.md")]
#[proc_macro_attribute]
pub fn dyn_trait(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args.into(), item.into()).into()
}

/// The whole expansion; on errors, the item as written and the errors, so
/// that the rest of the crate still sees the trait.
fn expand(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let trait_item = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Trait(trait_item)) => trait_item,
        Ok(other) => return with_error(item, not_a_trait(&other)),
        Err(error) => return with_error(item, error),
    };
    match expand_trait(args, trait_item) {
        Ok(tokens) => tokens,
        Err(error) => with_error(item, error),
    }
}

fn expand_trait(args: TokenStream2, item: ItemTrait) -> syn::Result<TokenStream2> {
    let args = args::Args::parse(args)?;
    let model = parse::lower(args, item)?;
    Ok(generate::expand(&model))
}

fn with_error(item: TokenStream2, error: syn::Error) -> TokenStream2 {
    let error = error.to_compile_error();
    quote::quote!(#item #error)
}

fn not_a_trait(item: &Item) -> syn::Error {
    use syn::spanned::Spanned;
    let span = match item {
        Item::Struct(item) => item.struct_token.span(),
        Item::Enum(item) => item.enum_token.span(),
        Item::Fn(item) => item.sig.fn_token.span(),
        Item::Impl(item) => item.impl_token.span(),
        other => other.span(),
    };
    syn::Error::new(
        span,
        "`#[dyn_trait]` applies to a trait: `#[dyn_trait] trait Name { async fn call(&self); }`\
         ; to make an impl usable through `dyn`, put the attribute on its trait",
    )
}
