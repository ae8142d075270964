//! What to write instead: the dyn form of an `impl Trait` argument, built
//! from the user's own tokens and printed as a user would write it.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Token, Type, TypeImplTrait, TypeParamBound, TypeReference};

/// The argument `name: ty` with every `impl Bounds` in `ty` made a trait
/// object: `impl FnMut(&str) + Send` becomes `&mut (dyn FnMut(&str) +
/// Send)`, `impl FnOnce()` becomes `Box<dyn FnOnce()>`, other bounds
/// `&dyn Bounds`; behind a reference (`&impl Bounds`), `dyn Bounds`;
/// elsewhere (`Vec<impl Bounds>`), `Box<dyn Bounds>`.
pub(crate) fn dyn_argument(name: &str, ty: &Type) -> String {
    let mut ty = ty.clone();
    if let Type::ImplTrait(impl_trait) = &ty {
        ty = top_level(impl_trait);
    } else {
        ToDyn.visit_type_mut(&mut ty);
    }
    format!("{name}: {}", display(ty.to_token_stream()))
}

/// An `impl Bounds` that is the whole argument type, as a pointer to a
/// trait object: what a closure argument usually becomes.
fn top_level(impl_trait: &TypeImplTrait) -> Type {
    let bounds = &impl_trait.bounds;
    let object = dyn_object(bounds);
    match first_trait(bounds).as_deref() {
        Some("FnOnce") => syn::parse_quote!(Box<dyn #bounds>),
        Some("FnMut") => syn::parse_quote!(&mut #object),
        _ => syn::parse_quote!(&#object),
    }
}

/// `dyn Bounds`, in parentheses when there are several (`&(dyn A + B)`).
fn dyn_object(bounds: &Punctuated<TypeParamBound, Token![+]>) -> TokenStream {
    if bounds.len() > 1 {
        quote!((dyn #bounds))
    } else {
        quote!(dyn #bounds)
    }
}

/// The name of the first trait among `bounds`: `FnMut` in `FnMut(&str) + Send`.
fn first_trait(bounds: &Punctuated<TypeParamBound, Token![+]>) -> Option<String> {
    bounds.iter().find_map(|bound| match bound {
        TypeParamBound::Trait(bound) => bound.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    })
}

/// Makes the `impl Bounds` inside a type trait objects.
struct ToDyn;

impl VisitMut for ToDyn {
    fn visit_type_reference_mut(&mut self, reference: &mut TypeReference) {
        let mut elem = &*reference.elem;
        while let Type::Paren(inner) = elem {
            elem = &inner.elem;
        }
        if let Type::ImplTrait(impl_trait) = elem {
            let object = dyn_object(&impl_trait.bounds);
            *reference.elem = syn::parse_quote!(#object);
            return;
        }
        visit_mut::visit_type_reference_mut(self, reference);
    }

    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            let bounds = &impl_trait.bounds;
            *ty = syn::parse_quote!(Box<dyn #bounds>);
            return;
        }
        visit_mut::visit_type_mut(self, ty);
    }
}

/// Tokens as a person writes them: `&mut (dyn FnMut(&str) + Send)`, not
/// `& mut (dyn FnMut (& str) + Send)`.
pub(crate) fn display(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_tokens(&mut out, tokens);
    out
}

fn write_tokens(out: &mut String, tokens: TokenStream) {
    // Whether the previous token asks for no space after it.
    let mut glued = true;
    let mut previous: Option<TokenTree> = None;
    // Whether the token before `previous` was a `'`.
    let mut after_quote = false;
    for tree in tokens {
        // A name, not a keyword or a lifetime's (`'a`).
        let after_name = match &previous {
            Some(TokenTree::Ident(ident)) => !is_keyword(ident) && !after_quote,
            _ => false,
        };
        after_quote = matches!(&previous, Some(TokenTree::Punct(p)) if p.as_char() == '\'');
        let space = !glued && !glues_to_previous(&tree, after_name);
        if space {
            out.push(' ');
        }
        glued = match &tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(out, group.stream());
                out.push_str(close);
                false
            }
            TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                let path_separator = punct.as_char() == ':'
                    && matches!(&previous, Some(TokenTree::Punct(p)) if p.as_char() == ':');
                punct.spacing() == Spacing::Joint
                    || path_separator
                    || matches!(punct.as_char(), '&' | '<' | '\'')
            }
            TokenTree::Ident(ident) => {
                out.push_str(&ident.to_string());
                false
            }
            TokenTree::Literal(literal) => {
                out.push_str(&literal.to_string());
                false
            }
        };
        previous = Some(tree);
    }
}

/// Whether `tree` is written right after the previous token: `,`, `>`,
/// `;` and `::` are; so are `(` and `<` after a name (`FnMut(`, `Vec<`), and
/// `:` after a name.
fn glues_to_previous(tree: &TokenTree, after_name: bool) -> bool {
    match tree {
        TokenTree::Punct(punct) => match punct.as_char() {
            ',' | '>' | ';' => true,
            ':' => punct.spacing() == Spacing::Joint || after_name,
            '<' => after_name,
            _ => false,
        },
        TokenTree::Group(group) => group.delimiter() == Delimiter::Parenthesis && after_name,
        _ => false,
    }
}

fn is_keyword(ident: &proc_macro2::Ident) -> bool {
    matches!(
        ident.to_string().as_str(),
        "mut" | "dyn" | "impl" | "as" | "where"
    )
}

#[cfg(test)]
mod tests {
    use super::dyn_argument;

    fn suggest(ty: &str) -> String {
        dyn_argument("f", &syn::parse_str(ty).expect("a type"))
    }

    #[test]
    fn closures_become_the_pointer_their_calls_need() {
        assert_eq!(
            suggest("impl FnMut(&str) + Send"),
            "f: &mut (dyn FnMut(&str) + Send)"
        );
        assert_eq!(suggest("impl Fn(u8) -> u8"), "f: &dyn Fn(u8) -> u8");
        assert_eq!(
            suggest("impl FnOnce() + Send + 'static"),
            "f: Box<dyn FnOnce() + Send + 'static>"
        );
    }

    #[test]
    fn other_traits_become_shared_trait_objects() {
        assert_eq!(suggest("impl AsRef<[u8]>"), "f: &dyn AsRef<[u8]>");
        assert_eq!(
            suggest("impl Iterator<Item = u8> + Send"),
            "f: &(dyn Iterator<Item = u8> + Send)"
        );
    }

    #[test]
    fn nested_impl_trait_becomes_dyn_behind_references_and_boxed_elsewhere() {
        assert_eq!(
            suggest("&mut impl std::io::Write"),
            "f: &mut dyn std::io::Write"
        );
        assert_eq!(
            suggest("&'a (impl Debug + Sync)"),
            "f: &'a (dyn Debug + Sync)"
        );
        assert_eq!(suggest("Vec<impl Fn()>"), "f: Vec<Box<dyn Fn()>>");
    }
}
