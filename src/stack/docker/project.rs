//! What a project owns besides its containers (its network and volumes),
//! every project found by its labels, and removing one whole.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::models::{
    EndpointSettings, NetworkConnectRequest, NetworkCreateRequest, VolumeCreateRequest,
};
use bollard::query_parameters::{ListContainersOptions, ListNetworksOptions, ListVolumesOptions};

use super::{
    CALL_TIMEOUT, ContainerState, Docker, LABEL_OWNER, LABEL_PROJECT, Removed, label_filter,
    status_code,
};

/// Docker's default network, where a container goes that names none.
pub const DEFAULT_NETWORK: &str = "bridge";

/// The networks `up` needs, as found before it acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Networks {
    /// The ids of the project's networks of the project network's name:
    /// none, one, or twins an older daemon made.
    pub project: Vec<String>,
    /// Docker's default network exists (a daemon may run without it).
    pub default: bool,
}

impl Docker {
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

    /// Creates the project network unless a labelled one exists; returns
    /// its id.
    pub async fn ensure_network(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<String> {
        match self.look_at_networks(name, labels).await?.project.first() {
            Some(id) => Ok(id.clone()),
            None => self.create_network(name, labels).await,
        }
    }

    /// The project network `name` (the ids of every network of that name:
    /// more than one only when creations raced), and whether Docker's
    /// default network exists, in one look; a network named `name` that is
    /// not the project's is refused.
    pub async fn look_at_networks(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<Networks> {
        // The filter matches parts of names: the exact ones are picked below.
        let listed = self
            .call(
                "list networks",
                self.client.list_networks(Some(ListNetworksOptions {
                    filters: Some(HashMap::from([(
                        "name".to_string(),
                        vec![name.to_string(), DEFAULT_NETWORK.to_string()],
                    )])),
                })),
            )
            .await?;
        let mut project = Vec::new();
        for network in listed.iter().filter(|n| n.name.as_deref() == Some(name)) {
            let owned = network
                .labels
                .as_ref()
                .is_some_and(|l| l.get(LABEL_PROJECT) == labels.get(LABEL_PROJECT));
            anyhow::ensure!(
                owned,
                "a Docker network named `{name}` exists but was not created by devstack; remove or rename it"
            );
            project.extend(network.id.clone());
        }
        Ok(Networks {
            project,
            default: listed
                .iter()
                .any(|n| n.name.as_deref() == Some(DEFAULT_NETWORK)),
        })
    }

    /// Creates the project network, found missing by `look_at_networks`;
    /// returns its id. One made meanwhile (the late request of an `up`
    /// that was killed, or another `up`) is looked at again and used.
    pub async fn create_network(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<String> {
        let request = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".to_string()),
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        };
        // A daemon older than API 1.44 makes a second network of the same
        // name unless the request says `CheckDuplicate`, which bollard's
        // request type no longer carries: the body is sent with it. (Its
        // check does not see a creation still under way: twins can still
        // be made, see `remove_network_twins`.) Newer daemons always
        // refuse a taken name, and ignore it.
        let mut body = serde_json::to_value(&request)?;
        body["CheckDuplicate"] = serde_json::Value::Bool(true);
        let body = hyper::body::Bytes::from(serde_json::to_vec(&body)?);
        let client = self.client.clone().with_request_modifier(move |mut sent| {
            *sent.body_mut() = bollard::body_full(body.clone());
            sent
        });
        for _ in 0..2 {
            let created = self
                .call_or(
                    &format!("create network `{name}`"),
                    CALL_TIMEOUT,
                    &[409],
                    client.create_network(request.clone()),
                )
                .await?;
            if let Some(created) = created {
                return Ok(created.id);
            }
            if let Some(id) = self.look_at_networks(name, labels).await?.project.first() {
                return Ok(id.clone());
            }
        }
        anyhow::bail!("docker: create network `{name}`: the name is taken, yet no network has it")
    }

    /// Removes the project's networks named `name` other than `keep`: twins
    /// that an older daemon made when two creations raced (one the late
    /// request of a killed `up`). One in use is left. Returns how many went.
    pub async fn remove_network_twins(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
        keep: &str,
    ) -> anyhow::Result<usize> {
        let mut removed = 0;
        for id in self.look_at_networks(name, labels).await?.project {
            if id == keep {
                continue;
            }
            let what = format!("remove network `{name}` ({id})");
            let remove = self.client.remove_network(&id);
            // 403: containers use it.
            if self
                .call_or(&what, CALL_TIMEOUT, &[403, 404], remove)
                .await?
                .is_some()
            {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Connects a container to a network under `aliases`; one connected
    /// already is left as it is.
    pub async fn connect_network(
        &self,
        network: &str,
        container: &str,
        aliases: &[String],
    ) -> anyhow::Result<()> {
        let what = format!("connect container `{container}` to network `{network}`");
        let request = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(EndpointSettings {
                aliases: Some(aliases.to_vec()),
                ..Default::default()
            }),
        };
        let connect = self.client.connect_network(network, request);
        match self.bounded(&what, CALL_TIMEOUT, connect).await? {
            Ok(()) => Ok(()),
            // 403 "endpoint with name … already exists in network …".
            Err(err)
                if status_code(&err) == Some(403) && err.to_string().contains("already exists") =>
            {
                Ok(())
            }
            Err(err) => Err(self.failed(&what, err)),
        }
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
            let (Some(name), Some(id)) = (network.name, network.id) else {
                continue;
            };
            // By id: twins share the name.
            let what = format!("remove network `{name}`");
            let remove = self.client.remove_network(&id);
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
