//! Images that cannot be pulled, against a small fake Docker API on a Unix
//! socket: devstack says which image, the registry's words and what to do,
//! and creates nothing.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use crate::support::{Stack, Watched, block_on};

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

fn pull_fails(registry_says: &'static str, expect: &str) {
    let stack = Stack::new("pull", "ministack", "");
    let socket = stack.dir.path().join("docker.sock");
    block_on(async {
        let (seen, server) = fake_docker(&socket, registry_says).await;
        let out = tokio::task::spawn_blocking({
            let mut command = stack.command(&["up"]);
            command.env("DOCKER_HOST", format!("unix://{}", socket.display()));
            move || crate::support::run(&mut command)
        })
        .await
        .unwrap();
        server.abort();
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("cannot pull image `ministackorg/ministack:1.5.33`"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(expect), "{}", out.stderr);
        assert!(
            out.stderr.contains(registry_says),
            "the registry's words: {}",
            out.stderr
        );
        assert!(out.stderr.contains("hint:"), "{}", out.stderr);
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.iter().any(|r| r.contains("/images/create")),
            "{seen:?}"
        );
        assert!(
            !seen
                .iter()
                .any(|r| r.contains("/containers/create") || r.contains("/networks/create")),
            "nothing is created when an image is missing: {seen:?}"
        );
    });
}

#[test]
fn a_rate_limited_pull_says_so_and_creates_nothing() {
    pull_fails(
        "toomanyrequests: You have reached your pull rate limit.",
        "the registry's rate limit was hit",
    );
}

#[test]
fn a_pull_of_an_unknown_image_says_so_and_creates_nothing() {
    pull_fails(
        "manifest for ministackorg/ministack:1.5.33 not found: manifest unknown",
        "no such image or tag",
    );
}

#[test]
fn an_offline_pull_says_so_and_creates_nothing() {
    pull_fails(
        "Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io: no such host",
        "the registry cannot be reached",
    );
}

#[test]
fn a_pull_onto_a_full_disk_says_so_and_creates_nothing() {
    pull_fails(
        "write /var/lib/docker/tmp/GetImageBlob123: no space left on device",
        "the disk is full",
    );
}

#[test]
fn ctrl_c_during_a_pull_exits_130_and_creates_nothing() {
    let stack = Stack::new("pull-int", "ministack", "");
    let socket = stack.dir.path().join("docker.sock");
    block_on(async {
        let (seen, server) = fake_docker(&socket, HANG).await;
        let pulling = seen.clone();
        let code = tokio::task::spawn_blocking({
            let mut command = stack.command(&["up"]);
            command.env("DOCKER_HOST", format!("unix://{}", socket.display()));
            move || {
                let mut watched = Watched::spawn(command);
                watched.until(
                    "pulling ministackorg/ministack:1.5.33",
                    Duration::from_secs(60),
                );
                // The line is printed as the request is sent: Ctrl-C once
                // the daemon has it, so the pull is truly under way.
                let deadline = Instant::now() + Duration::from_secs(10);
                while !pulling
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|r| r.contains("/images/create"))
                {
                    assert!(
                        Instant::now() < deadline,
                        "no pull request:\n{}",
                        watched.said()
                    );
                    std::thread::sleep(Duration::from_millis(5));
                }
                watched.signal("-INT");
                let (status, said) = watched.wait(Duration::from_secs(30));
                (status.code(), said)
            }
        })
        .await
        .unwrap();
        server.abort();
        assert_eq!(code.0, Some(130), "{}", code.1);
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.iter().any(|r| r.contains("/images/create")),
            "{seen:?}"
        );
        assert!(
            !seen
                .iter()
                .any(|r| r.contains("/containers/create") || r.contains("/networks/create")),
            "nothing is created: {seen:?}"
        );
    });
}
