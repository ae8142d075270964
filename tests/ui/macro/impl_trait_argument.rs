#[stackslot::dyn_trait]
trait Handler {
    async fn call(&self, body: impl AsRef<[u8]>) -> u32;
}

fn main() {}
