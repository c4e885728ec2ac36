//! Containers: made from a spec, started, stopped, removed, looked at,
//! and their logs and commands.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig, PortBinding,
};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, LogsOptions, RemoveContainerOptions,
    StopContainerOptions,
};
use futures_util::StreamExt;

use super::{
    CALL_TIMEOUT, ContainerSpec, ContainerState, Docker, LABEL_PROJECT, label_filter, state_of,
};

impl Docker {
    /// The running container (any, labelled or not) that publishes host
    /// `port`: its name, and the devstack project its labels name.
    pub async fn container_publishing(
        &self,
        port: u16,
    ) -> anyhow::Result<Option<(String, Option<String>)>> {
        let running = self
            .call(
                "list containers",
                self.client.list_containers(None::<ListContainersOptions>),
            )
            .await?;
        Ok(running.into_iter().find_map(|c| {
            let publishes = c
                .ports
                .unwrap_or_default()
                .iter()
                .any(|p| p.public_port == Some(port));
            publishes.then(|| {
                let name = c
                    .names
                    .unwrap_or_default()
                    .first()
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_else(|| c.id.unwrap_or_default());
                let project = c.labels.unwrap_or_default().remove(LABEL_PROJECT);
                (name, project)
            })
        }))
    }

    pub async fn unpause_container(&self, id: &str) -> anyhow::Result<()> {
        self.call(
            &format!("unpause container `{id}`"),
            self.client.unpause_container(id),
        )
        .await
    }

