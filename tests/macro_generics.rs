//! `#[dyn_trait]` on traits with generics, lifetimes, where-clauses, a
//! supertrait, default method bodies, explicit receiver lifetimes and
//! borrowed arguments.
#![cfg(all(feature = "macros", feature = "alloc"))]

mod common;

use core::pin::{Pin, pin};

use common::run;
use stackslot::{Adapter, BoxingAdapter, Slot};
use traits::{Describe, DynParser, DynStore, StoreWithSlot};

mod traits {
    use core::fmt::Debug;

    /// Says what it is; a plain supertrait.
    pub trait Describe {
        /// A short description.
        fn describe(&self) -> String;
    }

    /// A map from `K` to `V`, with a default value type.
    #[stackslot::dyn_trait]
    pub trait Store<K, V = String>: Describe
    where
        K: Ord + Clone + Debug,
    {
        /// Looks a key up; the key is borrowed for the call.
        async fn get(&self, key: &K) -> Option<V>;
        /// Inserts, returning the previous value.
        async fn insert(&mut self, key: K, value: V) -> Option<V>;
        /// Inserts every pair and counts the new keys: a default body.
        async fn extend(&mut self, pairs: Vec<(K, V)>) -> usize {
            let mut added = 0;
            for (key, value) in pairs {
                if self.insert(key, value).await.is_none() {
                    added += 1;
                }
            }
            added
        }
        /// The smallest key, borrowed from the store for `'a`.
        async fn first_key<'a>(&'a self) -> Option<&'a K>
        where
            K: 'a;
        /// Keys between two borrowed bounds, each with its own lifetime.
        async fn count_between(&self, low: &K, high: &K) -> usize;
    }

    /// A parser over a source borrowed for `'src`; with a lifetime
    /// parameter only, its adapters are generated too.
    #[stackslot::dyn_trait]
    pub trait Parser<'src>: Describe {
        /// What it produces.
        type Output: Debug + PartialEq;
        /// Parses the next token of `input`.
        async fn parse(&mut self, input: &'src str) -> Option<Self::Output>;
    }
}

mod implementors {
    use std::collections::BTreeMap;

    use super::traits::{Describe, Parser, Store};

    /// A `Store` over a `BTreeMap`.
    #[derive(Default)]
    pub struct MapStore(pub BTreeMap<u32, String>);

    impl Describe for MapStore {
        fn describe(&self) -> String {
            format!("map of {}", self.0.len())
        }
    }

    impl Store<u32> for MapStore {
        async fn get(&self, key: &u32) -> Option<String> {
            self.0.get(key).cloned()
        }
        async fn insert(&mut self, key: u32, value: String) -> Option<String> {
            self.0.insert(key, value)
        }
        async fn first_key<'a>(&'a self) -> Option<&'a u32>
        where
            u32: 'a,
        {
            self.0.keys().next()
        }
        async fn count_between(&self, low: &u32, high: &u32) -> usize {
            self.0.range(low..=high).count()
        }
    }

    /// Splits on spaces and returns the words, borrowed from the source.
    pub struct Words {
        pub at: usize,
    }

    impl Describe for Words {
        fn describe(&self) -> String {
            format!("words from {}", self.at)
        }
    }

    impl<'src> Parser<'src> for Words {
        type Output = &'src str;
        async fn parse(&mut self, input: &'src str) -> Option<&'src str> {
            let word = input.split(' ').nth(self.at)?;
            self.at += 1;
            Some(word)
        }
    }
}

use implementors::{MapStore, Words};

/// Adapters must implement the supertrait too: the generated adapter impls
/// require `Self: Describe`. `Describe` is local, so it can be forwarded.
impl<T: Describe, S> Describe for Adapter<T, S> {
    fn describe(&self) -> String {
        format!("adapted {}", self.inner().describe())
    }
}

impl<T: Describe, S> Describe for Pin<&mut Adapter<T, S>> {
    fn describe(&self) -> String {
        format!("pinned {}", self.inner().describe())
    }
}

