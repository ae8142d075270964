#[stackslot::dyn_trait]
trait Connection {
    async fn new(&self) -> Self
    where
        Self: Sized;
    async fn stack_only(&self) -> bool;
}

fn main() {}
