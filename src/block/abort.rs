//! The abort on a leaked occupant: what an owner does when it finds a
//! future with drop glue in a space it is about to reuse or free (see
//! [`Occupancy::assert_vacant`](super::occupancy::Occupancy::assert_vacant)).
//!
//! # Nothing may unwind past an occupant
//!
//! An owner whose destructor or release path unwinds is freed (or, under
//! `catch_unwind`, reused) all the same. So the abort itself cannot unwind
//! ([`abort_occupied`]), and every other panic on the paths that free or
//! reuse a space either comes before anything is placed or after the
//! space's occupant is gone:
//!
//! | path | possible panic | why it is harmless |
//! | --- | --- | --- |
//! | `Slot`, `SideStack`, `Arena` drop; `Arena::reset` | none before the occupancy checks | the checks abort; `Bump::reset` runs after them |
//! | `HeapSlot` drop, `free_buffer` | none before the checks; `layout()` after them | the layout is the one the buffer was allocated with, so it is valid again |
//! | heap block release (`HeapBlock::release`) | the block's `Layout` | the same layout was valid when the block was allocated |
//! | a handle's drop and `poll` on `Ready` | the future's destructor | the record is vacated (or marked as dropping) before it runs, and the block released by a guard after it |
//! | `SlotStream`/`LocalSlotStream` drop | the destructor of the item in flight | a guard checks the slot before the iterator is dropped |
//! | lending and reserving (`Slot::lend`, `HeapSlot::scratch`, `grow`, arena and side-stack pushes, `HeapBlock::reserve`) | a layout or capacity too large, an allocation limit, a debug-mode overflow of a block's size | nothing is placed yet: the future being placed is dropped by the unwinding, and the space is unchanged (the side stack's lock is released by a guard) |
//! | counters (`Stats`) | none: `u64` increments once per emplacement | |

/// The leaked future, as the abort message names it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LeakedFuture<'a> {
    pub(crate) type_name: &'a str,
    pub(crate) size: usize,
    pub(crate) align: usize,
}

/// What the owner of an occupied space was about to do.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// Lend the space again (a new scratch).
    Reuse,
    /// Free the space.
    Drop,
    /// Reclaim the space for new futures (an arena's `reset`).
    #[cfg(feature = "bumpalo")]
    Reset,
}

/// Stops the process: `occupant` still lives in a space that is about to be
/// reused or freed, because its handle was leaked.
///
/// Nothing on this path may unwind: an unwind would run the owner's
/// destructor (or let `catch_unwind` resume the program) with the occupant
/// still in place, and the space would be freed or reused under a pinned
/// future. So the message is formatted without allocating, written without
/// caring whether the write succeeds, and the whole path runs under a guard
/// that turns any unwind into an abort.
#[cold]
#[inline(never)]
pub(crate) fn abort_occupied(occupant: LeakedFuture<'_>, storage: &str, event: Event) -> ! {
    let _abort_on_unwind = AbortOnUnwind;
    let action = match event {
        Event::Reuse => "reused",
        Event::Drop => "dropped",
        #[cfg(feature = "bumpalo")]
        Event::Reset => "reset",
    };
    // `format_args!` stays inside the call: its temporaries live only as
    // long as the statement.
    stop(format_args!(
        "stackslot: {storage} was {action} while a leaked future still occupied it \
         (`{}`, {} bytes, align {}). Its handle was forgotten before the future \
         completed or was dropped; the future can neither be dropped nor have its \
         memory reused without breaking Pin's drop guarantee, so the process aborts. \
         Drop slot futures instead of leaking them.",
        occupant.type_name, occupant.size, occupant.align,
    ))
}

/// Turns an unwind through the frame that holds it into an abort. It is
/// dropped only by unwinding: the frame's normal path never returns.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        {
            extern crate std;
            std::process::abort()
        }
        #[cfg(not(feature = "std"))]
        panic_again()
    }
}

/// Without `std` there is no `abort`: a panic while [`AbortOnUnwind`]'s
/// frame unwinds stops the process (a destructor that panics during
/// unwinding aborts) before any other frame, or what the leaked future
/// borrows, is unwound.
#[cfg(not(feature = "std"))]
fn panic_again() -> ! {
    panic!("stackslot: aborting (see the message above)")
}

