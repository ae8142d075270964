//! Fresh names for what the expansion introduces (`'s`, `T`, `S`, ...), so
//! that they never shadow a name the trait already uses.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::{Ident, ItemTrait, Lifetime};

/// Every identifier and lifetime name the trait mentions, plus the ones
/// handed out so far.
pub(crate) struct Names {
    used: HashSet<String>,
}

impl Names {
    /// Collects the names used anywhere in `item`.
    pub(crate) fn collect(item: &ItemTrait) -> Self {
        struct Collect<'a>(&'a mut HashSet<String>);
        impl Visit<'_> for Collect<'_> {
            fn visit_ident(&mut self, ident: &Ident) {
                self.0.insert(ident.to_string());
            }
            fn visit_lifetime(&mut self, lifetime: &Lifetime) {
                self.0.insert(format!("'{}", lifetime.ident));
                visit::visit_lifetime(self, lifetime);
            }
        }
        let mut used = HashSet::new();
        Collect(&mut used).visit_item_trait(item);
        Names { used }
    }

    fn fresh(&mut self, base: &str) -> String {
        let name = std::iter::once(base.to_owned())
            .chain((1..).map(|i| format!("{base}{i}")))
            .find(|name| !self.used.contains(name))
            .expect("an unused name exists");
        self.used.insert(name.clone());
        name
    }

    /// An identifier not used in the trait: `base`, else `base1`, `base2`...
    pub(crate) fn ident(&mut self, base: &str) -> Ident {
        Ident::new(&self.fresh(base), Span::call_site())
    }

    /// A lifetime not used in the trait: `'base`, else `'base1`...
    pub(crate) fn lifetime(&mut self, base: &str, span: Span) -> Lifetime {
        Lifetime::new(&self.fresh(&format!("'{base}")), span)
    }
}