    /// Creates (not starts) a container from its spec; `None` when a
    /// container with its name exists already (409 Conflict).
    pub async fn create_container(&self, spec: &ContainerSpec) -> anyhow::Result<Option<String>> {
        let port_key = format!("{}/tcp", spec.container_port);
        let binding = PortBinding {
            host_ip: Some(spec.host_ip.to_string()),
            host_port: Some(if spec.host_port == 0 {
                String::new()
            } else {
                spec.host_port.to_string()
            }),
        };
        let host_config = HostConfig {
            port_bindings: Some(HashMap::from([(port_key.clone(), Some(vec![binding]))])),
            network_mode: Some(spec.network.clone()),
            binds: spec
                .volume
                .as_ref()
                .map(|v| vec![format!("{}:{}", v.name, v.target)]),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: (!spec.cmd.is_empty()).then(|| spec.cmd.clone()),
            env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            user: spec.user.clone(),
            labels: Some(spec.labels.clone().into_iter().collect()),
            exposed_ports: Some(vec![port_key]),
            host_config: Some(host_config),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    spec.network.clone(),
                    EndpointSettings {
                        aliases: Some(spec.aliases.clone()),
                        ..Default::default()
                    },
                )])),
            }),
            ..Default::default()
        };
        let created = self
            .call_or(
                &format!("create container `{}`", spec.name),
                CALL_TIMEOUT,
                &[409],
                self.client.create_container(
                    Some(CreateContainerOptions {
                        name: Some(spec.name.clone()),
                        ..Default::default()
                    }),
                    body,
                ),
            )
            .await?;
        Ok(created.map(|created| created.id))
    }

    pub async fn start_container(&self, id: &str) -> anyhow::Result<()> {
        self.call(
            &format!("start container `{id}`"),
            self.client.start_container(id, None),
        )
        .await
    }

    /// Stops gracefully (SIGTERM, then SIGKILL after `grace`).
    pub async fn stop_container(&self, id: &str, grace: Duration) -> anyhow::Result<()> {
        let options = StopContainerOptions {
            t: Some(i32::try_from(grace.as_secs()).unwrap_or(10)),
            signal: None,
        };
        let what = format!("stop container `{id}`");
        let stop = self.client.stop_container(id, Some(options));
        // 304: already stopped.
        self.call_or(&what, grace + CALL_TIMEOUT, &[304], stop)
            .await?;
        Ok(())
    }

    pub async fn remove_container(&self, id: &str) -> anyhow::Result<()> {
        let options = RemoveContainerOptions {
            force: true,
            v: false,
            link: false,
        };
        let what = format!("remove container `{id}`");
        let remove = self.client.remove_container(id, Some(options));
        self.call_or(&what, CALL_TIMEOUT, &[404], remove).await?;
        Ok(())
    }

    /// The container with this exact name, labelled or not.
    pub async fn inspect_container(&self, name: &str) -> anyhow::Result<Option<ContainerState>> {
        let what = format!("inspect container `{name}`");
        let inspected = self.client.inspect_container(name, None);
        let found = self.call_or(&what, CALL_TIMEOUT, &[404], inspected).await?;
        Ok(found.map(state_of))
    }

    /// Every container (running or not) labelled with this project.
    pub async fn project_containers(&self, project: &str) -> anyhow::Result<Vec<ContainerState>> {
        let summaries = self
            .call(
                "list containers",
                self.client.list_containers(Some(ListContainersOptions {
                    all: true,
                    filters: Some(label_filter(project)),
                    ..Default::default()
                })),
            )
            .await?;
        let mut states = Vec::new();
        for summary in summaries {
            if let Some(id) = summary.id
                && let Some(state) = self.inspect_container(&id).await?
            {
                states.push(state);
            }
        }
        states.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(states)
    }

    /// A container's output line by line as it comes, stdout and stderr
    /// merged; with `follow`, until the container stops.
    pub fn log_lines(
        &self,
        id: &str,
        follow: bool,
        tail: Option<usize>,
    ) -> impl futures_util::Stream<Item = anyhow::Result<String>> + use<> {
        use tokio::io::AsyncBufReadExt;
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            follow,
            tail: tail.map_or_else(|| "all".to_string(), |n| n.to_string()),
            ..Default::default()
        };
        let chunks = self
            .client
            .logs(id, Some(options))
            .map(|chunk| chunk.map(|c| c.into_bytes()).map_err(std::io::Error::other));
        let reader = tokio_util::io::StreamReader::new(chunks);
        let id = id.to_string();
        futures_util::stream::try_unfold(reader, move |mut reader| {
            let id = id.clone();
            async move {
                let mut line = Vec::new();
                let read = reader
                    .read_until(b'\n', &mut line)
                    .await
                    .with_context(|| format!("docker: logs of `{id}`"))?;
                if read == 0 {
                    return Ok(None);
                }
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                Ok(Some((String::from_utf8_lossy(text).into_owned(), reader)))
            }
        })
    }

    /// Runs `cmd` inside a running container; its exit code and what it
    /// printed (stdout and stderr together), or `None` when the image has
    /// no such program or the daemon would not run it.
    pub async fn exec(&self, container: &str, cmd: &[&str]) -> Option<(i64, String)> {
        use bollard::exec::{CreateExecOptions, StartExecResults};
        let run = async {
            let created = self
                .client
                .create_exec(
                    container,
                    CreateExecOptions {
                        cmd: Some(cmd.to_vec()),
                        attach_stdout: Some(true),
                        attach_stderr: Some(true),
                        ..Default::default()
                    },
                )
                .await
                .ok()?;
            let StartExecResults::Attached { mut output, .. } =
                self.client.start_exec(&created.id, None).await.ok()?
            else {
                return None;
            };
            let mut text = String::new();
            while let Some(Ok(chunk)) = output.next().await {
                text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
            }
            let code = self
                .client
                .inspect_exec(&created.id)
                .await
                .ok()?
                .exit_code?;
            // 126 and 127: the shell could not find or run the program.
            (code != 126 && code != 127).then_some((code, text))
        };
        tokio::time::timeout(CALL_TIMEOUT, run).await.ok().flatten()
    }

    /// The last `lines` lines of a container's output, stdout and stderr merged.
    pub async fn tail_logs(&self, id: &str, lines: usize) -> String {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: lines.to_string(),
            ..Default::default()
        };
        let mut stream = self.client.logs(id, Some(options));
        let mut text = String::new();
        let collect = async {
            while let Some(Ok(chunk)) = stream.next().await {
                text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(5), collect).await;
        text
    }
}
