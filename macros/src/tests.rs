//! Unit tests of the expansion: the documented expansion (in
//! `doc/dyn_trait.md`) is the real one, and `crate = path` leaves no
//! `stackslot` path behind. (The copy of that expansion in `docs/expansion.md` is kept
//! identical to `doc/dyn_trait.md`'s by `tests/readme_expansion.rs` of the
//! `stackslot` package: this crate's tests read only its own files.)

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use crate::expand;

/// The tokens, with string literals compared by value (a `///` comment and
/// `#[doc = "..."]` are the same), spacing and trailing commas ignored (as
/// rustfmt formats them).
fn normalize(tokens: TokenStream) -> Vec<String> {
    let tokens = flatten(tokens);
    let trailing = |next: Option<&String>| {
        next.is_none_or(|next| [")", "Brace(", ";", ">"].contains(&next.as_str()))
    };
    (0..tokens.len())
        .filter(|&i| !(tokens[i] == "," && trailing(tokens.get(i + 1))))
        .map(|i| tokens[i].clone())
        .collect()
}

fn flatten(tokens: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => {
                out.push(format!("{:?}(", group.delimiter()));
                out.extend(flatten(group.stream()));
                out.push(")".to_owned());
            }
            TokenTree::Literal(literal) => {
                match syn::parse_str::<syn::LitStr>(&literal.to_string()) {
                    Ok(string) => out.push(format!("{:?}", string.value())),
                    Err(_) => out.push(literal.to_string()),
                }
            }
            other => out.push(other.to_string()),
        }
    }
    out
}

/// The Rust code block that follows `marker` in `text`.
fn block_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let start = text.find(marker).unwrap_or_else(|| panic!("no `{marker}`"));
    let rest = &text[start..];
    let open = rest.find("```rust").expect("a code block after the marker") + "```rust".len();
    let rest = &rest[open..];
    &rest[..rest.find("```").expect("the block ends")]
}

/// Expands the input block of a document and compares it with the
/// expansion block, token by token.
fn check_documented_expansion(doc: &str) {
    let input: TokenStream = block_after(doc, "<!-- expansion: input -->")
        .parse()
        .unwrap();
    let expected: TokenStream = block_after(doc, "<!-- expansion: output -->")
        .parse()
        .unwrap();
    // The input block is `#[stackslot::dyn_trait] <trait>`: split it.
    let mut trees: Vec<TokenTree> = input.into_iter().collect();
    let item: TokenStream = trees.split_off(2).into_iter().collect();
    let actual = expand(TokenStream::new(), item);
    let (actual, expected) = (normalize(actual), normalize(expected));
    if actual != expected {
        let at = actual
            .iter()
            .zip(&expected)
            .position(|(a, e)| a != e)
            .unwrap_or(0);
        panic!(
            "the documented expansion is stale from token {at}:\n  actual:   {:?}\n  expected: {:?}",
            &actual[at..(at + 12).min(actual.len())],
            &expected[at..(at + 12).min(expected.len())],
        );
    }
}

#[test]
#[cfg(feature = "alloc")] // the documented wrapper has `new` (`Slot::or_box`)
fn macro_docs_show_the_real_expansion() {
    check_documented_expansion(include_str!("../doc/dyn_trait.md"));
}

#[test]
fn crate_path_replaces_every_stackslot_path() {
    let item = quote! {
        trait Handler: Sync {
            type Body;
            async fn call(&self, body: Self::Body) -> u32;
            async fn reset(&mut self);
        }
    };
    let expanded = expand(quote!(Send, crate = my::renamed), item).to_string();
    assert!(
        expanded.contains("my :: renamed :: SlotFuture"),
        "{expanded}"
    );
    assert!(expanded.contains("my :: renamed :: Strategy"), "{expanded}");
    assert!(!expanded.contains(":: stackslot"), "{expanded}");
}

#[test]
fn fresh_names_avoid_the_trait_own_names() {
    // The trait uses `T`, `S` and `'s`: the expansion picks other names.
    let item = quote! {
        trait Convert<'s, T> {
            async fn convert(&self, input: &'s T) -> S;
        }
    };
    let expanded = expand(TokenStream::new(), item).to_string();
    assert!(expanded.contains("fn convert < 's1 >"), "{expanded}");
    assert!(
        expanded.contains("impl < 's , T , T1 : Convert < 's , T >"),
        "{expanded}"
    );
}

#[test]
fn errors_keep_the_trait_as_written() {
    let item = quote! {
        trait Handler {
            async fn call<B>(&self, body: B) -> u32;
        }
    };
    let expanded = expand(TokenStream::new(), item).to_string();
    assert!(expanded.starts_with("trait Handler"), "{expanded}");
    assert!(expanded.contains("compile_error !"), "{expanded}");
    assert!(!expanded.contains("DynHandler"), "{expanded}");
}

#[test]
fn default_bodies_under_send_get_the_bounds_their_futures_need() {
    let item = quote! {
        trait Counter {
            async fn get(&self) -> u32;
            async fn twice(&self) -> u32 { self.get().await * 2 }
            async fn bump(&mut self) -> u32 { self.get().await + 1 }
        }
    };
    let expanded = expand(quote!(Send), item).to_string();
    let sync = "where Self : :: core :: marker :: Sync";
    let send = "where Self : :: core :: marker :: Send";
    // In the kept trait, in `DynCounter` and in its three impls.
    assert_eq!(expanded.matches(sync).count(), 5, "{expanded}");
    assert_eq!(expanded.matches(send).count(), 5, "{expanded}");
    // Adapters need the implementor's `Send` and `Sync`.
    assert!(
        expanded.contains("T : :: core :: marker :: Sync"),
        "{expanded}"
    );
    // With the auto traits as supertraits, no bound is added.
    let item = quote! {
        trait Counter: Send + Sync {
            async fn get(&self) -> u32;
            async fn twice(&self) -> u32 { self.get().await * 2 }
        }
    };
    let expanded = expand(quote!(Send), item).to_string();
    assert!(
        !expanded.contains("Self : :: core :: marker :: Sync"),
        "{expanded}"
    );
}

#[test]
fn no_adapter_impls_leaves_out_the_adapter_impls() {
    let item = quote! {
        trait Task {
            async fn run(&self) -> u32;
        }
    };
    let expanded = expand(quote!(no_adapter_impls), item).to_string();
    assert!(expanded.contains("for T"), "{expanded}");
    assert!(
        !expanded.contains("for :: stackslot :: Adapter"),
        "{expanded}"
    );
    assert!(!expanded.contains("Pin < & 'pin"), "{expanded}");
}

/// Prints the expansion of the documented input, to refresh the docs:
/// `cargo test -p stackslot-macros print_expansion -- --ignored --nocapture`.
#[test]
#[ignore = "a tool, not a test"]
fn print_expansion() {
    let doc = include_str!("../doc/dyn_trait.md");
    let input: TokenStream = block_after(doc, "<!-- expansion: input -->")
        .parse()
        .unwrap();
    let item: TokenStream = input.into_iter().skip(2).collect();
    println!("{}", expand(TokenStream::new(), item));
}
