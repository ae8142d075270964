#[stackslot::dyn_trait]
trait Store<K> {
    async fn get(&self, key: K) -> Option<String>;
}

struct Map;

impl Store<u32> for Map {
    async fn get(&self, _: u32) -> Option<String> {
        None
    }
}

fn main() {
    // Plain implementors work; adapters of a generic trait do not.
    let _: &dyn DynStore<u32> = &Map;
    let _: &dyn DynStore<u32> = &stackslot::BoxingAdapter::new(Map);
}
