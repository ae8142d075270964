#[stackslot::dyn_trait]
trait Greeter {
    async fn greet(&self) -> String;
}

struct NotAGreeter;

fn main() {
    let _: &dyn DynGreeter = &NotAGreeter;
}
