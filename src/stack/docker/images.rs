//! Images: whether one is here, and pulling one with its progress.

use std::collections::HashMap;

use bollard::query_parameters::CreateImageOptions;
use futures_util::StreamExt;

use super::{CALL_TIMEOUT, Docker};

impl Docker {
    pub async fn image_exists(&self, image: &str) -> anyhow::Result<bool> {
        Ok(self.image_id(image).await?.is_some())
    }

    /// The id of the local image with this name, if there is one.
    pub async fn image_id(&self, image: &str) -> anyhow::Result<Option<String>> {
        let what = format!("inspect image `{image}`");
        let found = self
            .call_or(
                &what,
                CALL_TIMEOUT,
                &[404],
                self.client.inspect_image(image),
            )
            .await?;
        Ok(found.map(|image| image.id.unwrap_or_default()))
    }

    /// Pulls `image`, reporting (bytes done, bytes total) across its layers.
    pub async fn pull_image(
        &self,
        image: &str,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<(), PullError> {
        let (repository, tag) = split_tag(image);
        let options = CreateImageOptions {
            from_image: Some(repository.to_string()),
            tag: Some(tag.to_string()),
            ..Default::default()
        };
        let mut stream = self.client.create_image(Some(options), None, None);
        let mut layers: HashMap<String, (u64, u64)> = HashMap::new();
        loop {
            // A pull may take long in total, but a silent registry is stuck.
            let next = tokio::time::timeout(CALL_TIMEOUT, stream.next()).await;
            let item = match next {
                Err(_) => {
                    return Err(PullError::new(
                        image,
                        format!("no progress for {} s", CALL_TIMEOUT.as_secs()),
                    ));
                }
                Ok(None) => return Ok(()),
                Ok(Some(item)) => item,
            };
            let info = match item {
                Ok(info) => info,
                Err(err) => {
                    let message = match err {
                        bollard::errors::Error::DockerResponseServerError { message, .. } => {
                            message
                        }
                        bollard::errors::Error::DockerStreamError { error } => error,
                        other => other.to_string(),
                    };
                    return Err(PullError::new(image, message));
                }
            };
            if let Some(detail) = info.error_detail {
                return Err(PullError::new(image, detail.message.unwrap_or_default()));
            }
            if let (Some(id), Some(detail)) = (info.id, info.progress_detail)
                && info.status.as_deref() == Some("Downloading")
            {
                let current = detail.current.unwrap_or(0).max(0).unsigned_abs();
                let total = detail.total.unwrap_or(0).max(0).unsigned_abs();
                layers.insert(id, (current, total));
                let (done, all) = layers
                    .values()
                    .fold((0, 0), |(d, a), (c, t)| (d + c, a + t));
                progress(done, all);
            }
        }
    }
}

/// Why an image could not be pulled, in the registry's words, with advice.
#[derive(Debug, thiserror::Error)]
#[error("cannot pull image `{image}`: {reason}\n  registry said: {message}\n  hint: {hint}")]
pub struct PullError {
    pub image: String,
    pub reason: &'static str,
    pub message: String,
    pub hint: String,
}

impl PullError {
    fn new(image: &str, message: String) -> Self {
        let lower = message.to_ascii_lowercase();
        let (reason, hint) = if lower.contains("toomanyrequests") || lower.contains("rate limit") {
            (
                "the registry's rate limit was hit",
                "log in with `docker login`, or wait and try again".to_string(),
            )
        } else if lower.contains("not found")
            || lower.contains("manifest unknown")
            || lower.contains("pull access denied")
            || lower.contains("does not exist")
        {
            (
                "no such image or tag",
                "check the name and tag (`image` under `[services.NAME]` in the manifest)"
                    .to_string(),
            )
        } else if lower.contains("no space left") {
            (
                "the disk is full",
                "free space, e.g. with `docker system prune`, then try again".to_string(),
            )
        } else if [
            "no such host",
            "dial tcp",
            "i/o timeout",
            "connection refused",
            "network is unreachable",
            "tls handshake timeout",
            "temporary failure in name resolution",
            "no progress",
        ]
        .iter()
        .any(|needle| lower.contains(needle))
        {
            (
                "the registry cannot be reached",
                "this machine seems offline; load the image another way (`docker load`, or build it locally with devstack's `scripts/build-images.sh`), then run again with `pull = \"never\"` or the default `missing`"
                    .to_string(),
            )
        } else {
            (
                "the pull failed",
                "run `docker pull` on it to see more".to_string(),
            )
        };
        PullError {
            image: image.to_string(),
            reason,
            message: message.trim().to_string(),
            hint,
        }
    }
}

/// `repo:tag` → (`repo`, `tag`); a registry port is not a tag; no tag means `latest`.
pub fn split_tag(image: &str) -> (&str, &str) {
    match image.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => (repository, tag),
        _ => (image, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_at_the_last_colon_but_not_at_a_registry_port() {
        assert_eq!(
            split_tag("amazon/dynamodb-local:3.3.0"),
            ("amazon/dynamodb-local", "3.3.0")
        );
        assert_eq!(
            split_tag("localhost:5000/ministack"),
            ("localhost:5000/ministack", "latest")
        );
        assert_eq!(
            split_tag("localhost:5000/ministack:1.5"),
            ("localhost:5000/ministack", "1.5")
        );
        assert_eq!(split_tag("ministack"), ("ministack", "latest"));
    }

    #[test]
    fn pull_failures_are_told_apart_by_the_registry_words() {
        let reason = |message: &str| PullError::new("x:1", message.to_string()).reason;
        assert_eq!(
            reason("manifest for amazon/dynamodb-local:9 not found: manifest unknown"),
            "no such image or tag"
        );
        assert_eq!(
            reason("toomanyrequests: You have reached your pull rate limit."),
            "the registry's rate limit was hit"
        );
        assert_eq!(
            reason(
                "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host"
            ),
            "the registry cannot be reached"
        );
        assert_eq!(
            reason("write /var/lib/docker/x: no space left on device"),
            "the disk is full"
        );
        assert_eq!(reason("something else"), "the pull failed");
    }
}
