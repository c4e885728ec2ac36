//! DynamoDB clients for local endpoints: fixed region-and-key credentials,
//! never the user's AWS credential chain, and a deadline on every request.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

use crate::service::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};

/// A client for `endpoint` that signs with devstack's fixed local credentials.
/// Requests give up after `attempt_timeout` (an emulator that accepts a
/// connection but never answers must not hang devstack).
pub fn client(endpoint: &str, region: &str, attempt_timeout: Duration, retries: u32) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "devstack",
        ))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(attempt_timeout)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(retries.max(1)))
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
