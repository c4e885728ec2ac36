//! The only module that speaks to Docker. Everything it creates carries
//! devstack's labels, and it only ever finds objects again by those labels.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, NetworkCreateRequest, NetworkingConfig,
    PortBinding, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, ListContainersOptions, ListNetworksOptions,
    ListVolumesOptions, LogsOptions, RemoveContainerOptions, StopContainerOptions,
};
use futures_util::StreamExt;

use crate::service::ServiceKind;

/// Label keys on every object devstack creates.
pub const LABEL_PROJECT: &str = "dev.devstack.project";
pub const LABEL_SERVICE: &str = "dev.devstack.service";
pub const LABEL_CONFIG_HASH: &str = "dev.devstack.config-hash";
/// On the objects of a `run`'s stack: the `run` process, `pid:start`.
pub const LABEL_OWNER: &str = "dev.devstack.owner";

/// How long one Docker API call may take before devstack gives up on it.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the first contact with the daemon may take.
const PING_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Why devstack could not talk to Docker. Each gets its own advice.
#[derive(Debug, thiserror::Error)]
pub enum Unreachable {
    #[error(
        "no Docker daemon: the socket `{0}` does not exist\n  hint: start Docker (Docker Desktop, or `sudo systemctl start docker`), or point `DOCKER_HOST` at your daemon"
    )]
    SocketMissing(PathBuf),
    #[error(
        "permission denied on the Docker socket `{0}`\n  hint: add your user to the `docker` group (`sudo usermod -aG docker $USER`, then log in again), or use rootless Docker; do not loosen the socket's permissions"
    )]
    PermissionDenied(PathBuf),
    #[error(
        "no Docker daemon answers at `{0}` (connection refused)\n  hint: the daemon is not running; start it, or check `DOCKER_HOST`"
    )]
    Refused(String),
    #[error(
        "the Docker daemon at `{0}` did not answer within {secs} s\n  hint: it may be starting, overloaded or hung; check it with `docker info`",
        secs = PING_TIMEOUT.as_secs()
    )]
    NotAnswering(String),
    #[error("cannot reach the Docker daemon at `{0}`: {1}")]
    Other(String, String),
}

/// The daemon answered once, then broke off or fell silent mid-call.
#[derive(Debug, thiserror::Error)]
#[error(
    "the Docker daemon at `{host}` stopped answering ({what}: {why})\n  hint: check the daemon (`docker info`), then run `devstack up` again"
)]
pub struct DaemonLost {
    pub host: String,
    pub what: String,
    pub why: String,
}

/// A container as devstack wants it; built by `engine`, pure data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    pub service: ServiceKind,
    pub name: String,
    pub image: String,
    /// Replaces the image's command; empty keeps the image's own.
    pub cmd: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Run as this user instead of the image's.
    pub user: Option<String>,
    pub container_port: u16,
    pub host_ip: IpAddr,
    /// 0 lets Docker pick a free port.
    pub host_port: u16,
    pub network: String,
    pub aliases: Vec<String>,
    pub volume: Option<VolumeMount>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeMount {
    pub name: String,
    pub target: String,
}

/// Names of the objects `remove_project` removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removed {
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
}

/// Where a container is in its life, as Docker names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerStatus {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    /// Docker reported no state, or one this version does not know.
    Unknown,
}

impl ContainerStatus {
    /// Docker's own word for it, as `docker ps` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Restarting => "restarting",
            ContainerStatus::Removing => "removing",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Dead => "dead",
            ContainerStatus::Unknown => "unknown",
        }
    }

    fn of(status: Option<bollard::models::ContainerStateStatusEnum>) -> ContainerStatus {
        use bollard::models::ContainerStateStatusEnum as S;
        match status {
            Some(S::CREATED) => ContainerStatus::Created,
            Some(S::RUNNING) => ContainerStatus::Running,
            Some(S::PAUSED) => ContainerStatus::Paused,
            Some(S::RESTARTING) => ContainerStatus::Restarting,
            Some(S::REMOVING) => ContainerStatus::Removing,
            Some(S::EXITED) => ContainerStatus::Exited,
            Some(S::DEAD) => ContainerStatus::Dead,
            _ => ContainerStatus::Unknown,
        }
    }
}

