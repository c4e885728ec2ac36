//! A tiny HTTP server on 127.0.0.1 for tests: a fake DynamoDB endpoint with
//! scripted answers, or a proxy to a real one that records every request.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};

/// A request the server saw: its `X-Amz-Target` operation and JSON body.
#[derive(Debug, Clone)]
pub struct Seen {
    pub operation: String,
    pub body: serde_json::Value,
    /// Every header but `host`, to forward as they came.
    pub headers: Vec<(String, String)>,
    pub raw: Bytes,
}

type Reply = Pin<Box<dyn Future<Output = (u16, String)> + Send>>;
type Handler = Arc<dyn Fn(Seen, usize) -> Reply + Send + Sync>;

pub struct FakeServer {
    pub url: String,
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl FakeServer {
    /// Serves on a free loopback port; `handler` gets each request and its
    /// 0-based number and returns (status, JSON body); status [`HANG_UP`]
    /// closes the connection without an answer.
    pub async fn start(
        handler: impl Fn(Seen, usize) -> Reply + Send + Sync + 'static,
    ) -> FakeServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Handler = Arc::new(handler);
        let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
        let recorded = seen.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = &mut stop => return,
                };
                let Ok((stream, _)) = accepted else { continue };
                let handler = handler.clone();
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                        let handler = handler.clone();
                        let recorded = recorded.clone();
                        async move {
                            let operation = request
                                .headers()
                                .get("x-amz-target")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| v.rsplit('.').next())
                                .unwrap_or_default()
                                .to_string();
                            let headers = request
                                .headers()
                                .iter()
                                .filter(|(name, _)| *name != "host")
                                .filter_map(|(name, value)| {
                                    Some((name.to_string(), value.to_str().ok()?.to_string()))
                                })
                                .collect();
                            let bytes = request.into_body().collect().await.map(|b| b.to_bytes());
                            let raw = bytes.unwrap_or_default();
                            let body =
                                serde_json::from_slice(&raw).unwrap_or(serde_json::Value::Null);
                            let seen = Seen {
                                operation,
                                body,
                                headers,
                                raw,
                            };
                            let number = {
                                let mut all = recorded.lock().unwrap();
                                all.push(seen.clone());
                                all.len() - 1
                            };
                            let (status, body) = handler(seen, number).await;
                            if status == HANG_UP {
                                return Err(std::io::Error::other("hung up"));
                            }
                            let response = Response::builder()
                                .status(status)
                                .header("content-type", "application/x-amz-json-1.0")
                                .body(Full::new(Bytes::from(body)))
                                .unwrap();
                            Ok::<_, std::io::Error>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeServer {
            url: format!("http://127.0.0.1:{port}"),
            port,
            seen,
            _shutdown: shutdown,
        }
    }

    /// A proxy to `upstream` that records each request's operation.
    pub async fn proxy(upstream: &str) -> FakeServer {
        FakeServer::gated_proxy(upstream, |_| true).await
    }

    /// A proxy to `upstream` that forwards a request only when `gate` says
    /// so; a request it holds is never answered, as by a hung endpoint.
    pub async fn gated_proxy(
        upstream: &str,
        gate: impl Fn(&Seen) -> bool + Send + Sync + 'static,
    ) -> FakeServer {
        FakeServer::faulty_proxy(upstream, move |seen| {
            if gate(seen) {
                Pass::Forward
            } else {
                Pass::Hold
            }
        })
        .await
    }

    /// A proxy to `upstream` that does with each request what `fault`
    /// says: forwards it, holds it, or answers it itself (an error, or
    /// [`HANG_UP`]).
    pub async fn faulty_proxy(
        upstream: &str,
        fault: impl Fn(&Seen) -> Pass + Send + Sync + 'static,
    ) -> FakeServer {
        let fault = Arc::new(fault);
        let upstream = upstream.to_string();
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build_http::<Full<Bytes>>();
        FakeServer::start(move |seen, _| {
            let client = client.clone();
            let upstream = upstream.clone();
            let fault = fault.clone();
            Box::pin(async move {
                match fault(&seen) {
                    Pass::Forward => {}
                    Pass::Hold => std::future::pending::<()>().await,
                    Pass::Answer(status, body) => return (status, body),
                }
                let mut request = Request::post(format!("{upstream}/"));
                for (name, value) in &seen.headers {
                    if name != "content-length" {
                        request = request.header(name, value);
                    }
                }
                let request = request.body(Full::new(seen.raw.clone())).unwrap();
                match client.request(request).await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let body = response.into_body().collect().await.unwrap().to_bytes();
                        (status, String::from_utf8_lossy(&body).into_owned())
                    }
                    Err(err) => (502, format!("{{\"message\":\"{err}\"}}")),
                }
            })
        })
        .await
    }

    /// A fake DynamoDB that answers `DescribeTable` with "no such table"
    /// and refuses to create one, so a reset that gets through fails with
    /// exit 1 after its first requests.
    pub async fn creating_nothing() -> FakeServer {
        FakeServer::start(|seen, _| {
            Box::pin(async move {
                match seen.operation.as_str() {
                    "DescribeTable" => error("ResourceNotFoundException", "no table"),
                    _ => error("ValidationException", "this fake creates nothing"),
                }
            })
        })
        .await
    }

    pub fn operations(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.operation.clone())
            .collect()
    }
}

/// The status that makes the fake close the connection without answering,
/// as a dropped connection.
pub const HANG_UP: u16 = 0;

/// What a faulty proxy does with a request.
pub enum Pass {
    Forward,
    /// Never answers it, as a hung endpoint.
    Hold,
    /// Answers it itself.
    Answer(u16, String),
}

/// A DynamoDB error answer.
pub fn error(code: &str, message: &str) -> (u16, String) {
    (
        400,
        serde_json::json!({
            "__type": format!("com.amazonaws.dynamodb.v20120810#{code}"),
            "message": message
        })
        .to_string(),
    )
}
