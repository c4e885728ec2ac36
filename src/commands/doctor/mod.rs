//! `devstack doctor`: checks what `up` needs on this machine (the manifest,
//! Docker, the images, the ports, disk space, devstack's folders, the clock
//! and the embedded engine) and says, for each problem, how to fix it.
//! Nothing is pulled, created or changed, except devstack's own folders
//! (made if missing, as `up` would) and a throwaway embedded engine in a
//! temporary folder, removed again. Exits 1 when a check fails.

use std::path::Path;
use std::time::{Instant, SystemTime};

use serde::Serialize;

use crate::manifest::{self, Invalid, Manifest};
use crate::output::{Printer, plural};
use crate::seed::{self, InvalidSeedFiles};
use crate::service::Engine;
use crate::settings::Settings;
use crate::stack::docker::{DaemonInfo, Docker};

mod daemon;
mod engine;
mod machine;

use daemon::{docker_check, images_check, ports_check};
use engine::embedded_check;
use machine::{clock_check, disk_check, folders_check};

/// How a check came out, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    /// Worth knowing, nothing to do: e.g. Docker, when the engine needs none.
    Note,
    /// `up` may still work, or work more slowly.
    Warning,
    /// `up` will not work until it is fixed.
    Failed,
}

impl Verdict {
    fn mark(self) -> char {
        match self {
            Verdict::Ok => '✓',
            Verdict::Note => '·',
            Verdict::Warning => '!',
            Verdict::Failed => '✗',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    check: &'static str,
    status: Verdict,
    detail: String,
    /// What to do about it; for a warning or a failure.
    fix: Option<String>,
}

impl Check {
    fn new(check: &'static str, status: Verdict, detail: impl Into<String>) -> Check {
        Check {
            check,
            status,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }

    /// The parts of one check (one per image, port, folder…) as one line:
    /// the worst status, every detail, the fixes of what is not fine.
    fn of_parts(check: &'static str, parts: Vec<Part>) -> Check {
        let status = parts.iter().map(|p| p.status).max().unwrap_or(Verdict::Ok);
        let detail = parts
            .iter()
            .map(|p| p.detail.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let fixes: Vec<&str> = parts.iter().filter_map(|p| p.fix.as_deref()).collect();
        Check {
            check,
            status,
            detail,
            fix: (!fixes.is_empty()).then(|| fixes.join("; ")),
        }
    }
}

/// One item of a check.
struct Part {
    status: Verdict,
    detail: String,
    fix: Option<String>,
}

impl Part {
    fn new(status: Verdict, detail: impl Into<String>) -> Part {
        Part {
            status,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Part {
        self.fix = Some(fix.into());
        self
    }
}

#[derive(Debug, Serialize)]
struct Report {
    checks: Vec<Check>,
    ok: bool,
}

/// At least one check failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChecksFailed(String);

/// How much a part of the machine matters for the engine `up` would run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// The engine needs it: a problem is a failure.
    Needed,
    /// The engine does without it: a problem is only a note (or a warning).
    NotNeeded,
    /// No manifest says which engine: a problem is a warning.
    Unknown,
}

impl Need {
    /// The status of a problem with something this much needed.
    fn problem(self) -> Verdict {
        match self {
            Need::Needed => Verdict::Failed,
            Need::Unknown => Verdict::Warning,
            Need::NotNeeded => Verdict::Note,
        }
    }
}

/// The manifest the checks work from, and how sure they are of it.
struct Subject {
    manifest: Manifest,
    /// The engine, when a valid manifest or `--engine` names it.
    engine: Option<Engine>,
}

impl Subject {
    fn docker(&self) -> Need {
        match self.engine {
            Some(engine) if engine.needs_docker() => Need::Needed,
            Some(_) => Need::NotNeeded,
            None => Need::Unknown,
        }
    }

    fn embedded(&self) -> Need {
        match self.engine {
            Some(engine) if engine.needs_docker() => Need::NotNeeded,
            Some(_) => Need::Needed,
            None => Need::Unknown,
        }
    }
}

pub async fn run(settings: &Settings, json: bool, printer: &Printer) -> anyhow::Result<()> {
    let mut checks = Vec::new();
    let mut add = |check: Check| -> std::io::Result<()> {
        if !json {
            printer.data(&render(&check))?;
        }
        checks.push(check);
        Ok(())
    };

    let (check, subject) = manifest_check(settings)?;
    add(check)?;
    let docker = Docker::connect().await;
    let (check, info) = docker_check(&subject, &docker).await;
    add(check)?;
    let docker = docker.ok();
    add(images_check(&subject, docker.as_ref()).await)?;
    add(ports_check(settings, &subject, docker.as_ref()).await)?;
    add(disk_check(
        settings,
        &subject,
        docker.as_ref(),
        info.as_ref().map(|i| &i.daemon),
    ))?;
    add(folders_check(settings))?;
    add(clock_check(&subject, info.as_ref()))?;
    add(embedded_check(&subject).await)?;

    let failed: Vec<String> = checks
        .iter()
        .filter(|c| c.status == Verdict::Failed)
        .map(|c| format!("`{}`", c.check))
        .collect();
    let report = Report {
        ok: failed.is_empty(),
        checks,
    };
    if json {
        printer.data(&serde_json::to_string_pretty(&report)?)?;
    }
    if failed.is_empty() {
        let warnings = report
            .checks
            .iter()
            .filter(|c| c.status == Verdict::Warning)
            .count();
        printer.info(&match warnings {
            0 => "everything `up` needs is in place".to_string(),
            n => format!("`up` should work; {} above", plural(n, "warning")),
        });
        return Ok(());
    }
    let err = anyhow::Error::new(ChecksFailed(format!(
        "{} failed: {}",
        plural(failed.len(), "check"),
        failed.join(", ")
    )));
    // With --json the report already says it; only the exit code is left.
    Err(if json {
        err.context(crate::error::Reported)
    } else {
        err
    })
}

/// One check as the person reads it: mark, name, detail, and the fix below.
pub fn render(check: &Check) -> String {
    let mut lines = check.detail.lines();
    let mut out = format!(
        "{} {:<16}{}",
        check.status.mark(),
        check.check,
        lines.next().unwrap_or_default()
    );
    for line in lines {
        out.push_str(&format!("\n{:18}{line}", ""));
    }
    if let Some(fix) = &check.fix
        && check.status >= Verdict::Warning
    {
        out.push_str(&format!("\n  fix: {fix}"));
    }
    out
}

/// The manifest, found and valid with its seed files, as `up` reads it.
/// Without one, the other checks go on with the defaults.
fn manifest_check(settings: &Settings) -> anyhow::Result<(Check, Subject)> {
    const NAME: &str = "manifest";
    let loaded = match settings.manifest_path() {
        Err(manifest::NotFound::Searched(dir) | manifest::NotFound::Project { dir, .. }) => Err(Check::new(
            NAME,
            Verdict::Warning,
            format!(
                "no `{}` in `{}` or any parent folder; checking with the defaults (`{}` on port {})",
                manifest::FILE_NAME,
                dir.display(),
                settings.engine.unwrap_or(Engine::DynamodbLocal),
                settings.engine.unwrap_or(Engine::DynamodbLocal).service().port(),
            ),
        )
        .fix(format!(
            "write a `{}` (`devstack validate` checks it), or pass one with `-f FILE`",
            manifest::FILE_NAME
        ))),
        Err(err) => Err(Check::new(NAME, Verdict::Failed, err.to_string())
            .fix("pass an existing manifest with `-f FILE`, or unset `DEVSTACK_FILE`")),
        Ok(path) => match settings.manifest() {
            Err(err) => Err(invalid(&err, &path)),
            Ok(manifest) => match seed::validate_tables(&manifest.tables, &settings.dirs.cache)
            {
                Err(err) => Err(invalid(
                    &anyhow::Error::new(err.found_by_a_check()),
                    &path,
                )),
                Ok(counts) => {
                    let items: u64 = counts.values().sum();
                    let tables = manifest.tables.len();
                    let detail = format!(
                        "`{}`: project `{}`, engine `{}`, {}{}",
                        path.display(),
                        manifest.project.name,
                        manifest.project.engine,
                        plural(tables, "table"),
                        if counts.is_empty() {
                            String::new()
                        } else {
                            format!(", {}", plural(items, "seed item"))
                        },
                    );
                    Ok((Check::new(NAME, Verdict::Ok, detail), manifest))
                }
            },
        },
    };
    Ok(match loaded {
        Ok((check, manifest)) => {
            let engine = Some(manifest.project.engine);
            (check, Subject { manifest, engine })
        }
        Err(check) => (check, defaults(settings)?),
    })
}

/// What is wrong with a manifest that was found, in a line, and where to see all of it.
fn invalid(err: &anyhow::Error, path: &Path) -> Check {
    let detail = if let Some(invalid) = err.downcast_ref::<Invalid>() {
        first_line(&invalid.to_string())
    } else if let Some(seeds) = err.downcast_ref::<InvalidSeedFiles>() {
        first_line(&seeds.to_string())
    } else {
        format!("`{}`: {}", path.display(), first_line(&format!("{err:#}")))
    };
    Check::new("manifest", Verdict::Failed, detail)
        .fix("`devstack validate` shows every problem with its position")
}

/// The manifest the checks assume without a valid one: `--engine` or
/// DynamoDB Local, every default.
fn defaults(settings: &Settings) -> anyhow::Result<Subject> {
    let engine = settings.engine.unwrap_or(Engine::DynamodbLocal);
    let name = settings
        .project
        .as_deref()
        .filter(|name| manifest::is_project_name(name))
        .unwrap_or("devstack");
    let text = format!("[project]\nname = \"{name}\"\nengine = \"{engine}\"\n");
    let manifest = Manifest::from_text(Path::new(manifest::FILE_NAME), text)?;
    Ok(Subject {
        manifest,
        engine: settings.engine,
    })
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// What the daemon said, and this machine's clock when it said it.
struct Asked {
    daemon: DaemonInfo,
    /// Halfway through the call.
    local: SystemTime,
}

async fn asked(docker: &Docker) -> anyhow::Result<Asked> {
    let before = SystemTime::now();
    let started = Instant::now();
    let daemon = docker.info().await?;
    Ok(Asked {
        daemon,
        local: before + started.elapsed() / 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_of_parts_takes_the_worst_status_and_the_fixes_of_the_rest() {
        let check = Check::of_parts(
            "ports",
            vec![
                Part::new(Verdict::Ok, "a free"),
                Part::new(Verdict::Failed, "b taken").fix("free b"),
                Part::new(Verdict::Warning, "c odd").fix("look at c"),
            ],
        );
        assert_eq!(check.status, Verdict::Failed);
        assert_eq!(check.detail, "a free; b taken; c odd");
        assert_eq!(check.fix.as_deref(), Some("free b; look at c"));
        let fine = Check::of_parts("ports", vec![Part::new(Verdict::Ok, "a free")]);
        assert_eq!((fine.status, fine.fix), (Verdict::Ok, None));
    }

    #[test]
    fn a_line_shows_mark_name_and_detail_and_the_fix_below_a_problem() {
        let ok = Check::new(
            "docker socket",
            Verdict::Ok,
            "unix:///var/run/docker.sock answers (the default socket; Docker 20.10.24, API 1.41)",
        );
        assert_eq!(
            render(&ok),
            "✓ docker socket   unix:///var/run/docker.sock answers (the default socket; Docker 20.10.24, API 1.41)"
        );
        let failed = Check::new("ports", Verdict::Failed, "port 8000 is taken").fix("free it");
        assert_eq!(
            render(&failed),
            "✗ ports           port 8000 is taken\n  fix: free it"
        );
        let note = Check::new("clock", Verdict::Note, "not compared").fix("unused");
        assert_eq!(render(&note), "· clock           not compared");
        let long = Check::new(
            "embedded engine",
            Verdict::Warning,
            "did not start\nlog line",
        );
        assert_eq!(
            render(&long),
            "! embedded engine did not start\n                  log line"
        );
    }

    #[test]
    fn statuses_read_as_lowercase_words_in_json() {
        let check = Check::new("clock", Verdict::Note, "x");
        let json = serde_json::to_value(&check).unwrap();
        assert_eq!(json["status"], "note");
        assert_eq!(json["fix"], serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value(Verdict::Failed).unwrap(),
            serde_json::json!("failed")
        );
    }
}
