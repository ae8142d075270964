use core::pin::pin;
use std::sync::Arc;

use stackslot::Slot;

#[stackslot::dyn_trait]
trait Fetch: Send + Sync {
    async fn fetch(&self, key: u32) -> u32;
}

async fn fetch_twice(target: Arc<dyn DynFetch + Send + Sync>) -> u32 {
    let mut slot = pin!(Slot::<64>::new());
    let mut fetch = FetchWithSlot::new(&*target, slot.as_mut());
    fetch.fetch(1).await + fetch.fetch(2).await
}

fn main() {
    struct Double;
    impl Fetch for Double {
        async fn fetch(&self, key: u32) -> u32 {
            key * 2
        }
    }
    drop(tokio::spawn(fetch_twice(Arc::new(Double))));
}
