#[stackslot::dyn_trait]
trait Handler {
    async fn call<B>(&self, body: B) -> u32;
    async fn shutdown(self: &Box<Self>) -> u32;
    fn config(&self) -> impl Iterator<Item = u8>;
}

fn main() {}
