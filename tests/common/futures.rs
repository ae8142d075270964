//! Test futures: exact sizes, chosen alignments, a drop-tracking future
//! that can stay pending, panic in `poll` or panic in `drop`, and
//! [`Scripted`] futures of exact layouts that report to a registry.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A ready future of exactly `K` bytes, alignment 1, no drop glue; its output
/// is `K`.
#[derive(Clone, Copy)]
pub struct Exact<const K: usize>(pub [u8; K]);

impl<const K: usize> Exact<K> {
    pub fn new() -> Self {
        Exact([0xA5; K])
    }
}

impl<const K: usize> Future for Exact<K> {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<usize> {
        assert!(
            self.0.iter().all(|&b| b == 0xA5),
            "future bytes were corrupted"
        );
        Poll::Ready(K)
    }
}

/// What happened to the [`Tracked`] futures that share it.
#[derive(Clone, Default)]
pub struct Probe(Arc<ProbeState>);

#[derive(Default)]
struct ProbeState {
    polls: AtomicUsize,
    drops: AtomicUsize,
}

impl Probe {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn polls(&self) -> usize {
        self.0.polls.load(Ordering::SeqCst)
    }
    pub fn drops(&self) -> usize {
        self.0.drops.load(Ordering::SeqCst)
    }
}

/// A drop-tracking future with at least `K` bytes of payload. It returns
/// `Pending` `pending` times (waking itself), then `Ready(value)`.
pub struct Tracked<const K: usize> {
    probe: Probe,
    pending: u32,
    value: u64,
    panic_on_poll: bool,
    panic_on_drop: bool,
    payload: [u8; K],
}

impl<const K: usize> Tracked<K> {
    pub fn new(probe: &Probe, value: u64) -> Self {
        Tracked {
            probe: probe.clone(),
            pending: 0,
            value,
            panic_on_poll: false,
            panic_on_drop: false,
            payload: [K as u8; K],
        }
    }
    pub fn pending(mut self, times: u32) -> Self {
        self.pending = times;
        self
    }
    pub fn panic_on_poll(mut self) -> Self {
        self.panic_on_poll = true;
        self
    }
    pub fn panic_on_drop(mut self) -> Self {
        self.panic_on_drop = true;
        self
    }
}

impl<const K: usize> Future for Tracked<K> {
    type Output = u64;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let this = self.get_mut();
        this.probe.0.polls.fetch_add(1, Ordering::SeqCst);
        assert!(
            this.payload.iter().all(|&b| b == K as u8),
            "payload corrupted"
        );
        if this.panic_on_poll {
            panic!("Tracked: panic in poll");
        }
        if this.pending > 0 {
            this.pending -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(this.value)
    }
}

impl<const K: usize> Drop for Tracked<K> {
    fn drop(&mut self) {
        self.probe.0.drops.fetch_add(1, Ordering::SeqCst);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("Tracked: panic in drop");
        }
    }
}

/// Wraps a future and raises its alignment to exactly the given one (for
/// an inner future aligned to at most that). Its output pairs the inner
/// output with whether every poll saw the wrapper at an aligned address.
macro_rules! aligned {
    ($($name:ident = $align:literal),* $(,)?) => {$(
        #[repr(C, align($align))]
        pub struct $name<F>(pub F);

        impl<F: FromId> FromId for $name<F> {
            fn from_id(id: Id) -> Self {
                $name(F::from_id(id))
            }
        }

        impl<F: Future + Unpin> Future for $name<F> {
            type Output = (F::Output, bool);
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let this = self.get_mut();
                let aligned = (this as *const Self).is_aligned();
                Pin::new(&mut this.0).poll(cx).map(|out| (out, aligned))
            }
        }
    )*};
}

aligned!(
    A1 = 1,
    A2 = 2,
    A4 = 4,
    A8 = 8,
    A16 = 16,
    A32 = 32,
    A64 = 64,
    A128 = 128,
    A256 = 256,
    A512 = 512,
    A1024 = 1024,
    A2048 = 2048,
    A4096 = 4096,
);

use registry::{Id, TestPanic};

/// A future made from its registry id.
pub trait FromId {
    fn from_id(id: Id) -> Self;
}

/// The fill byte of a future whose id's low byte is `low`.
fn fill(low: u8) -> u8 {
    0xA5 ^ low.wrapping_mul(31)
}

