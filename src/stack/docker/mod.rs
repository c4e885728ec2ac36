//! The only module that speaks to Docker. Everything it creates carries
//! devstack's labels, and it only ever finds objects again by those labels.
//! Here: the connection, every call's deadline and error, the states read
//! back. Beside it: `context` (which daemon: the one the docker CLI talks
//! to), `containers`, `images` (pulls), and `project` (its network and
//! volumes, every project found by its labels).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use bollard::ClientVersion;

use crate::service::ServiceKind;

mod containers;
pub mod context;
mod images;
mod project;

pub use context::{ContextFrom, DEFAULT_HOST, DaemonAddress, Source, Unresolved};
pub use images::{PullError, split_tag};
pub use project::{DEFAULT_NETWORK, Networks, ProjectObjects};

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
/// bollard's own limit on a request; each call has a shorter one of
/// devstack's (`CALL_TIMEOUT`, or the caller's).
const BOLLARD_TIMEOUT: u64 = 120;

/// Why devstack could not talk to Docker. Each gets its own advice.
#[derive(Debug)]
pub enum Unreachable {
    /// Which daemon could not be worked out: a context that does not resolve.
    Unresolved(Unresolved),
    /// The daemon at `address` cannot be reached.
    At { address: DaemonAddress, why: Why },
}

/// How the daemon could not be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    SocketMissing(PathBuf),
    PermissionDenied(PathBuf),
    Refused,
    /// No answer within this long.
    NotAnswering(Duration),
    Other(String),
}