impl std::fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A container as Docker reports it.
#[derive(Debug, Clone)]
pub struct ContainerState {
    pub id: String,
    pub name: String,
    pub image: String,
    /// The id of the image the container was made from.
    pub image_id: String,
    pub labels: HashMap<String, String>,
    pub status: ContainerStatus,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    /// Published host ports: (container port, host ip, host port).
    pub ports: Vec<(u16, String, u16)>,
}

impl ContainerState {
    pub fn is_running(&self) -> bool {
        self.status == ContainerStatus::Running
    }

    /// The host port published for `container_port`, if any.
    pub fn host_port(&self, container_port: u16) -> Option<u16> {
        self.ports
            .iter()
            .find(|(port, _, _)| *port == container_port)
            .map(|(_, _, host)| *host)
    }
}

/// What the daemon says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonInfo {
    /// The daemon's version, e.g. `20.10.24`.
    pub version: String,
    /// The API version devstack and the daemon agreed on, e.g. `1.41`.
    pub api_version: String,
    /// Where the daemon keeps images, containers and volumes, as a path on
    /// the daemon's own machine (a VM's with Docker Desktop).
    pub root_dir: Option<PathBuf>,
    /// The daemon's clock when it answered.
    pub clock: Option<SystemTime>,
}

/// A connected Docker client.
#[derive(Clone)]
pub struct Docker {
    client: bollard::Docker,
    /// Where the daemon is, for messages.
    pub host: String,
}

impl Docker {
    /// Connects as the docker CLI would (`DOCKER_HOST`, else the default
    /// socket) and checks the daemon answers, telling apart the ways it may not.
    pub async fn connect() -> Result<Docker, Unreachable> {
        Docker::connect_within(PING_TIMEOUT).await
    }

    /// Like `connect`, for a command that can do without Docker: it gives up
    /// on a silent daemon sooner.
    pub async fn connect_if_there() -> Option<Docker> {
        Docker::connect_within(Duration::from_secs(1)).await.ok()
    }

