//! Who holds a host port: a devstack project (its container, found by its
//! labels, or its embedded engine, found in the home's state folder),
//! another container, or a program devstack cannot name. `up`'s error for
//! a taken port and `doctor` both ask here, so both name the same holder.

use std::path::PathBuf;

use super::docker::Docker;
use super::embedded::{self, EngineFiles, Found};
use super::net::PortHolder;
use crate::dirs::ProjectDirs;

/// Who holds host `port`: the running container that publishes it (named
/// as its devstack project when its labels say so), else an embedded
/// engine of a project whose folders lie beside `beside`'s (the same home)
/// that listens on it. `Unknown` when neither is found, or Docker does not
/// answer.
pub async fn holder(
    port: u16,
    docker: Option<&Docker>,
    beside: Option<&ProjectDirs>,
) -> PortHolder {
    if let Some(docker) = docker
        && let Ok(Some((name, project))) = docker.container_publishing(port).await
    {
        return match project {
            Some(project) => PortHolder::Project {
                project,
                what: format!("container `{name}`"),
            },
            None => PortHolder::Container(name),
        };
    }
    let projects = beside
        .and_then(|project| project.state.as_ref())
        .and_then(|state| state.parent());
    let entries = projects
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .flatten();
    for entry in entries {
        // Only the engine's lock and record are read.
        let files = EngineFiles {
            dir: entry.path(),
            data_dir: PathBuf::new(),
        };
        if let Ok(Found::Running(record)) = embedded::find(&files)
            && record.port == port
        {
            return PortHolder::Project {
                project: entry.file_name().to_string_lossy().into_owned(),
                what: format!("its embedded engine, pid {}", record.pid),
            };
        }
    }
    PortHolder::Unknown
}
