#[stackslot::dyn_trait]
trait Handler {
    async fn call(&self) -> u32;
    fn routes(&self) -> impl Iterator<Item = String>;
}

fn main() {}