    async fn connect_within(limit: Duration) -> Result<Docker, Unreachable> {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| format!("unix://{DEFAULT_SOCKET}"));
        if let Some(path) = host.strip_prefix("unix://") {
            probe_socket(path, limit).await?;
        }
        let client = bollard::Docker::connect_with_host(&host)
            .map_err(|err| Unreachable::Other(host.clone(), err.to_string()))?;
        let client = match tokio::time::timeout(limit, client.negotiate_version()).await {
            Ok(Ok(client)) => client,
            Ok(Err(err)) => return Err(classify(&host, err)),
            Err(_) => return Err(Unreachable::NotAnswering(host)),
        };
        Ok(Docker { client, host })
    }

    async fn call<T>(
        &self,
        what: &str,
        future: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> anyhow::Result<T> {
        self.bounded(what, CALL_TIMEOUT, future)
            .await?
            .map_err(|err| self.failed(what, err))
    }

    /// A failed call as the user needs it: a connection that broke off is
    /// the daemon's doing, not the request's, and says what to check.
    fn failed(&self, what: &str, err: bollard::errors::Error) -> anyhow::Error {
        use bollard::errors::Error as E;
        match err {
            E::HyperLegacyError { .. } | E::HyperResponseError { .. } | E::IOError { .. } => {
                let why = anyhow::Error::new(err);
                self.lost(what, format!("{:#}", why.root_cause()))
            }
            err => anyhow::Error::new(err).context(format!("docker: {what}")),
        }
    }

    fn lost(&self, what: &str, why: String) -> anyhow::Error {
        anyhow::Error::new(DaemonLost {
            host: self.host.clone(),
            what: what.to_string(),
            why,
        })
    }

    /// Like `call`, but hands back Docker's own error.
    async fn bounded<T>(
        &self,
        what: &str,
        limit: Duration,
        future: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> anyhow::Result<Result<T, bollard::errors::Error>> {
        tokio::time::timeout(limit, future)
            .await
            .map_err(|_| self.lost(what, format!("no answer within {} s", limit.as_secs())))
    }

    /// Like `call`, but an answer with one of the `fine` status codes (404
    /// "no such object" on an inspection or removal, 304 "already stopped")
    /// is `None` rather than an error.
    async fn call_or<T>(
        &self,
        what: &str,
        limit: Duration,
        fine: &[u16],
        future: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> anyhow::Result<Option<T>> {
        match self.bounded(what, limit, future).await? {
            Ok(value) => Ok(Some(value)),
            Err(err) if status_code(&err).is_some_and(|code| fine.contains(&code)) => Ok(None),
            Err(err) => Err(self.failed(what, err)),
        }
    }

    /// The daemon's version, data root and clock.
    pub async fn info(&self) -> anyhow::Result<DaemonInfo> {
        let info = self.call("info", self.client.info()).await?;
        Ok(DaemonInfo {
            version: info
                .server_version
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "unknown".to_string()),
            api_version: self.client.client_version().to_string(),
            root_dir: info
                .docker_root_dir
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            clock: info.system_time.as_deref().and_then(parse_rfc3339),
        })
    }

    /// Whether the daemon runs on this machine (a Unix socket), so that
    /// the paths and ports it names are this machine's.
    pub fn is_local(&self) -> bool {
        self.host.starts_with("unix://")
    }

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

    /// Creates the named volume unless it exists with the project's label;
    /// a volume of that name without it is refused.
    pub async fn ensure_volume(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        let what = format!("inspect volume `{name}`");
        let inspected = self.client.inspect_volume(name);
        if let Some(volume) = self.call_or(&what, CALL_TIMEOUT, &[404], inspected).await? {
            anyhow::ensure!(
                volume.labels.get(LABEL_PROJECT) == labels.get(LABEL_PROJECT),
                "a Docker volume named `{name}` exists but was not created by devstack for this project; devstack will not use it\n  hint: remove or rename it, or choose another project `name`"
            );
            return Ok(());
        }
        self.call(
            &format!("create volume `{name}`"),
            self.client.create_volume(VolumeCreateRequest {
                name: Some(name.to_string()),
                labels: Some(labels.clone().into_iter().collect()),
                ..Default::default()
            }),
        )
        .await?;
        Ok(())
    }

    /// The running container (any, labelled or not) that publishes host `port`.
    pub async fn container_publishing(&self, port: u16) -> anyhow::Result<Option<String>> {
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
                c.names
                    .unwrap_or_default()
                    .first()
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_else(|| c.id.unwrap_or_default())
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

    /// Creates the project network unless a labelled one exists. A network
    /// that appears between the look and the creation (the late request of
    /// an `up` that was killed) is looked at again, not failed on.
    pub async fn ensure_network(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        for _ in 0..2 {
            let existing = self
                .call(
                    "list networks",
                    self.client.list_networks(Some(ListNetworksOptions {
                        filters: Some(HashMap::from([(
                            "name".to_string(),
                            vec![name.to_string()],
                        )])),
                    })),
                )
                .await?;
            if let Some(network) = existing.iter().find(|n| n.name.as_deref() == Some(name)) {
                let owned = network
                    .labels
                    .as_ref()
                    .is_some_and(|l| l.get(LABEL_PROJECT) == labels.get(LABEL_PROJECT));
                anyhow::ensure!(
                    owned,
                    "a Docker network named `{name}` exists but was not created by devstack; remove or rename it"
                );
                return Ok(());
            }
            let created = self
                .call_or(
                    &format!("create network `{name}`"),
                    CALL_TIMEOUT,
                    &[409],
                    self.client.create_network(NetworkCreateRequest {
                        name: name.to_string(),
                        driver: Some("bridge".to_string()),
                        labels: Some(labels.clone().into_iter().collect()),
                        ..Default::default()
                    }),
                )
                .await?;
            if created.is_some() {
                return Ok(());
            }
        }
        anyhow::bail!("docker: create network `{name}`: the name is taken, yet no network has it")
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

    /// Every devstack object on the daemon, by project: containers (with
    /// their state), and the owner label of whatever carries one.
    pub async fn all_projects(&self) -> anyhow::Result<Vec<ProjectObjects>> {
        let any_project = HashMap::from([("label".to_string(), vec![LABEL_PROJECT.to_string()])]);
        let containers = self
            .call(
                "list containers",
                self.client.list_containers(Some(ListContainersOptions {
                    all: true,
                    filters: Some(any_project.clone()),
                    ..Default::default()
                })),
            )
            .await?;
        let networks = self
            .call(
                "list networks",
                self.client.list_networks(Some(ListNetworksOptions {
                    filters: Some(any_project.clone()),
                })),
            )
            .await?;
        let volumes = self
            .call(
                "list volumes",
                self.client.list_volumes(Some(ListVolumesOptions {
                    filters: Some(any_project),
                })),
            )
            .await?;
        let mut projects: BTreeMap<String, ProjectObjects> = BTreeMap::new();
        /// The project an object's labels name, noting its owner.
        fn project_of<'p>(
            projects: &'p mut BTreeMap<String, ProjectObjects>,
            labels: Option<&HashMap<String, String>>,
        ) -> Option<&'p mut ProjectObjects> {
            let labels = labels?;
            let name = labels.get(LABEL_PROJECT)?.clone();
            let project = projects
                .entry(name.clone())
                .or_insert_with(|| ProjectObjects {
                    project: name,
                    ..Default::default()
                });
            if let Some(owner) = labels.get(LABEL_OWNER) {
                project.owner = Some(owner.clone());
            }
            Some(project)
        }
        for summary in &networks {
            if let Some(project) = project_of(&mut projects, summary.labels.as_ref()) {
                project.networks += 1;
            }
        }
        for volume in listed_volumes(volumes) {
            if let Some(project) = project_of(&mut projects, Some(&volume.labels)) {
                project.volumes += 1;
            }
        }
        let mut ids = Vec::new();
        for summary in &containers {
            if project_of(&mut projects, summary.labels.as_ref()).is_some()
                && let Some(id) = &summary.id
            {
                ids.push(id.clone());
            }
        }
        for id in ids {
            if let Some(state) = self.inspect_container(&id).await?
                && let Some(project) = state.labels.get(LABEL_PROJECT)
                && let Some(objects) = projects.get_mut(project)
            {
                objects.containers.push(state);
            }
        }
        Ok(projects.into_values().collect())
    }

    /// Removes every network labelled with this project; returns their names.
    pub async fn remove_project_networks(&self, project: &str) -> anyhow::Result<Vec<String>> {
        let networks = self
            .call(
                "list networks",
                self.client.list_networks(Some(ListNetworksOptions {
                    filters: Some(label_filter(project)),
                })),
            )
            .await?;
        let mut removed = Vec::new();
        for network in networks {
            let Some(name) = network.name else { continue };
            let what = format!("remove network `{name}`");
            let remove = self.client.remove_network(&name);
            if self
                .call_or(&what, CALL_TIMEOUT, &[404], remove)
                .await?
                .is_some()
            {
                removed.push(name);
            }
        }
        Ok(removed)
    }

    /// Removes every volume labelled with this project; returns their names.
    pub async fn remove_project_volumes(&self, project: &str) -> anyhow::Result<Vec<String>> {
        let listed = self
            .call(
                "list volumes",
                self.client.list_volumes(Some(ListVolumesOptions {
                    filters: Some(label_filter(project)),
                })),
            )
            .await?;
        let mut removed = Vec::new();
        for volume in listed.volumes.unwrap_or_default() {
            let what = format!("remove volume `{}`", volume.name);
            let removal = self.client.remove_volume(
                &volume.name,
                None::<bollard::query_parameters::RemoveVolumeOptions>,
            );
            if self
                .call_or(&what, CALL_TIMEOUT, &[404], removal)
                .await?
                .is_some()
            {
                removed.push(volume.name);
            }
        }
        Ok(removed)
    }

    /// Stops and removes everything labelled with this project: containers,
    /// networks and, when asked, volumes. Returns what it removed.
    pub async fn remove_project(
        &self,
        project: &str,
        grace: Duration,
        volumes: bool,
    ) -> anyhow::Result<Removed> {
        let mut removed = Removed::default();
        for container in self.project_containers(project).await? {
            if container.is_running() {
                self.stop_container(&container.id, grace).await?;
            }
            self.remove_container(&container.id).await?;
            removed.containers.push(container.name);
        }
        removed.networks = self.remove_project_networks(project).await?;
        if volumes {
            removed.volumes = self.remove_project_volumes(project).await?;
        }
        Ok(removed)
    }

    /// A container's output as it comes, stdout and stderr merged; with
    /// `follow`, until the container stops.
    pub fn log_stream(
        &self,
        id: &str,
        follow: bool,
        tail: Option<usize>,
    ) -> impl futures_util::Stream<Item = anyhow::Result<String>> + use<> {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            follow,
            tail: tail.map_or_else(|| "all".to_string(), |n| n.to_string()),
            ..Default::default()
        };
        let id = id.to_string();
        self.client.logs(&id, Some(options)).map(move |chunk| {
            chunk
                .map(|c| String::from_utf8_lossy(&c.into_bytes()).into_owned())
                .with_context(|| format!("docker: logs of `{id}`"))
        })
    }

    /// The last `lines` lines of a container's output, stdout and stderr merged.
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

/// One project's objects on the daemon.
#[derive(Debug, Clone, Default)]
pub struct ProjectObjects {
    pub project: String,
    pub containers: Vec<ContainerState>,
    pub networks: usize,
    pub volumes: usize,
    /// The owning `run`, when the project is one's.
    pub owner: Option<String>,
}

fn listed_volumes(listed: bollard::models::VolumeListResponse) -> Vec<bollard::models::Volume> {
    listed.volumes.unwrap_or_default()
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

/// An RFC 3339 time as Docker writes it (`2024-05-01T12:00:00.123456789Z`,
/// or with an offset such as `+02:00`).
fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let (date, time) = text.split_at_checked(10)?;
    let time = time.strip_prefix(['T', 't', ' '])?;
    let mut fields = date.split('-');
    let (year, month, day) = (fields.next()?, fields.next()?, fields.next()?);
    let year: i64 = year.parse().ok()?;
    let month: i64 = month.parse().ok()?;
    let day: i64 = day.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset) = match time.strip_suffix(['Z', 'z']) {
        Some(clock) => (clock, 0),
        None => {
            let at = time.rfind(['+', '-'])?;
            let (clock, offset) = time.split_at(at);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (hours, minutes) = offset[1..].split_once(':')?;
            let hours: i64 = hours.parse().ok()?;
            let minutes: i64 = minutes.parse().ok()?;
            (clock, sign * (hours * 3600 + minutes * 60))
        }
    };
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = whole.split(':');
    let (hour, minute, second) = (parts.next()?, parts.next()?, parts.next()?);
    let hour: i64 = hour.parse().ok()?;
    let minute: i64 = minute.parse().ok()?;
    let second: i64 = second.parse().ok()?;
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: String = fraction
        .chars()
        .chain("000000000".chars())
        .take(9)
        .collect();
    let nanos: u32 = digits.parse().ok()?;
    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    let since_epoch = Duration::new(seconds.unsigned_abs(), 0);
    let whole = if seconds >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(since_epoch)?
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(since_epoch)?
    };
    whole.checked_add(Duration::from_nanos(u64::from(nanos)))
}

