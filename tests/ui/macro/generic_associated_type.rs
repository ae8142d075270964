#[stackslot::dyn_trait]
trait Lines {
    type Line<'a>
    where
        Self: 'a;
    async fn next<'a>(&'a mut self) -> Option<Self::Line<'a>>;
}

fn main() {}