async fn exercise(store: &mut dyn DynStore<u32>) -> (Option<String>, usize, Option<u32>, usize) {
    let mut slot = pin!(Slot::<512>::new());
    store.insert(slot.as_mut().or_box(), 5, "five".into()).await;
    let pairs = vec![(1, "one".into()), (5, "FIVE".into()), (9, "nine".into())];
    let added = store.extend(slot.as_mut().or_box(), pairs).await;
    let five = store.get(slot.as_mut().or_box(), &5).await;
    let first = store.first_key(slot.as_mut().or_box()).await.copied();
    let (low, high) = (2, 9);
    let between = store
        .count_between(slot.as_mut().or_box(), &low, &high)
        .await;
    assert_eq!(slot.stats().fallbacks(), 0);
    (five, added, first, between)
}

#[test]
fn generic_trait_with_a_default_body_through_dyn() {
    let mut store = MapStore::default();
    let out = run(&mut pin!(exercise(&mut store)), 10);
    assert_eq!(out, (Some("FIVE".into()), 2, Some(1), 2));
    let dyn_store: &dyn DynStore<u32> = &store;
    assert_eq!(
        dyn_store.describe(),
        "map of 3",
        "the supertrait is callable on dyn"
    );
}

// With type parameters on the trait, coherence forbids the adapter impls
// (another crate could implement `Store<ItsType>` for `Adapter`).
static_assertions::assert_not_impl_any!(BoxingAdapter<MapStore>: DynStore<u32>);
static_assertions::assert_impl_all!(BoxingAdapter<Words>: DynParser<'static, Output = &'static str>);
static_assertions::assert_impl_all!(Pin<&mut BoxingAdapter<Words>>: DynParser<'static>);

#[test]
fn wrapper_infers_the_trait_parameters() {
    let mut store = MapStore::default();
    let mut slot = pin!(Slot::<512>::new());
    let mut wrapper = StoreWithSlot::new(&mut store as &mut dyn DynStore<u32>, slot.as_mut());
    assert_eq!(run(&mut wrapper.insert(3, "three".into()), 1), None);
    assert_eq!(run(&mut wrapper.get(&3), 1).as_deref(), Some("three"));
    assert_eq!(run(&mut wrapper.first_key(), 1), Some(&3));
    assert_eq!(wrapper.slot.stats().hits(), 3);
}

#[test]
fn trait_lifetime_parameter_and_borrowed_output() {
    let source = String::from("borrowed from the caller");
    let mut words = Words { at: 1 };
    let parser: &mut dyn DynParser<'_, Output = &str> = &mut words;
    let mut slot = pin!(Slot::<128>::new());
    let mut parsed = Vec::new();
    while let Some(word) = run(&mut parser.parse(slot.as_mut().or_box(), &source), 1) {
        parsed.push(word);
    }
    assert_eq!(parsed, ["from", "the", "caller"]);
    assert_eq!(parser.describe(), "words from 4");
    drop(source);
}

#[test]
fn lifetime_generic_trait_with_a_supertrait_through_boxing_adapters() {
    let source = "one two";
    let mut slot = pin!(Slot::<128>::new());
    let mut adapter = BoxingAdapter::new(Words { at: 0 });
    let parser: &mut dyn DynParser<'_, Output = &str> = &mut adapter;
    assert_eq!(
        run(&mut parser.parse(slot.as_mut().or_box(), source), 1),
        Some("one")
    );
    assert_eq!(parser.describe(), "adapted words from 1");

    let mut pinned = pin!(BoxingAdapter::new(Words { at: 1 }));
    let parser: &mut dyn DynParser<'_, Output = &str> = &mut pinned;
    assert_eq!(
        run(&mut parser.parse(slot.as_mut().or_box(), source), 1),
        Some("two")
    );
    assert!(parser.parse(slot.as_mut().or_box(), source).is_inline());
    assert_eq!(parser.describe(), "pinned words from 2");
}
