//! The attribute's arguments: `#[dyn_trait]`, `#[dyn_trait(Send)]`,
//! `#[dyn_trait(no_adapter_impls)]`, `#[dyn_trait(crate = path)]`, or
//! several, comma-separated.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Error, Ident, Path, Token, parse_quote};

/// What `#[dyn_trait(...)]` was asked for.
pub(crate) struct Args {
    /// `Send`: the futures are `Send`, the dyn methods return `SlotFuture`.
    pub(crate) send: bool,
    /// `no_adapter_impls`: `Dyn<Name>` is not implemented for adapters (for
    /// a trait with a blanket impl of its own, which they would overlap).
    pub(crate) no_adapter_impls: bool,
    /// Where the `stackslot` crate is: `::stackslot` unless `crate = path`.
    pub(crate) krate: Path,
}

enum Arg {
    Send(Ident),
    NoAdapterImpls(Ident),
    Crate(Token![crate], Path),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            input.parse::<Token![=]>().map_err(|_| {
                Error::new(
                    token.span,
                    "expected `=` after `crate`: write `crate = path::to::stackslot`",
                )
            })?;
            return Ok(Arg::Crate(token, input.parse()?));
        }
        let ident: Ident = input.parse().map_err(|e| {
            Error::new(
                e.span(),
                "expected `Send`, `no_adapter_impls` or `crate = path::to::stackslot`",
            )
        })?;
        if ident == "Send" {
            Ok(Arg::Send(ident))
        } else if ident == "no_adapter_impls" {
            Ok(Arg::NoAdapterImpls(ident))
        } else {
            Err(Error::new(
                ident.span(),
                format!(
                    "unknown argument `{ident}`: expected `Send` (for `Send` futures), \
                     `no_adapter_impls` (to leave out the impls for adapters) or \
                     `crate = path::to::stackslot`"
                ),
            ))
        }
    }
}

impl Args {
    /// Parses the tokens inside `#[dyn_trait(...)]`.
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let list = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens)?;
        let mut send: Option<Ident> = None;
        let mut no_adapter_impls: Option<Ident> = None;
        let mut krate: Option<Path> = None;
        for arg in list {
            match arg {
                Arg::Send(ident) => {
                    if send.is_some() {
                        return Err(Error::new(ident.span(), "`Send` is given twice"));
                    }
                    send = Some(ident);
                }
                Arg::NoAdapterImpls(ident) => {
                    if no_adapter_impls.is_some() {
                        return Err(Error::new(
                            ident.span(),
                            "`no_adapter_impls` is given twice",
                        ));
                    }
                    no_adapter_impls = Some(ident);
                }
                Arg::Crate(token, path) => {
                    if krate.is_some() {
                        return Err(Error::new(token.span, "`crate = ...` is given twice"));
                    }
                    krate = Some(path);
                }
            }
        }
        Ok(Args {
            send: send.is_some(),
            no_adapter_impls: no_adapter_impls.is_some(),
            krate: krate.unwrap_or_else(|| parse_quote!(::stackslot)),
        })
    }
}