/// `Unresolved` is shown as it is, not as a cause of itself.
impl std::error::Error for Unreachable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Unreachable::Unresolved(err) => std::error::Error::source(err),
            Unreachable::At { .. } => None,
        }
    }
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (address, why) = match self {
            Unreachable::Unresolved(err) => return err.fmt(f),
            Unreachable::At { address, why } => (address, why),
        };
        let host = &address.host;
        match why {
            Why::SocketMissing(path) => write!(
                f,
                "no Docker daemon: the socket `{}` does not exist",
                path.display()
            )?,
            Why::PermissionDenied(path) => write!(
                f,
                "permission denied on the Docker socket `{}`",
                path.display()
            )?,
            Why::Refused => write!(
                f,
                "no Docker daemon answers at `{host}`: the connection was refused"
            )?,
            Why::NotAnswering(limit) => write!(
                f,
                "the Docker daemon at `{host}` did not answer within {} s",
                limit.as_secs_f32()
            )?,
            Why::Other(text) => write!(f, "cannot reach the Docker daemon at `{host}`: {text}")?,
        }
        write!(f, " ({})", address.source)?;
        if let Some(hint) = hint(why, &address.source) {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// What to do about `why`, for the daemon `source` named.
fn hint(why: &Why, source: &Source) -> Option<String> {
    const START: &str = "start Docker (Docker Desktop, or `sudo systemctl start docker`)";
    const ELSEWHERE: &str = "a daemon elsewhere (Colima, OrbStack, rootless Docker) is found through its `docker context` (`docker context use NAME`) or `DOCKER_HOST`";
    Some(match (why, source) {
        (Why::SocketMissing(_), Source::DockerHost) => format!(
            "{START}, or point `DOCKER_HOST` at your daemon (or unset it: the active `docker context` is used)"
        ),
        (Why::SocketMissing(_), Source::Context { name, from }) => format!(
            "start the daemon of the context `{name}` (Colima: `colima start`; OrbStack or Docker Desktop: open it); {}",
            context::other_context(from)
        ),
        (Why::SocketMissing(_), Source::Default) => format!("{START}; {ELSEWHERE}"),
        (Why::PermissionDenied(_), _) => "add your user to the `docker` group (`sudo usermod -aG docker $USER`, then log in again), or use rootless Docker; do not loosen the socket's permissions".to_string(),
        (Why::Refused, Source::DockerHost) => {
            "the daemon is not running; start it, or check `DOCKER_HOST`".to_string()
        }
        (Why::Refused, Source::Context { name, from }) => format!(
            "the daemon of the context `{name}` is not running; start it, or check the context (`docker context inspect {name}`); {}",
            context::other_context(from)
        ),
        (Why::Refused, Source::Default) => format!(
            "the daemon is not running; start it (`sudo systemctl start docker`); {ELSEWHERE}"
        ),
        (Why::NotAnswering(_), _) => {
            "it may be starting, overloaded or hung; check it with `docker info`".to_string()
        }
        (Why::Other(_), _) => return None,
    })
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
    /// Its address on each network it is attached to, by network name.
    pub addresses: BTreeMap<String, IpAddr>,
    /// The id of each network it is attached to, or joins when it
    /// starts, by network name.
    pub networks: BTreeMap<String, String>,
}

impl ContainerState {
    pub fn is_running(&self) -> bool {
        self.status == ContainerStatus::Running
    }

    /// The service its label names, if it is one of devstack's.
    pub fn service(&self) -> Option<ServiceKind> {
        ServiceKind::from_name(self.labels.get(LABEL_SERVICE)?)
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
    /// Where the daemon is and what named it, for messages.
    pub address: DaemonAddress,
}
impl Docker {
    /// Connects to the daemon the docker CLI would talk to (`DOCKER_HOST`,
    /// else the active `docker context`, else the default socket; see
    /// `context`) and checks it answers, telling apart the ways it may not.
    pub async fn connect() -> Result<Docker, Unreachable> {
        Docker::connect_within(PING_TIMEOUT).await
    }

    /// Like `connect`, for a command that can do without Docker: it gives up
    /// on a silent daemon sooner.
    pub async fn connect_if_there() -> Option<Docker> {
        Docker::connect_within(Duration::from_secs(1)).await.ok()
    }

    /// Connects to the daemon at `address`, whatever the environment
    /// says, giving up after `limit`: for callers that must not follow the
    /// environment they were started in (the tests).
    pub async fn connect_to(
        address: DaemonAddress,
        limit: Duration,
    ) -> Result<Docker, Unreachable> {
        Docker::connect_at(address, limit).await
    }

    async fn connect_within(limit: Duration) -> Result<Docker, Unreachable> {
        let address = DaemonAddress::from_env().map_err(Unreachable::Unresolved)?;
        Docker::connect_at(address, limit).await
    }

    async fn connect_at(address: DaemonAddress, limit: Duration) -> Result<Docker, Unreachable> {
        let host = address.host.clone();
        let fail = |why: Why| Unreachable::At {
            address: address.clone(),
            why,
        };
        let mut pinged = None;
        if let Some(path) = host.strip_prefix("unix://") {
            pinged = probe_socket(path, limit).await.map_err(fail)?;
        }
        // The daemon's ping names the newest API it speaks: the client
        // speaks that one, or its own if older, without asking `/version`
        // (which makes the daemon run `runc` and `docker-init` to report
        // their versions: milliseconds on every command).
        if let Some(theirs) = pinged {
            let version = if theirs < *bollard::API_DEFAULT_VERSION {
                theirs
            } else {
                *bollard::API_DEFAULT_VERSION
            };
            let client = bollard::Docker::connect_with_unix(&host, BOLLARD_TIMEOUT, &version)
                .map_err(|err| fail(Why::Other(err.to_string())))?;
            return Ok(Docker { client, address });
        }
        let client = bollard::Docker::connect_with_host(&host)
            .map_err(|err| fail(Why::Other(err.to_string())))?;
        let client = match tokio::time::timeout(limit, client.negotiate_version()).await {
            Ok(Ok(client)) => client,
            Ok(Err(err)) => return Err(fail(classify(err, limit))),
            Err(_) => return Err(fail(Why::NotAnswering(limit))),
        };
        Ok(Docker { client, address })
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
            host: self.address.host.clone(),
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
        self.address.host.starts_with("unix://")
    }
}

/// An RFC 3339 time as Docker writes it (`2024-05-01T12:00:00.123456789Z`,
/// or with an offset such as `+02:00`), read by the SDK's parser.
fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let time = DateTime::from_str(text.trim(), DateTimeFormat::DateTimeWithOffset).ok()?;
    SystemTime::try_from(time).ok()
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
    let network = info.network_settings.unwrap_or_default();
    let endpoints = network.networks.unwrap_or_default();
    let networks = endpoints
        .iter()
        .map(|(name, endpoint)| {
            (
                name.clone(),
                endpoint.network_id.clone().unwrap_or_default(),
            )
        })
        .collect();
    let addresses = endpoints
        .into_iter()
        .filter_map(|(name, endpoint)| Some((name, endpoint.ip_address?.parse().ok()?)))
        .collect();
    for (key, bindings) in network.ports.unwrap_or_default() {
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
        addresses,
        networks,
    }
}

/// Connects to the Unix socket once to tell "missing", "forbidden" and
/// "refused" apart before bollard hides the difference, and pings the
/// daemon over that connection: the API version it answers with, if it
/// names one.
async fn probe_socket(path: &str, limit: Duration) -> Result<Option<ClientVersion>, Why> {
    use std::io::ErrorKind;
    let connect = tokio::net::UnixStream::connect(path);
    let stream = match tokio::time::timeout(limit, connect).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(err)) => {
            return Err(match err.kind() {
                ErrorKind::NotFound => Why::SocketMissing(path.into()),
                ErrorKind::PermissionDenied => Why::PermissionDenied(path.into()),
                ErrorKind::ConnectionRefused => Why::Refused,
                _ => Why::Other(err.to_string()),
            });
        }
        Err(_) => return Err(Why::NotAnswering(limit)),
    };
    match tokio::time::timeout(limit, ping(stream)).await {
        Ok(answer) => Ok(answer.as_deref().and_then(api_version)),
        Err(_) => Err(Why::NotAnswering(limit)),
    }
}

