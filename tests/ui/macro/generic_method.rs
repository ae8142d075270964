#[stackslot::dyn_trait]
trait Handler {
    async fn call<B: AsRef<[u8]>>(&self, body: B) -> u32;
}

fn main() {}