fn label_filter(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{LABEL_PROJECT}={project}")],
    )])
}

fn status_code(err: &bollard::errors::Error) -> Option<u16> {
    match err {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

fn state_of(info: bollard::models::ContainerInspectResponse) -> ContainerState {
    let state = info.state.unwrap_or_default();
    let config = info.config.unwrap_or_default();
    let mut ports = Vec::new();
    for (key, bindings) in info
        .network_settings
        .and_then(|n| n.ports)
        .unwrap_or_default()
    {
        let Some(container_port) = key.split('/').next().and_then(|p| p.parse().ok()) else {
            continue;
        };
        for binding in bindings.unwrap_or_default() {
            if let Some(host_port) = binding.host_port.and_then(|p| p.parse().ok()) {
                ports.push((
                    container_port,
                    binding.host_ip.unwrap_or_default(),
                    host_port,
                ));
            }
        }
    }
    ports.sort();
    ContainerState {
        id: info.id.unwrap_or_default(),
        name: info
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        image: config.image.unwrap_or_default(),
        image_id: info.image.unwrap_or_default(),
        labels: config.labels.unwrap_or_default(),
        status: ContainerStatus::of(state.status),
        exit_code: state.exit_code,
        oom_killed: state.oom_killed.unwrap_or(false),
        ports,
    }
}

/// Connects to the Unix socket once to tell "missing", "forbidden" and
/// "refused" apart before bollard hides the difference.
async fn probe_socket(path: &str, limit: Duration) -> Result<(), Unreachable> {
    use std::io::ErrorKind;
    let connect = tokio::net::UnixStream::connect(path);
    match tokio::time::timeout(limit, connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(match err.kind() {
            ErrorKind::NotFound => Unreachable::SocketMissing(path.into()),
            ErrorKind::PermissionDenied => Unreachable::PermissionDenied(path.into()),
            ErrorKind::ConnectionRefused => Unreachable::Refused(format!("unix://{path}")),
            _ => Unreachable::Other(format!("unix://{path}"), err.to_string()),
        }),
        Err(_) => Err(Unreachable::NotAnswering(format!("unix://{path}"))),
    }
}

fn classify(host: &str, err: bollard::errors::Error) -> Unreachable {
    use bollard::errors::Error as E;
    match err {
        E::RequestTimeoutError => Unreachable::NotAnswering(host.to_string()),
        E::SocketNotFoundError(path) => Unreachable::SocketMissing(path.into()),
        other => {
            let text = other.to_string();
            if text.to_ascii_lowercase().contains("connection refused") {
                Unreachable::Refused(host.to_string())
            } else {
                Unreachable::Other(host.to_string(), text)
            }
        }
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
    fn the_daemon_clock_is_read_with_its_fraction_and_offset() {
        let at = |secs: u64, nanos: u32| Some(SystemTime::UNIX_EPOCH + Duration::new(secs, nanos));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), at(0, 0));
        assert_eq!(
            parse_rfc3339("2026-12-02T01:00:30.225181781Z"),
            at(1_796_173_230, 225_181_781)
        );
        assert_eq!(
            parse_rfc3339("1985-04-12T23:20:50.52Z"),
            at(482_196_050, 520_000_000)
        );
        assert_eq!(
            parse_rfc3339("1985-04-12T21:20:51-02:00"),
            at(482_196_051, 0)
        );
        assert_eq!(
            parse_rfc3339("1985-04-13T01:20:51+02:00"),
            at(482_196_051, 0)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), at(951_782_400, 0));
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:00:00.x1Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
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
