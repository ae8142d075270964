//! A line-based TCP service on loopback whose request handler is a `dyn`
//! trait object picked per request at run time (echo, uppercase, or a slow
//! one that awaits a timer), on a multi-threaded tokio runtime, driven by
//! its own client for a bounded run.
//!
//! The same service is built twice, in one run, with the same client:
//!
//! - **stackslot**: the handlers implement a trait written with
//!   `#[stackslot::dyn_trait(Send)]`; each connection task owns a
//!   `Slot<256>` in its own future, and every handler's future lands there;
//! - **async-trait**: the same handlers behind `#[async_trait]`, which boxes
//!   every call's future.
//!
//! It prints the requests served, p50/p99 latency as the client sees it,
//! and heap allocations per request, counted by this example's global
//! allocator on every thread (server, client and runtime alike) while the
//! requests run. Run with `cargo run --release --example service`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use stackslot::Slot;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Barrier;

/// Concurrent client connections, and requests on each (after one warm-up).
const CONNECTIONS: usize = 8;
const REQUESTS_PER_CONNECTION: usize = 1000;
/// How long the slow handler's timer runs.
const SLOW_DELAY: Duration = Duration::from_millis(1);
/// The slot each connection task lends to its handlers.
const SLOT_BYTES: usize = 256;

/// Counts every allocation, on every thread.
struct CountingAlloc;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to `System` with the arguments it was
// given, so `System`'s guarantees hold; counting touches one atomic.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

mod handler {
    /// Answers one request. Dyn callers use the generated `DynHandler`.
    #[stackslot::dyn_trait(Send)]
    pub trait Handler: Send + Sync {
        /// Appends the response to `request` to `response`.
        async fn handle(&self, request: &[u8], response: &mut Vec<u8>);
    }
}

mod handlers {
    use std::time::Duration;

    use super::handler::Handler;

    /// Answers with the request.
    pub struct Echo;

    impl Handler for Echo {
        async fn handle(&self, request: &[u8], response: &mut Vec<u8>) {
            response.extend_from_slice(request);
        }
    }

    /// Answers with the request in upper case.
    pub struct Uppercase;

    impl Handler for Uppercase {
        async fn handle(&self, request: &[u8], response: &mut Vec<u8>) {
            response.extend(request.iter().map(u8::to_ascii_uppercase));
        }
    }

    /// Waits for a timer, then echoes.
    pub struct Slow(pub Duration);

    impl Handler for Slow {
        async fn handle(&self, request: &[u8], response: &mut Vec<u8>) {
            tokio::time::sleep(self.0).await;
            response.extend_from_slice(request);
        }
    }
}

mod boxed {
    use super::handler::Handler;

    /// The same handlers through `async-trait`: a `Box` per call.
    #[async_trait::async_trait]
    pub trait BoxedHandler: Send + Sync {
        async fn handle(&self, request: &[u8], response: &mut Vec<u8>);
    }

    #[async_trait::async_trait]
    impl<T: Handler> BoxedHandler for T {
        async fn handle(&self, request: &[u8], response: &mut Vec<u8>) {
            Handler::handle(self, request, response).await;
        }
    }
}

use boxed::BoxedHandler;
use handler::DynHandler;

/// The handlers by route: a request line is `<route> <body>`.
struct Router<H: ?Sized> {
    routes: Vec<(&'static [u8], Box<H>)>,
}

impl<H: ?Sized> Router<H> {
    /// The handler for `line` and the body it gets.
    fn find<'a>(&self, line: &'a [u8]) -> Option<(&H, &'a [u8])> {
        let space = line.iter().position(|&b| b == b' ')?;
        let (route, body) = (&line[..space], &line[space + 1..]);
        let (_, handler) = self.routes.iter().find(|(name, _)| *name == route)?;
        Some((&**handler, body))
    }
}

/// The three handlers, as trait objects of either kind.
macro_rules! router {
    ($dyn:ty) => {
        Router::<$dyn> {
            routes: vec![
                (b"echo", Box::new(handlers::Echo)),
                (b"upper", Box::new(handlers::Uppercase)),
                (b"slow", Box::new(handlers::Slow(SLOW_DELAY))),
            ],
        }
    };
}

/// How a server calls the handler of a request, with per-connection state.
trait Dispatch: Send + Sync + 'static {
    /// What each connection task keeps for its calls, pinned in its future.
    type Connection: Default + Send;
    /// Whether `Connection` is a slot that the handlers' futures land in.
    const LENDS_A_SLOT: bool;
    /// Appends the response to `line` to `response`; `false` for an
    /// unknown route.
    fn call<'a>(
        &'a self,
        connection: Pin<&'a mut Self::Connection>,
        line: &'a [u8],
        response: &'a mut Vec<u8>,
    ) -> impl Future<Output = bool> + Send + 'a;
    /// The counters of a connection's slot, if it has one.
    fn slot_stats(connection: &Self::Connection) -> Option<stackslot::Stats>;
}

