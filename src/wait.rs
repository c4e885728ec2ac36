//! The one way devstack waits for something to become true: look, and look
//! again a moment later, until an answer or a deadline. Every wait has a
//! deadline and a poll interval well under a second.

use std::time::{Duration, Instant};

/// Calls `look` every `every` until it gives a value or `limit` has passed;
/// `Ok(None)` at the deadline. `look` runs at least once, and an error from
/// it ends the wait.
pub async fn poll_until<T, E, F, Fut>(
    limit: Duration,
    every: Duration,
    mut look: F,
) -> Result<Option<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, E>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = look().await? {
            return Ok(Some(value));
        }
        if started.elapsed() >= limit {
            return Ok(None);
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn it_returns_the_first_answer_and_gives_up_at_the_deadline() {
        let mut calls = 0;
        let found: Result<Option<u32>, ()> =
            poll_until(Duration::from_secs(5), Duration::from_millis(1), || {
                calls += 1;
                let answer = (calls == 3).then_some(calls);
                async move { Ok(answer) }
            })
            .await;
        assert_eq!(found, Ok(Some(3)));
        let never: Result<Option<()>, ()> = poll_until(
            Duration::from_millis(20),
            Duration::from_millis(5),
            || async { Ok(None) },
        )
        .await;
        assert_eq!(never, Ok(None));
        let failed: Result<Option<()>, &str> =
            poll_until(Duration::from_secs(5), Duration::from_millis(1), || async {
                Err("broken")
            })
            .await;
        assert_eq!(failed, Err("broken"));
    }
}