/// A future of exactly `K` bytes, alignment 1, no drop glue, that behaves as
/// its [registry](registry) record says. It holds nothing but its bytes: the
/// first `min(K, 4)` carry its id, the rest a fill pattern, so that a wrapper
/// (`A16<Scripted<48>>`) gives any layout whose size is a multiple of its
/// alignment, including 0.
pub struct Scripted<const K: usize>([u8; K]);

impl<const K: usize> Scripted<K> {
    const ID_LEN: usize = if K < 4 { K } else { 4 };

    /// What the future sees of itself.
    fn seen(&self) -> registry::Seen {
        let mut id = [0; 4];
        id[..Self::ID_LEN].copy_from_slice(&self.0[..Self::ID_LEN]);
        let rest = &self.0[Self::ID_LEN..];
        let expected = fill(self.0.first().copied().unwrap_or(0));
        // The first and last 64 bytes and every 61st: enough to see another
        // future written over this one, cheap enough under Miri.
        let edge = rest.len().min(64);
        let intact = rest[..edge].iter().all(|&b| b == expected)
            && rest[rest.len() - edge..].iter().all(|&b| b == expected)
            && rest.iter().step_by(61).all(|&b| b == expected);
        registry::Seen {
            id,
            id_len: Self::ID_LEN,
            intact,
            size: K,
            addr: core::ptr::from_ref(self).addr(),
        }
    }
}

impl<const K: usize> FromId for Scripted<K> {
    fn from_id(id: Id) -> Self {
        let mut bytes = [fill(id as u8); K];
        bytes[..Self::ID_LEN].copy_from_slice(&id.to_le_bytes()[..Self::ID_LEN]);
        Scripted(bytes)
    }
}

impl<const K: usize> Future for Scripted<K> {
    type Output = u64;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        match registry::polled(&self.seen()) {
            None => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(value) => Poll::Ready(value),
        }
    }
}

/// [`Scripted<K>`] with drop glue: its destructor reports to the registry
/// (and may panic).
pub struct ScriptedDrop<const K: usize>(Scripted<K>);

impl<const K: usize> FromId for ScriptedDrop<K> {
    fn from_id(id: Id) -> Self {
        ScriptedDrop(Scripted::from_id(id))
    }
}

impl<const K: usize> Future for ScriptedDrop<K> {
    type Output = u64;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<const K: usize> Drop for ScriptedDrop<K> {
    fn drop(&mut self) {
        if registry::dropped(&self.0.seen()) {
            std::panic::panic_any(TestPanic::Drop);
        }
    }
}

/// What happened to each [`Scripted`] future of the current case: a
/// thread-local table reached through the id a future carries in its bytes.
/// A future is found among those of its size whose id agrees with its id
/// bytes (the newest live one: a zero-sized future has none, and a case uses
/// one at a time). A use after a drop or a leak, a future that cannot be
/// found, and corrupted bytes are errors.
pub mod registry {
    use std::cell::RefCell;

    pub type Id = u32;

    /// What the panics of test futures carry.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TestPanic {
        Poll,
        Drop,
        /// The callee panicked after placing the future.
        Callee,
    }

