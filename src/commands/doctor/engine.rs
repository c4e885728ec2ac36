//! The embedded engine: built in, and a throwaway one starts and answers.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crate::service::ServiceKind;
use crate::stack::embedded;
use crate::stack::health::{self, Watch};

use super::machine::span;
use super::{Check, Need, Subject, Verdict};

/// How long the throwaway embedded engine may take to answer.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(15);

/// Stops the throwaway engine and removes its folder, also when the check
/// is cut short (Ctrl-C).
struct Throwaway {
    root: PathBuf,
    files: embedded::EngineFiles,
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        embedded::signal_stop(&self.files);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The embedded engine: built in, and it starts and answers: a throwaway
/// one on a free port in a temporary folder, stopped and removed after.
pub(super) async fn embedded_check(subject: &Subject) -> Check {
    const NAME: &str = "embedded engine";
    let need = subject.embedded();
    if !cfg!(feature = "embedded") {
        let check = Check::new(
            NAME,
            need.problem(),
            "this devstack was built without the embedded engine",
        );
        return match need {
            Need::NotNeeded => check,
            _ => check.fix(
                "build devstack with the default features (`cargo install --path .`), or use `engine = \"dynamodb-local\"`",
            ),
        };
    }
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let root =
        std::env::temp_dir().join(format!("devstack-doctor-{}-{nanos:x}", std::process::id()));
    let throwaway = Throwaway {
        files: embedded::EngineFiles {
            dir: root.join("state"),
            data_dir: root.join("data"),
        },
        root,
    };
    let files = &throwaway.files;
    let engine = embedded::EngineSpec {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        database: None,
        config: "doctor".to_string(),
    };
    let started = Instant::now();
    let answered = async {
        let record = embedded::spawn(files, &engine, ENGINE_TIMEOUT).await?;
        let probes = health::readiness(
            ServiceKind::Embedded,
            &record.url(),
            &subject.manifest.project.region,
        );
        let left = ENGINE_TIMEOUT.saturating_sub(started.elapsed());
        health::wait_ready(ServiceKind::Embedded.name(), &probes, left, Watch::Nothing).await?;
        anyhow::Ok(started.elapsed())
    }
    .await;
    let stopped = embedded::stop(files).await;
    drop(throwaway);
    // Not the manifest's engine: a problem with it does not stop `up`.
    let bad = match need {
        Need::Needed => Verdict::Failed,
        Need::NotNeeded | Need::Unknown => Verdict::Warning,
    };
    match (answered, stopped) {
        (Ok(took), Ok(_)) => Check::new(
            NAME,
            Verdict::Ok,
            format!(
                "a throwaway engine answered ListTables {} after its start; stopped and removed",
                span(took)
            ),
        ),
        (Ok(_), Err(err)) => Check::new(
            NAME,
            bad,
            format!("a throwaway engine answered but did not stop: {err:#}"),
        )
        .fix("look for a `devstack serve-engine` process left running, and end it"),
        (Err(err), _) => Check::new(
            NAME,
            bad,
            format!("a throwaway engine did not answer: {err:#}"),
        )
        .fix(
            "check that devstack's own executable can run here and that the temporary folder (`TMPDIR`) is writable",
        ),
    }
}