impl Dispatch for Router<dyn DynHandler + Send + Sync> {
    type Connection = Slot<SLOT_BYTES>;
    const LENDS_A_SLOT: bool = true;
    async fn call<'a>(
        &'a self,
        slot: Pin<&'a mut Slot<SLOT_BYTES>>,
        line: &'a [u8],
        response: &'a mut Vec<u8>,
    ) -> bool {
        let Some((handler, body)) = self.find(line) else {
            return false;
        };
        handler.handle(slot.or_box(), body, response).await;
        true
    }
    fn slot_stats(slot: &Slot<SLOT_BYTES>) -> Option<stackslot::Stats> {
        Some(slot.stats())
    }
}

impl Dispatch for Router<dyn BoxedHandler> {
    type Connection = ();
    const LENDS_A_SLOT: bool = false;
    async fn call<'a>(
        &'a self,
        _: Pin<&'a mut ()>,
        line: &'a [u8],
        response: &'a mut Vec<u8>,
    ) -> bool {
        let Some((handler, body)) = self.find(line) else {
            return false;
        };
        handler.handle(body, response).await;
        true
    }
    fn slot_stats((): &()) -> Option<stackslot::Stats> {
        None
    }
}

/// What the server counts, over all its connections.
#[derive(Default)]
struct ServerCounts {
    served: AtomicU64,
    slot_hits: AtomicU64,
    slot_fallbacks: AtomicU64,
    largest_future: AtomicU64,
}

/// Accepts connections and serves each in a task of its own.
async fn serve<D: Dispatch>(listener: TcpListener, dispatch: Arc<D>, counts: Arc<ServerCounts>) {
    loop {
        let (socket, _) = listener.accept().await.expect("accept");
        let (dispatch, counts) = (Arc::clone(&dispatch), Arc::clone(&counts));
        tokio::spawn(async move { connection(socket, &*dispatch, &counts).await });
    }
}