    /// How a scripted future behaves.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Behaviour {
        /// Polls that return `Pending` (waking the task) before `Ready`.
        pub pending: u32,
        pub value: u64,
        /// The poll, counted from 1, that panics instead.
        pub panic_at_poll: Option<u32>,
        /// Whether dropping panics (unless the thread already unwinds).
        pub panic_on_drop: bool,
    }

    /// What happened to one future.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Record {
        pub size: usize,
        pub align: usize,
        pub behaviour: Behaviour,
        /// Polls, including one that panicked.
        pub polls: u32,
        pub readies: u32,
        pub wakes: u32,
        pub drops: u32,
        /// Drops while the thread was unwinding.
        pub unwinding_drops: u32,
        /// Polls and drops at an address not aligned to `align`.
        pub misaligned: u32,
        /// The address of the first poll or drop.
        pub addr: Option<usize>,
        /// Whether a later poll or drop saw another address.
        pub moved: bool,
        /// Set when the test leaks the handle.
        pub forgotten: bool,
    }

    #[derive(Default)]
    struct Registry {
        records: Vec<Record>,
        errors: Vec<String>,
    }

    thread_local! {
        static REGISTRY: RefCell<Registry> = RefCell::default();
    }

    /// Forgets every record and error: call at the start of each case. The
    /// table keeps room for 64 futures, so that registering them allocates
    /// nothing while a case counts its heap use.
    pub fn reset() {
        REGISTRY.with_borrow_mut(|r| {
            r.records.clear();
            r.records.reserve(64);
            r.errors.clear();
        });
    }

    /// Registers a future of this layout and behaviour, about to be made.
    pub fn register(size: usize, align: usize, behaviour: Behaviour) -> Id {
        REGISTRY.with_borrow_mut(|r| {
            r.records.push(Record {
                size,
                align,
                behaviour,
                ..Record::default()
            });
            Id::try_from(r.records.len() - 1).expect("fewer than 2^32 futures per case")
        })
    }

    pub fn record(id: Id) -> Record {
        REGISTRY.with_borrow(|r| r.records[id as usize].clone())
    }

    /// Marks the future `id` as leaked: it will never be polled or dropped.
    pub fn forget(id: Id) {
        REGISTRY.with_borrow_mut(|r| r.records[id as usize].forgotten = true);
    }

    /// The inconsistencies seen so far in this case.
    pub fn errors() -> Vec<String> {
        REGISTRY.with_borrow(|r| r.errors.clone())
    }

    /// What a future saw of itself.
    pub struct Seen {
        pub id: [u8; 4],
        pub id_len: usize,
        pub intact: bool,
        pub size: usize,
        pub addr: usize,
    }

    impl Registry {
        /// The record of the future that saw `seen` (no allocation unless
        /// something is wrong: polls and drops happen inside windows in
        /// which heap operations are counted).
        fn resolve(&mut self, seen: &Seen, event: &str) -> Option<&mut Record> {
            let (mut live, mut any) = (None, None);
            for (i, r) in self.records.iter().enumerate() {
                if r.size == seen.size
                    && (i as u32).to_le_bytes()[..seen.id_len] == seen.id[..seen.id_len]
                {
                    any = Some(i);
                    if r.drops == 0 && !r.forgotten {
                        live = Some(i);
                    }
                }
            }
            let Some(i) = live.or(any) else {
                self.errors.push(format!(
                    "{event}: no future of {} bytes has id bytes {:?}",
                    seen.size,
                    &seen.id[..seen.id_len]
                ));
                return None;
            };
            if live.is_none() {
                self.errors
                    .push(format!("future {i} {event} after it was dropped or leaked"));
            }
            if !seen.intact {
                self.errors
                    .push(format!("future {i} {event} with corrupted bytes"));
            }
            let record = &mut self.records[i];
            record.misaligned += u32::from(seen.addr % record.align != 0);
            match record.addr {
                None => record.addr = Some(seen.addr),
                Some(addr) => record.moved |= addr != seen.addr && seen.size != 0,
            }
            Some(record)
        }
    }

    /// Counts a poll of the future that saw `seen`: its value when it is
    /// ready, `None` when pending; panics as its behaviour says.
    pub fn polled(seen: &Seen) -> Option<u64> {
        let panics = REGISTRY.with_borrow_mut(|r| {
            let record = r.resolve(seen, "polled")?;
            record.polls += 1;
            if record.behaviour.panic_at_poll == Some(record.polls) {
                return Some(Err(()));
            }
            if record.readies > 0 {
                r.errors
                    .push(String::from("a future was polled after it returned Ready"));
                None
            } else if record.wakes < record.behaviour.pending {
                record.wakes += 1;
                None
            } else {
                record.readies += 1;
                Some(Ok(record.behaviour.value))
            }
        });
        match panics {
            Some(Err(())) => std::panic::panic_any(TestPanic::Poll),
            Some(Ok(value)) => Some(value),
            None => None,
        }
    }

    /// Counts a drop of the future that saw `seen`; true when it must panic.
    pub fn dropped(seen: &Seen) -> bool {
        let unwinding = std::thread::panicking();
        REGISTRY.with_borrow_mut(|r| {
            let Some(record) = r.resolve(seen, "dropped") else {
                return false;
            };
            record.drops += 1;
            record.unwinding_drops += u32::from(unwinding);
            record.behaviour.panic_on_drop && !unwinding
        })
    }
}