/// Writes `message` to stderr, whatever becomes of the write, and aborts.
///
/// The message is formatted into a buffer on the stack (cut short if it
/// does not fit) and written at once: no allocation, no interleaving with
/// other threads' output, and a closed or full stderr (`EPIPE`, `ENOSPC`)
/// changes nothing: the error is ignored.
#[cfg(feature = "std")]
fn stop(message: core::fmt::Arguments<'_>) -> ! {
    extern crate std;
    use std::io::Write as _;
    let mut text = MessageBuffer::new();
    // Writing to a `MessageBuffer` never fails: it cuts the message short.
    let _ = core::fmt::write(&mut text, message);
    let _ = std::io::stderr().write_all(text.finish());
    std::process::abort()
}

/// Without `std` there is no `abort` nor stderr: the message is the payload
/// of a panic, which the guard of [`abort_occupied`] catches while it
/// unwinds and turns into an abort (see [`AbortOnUnwind`]); with
/// `panic = "abort"`, this panic already stops the process.
#[cfg(not(feature = "std"))]
fn stop(message: core::fmt::Arguments<'_>) -> ! {
    panic!("{message}")
}

/// A message formatted on the stack, cut short (ending in `...`) when it is
/// longer than the buffer.
#[cfg(any(feature = "std", test))]
struct MessageBuffer {
    bytes: [u8; MessageBuffer::CAPACITY],
    len: usize,
    truncated: bool,
}

#[cfg(any(feature = "std", test))]
impl MessageBuffer {
    /// Room for the text (a type name can be long), then the marker and the
    /// line break that [`finish`](Self::finish) adds.
    const CAPACITY: usize = 1024;
    const CUT: &'static [u8] = b"...";

    fn new() -> Self {
        MessageBuffer {
            bytes: [0; Self::CAPACITY],
            len: 0,
            truncated: false,
        }
    }

    /// The text, the cut marker if it was cut, and a line break.
    fn finish(&mut self) -> &[u8] {
        let room = Self::CAPACITY - Self::CUT.len() - 1;
        let mut end = self.len.min(room);
        if self.truncated {
            self.bytes[end..end + Self::CUT.len()].copy_from_slice(Self::CUT);
            end += Self::CUT.len();
        }
        self.bytes[end] = b'\n';
        &self.bytes[..=end]
    }
}

#[cfg(any(feature = "std", test))]
impl core::fmt::Write for MessageBuffer {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        // Keep room for the cut marker and the line break.
        let room = Self::CAPACITY - Self::CUT.len() - 1 - self.len;
        let taken = text.len().min(room);
        self.bytes[self.len..self.len + taken].copy_from_slice(&text.as_bytes()[..taken]);
        self.len += taken;
        self.truncated |= taken < text.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::MessageBuffer;
    use core::fmt::Write as _;

    #[test]
    fn a_short_message_is_written_whole_with_a_line_break() {
        let mut buffer = MessageBuffer::new();
        let action = "dropped";
        write!(buffer, "a slot was {action}").unwrap();
        assert_eq!(buffer.finish(), b"a slot was dropped\n");
    }

    #[test]
    fn a_long_message_is_cut_short_and_marked() {
        let mut buffer = MessageBuffer::new();
        buffer.write_str("ab").unwrap();
        for _ in 0..MessageBuffer::CAPACITY {
            buffer.write_str("x").unwrap();
        }
        buffer.write_str("never seen").unwrap();
        let text = buffer.finish();
        assert_eq!(text.len(), MessageBuffer::CAPACITY);
        assert!(text.starts_with(b"abxxx"));
        assert!(text.ends_with(b"x...\n"));
    }

    #[test]
    fn a_message_that_exactly_fills_the_room_is_not_marked() {
        let mut buffer = MessageBuffer::new();
        let room = MessageBuffer::CAPACITY - MessageBuffer::CUT.len() - 1;
        for _ in 0..room {
            buffer.write_str("y").unwrap();
        }
        let text = buffer.finish();
        assert_eq!(text.len(), room + 1);
        assert!(text.ends_with(b"yy\n"));
    }
}
