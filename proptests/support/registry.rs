//! What happened to each test future of the current case: a thread-local
//! table of records, reached by the futures through an id they carry in
//! their own bytes, so that a future of any size and alignment (even a
//! zero-sized one) reports polls and drops without a field that would
//! change its layout.
//!
//! A future stores as many bytes of its id as it has room for (up to four);
//! the registry finds its record among the futures of the same size and
//! alignment whose id agrees with those bytes (see `Registry::resolve`). A
//! poll or drop of a future that was already dropped or leaked, or that
//! cannot be found, is reported as an error.

use std::cell::RefCell;

/// Identifies a test future within one case.
pub type Id = u32;

/// How a test future behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// How many polls return `Pending` (waking the task) before `Ready`.
    pub pending: u32,
    /// What `Ready` carries.
    pub value: u64,
    /// The poll, counted from 1, that panics instead of making progress.
    pub panic_at_poll: Option<u32>,
    /// Whether dropping the future panics (only for futures with drop
    /// glue, and never while the thread already unwinds).
    pub panic_on_drop: bool,
}

/// What happened to one test future.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The future's size and alignment.
    pub size: usize,
    pub align: usize,
    pub behaviour: Behaviour,
    /// Polls, including one that panicked.
    pub polls: u32,
    /// Polls that returned `Ready`.
    pub readies: u32,
    /// Wakes requested by `Pending` polls.
    pub wakes: u32,
    /// Destructor runs.
    pub drops: u32,
    /// Destructor runs while the thread was unwinding.
    pub unwinding_drops: u32,
    /// Polls and drops that saw the future at an address not aligned to
    /// its alignment.
    pub misaligned: u32,
    /// The address of the first poll or drop.
    pub addr: Option<usize>,
    /// Whether a later poll or drop saw the future at another address (a
    /// pinned future must not move).
    pub moved: bool,
    /// Set by the test when it leaks the future's handle.
    pub forgotten: bool,
    pending_left: u32,
}

impl Record {
    /// Whether the future may still be polled or dropped.
    fn is_live(&self) -> bool {
        self.drops == 0 && !self.forgotten
    }
}

#[derive(Default)]
struct Registry {
    records: Vec<Record>,
    errors: Vec<String>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::default();
}

/// Forgets every record and error: call at the start of each case.
pub fn reset() {
    REGISTRY.with_borrow_mut(|r| {
        r.records.clear();
        r.errors.clear();
    });
}

/// Registers a future of the given layout and behaviour about to be made.
pub fn register(size: usize, align: usize, behaviour: Behaviour) -> Id {
    REGISTRY.with_borrow_mut(|r| {
        r.records.push(Record {
            size,
            align,
            behaviour,
            pending_left: behaviour.pending,
            ..Record::default()
        });
        Id::try_from(r.records.len() - 1).expect("fewer than 2^32 futures per case")
    })
}

/// A copy of the record of `id`.
pub fn record(id: Id) -> Record {
    REGISTRY.with_borrow(|r| r.records[id as usize].clone())
}

/// Marks the future `id` as leaked: it will never be polled or dropped.
pub fn forget(id: Id) {
    REGISTRY.with_borrow_mut(|r| r.records[id as usize].forgotten = true);
}

/// The inconsistencies seen so far in this case (a future that could not be
/// identified, was corrupted, or was used after it was dropped).
pub fn errors() -> Vec<String> {
    REGISTRY.with_borrow(|r| r.errors.clone())
}

/// What a future saw of itself when it was polled or dropped.
pub struct Seen {
    /// The low bytes of its id, as many as it has room for.
    pub id_bytes: [u8; 4],
    pub id_len: usize,
    /// Whether its remaining bytes still hold the pattern it was made with.
    pub intact: bool,
    pub size: usize,
    pub align: usize,
    pub addr: usize,
}

/// What a polled future must do.
pub enum OnPoll {
    Pending,
    Ready(u64),
    Panic,
}

impl Registry {
    /// The record of the future that saw `seen`: the newest live record of
    /// its layout whose id agrees, else (an error) the newest such record.
    /// For a zero-sized future every record of its layout agrees, and the
    /// newest live one is the one in use: a case uses one future at a time.
    fn resolve(&mut self, seen: &Seen, event: &str) -> Option<usize> {
        // No allocation here: polls and drops happen inside the windows in
        // which the properties count heap operations.
        let (mut live, mut any) = (None, None);
        for (i, r) in self.records.iter().enumerate() {
            let agrees = r.size == seen.size
                && r.align == seen.align
                && (i as u32).to_le_bytes()[..seen.id_len] == seen.id_bytes[..seen.id_len];
            if agrees {
                any = Some(i);
                if r.is_live() {
                    live = Some(i);
                }
            }
        }
        let found = live.or(any);
        if let (None, Some(i)) = (live, any) {
            self.errors.push(format!(
                "future {i} ({} bytes, align {}) {event} after it was dropped or leaked",
                seen.size, seen.align
            ));
        }
        if found.is_none() {
            self.errors.push(format!(
                "{event}: no future of {} bytes, align {} has id bytes {:?}",
                seen.size,
                seen.align,
                &seen.id_bytes[..seen.id_len]
            ));
        }
        if let Some(i) = found {
            if !seen.intact {
                self.errors
                    .push(format!("future {i} {event} with corrupted bytes"));
            }
            let record = &mut self.records[i];
            if seen.addr % seen.align != 0 {
                record.misaligned += 1;
            }
            match record.addr {
                None => record.addr = Some(seen.addr),
                Some(addr) if addr != seen.addr && seen.size != 0 => record.moved = true,
                Some(_) => {}
            }
        }
        found
    }
}

/// Counts a poll of the future that saw `seen` and says what it must do.
pub fn polled(seen: &Seen) -> OnPoll {
    REGISTRY.with_borrow_mut(|r| {
        let Some(i) = r.resolve(seen, "polled") else {
            return OnPoll::Pending;
        };
        let record = &mut r.records[i];
        record.polls += 1;
        if record.behaviour.panic_at_poll == Some(record.polls) {
            return OnPoll::Panic;
        }
        if record.readies > 0 {
            r.errors
                .push(format!("future {i} polled after it returned Ready"));
            return OnPoll::Pending;
        }
        if record.pending_left > 0 {
            record.pending_left -= 1;
            record.wakes += 1;
            OnPoll::Pending
        } else {
            record.readies += 1;
            OnPoll::Ready(record.behaviour.value)
        }
    })
}

/// Counts a drop of the future that saw `seen`; true when it must panic.
pub fn dropped(seen: &Seen) -> bool {
    let unwinding = std::thread::panicking();
    REGISTRY.with_borrow_mut(|r| {
        let Some(i) = r.resolve(seen, "dropped") else {
            return false;
        };
        let record = &mut r.records[i];
        record.drops += 1;
        if unwinding {
            record.unwinding_drops += 1;
        }
        record.behaviour.panic_on_drop && !unwinding
    })
}
