//! Writing seed items: BatchWriteItem 25 at a time with several requests in
//! flight, `UnprocessedItems` re-driven and transient errors retried with
//! jittered exponential back-off inside a budget. Items stream from the
//! files through a bounded channel, so memory stays flat for any file size.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{PutRequest, Select, WriteRequest};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use crate::dynamo::client::describe_error;
use crate::manifest::TableSpec;
use crate::output::plural;
use crate::seed::{self, SeedItem};

/// DynamoDB's limit of items per BatchWriteItem.
pub const BATCH_SIZE: usize = 25;
/// Requests in flight at once per table: the emulators answer each in a
/// few milliseconds, so the wire, not the engine, is what waits.
const IN_FLIGHT: usize = 32;
/// Batches read ahead of the writers: bounds memory (64 × 25 items).
const READ_AHEAD: usize = 64;

/// How hard to try before giving up on a batch.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// The most one batch may take, all attempts and waits together.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 10,
            base: Duration::from_millis(50),
            cap: Duration::from_secs(3),
            budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// "Full jitter": a random wait up to the exponential bound.
    fn delay(&self, attempt: u32) -> Duration {
        let bound = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.cap);
        bound.mul_f64(fastrand::f64())
    }
}

/// Items of one batch, with where they came from for messages.
pub struct Batch {
    /// `file:line` of the batch's first item.
    pub origin: String,
    pub requests: Vec<WriteRequest>,
}

/// Loads every seed file of `table`; returns the number of items written.
/// `progress` gets the running total.
pub async fn load_table(
    client: &Client,
    table: &TableSpec,
    policy: RetryPolicy,
    progress: impl Fn(u64),
) -> anyhow::Result<u64> {
    if table.seeds.is_empty() {
        return Ok(0);
    }
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(READ_AHEAD);
    let seeds = table.seeds.clone();
    let keys = table.clone();
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        for spec in &seeds {
            let mut batch: Vec<SeedItem> = Vec::with_capacity(BATCH_SIZE);
            let send = |batch: &mut Vec<SeedItem>| -> anyhow::Result<()> {
                let Some(first) = batch.first() else {
                    return Ok(());
                };
                let origin = format!("{}:{}", spec.shown, first.line);
                let requests = batch
                    .drain(..)
                    .map(|s| {
                        PutRequest::builder()
                            .set_item(Some(s.item))
                            .build()
                            .map(|put| WriteRequest::builder().put_request(put).build())
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                sender
                    .blocking_send(Batch { origin, requests })
                    .map_err(|_| anyhow::anyhow!("loading stopped"))
            };
            seed::for_each_item(&keys, spec, |item| {
                batch.push(item);
                if batch.len() == BATCH_SIZE {
                    send(&mut batch)?;
                }
                Ok(())
            })?;
            send(&mut batch)?;
        }
        Ok(())
    });

    let mut written = 0u64;
    let mut in_flight = FuturesUnordered::new();
    while let Some(batch) = receiver.recv().await {
        if in_flight.len() >= IN_FLIGHT
            && let Some(result) = in_flight.next().await
        {
            written += result?;
            progress(written);
        }
        in_flight.push(write_batch(client, &table.physical, batch, policy));
    }
    while let Some(result) = in_flight.next().await {
        written += result?;
        progress(written);
    }
    reader.await??;
    Ok(written)
}

/// Writes one batch, re-driving unprocessed items and retrying transient
/// failures; returns how many items it wrote.
pub async fn write_batch(
    client: &Client,
    table: &str,
    batch: Batch,
    policy: RetryPolicy,
) -> anyhow::Result<u64> {
    let total = batch.requests.len() as u64;
    let mut pending = batch.requests;
    let mut attempt = 0;
    let started = std::time::Instant::now();
    loop {
        let sent = client
            .batch_write_item()
            .request_items(table, pending.clone())
            .send()
            .await;
        let last = match sent {
            Ok(out) => {
                let unprocessed = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(table))
                    .unwrap_or_default();
                if unprocessed.is_empty() {
                    return Ok(total);
                }
                let message = format!(
                    "{} of {} unprocessed",
                    unprocessed.len(),
                    plural(pending.len(), "item")
                );
                pending = unprocessed;
                message
            }
            Err(err) if is_transient(&err) => describe_error(&err),
            Err(err) => anyhow::bail!(
                "BatchWriteItem to `{table}` (batch from {}) failed: {}",
                batch.origin,
                describe_error(&err)
            ),
        };
        attempt += 1;
        anyhow::ensure!(
            attempt < policy.attempts && started.elapsed() < policy.budget,
            "BatchWriteItem to `{table}` (batch from {}) gave up after {} in {:.1} s: {last}",
            batch.origin,
            plural(attempt, "attempt"),
            started.elapsed().as_secs_f64()
        );
        tokio::time::sleep(policy.delay(attempt)).await;
    }
}

/// Throttling, server errors, timeouts and broken connections are worth
/// another try; a request the service rejected as invalid is not.
fn is_transient<E: ProvideErrorMetadata>(
    err: &SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    match err {
        SdkError::ServiceError(service) => {
            matches!(
                service.err().code(),
                Some(
                    "ProvisionedThroughputExceededException"
                        | "ThrottlingException"
                        | "RequestLimitExceeded"
                        | "InternalServerError"
                        | "InternalFailure"
                        | "ServiceUnavailable"
                        | "LimitExceededException"
                )
            ) || service.raw().status().is_server_error()
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => false,
    }
}

/// Counts a table's items with a paginated `Scan` (exact, unlike the
/// table's `ItemCount`, which DynamoDB updates only now and then).
pub async fn count_items(client: &Client, table: &str) -> anyhow::Result<u64> {
    let mut count = 0u64;
    let mut pages = client
        .scan()
        .table_name(table)
        .select(Select::Count)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|err| anyhow::anyhow!("Scan `{table}`: {}", describe_error(&err)))?;
        count += u64::try_from(page.count()).unwrap_or(0);
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_stays_under_an_exponential_bound_and_the_cap() {
        let policy = RetryPolicy::default();
        for attempt in 0..40 {
            let delay = policy.delay(attempt);
            assert!(delay <= policy.cap, "{attempt}: {delay:?}");
            assert!(
                delay <= policy.base * (1 << attempt.min(16)),
                "{attempt}: {delay:?}"
            );
        }
    }

    #[test]
    fn back_off_grows_with_the_attempts() {
        let policy = RetryPolicy::default();
        let mean = |attempt: u32| -> Duration {
            (0..2000).map(|_| policy.delay(attempt)).sum::<Duration>() / 2000
        };
        // Full jitter: the mean is about half the bound, which doubles each time.
        let (first, third, late) = (mean(1), mean(3), mean(12));
        assert!(third > first * 3, "{first:?} then {third:?}");
        assert!(
            late > policy.cap / 3,
            "late waits approach the cap: {late:?}"
        );
    }
}
