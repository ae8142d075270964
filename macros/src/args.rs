//! The attribute's arguments: `#[dyn_trait]`, `#[dyn_trait(Send)]`,
//! `#[dyn_trait(crate = path)]`, or both, comma-separated.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Error, Ident, Path, Token, parse_quote};

/// What `#[dyn_trait(...)]` was asked for.
pub(crate) struct Args {
    /// `Send`: the futures are `Send`, the dyn methods return `SlotFuture`.
    pub(crate) send: bool,
    /// Where the `stackslot` crate is: `::stackslot` unless `crate = path`.
    pub(crate) krate: Path,
}

enum Arg {
    Send(Ident),
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
            Error::new(e.span(), "expected `Send` or `crate = path::to::stackslot`")
        })?;
        if ident == "Send" {
            Ok(Arg::Send(ident))
        } else {
            Err(Error::new(
                ident.span(),
                format!(
                    "unknown argument `{ident}`: expected `Send` (for `Send` futures) or \
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
        let mut krate: Option<Path> = None;
        for arg in list {
            match arg {
                Arg::Send(ident) => {
                    if send.is_some() {
                        return Err(Error::new(ident.span(), "`Send` is given twice"));
                    }
                    send = Some(ident);
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
            krate: krate.unwrap_or_else(|| parse_quote!(::stackslot)),
        })
    }
}
