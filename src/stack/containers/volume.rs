//! The engine's data volume (`persist = true`), looked at from inside its
//! container, so the answer holds for any volume driver. A volume the
//! engine cannot write makes DynamoDB Local hang and MiniStack lose its
//! state at `down`; a full one makes writes fail without saying why.

use crate::stack::docker::{ContainerSpec, Docker};

/// Below this much free space a data volume counts as full.
const FULL_BELOW_KIB: u64 = 1024;

/// What is wrong with a service's data volume.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VolumeProblem {
    #[error(
        "`{service}`: its data volume `{volume}` (at {target}) is not writable: {why}\n  hint: look at the volume (`docker volume inspect {volume}`); `devstack down --volumes` deletes it and its data, and the next `up` makes a fresh one"
    )]
    NotWritable {
        service: String,
        volume: String,
        target: String,
        why: String,
    },
    #[error(
        "`{service}`: its data volume `{volume}` (at {target}) is full: {free_kib} KiB free of {size_kib} KiB\n  hint: free disk space for Docker (`docker system df`), or delete the volume and its data with `devstack down --volumes`"
    )]
    Full {
        service: String,
        volume: String,
        target: String,
        free_kib: u64,
        size_kib: u64,
    },
}

/// Checks that the service's data volume, if it has one, can be written
/// and has room. A container without a shell, or one that is not running,
/// cannot be looked into: that counts as no problem.
pub async fn check(docker: &Docker, spec: &ContainerSpec) -> Result<(), VolumeProblem> {
    let Some(volume) = &spec.volume else {
        return Ok(());
    };
    let script =
        r#"cd "$1" && touch .devstack-write-check && rm -f .devstack-write-check && df -Pk ."#;
    let command = ["sh", "-c", script, "sh", volume.target.as_str()];
    let Some((code, said)) = docker.exec(&spec.name, &command).await else {
        return Ok(());
    };
    let service = spec.service.name().to_string();
    if code != 0 {
        return Err(VolumeProblem::NotWritable {
            service,
            volume: volume.name.clone(),
            target: volume.target.clone(),
            why: said.trim().lines().last().unwrap_or("").to_string(),
        });
    }
    match space(&said) {
        Some((size_kib, free_kib)) if free_kib < FULL_BELOW_KIB => Err(VolumeProblem::Full {
            service,
            volume: volume.name.clone(),
            target: volume.target.clone(),
            free_kib,
            size_kib,
        }),
        _ => Ok(()),
    }
}

/// (size, available) in KiB from `df -Pk` output: a header, then one line.
fn space(df: &str) -> Option<(u64, u64)> {
    let line = df.trim().lines().last()?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    // Filesystem 1024-blocks Used Available Capacity Mounted-on
    let size = fields.get(1)?.parse().ok()?;
    let free = fields.get(3)?.parse().ok()?;
    Some((size, free))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df_output_gives_size_and_free_space() {
        let df = "Filesystem     1024-blocks  Used Available Capacity Mounted on\n\
                  tmpfs                 2048  2040         8     100% /home/dynamodblocal/data\n";
        assert_eq!(space(df), Some((2048, 8)));
    }

    #[test]
    fn unreadable_df_output_is_no_answer() {
        assert_eq!(space(""), None);
        assert_eq!(
            space("Filesystem 1024-blocks\nnot numbers here at all"),
            None
        );
    }
}
