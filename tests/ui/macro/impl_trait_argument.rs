#[stackslot::dyn_trait]
trait Handler {
    async fn call(&self, body: impl AsRef<[u8]>) -> u32;
    async fn each(&self, f: impl FnMut(&str) + Send);
    async fn once(&self, f: impl FnOnce() -> u8 + 'static) -> u8;
}

fn main() {}