/// The head of the daemon's answer to `GET /_ping`; `None` if it broke off.
async fn ping(mut stream: tokio::net::UnixStream) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .await
        .ok()?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    // The head ends at an empty line; a daemon sends a few hundred bytes.
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// The `Api-Version` header of a successful answer, e.g. `1.41`.
fn api_version(head: &str) -> Option<ClientVersion> {
    let mut lines = head.lines();
    let status = lines.next()?;
    if status.split_whitespace().nth(1) != Some("200") {
        return None;
    }
    let value = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("api-version")
            .then(|| value.trim())
    })?;
    let (major, minor) = value.split_once('.')?;
    Some(ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    })
}

fn classify(err: bollard::errors::Error, limit: Duration) -> Why {
    use bollard::errors::Error as E;
    match err {
        E::RequestTimeoutError => Why::NotAnswering(limit),
        E::SocketNotFoundError(path) => Why::SocketMissing(path.into()),
        other => {
            let text = other.to_string();
            if text.to_ascii_lowercase().contains("connection refused") {
                Why::Refused
            } else {
                Why::Other(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreachable(source: Source, why: Why) -> String {
        let host = "unix:///run/user/1000/docker.sock".to_string();
        Unreachable::At {
            address: DaemonAddress { host, source },
            why,
        }
        .to_string()
    }

    #[test]
    fn an_unreachable_daemon_is_named_with_what_named_it_and_the_fix_for_that() {
        let socket = PathBuf::from("/run/user/1000/docker.sock");
        let from_file = Source::Context {
            name: "rootless".to_string(),
            from: ContextFrom::ConfigFile {
                path: PathBuf::from("/home/me/.docker/config.json"),
                shown: "~/.docker/config.json".to_string(),
            },
        };
        assert_eq!(
            unreachable(from_file.clone(), Why::SocketMissing(socket.clone())),
            "no Docker daemon: the socket `/run/user/1000/docker.sock` does not exist (context `rootless`, from ~/.docker/config.json)\n  hint: start the daemon of the context `rootless` (Colima: `colima start`; OrbStack or Docker Desktop: open it); `docker context ls` lists the contexts: `docker context use NAME` picks one, `docker context use default` the default socket"
        );
        let text = unreachable(Source::DockerHost, Why::SocketMissing(socket.clone()));
        assert!(
            text.starts_with(
                "no Docker daemon: the socket `/run/user/1000/docker.sock` does not exist (DOCKER_HOST)\n  hint: start Docker"
            ),
            "{text}"
        );
        assert!(text.contains("`DOCKER_HOST`"), "{text}");
        let text = unreachable(Source::Default, Why::SocketMissing(socket));
        assert!(text.contains("(the default socket)\n"), "{text}");
        assert!(text.contains("`docker context use NAME`"), "{text}");

        let from_variable = Source::Context {
            name: "colima".to_string(),
            from: ContextFrom::Variable,
        };
        assert_eq!(
            unreachable(from_variable, Why::Refused),
            "no Docker daemon answers at `unix:///run/user/1000/docker.sock`: the connection was refused (context `colima`, from DOCKER_CONTEXT)\n  hint: the daemon of the context `colima` is not running; start it, or check the context (`docker context inspect colima`); `docker context ls` lists the contexts: set `DOCKER_CONTEXT` to one of them, or unset it"
        );
        assert_eq!(
            unreachable(from_file, Why::NotAnswering(Duration::from_secs(5))),
            "the Docker daemon at `unix:///run/user/1000/docker.sock` did not answer within 5 s (context `rootless`, from ~/.docker/config.json)\n  hint: it may be starting, overloaded or hung; check it with `docker info`"
        );
        // No advice of its own: the caller gives the general one.
        assert_eq!(
            unreachable(
                Source::DockerHost,
                Why::Other("Unsupported URI".to_string())
            ),
            "cannot reach the Docker daemon at `unix:///run/user/1000/docker.sock`: Unsupported URI (DOCKER_HOST)"
        );
    }

    #[test]
    fn the_api_version_is_read_from_the_pings_answer() {
        let version = |head: &str| api_version(head).map(|v| v.to_string());
        assert_eq!(
            version(
                "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nOstype: linux\r\nContent-Length: 2\r\n\r\nOK"
            )
            .as_deref(),
            Some("1.41")
        );
        assert_eq!(
            version("HTTP/1.0 200 OK\r\nAPI-VERSION:1.47\r\n\r\n").as_deref(),
            Some("1.47")
        );
        // No version named, a failed ping, or one unreadable: `/version` is asked.
        assert_eq!(
            version("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"),
            None
        );
        assert_eq!(
            version("HTTP/1.1 500 Internal Server Error\r\nApi-Version: 1.41\r\n\r\n"),
            None
        );
        assert_eq!(
            version("HTTP/1.1 200 OK\r\nApi-Version: latest\r\n\r\n"),
            None
        );
        assert_eq!(version(""), None);
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
            parse_rfc3339("2026-12-02T03:00:30.225181781+02:00"),
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
}
