//! Copies of facts in the repository's Markdown, kept true.
//!
//! - `docs/expansion.md` (linked from the README) shows what
//!   `#[stackslot::dyn_trait]` expands to; the macro's own documentation
//!   (`macros/doc/dyn_trait.md`) shows the same example, and the macro
//!   crate's unit tests check that one against the real expansion. This
//!   test keeps the copy in `docs/` identical to it, so both are the real
//!   expansion.
//! - The README's "Costs" table states the sizes of a slot and of the
//!   two-word types; this test checks them against `size_of`, in the
//!   table's column for the features it is built with.
//!
//! A check of the repository, not of the package: it reads files that the
//! published `stackslot` package does not hold, so `Cargo.toml`'s `include`
//! leaves it out (the package's tests build from the package alone).

use core::mem::size_of;

use stackslot::{Align16, LocalSlotFuture, NoStats, Scratch, Slot, SlotFuture};

/// The code block that follows `marker` in `text`.
fn block_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let start = text.find(marker).unwrap_or_else(|| panic!("no `{marker}`"));
    let rest = &text[start..];
    let open = rest.find("```rust").expect("a code block after the marker") + "```rust".len();
    let rest = &rest[open..];
    &rest[..rest.find("```").expect("the block ends")]
}

#[test]
fn docs_show_the_macro_docs_expansion() {
    let copy = include_str!("../docs/expansion.md");
    let macro_doc = include_str!("../macros/doc/dyn_trait.md");
    for marker in ["<!-- expansion: input -->", "<!-- expansion: output -->"] {
        assert_eq!(
            block_after(copy, marker),
            block_after(macro_doc, marker),
            "docs/expansion.md's block after `{marker}` differs from macros/doc/dyn_trait.md's: \
             copy the macro doc's (checked against the real expansion) into docs/expansion.md",
        );
    }
}

/// The sizes the README's table may name, as built.
fn real_size(name: &str) -> Option<usize> {
    Some(match name {
        "`Slot<0>`" => size_of::<Slot<0>>(),
        "`Slot<64>`" => size_of::<Slot<64>>(),
        "`Slot<256>`" => size_of::<Slot<256>>(),
        "`Slot<4096>`" => size_of::<Slot<4096>>(),
        "`Slot<0, Align16, NoStats>`" => size_of::<Slot<0, Align16, NoStats>>(),
        "`Slot<64, Align16, NoStats>`" => size_of::<Slot<64, Align16, NoStats>>(),
        "`Scratch`" => size_of::<Scratch<'static>>(),
        "`SlotFuture`" => size_of::<SlotFuture<'static, ()>>(),
        "`LocalSlotFuture`" => size_of::<LocalSlotFuture<'static, ()>>(),
        _ => return None,
    })
}

#[test]
#[cfg(target_pointer_width = "64")] // the table is for 64-bit targets
fn readme_sizes_are_the_real_sizes() {
    let readme = include_str!("../README.md");
    let begin = readme
        .find("<!-- sizes: begin -->")
        .expect("the sizes table's start marker");
    let end = readme
        .find("<!-- sizes: end -->")
        .expect("the sizes table's end marker");
    let cells = |row: &'static str| -> Vec<&'static str> {
        row.trim_matches('|').split('|').map(str::trim).collect()
    };
    // The marker's line, the header row, its separator, then the rows.
    let mut lines = readme[begin..end].lines().skip(1);
    let header = cells(lines.next().expect("the sizes table's header"));
    let rows: Vec<_> = lines.skip(1).collect();
    assert!(!rows.is_empty(), "the sizes table has no rows");
    // Columns: the types, the size with the default features, with `profile`.
    let column = if cfg!(feature = "profile") { 2 } else { 1 };
    for row in rows {
        let cells = cells(row);
        let stated: usize = cells[column]
            .parse()
            .unwrap_or_else(|_| panic!("not a number of bytes in `{row}`"));
        // "`Slot<0>` (the header alone)", "`Scratch`, `SlotFuture`": every
        // code span names a type.
        let names = cells[0].split('`').skip(1).step_by(2);
        for name in names.map(|name| format!("`{name}`")) {
            let name = name.as_str();
            let real = real_size(name).unwrap_or_else(|| {
                panic!("the README names {name}: add its `size_of` to this test's `real_size`")
            });
            assert_eq!(
                stated, real,
                "the README's \"Costs\" table says {name} takes {stated} bytes, but it takes \
                 {real}: update that table's column \"{}\"",
                header[column],
            );
        }
    }
}
