//! `#[dyn_trait]` on a request handler (`&self`, an argument that borrows):
//! several calls in flight at once through one `&dyn`, one slot each.
#![cfg(all(feature = "macros", feature = "alloc"))]

mod common;

use core::pin::pin;
use core::task::Poll;
use std::cell::Cell;
use std::rc::Rc;

use common::{poll_once, run};
use handlers::{Gate, Router};
use stackslot::{BoxingAdapter, Slot};
use traits::{DynHandler, HandlerWithSlot, Request, Response};

mod traits {
    /// A request; borrows its path from the caller.
    #[derive(Clone, Copy, Debug)]
    pub struct Request<'a> {
        pub path: &'a str,
        pub id: u32,
    }

    /// A response; owns everything.
    #[derive(Debug, PartialEq, Eq)]
    pub struct Response {
        pub status: u16,
        pub body: String,
    }

    /// Serves requests; many at once through a shared reference.
    #[stackslot::dyn_trait]
    pub trait Handler {
        /// Answers one request.
        async fn call(&self, req: Request<'_>) -> Response;
        /// How many requests it answered.
        fn served(&self) -> u32;
    }
}

mod handlers {
    use core::future::Future;
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::cell::Cell;
    use std::rc::Rc;

    use super::traits::{Handler, Request, Response};

    /// Pending until opened (asking to be polled again meanwhile); shared by
    /// the test and the handler.
    #[derive(Clone, Default)]
    pub struct Gate(pub Rc<Cell<bool>>);

    impl Future for Gate {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0.get() {
                Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    /// Answers from a table once its gate opens.
    pub struct Router {
        pub routes: Vec<(&'static str, &'static str)>,
        pub gate: Gate,
        pub served: Cell<u32>,
    }

    impl Handler for Router {
        async fn call(&self, req: Request<'_>) -> Response {
            self.gate.clone().await;
            self.served.set(self.served.get() + 1);
            match self.routes.iter().find(|(path, _)| *path == req.path) {
                Some((_, body)) => Response {
                    status: 200,
                    body: format!("{body} #{}", req.id),
                },
                None => Response {
                    status: 404,
                    body: format!("no route to {}", req.path),
                },
            }
        }

        fn served(&self) -> u32 {
            self.served.get()
        }
    }
}

fn router() -> Router {
    Router {
        routes: vec![("/", "home"), ("/users", "users")],
        gate: Gate::default(),
        served: Cell::new(0),
    }
}

fn open(gate: &Cell<bool>) {
    gate.set(true);
}

#[test]
fn several_calls_in_flight_one_slot_each() {
    let router = router();
    let gate = Rc::clone(&router.gate.0);
    let handler: &dyn DynHandler = &router;
    // Paths owned by this frame, borrowed by the requests.
    let paths = [
        String::from("/"),
        String::from("/users"),
        String::from("/nope"),
    ];
    let mut slot_a = pin!(Slot::<256>::new());
    let mut slot_b = pin!(Slot::<256>::new());
    let mut slot_c = pin!(Slot::<256>::new());
    let mut calls = [
        handler.call(
            slot_a.as_mut().or_box(),
            Request {
                path: &paths[0],
                id: 1,
            },
        ),
        handler.call(
            slot_b.as_mut().or_box(),
            Request {
                path: &paths[1],
                id: 2,
            },
        ),
        handler.call(
            slot_c.as_mut().or_box(),
            Request {
                path: &paths[2],
                id: 3,
            },
        ),
    ];
    assert!(calls.iter().all(|call| call.is_inline()));
    // All three are alive and waiting at once.
    for call in &mut calls {
        assert!(poll_once(call).is_pending());
    }
    assert_eq!(handler.served(), 0);
    open(&gate);
    let responses: Vec<Response> = calls.iter_mut().map(|call| run(call, 1)).collect();
    assert_eq!(
        responses,
        [
            Response {
                status: 200,
                body: "home #1".into()
            },
            Response {
                status: 200,
                body: "users #2".into()
            },
            Response {
                status: 404,
                body: "no route to /nope".into()
            },
        ]
    );
    assert_eq!(handler.served(), 3);
    drop(calls);
    for slot in [&slot_a, &slot_b, &slot_c] {
        assert_eq!((slot.stats().hits(), slot.stats().fallbacks()), (1, 0));
    }
}

#[test]
fn one_wrapper_per_slot_shares_the_handler() {
    let router = router();
    let gate = Rc::clone(&router.gate.0);
    let handler: &dyn DynHandler = &router;
    let mut slot_a = pin!(Slot::<256>::new());
    let mut slot_b = pin!(Slot::<256>::new());
    let mut a = HandlerWithSlot::new(handler, slot_a.as_mut());
    let mut b = HandlerWithSlot::new(handler, slot_b.as_mut());
    let path = String::from("/users");
    let mut first = a.call(Request { path: &path, id: 7 });
    let mut second = b.call(Request { path: "/", id: 8 });
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    open(&gate);
    assert_eq!(run(&mut second, 1).body, "home #8");
    assert_eq!(run(&mut first, 1).body, "users #7");
    drop((first, second));
    // The wrapper's next call reuses its slot.
    let mut third = a.call(Request { path: "/", id: 9 });
    assert_eq!(run(&mut third, 1).status, 200);
    drop(third);
    assert_eq!(a.slot.stats().hits(), 2);
    assert_eq!(a.target.served(), 3);
}

#[test]
fn calls_run_concurrently_on_a_tokio_runtime() {
    let router = router();
    let gate = Rc::clone(&router.gate.0);
    let handler: &dyn DynHandler = &BoxingAdapter::new(router);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let responses = runtime.block_on(async {
        let call = |id: u32| async move {
            let mut slot = pin!(Slot::<256>::new());
            let path = format!("/{}", if id % 2 == 0 { "" } else { "users" });
            let response = handler
                .call(slot.as_mut().or_box(), Request { path: &path, id })
                .await;
            assert_eq!(slot.stats().hits(), 1);
            response.body
        };
        let opener = async {
            tokio::task::yield_now().await;
            open(&gate);
        };
        let (a, b, c, ()) = tokio::join!(call(1), call(2), call(3), opener);
        [a, b, c]
    });
    assert_eq!(responses, ["users #1", "home #2", "users #3"]);
    assert_eq!(handler.served(), 3);
}

#[test]
fn a_pending_call_dropped_early_frees_its_slot() {
    let router = router();
    let handler: &dyn DynHandler = &router;
    let mut slot = pin!(Slot::<256>::new());
    let mut call = handler.call(slot.as_mut().or_box(), Request { path: "/", id: 1 });
    assert_eq!(poll_once(&mut call), Poll::Pending);
    drop(call);
    assert!(!slot.is_occupied());
    open(&router.gate.0);
    let mut call = handler.call(slot.as_mut().or_box(), Request { path: "/", id: 2 });
    assert_eq!(run(&mut call, 1).body, "home #2");
}
