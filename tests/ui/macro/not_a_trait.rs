#[stackslot::dyn_trait]
struct Handler {
    name: String,
}

fn main() {}
