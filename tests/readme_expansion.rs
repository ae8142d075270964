//! The README shows what `#[stackslot::dyn_trait]` expands to; the macro's
//! own documentation (`macros/doc/dyn_trait.md`) shows the same example,
//! and the macro crate's unit tests check that one against the real
//! expansion. This test keeps the README's copy identical to it, so both are
//! the real expansion.
//!
//! A check of the repository, not of the package: it reads a file of the
//! macro crate, so `Cargo.toml`'s `include` leaves it out of the published
//! `stackslot` package (whose tests build from the package alone).

/// The code block that follows `marker` in `text`.
fn block_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let start = text.find(marker).unwrap_or_else(|| panic!("no `{marker}`"));
    let rest = &text[start..];
    let open = rest.find("```rust").expect("a code block after the marker") + "```rust".len();
    let rest = &rest[open..];
    &rest[..rest.find("```").expect("the block ends")]
}

#[test]
fn readme_shows_the_macro_docs_expansion() {
    let readme = include_str!("../README.md");
    let macro_doc = include_str!("../macros/doc/dyn_trait.md");
    for marker in ["<!-- expansion: input -->", "<!-- expansion: output -->"] {
        assert_eq!(
            block_after(readme, marker),
            block_after(macro_doc, marker),
            "README.md's block after `{marker}` differs from macros/doc/dyn_trait.md's: \
             copy the macro doc's (checked against the real expansion) into the README",
        );
    }
}