/// Serves one connection until the client closes it.
async fn connection<D: Dispatch>(mut socket: TcpStream, dispatch: &D, counts: &ServerCounts) {
    socket.set_nodelay(true).expect("nodelay");
    let (reader, mut writer) = socket.split();
    let mut reader = BufReader::new(reader);
    let mut state = pin!(D::Connection::default());
    let (mut request, mut response) = (Vec::with_capacity(256), Vec::with_capacity(256));
    loop {
        request.clear();
        if reader.read_until(b'\n', &mut request).await.expect("read") == 0 {
            break;
        }
        let line = request.strip_suffix(b"\n").unwrap_or(&request);
        response.clear();
        if !dispatch.call(state.as_mut(), line, &mut response).await {
            response.extend_from_slice(b"unknown route");
        }
        response.push(b'\n');
        writer.write_all(&response).await.expect("write");
        counts.served.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(stats) = D::slot_stats(&state) {
        counts.slot_hits.fetch_add(stats.hits(), Ordering::Relaxed);
        counts
            .slot_fallbacks
            .fetch_add(stats.fallbacks(), Ordering::Relaxed);
        let largest = stats.largest_future() as u64;
        counts.largest_future.fetch_max(largest, Ordering::Relaxed);
    }
}

/// The request lines the client sends, and the answers it expects:
/// 19 of 20 go to echo or uppercase, 1 of 20 to the slow handler.
fn request(i: usize) -> (&'static [u8], &'static [u8]) {
    match i % 20 {
        19 => (b"slow hello, stackslot\n", b"hello, stackslot\n"),
        n if n % 2 == 0 => (b"echo hello, stackslot\n", b"hello, stackslot\n"),
        _ => (b"upper hello, stackslot\n", b"HELLO, STACKSLOT\n"),
    }
}

/// The points where the clients and the measurement meet: all connected
/// and warm, counting started, all requests answered.
struct Phases {
    ready: Barrier,
    go: Barrier,
    done: Barrier,
}

/// Connects, sends one warm-up request, then `REQUESTS_PER_CONNECTION`
/// between the `go` and `done` phases; returns each one's latency.
async fn client(addr: SocketAddr, connection: usize, phases: &Phases) -> Vec<Duration> {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    socket.set_nodelay(true).expect("nodelay");
    let (reader, mut writer) = socket.split();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::with_capacity(256);
    let mut latencies = Vec::with_capacity(REQUESTS_PER_CONNECTION);
    let mut exchange = async |i: usize| {
        let (request, expected) = request(i);
        writer.write_all(request).await.expect("write");
        line.clear();
        reader.read_until(b'\n', &mut line).await.expect("read");
        assert_eq!(
            line,
            expected,
            "wrong answer to {:?}",
            String::from_utf8_lossy(request)
        );
    };
    exchange(connection).await;
    phases.ready.wait().await;
    phases.go.wait().await;
    for i in 0..REQUESTS_PER_CONNECTION {
        let sent = Instant::now();
        exchange(connection + i).await;
        latencies.push(sent.elapsed());
    }
    phases.done.wait().await;
    latencies
}

/// One server's numbers.
struct Measurement {
    name: &'static str,
    served: u64,
    p50: Duration,
    p99: Duration,
    allocations: u64,
    requests: usize,
    /// Hits, fallbacks, and the largest future, in bytes.
    slot: Option<(u64, u64, u64)>,
}

/// Starts a server with `dispatch`, runs the clients against it, and
/// measures the requests between the barriers.
async fn measure<D: Dispatch>(name: &'static str, dispatch: D) -> Measurement {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let counts = Arc::new(ServerCounts::default());
    let server = tokio::spawn(serve(listener, Arc::new(dispatch), Arc::clone(&counts)));

    let phases = Arc::new(Phases {
        ready: Barrier::new(CONNECTIONS + 1),
        go: Barrier::new(CONNECTIONS + 1),
        done: Barrier::new(CONNECTIONS + 1),
    });
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|connection| {
            let phases = Arc::clone(&phases);
            tokio::spawn(async move { client(addr, connection, &phases).await })
        })
        .collect();
    // Every client waits at `go` until the count has started.
    phases.ready.wait().await;
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
    phases.go.wait().await;
    phases.done.wait().await;
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;

    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await.expect("client"));
    }
    let total = (CONNECTIONS * (REQUESTS_PER_CONNECTION + 1)) as u64;
    while counts.served.load(Ordering::Relaxed) < total || Arc::strong_count(&counts) > 2 {
        tokio::task::yield_now().await; // the connection tasks finish
    }
    server.abort();
    latencies.sort_unstable();
    let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    let hits = counts.slot_hits.load(Ordering::Relaxed);
    Measurement {
        name,
        served: counts.served.load(Ordering::Relaxed),
        p50: percentile(50),
        p99: percentile(99),
        allocations,
        requests: latencies.len(),
        slot: D::LENDS_A_SLOT.then(|| {
            let fallbacks = counts.slot_fallbacks.load(Ordering::Relaxed);
            (
                hits,
                fallbacks,
                counts.largest_future.load(Ordering::Relaxed),
            )
        }),
    }
}

fn print(measurements: &[Measurement]) {
    println!(
        "| server | requests served | p50 | p99 | heap allocations (per request) | slot hits / fallbacks (largest future) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for m in measurements {
        let slot = m
            .slot
            .map_or("-".to_string(), |(hits, fallbacks, largest)| {
                format!("{hits} / {fallbacks} ({largest} bytes)")
            });
        println!(
            "| {} | {} | {:.1?} | {:.1?} | {} ({:.2}) | {slot} |",
            m.name,
            m.served,
            m.p50,
            m.p99,
            m.allocations,
            m.allocations as f64 / m.requests as f64
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{CONNECTIONS} connections x {REQUESTS_PER_CONNECTION} requests per server on loopback \
         (echo / uppercase, and 1 in 20 slow: a {SLOW_DELAY:?} timer), a multi-threaded tokio \
         runtime with 2 workers; allocations counted on every thread while the requests run \
         (client included)\n"
    );
    let started = Instant::now();
    let measurements = runtime.block_on(async {
        // A short round of each first, so that both run warm.
        for _ in 0..2 {
            measure("warm-up", router!(dyn DynHandler + Send + Sync)).await;
            measure("warm-up", router!(dyn BoxedHandler)).await;
        }
        [
            measure(
                "stackslot: Slot<256> per connection",
                router!(dyn DynHandler + Send + Sync),
            )
            .await,
            measure("async-trait: Box per call", router!(dyn BoxedHandler)).await,
        ]
    });
    print(&measurements);
    println!(
        "\n(served includes one warm-up request per connection; p50/p99 are round trips \
         as the client sees them; whole run {:.1?})",
        started.elapsed()
    );
    // With `--features profile`: every call site that lent a space, most
    // allocations first.
    #[cfg(feature = "profile")]
    println!("\n{}", stackslot::profile::report());
}
