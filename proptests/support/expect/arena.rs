//! The reference of an arena behind a slot: what misses the slot goes to a
//! block of the arena's current bump chunk, outside the caller's space
//! (`is_inline` is false), and is never freed by its handle: the arena's
//! memory comes back only with `reset`, which keeps the current chunk.
//!
//! The chunk sizes are bumpalo's business, so the reference does not
//! predict when a chunk is allocated; it counts them as the report does (a
//! placement allocates at most one, from the global heap, and the future
//! then lives in it) and predicts the warm-up: after a reset, a future no
//! larger and no more aligned than one placed in the current chunk before
//! allocates nothing (its block fits where that one did, the chunk being
//! empty again).

use crate::support::catalogue::FutureType;
use crate::support::span::Span;

/// What the reference knows of the arena.
#[derive(Debug, Default)]
pub struct ArenaModel {
    /// The addresses of the current chunk, once there is one.
    pub chunk: Option<Span>,
    /// The layouts (size, alignment) of the futures placed in the current
    /// chunk.
    placed: Vec<(usize, usize)>,
    /// The layout of the future being placed.
    placing: (usize, usize),
    /// Whether the arena was reset since its last placement.
    reset: bool,
}

impl ArenaModel {
    /// Offers `ty` to the arena: whether placing it certainly allocates
    /// nothing.
    pub fn place(&mut self, ty: &FutureType) -> bool {
        self.placing = (ty.size, ty.align);
        self.reset
            && self
                .placed
                .iter()
                .any(|&(size, align)| ty.size <= size && ty.align <= align)
    }

    /// Learns where the future being placed went: into a new chunk
    /// (`chunk`, the block its placement allocated) or the current one.
    pub fn placed(&mut self, chunk: Option<Span>) {
        if let Some(chunk) = chunk {
            self.chunk = Some(chunk);
            self.placed.clear();
        }
        self.placed.push(self.placing);
        self.reset = false;
    }

    pub fn reset(&mut self) {
        self.reset = true;
    }
}
