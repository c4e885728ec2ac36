//! A small fake Docker API on a Unix socket: a daemon with no images whose
//! pulls fail (or hang), recording every request, for faults a real daemon
//! does not produce on demand.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// Answers like a Docker engine that has no images and whose registry pulls
/// fail with `pull_error` (or, for [`HANG`], report some progress and then
/// hang); records every request path.
pub async fn fake_docker(
    socket: &std::path::Path,
    pull_error: &'static str,
) -> (Arc<Mutex<Vec<String>>>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::UnixListener::bind(socket).unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let recorded = seen.clone();
    let server = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let recorded = recorded.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let path = request.uri().path().to_string();
                    recorded
                        .lock()
                        .unwrap()
                        .push(format!("{} {path}", request.method()));
                    async move {
                        if path.ends_with("/images/create") && pull_error == HANG {
                            let first = Bytes::from_static(
                                b"{\"status\":\"Downloading\",\"id\":\"layer\",\"progressDetail\":{\"current\":1,\"total\":100}}\n",
                            );
                            let chunks = futures_util::stream::once(async move {
                                Ok::<_, Infallible>(hyper::body::Frame::data(first))
                            })
                            .chain(futures_util::stream::pending());
                            return Ok::<_, Infallible>(
                                Response::builder()
                                    .status(200)
                                    .header("content-type", "application/json")
                                    .body(BodyExt::boxed(http_body_util::StreamBody::new(chunks)))
                                    .unwrap(),
                            );
                        }
                        let (status, body) = if path.ends_with("/version") {
                            (200, r#"{"ApiVersion":"1.41","Version":"20.10.24","MinAPIVersion":"1.12"}"#.to_string())
                        } else if path.ends_with("/containers/json") {
                            (200, "[]".to_string())
                        } else if path.ends_with("/_ping") {
                            (200, "OK".to_string())
                        } else if path.ends_with("/images/create") {
                            (
                                200,
                                format!(
                                    "{{\"status\":\"Pulling from library\"}}\n{{\"errorDetail\":{{\"message\":\"{pull_error}\"}},\"error\":\"{pull_error}\"}}\n"
                                ),
                            )
                        } else {
                            (404, r#"{"message":"No such object"}"#.to_string())
                        };
                        Ok::<_, Infallible>(
                            Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(BodyExt::boxed(Full::new(Bytes::from(body))))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (seen, server)
}

/// A pull that reports progress, then no more.
pub const HANG: &str = "hang";
