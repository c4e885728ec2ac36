//! DynamoDB clients for local endpoints: fixed region-and-key credentials,
//! never the user's AWS credential chain, and a deadline on every request.

use std::sync::OnceLock;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, SharedHttpClient};

use crate::service::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};

/// How long a client waits for each attempt and how often it tries: each
/// use's needs, written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Commands that read or change tables: 10 s an attempt, 3 attempts.
    /// A local engine answers in milliseconds; one that does not answer
    /// in 10 s (paused, or stuck on a volume it cannot write) will not.
    Command,
    /// `status`: a quick look, 5 s an attempt, 2 attempts.
    Status,
    /// One readiness probe: 2 s, one attempt; the caller polls.
    Probe,
    /// Loading seed items: 10 s, one attempt; the loader retries itself,
    /// with back-off inside its own budget.
    Loading,
}

impl Profile {
    fn attempt_timeout(self) -> Duration {
        match self {
            Profile::Command => Duration::from_secs(10),
            Profile::Status => Duration::from_secs(5),
            Profile::Probe => Duration::from_secs(2),
            Profile::Loading => Duration::from_secs(10),
        }
    }

    fn retry(self) -> RetryConfig {
        match self {
            Profile::Command => RetryConfig::standard().with_max_attempts(3),
            Profile::Status => RetryConfig::standard().with_max_attempts(2),
            Profile::Probe => RetryConfig::standard().with_max_attempts(1),
            Profile::Loading => RetryConfig::disabled(),
        }
    }

    fn timeouts(self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(self.attempt_timeout())
            .build()
    }
}

/// Local endpoints answer a connection at once or not at all.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A client for `endpoint` that signs with devstack's fixed local
/// credentials. Every attempt has a deadline: an emulator that accepts a
/// connection but never answers must not hang devstack.
pub fn client(endpoint: &str, region: &str, profile: Profile) -> Client {
    with_access_key(endpoint, region, ACCESS_KEY_ID, profile)
}

/// A client for the project's stack at `endpoint`: its region, and the
/// access key its tables live under (a `run --warm`'s own).
pub fn for_project(endpoint: &str, project: &crate::manifest::Project, profile: Profile) -> Client {
    with_access_key(endpoint, &project.region, &project.access_key, profile)
}

/// Like `client`, signing with another access key id (and devstack's fixed
/// secret): a local engine that keeps tables per access key (DynamoDB Local
/// without `-sharedDb`) shows each key its own.
pub fn with_access_key(endpoint: &str, region: &str, access_key: &str, profile: Profile) -> Client {
    let mut config = aws_sdk_dynamodb::Config::builder();
    if is_local_http(endpoint) {
        config.set_http_client(Some(local_http()));
    }
    let config = config
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            access_key,
            SECRET_ACCESS_KEY,
            None,
            None,
            "devstack",
        ))
        .timeout_config(profile.timeouts())
        .retry_config(profile.retry())
        .build();
    Client::from_conf(config)
}

/// The plain-HTTP client every local endpoint's clients share, with its
/// connections. The SDK's default client speaks TLS too, and loads the
/// system's trusted roots whenever a command makes its first client:
/// milliseconds for endpoints that never use TLS.
fn local_http() -> SharedHttpClient {
    static CLIENT: OnceLock<SharedHttpClient> = OnceLock::new();
    CLIENT
        .get_or_init(|| aws_smithy_http_client::Builder::new().build_http())
        .clone()
}

/// Whether `endpoint` is plain HTTP on this machine, as the endpoint guard
/// reads "this machine" (a loopback address, or `localhost`): no TLS.
/// Anything else gets the SDK's own client, with TLS.
fn is_local_http(endpoint: &str) -> bool {
    let plain = endpoint
        .parse::<hyper::Uri>()
        .is_ok_and(|uri| uri.scheme_str() == Some("http"));
    plain && crate::endpoint::is_on_this_machine(endpoint)
}

/// The same endpoint and credentials as `client`, with another profile.
pub fn with_profile(client: &Client, profile: Profile) -> Client {
    let config = client
        .config()
        .to_builder()
        .timeout_config(profile.timeouts())
        .retry_config(profile.retry())
        .build();
    Client::from_conf(config)
}

/// The service's own error code and message (`ResourceNotFoundException: …`),
/// or the transport problem, for messages.
pub fn describe_error<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_dynamodb::error::SdkError;
    match err {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            match (inner.code(), inner.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                _ => inner.to_string(),
            }
        }
        SdkError::TimeoutError(_) => "no answer before the deadline".to_string(),
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                "no answer before the deadline".to_string()
            } else if failure.is_io() {
                "connection failed".to_string()
            } else {
                "request could not be sent".to_string()
            }
        }
        SdkError::ResponseError(_) => "unreadable response".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_on_this_machine_gets_the_local_client() {
        for local in [
            "http://127.0.0.1:8000",
            "http://localhost:4566",
            "http://LOCALHOST",
            "http://[::1]:8000/",
            "http://127.0.0.2:9000",
        ] {
            assert!(is_local_http(local), "{local}");
        }
        for other in [
            "https://127.0.0.1:8000",
            "https://dynamodb.us-east-1.amazonaws.com",
            "http://aws-local:4566",
            "http://172.18.0.2:8000",
            "http://localhost.example.com:8000",
            "not a url",
        ] {
            assert!(!is_local_http(other), "{other}");
        }
    }
}
