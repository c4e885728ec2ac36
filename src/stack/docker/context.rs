//! Which Docker daemon devstack talks to: the one the docker CLI talks to.
//! `DOCKER_HOST` if set; else the active context (`DOCKER_CONTEXT`, else
//! `currentContext` in `$DOCKER_CONFIG/config.json`, `~/.docker` by
//! default), read from the CLI's context store; else the default socket.
//! Colima, OrbStack, Docker Desktop and rootless Docker are reached through
//! their context. The one place that decides the daemon's address.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The daemon the docker CLI talks to when nothing names another.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// The context that stands for "no context": `DOCKER_HOST`, else the
/// default socket.
const DEFAULT_CONTEXT: &str = "default";

/// Where the daemon is, and why devstack talks to that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonAddress {
    /// `unix:///PATH`, `tcp://HOST:PORT`, as the docker CLI writes it.
    pub host: String,
    pub source: Source,
}

/// What named the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The `DOCKER_HOST` variable.
    DockerHost,
    /// A context of the docker CLI.
    Context { name: String, from: ContextFrom },
    /// Nothing: the default socket.
    Default,
}

/// What made a context the active one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextFrom {
    /// The `DOCKER_CONTEXT` variable.
    Variable,
    /// `currentContext` in the docker CLI's config file at `path`; `shown`
    /// is that path as messages write it (`~/.docker/config.json`).
    ConfigFile { path: PathBuf, shown: String },
}

/// A context was named, but where it leads cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    /// The named context is not in the context store.
    #[error(
        "the Docker context `{name}` ({from}) does not exist: there is no `{}`\n  hint: {}",
        meta.display(),
        other_context(from)
    )]
    NoSuchContext {
        name: String,
        from: ContextFrom,
        /// The file looked for.
        meta: PathBuf,
    },
    /// A context is named, but neither `DOCKER_CONFIG` nor `HOME` says
    /// where the context store is.
    #[error(
        "the Docker context `{name}` ({from}) cannot be looked up: neither `DOCKER_CONFIG` nor `HOME` is set\n  hint: set `HOME`, or point `DOCKER_HOST` at your daemon"
    )]
    NoConfigDir { name: String, from: ContextFrom },
    /// A file of the docker CLI that cannot be read, or is not JSON.
    #[error("cannot read the Docker {what} `{}`: {why}\n  hint: {hint}", path.display())]
    BadFile {
        what: &'static str,
        path: PathBuf,
        why: String,
        hint: String,
    },
    /// A field of such a file that is missing or not what it should be.
    #[error("`{field}` in the Docker {what} `{}` {why}\n  hint: {hint}", path.display())]
    BadField {
        what: &'static str,
        path: PathBuf,
        field: &'static str,
        why: &'static str,
        hint: String,
    },
}

impl DaemonAddress {
    /// The daemon the docker CLI would talk to in this process's
    /// environment.
    pub fn from_env() -> Result<DaemonAddress, Unresolved> {
        resolve(|name| std::env::var_os(name))
    }

    /// The default socket, whatever the environment says.
    pub fn default_socket() -> DaemonAddress {
        DaemonAddress {
            host: DEFAULT_HOST.to_string(),
            source: Source::Default,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::DockerHost => f.write_str("DOCKER_HOST"),
            Source::Context { name, from } => write!(f, "context `{name}`, {from}"),
            Source::Default => f.write_str("the default socket"),
        }
    }
}

impl std::fmt::Display for ContextFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContextFrom::Variable => f.write_str("from DOCKER_CONTEXT"),
            ContextFrom::ConfigFile { shown, .. } => write!(f, "from {shown}"),
        }
    }
}

/// How to get off a context that does not work: another one, or none.
pub fn other_context(from: &ContextFrom) -> String {
    match from {
        ContextFrom::Variable => "`docker context ls` lists the contexts: set `DOCKER_CONTEXT` to one of them, or unset it".to_string(),
        ContextFrom::ConfigFile { .. } => "`docker context ls` lists the contexts: `docker context use NAME` picks one, `docker context use default` the default socket".to_string(),
    }
}

/// The daemon's address as the docker CLI works it out, from the
/// variables `var` gives (`DOCKER_HOST`, `DOCKER_CONTEXT`, `DOCKER_CONFIG`,
/// `HOME`; an empty one counts as unset) and the files they lead to. A
/// context that is named but cannot be read is an error, never the default
/// socket: the docker CLI fails too.
pub fn resolve(var: impl Fn(&str) -> Option<OsString>) -> Result<DaemonAddress, Unresolved> {
    let set = |name: &str| var(name).filter(|value| !value.is_empty());
    if let Some(host) = set("DOCKER_HOST") {
        return Ok(DaemonAddress {
            host: host.to_string_lossy().into_owned(),
            source: Source::DockerHost,
        });
    }
    let home = set("HOME").map(PathBuf::from);
    let config_dir = set("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|home| home.join(".docker")));
    let chosen = match set("DOCKER_CONTEXT") {
        Some(name) => Some((name.to_string_lossy().into_owned(), ContextFrom::Variable)),
        None => match &config_dir {
            Some(dir) => current_context(&dir.join("config.json"), home.as_deref())?,
            None => None,
        },
    };
    let Some((name, from)) = chosen.filter(|(name, _)| name != DEFAULT_CONTEXT) else {
        return Ok(DaemonAddress::default_socket());
    };
    let Some(dir) = config_dir else {
        return Err(Unresolved::NoConfigDir { name, from });
    };
    let meta = dir
        .join("contexts/meta")
        .join(context_id(&name))
        .join("meta.json");
    let host = endpoint(&meta, &name, &from)?;
    Ok(DaemonAddress {
        host,
        source: Source::Context { name, from },
    })
}

/// The folder name of a context in the store: the SHA-256 of its name, in
/// hex, as the docker CLI names it.
fn context_id(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `currentContext` in the config file at `path`, if it names one; no
/// file names none.
fn current_context(
    path: &Path,
    home: Option<&Path>,
) -> Result<Option<(String, ContextFrom)>, Unresolved> {
    const WHAT: &str = "config file";
    let hint = || {
        "fix it (the docker CLI reads it too), or point `DOCKER_HOST` at your daemon".to_string()
    };
    let Some(config) = read_json(path, WHAT, hint)? else {
        return Ok(None);
    };
    let name = match config.get("currentContext") {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::String(name)) if name.is_empty() => return Ok(None),
        Some(serde_json::Value::String(name)) => name.clone(),
        Some(_) => {
            return Err(Unresolved::BadField {
                what: WHAT,
                path: path.to_path_buf(),
                field: "currentContext",
                why: "is not a context name (a string)",
                hint: "set it with `docker context use NAME`".to_string(),
            });
        }
    };
    let from = ContextFrom::ConfigFile {
        path: path.to_path_buf(),
        shown: shown(path, home),
    };
    Ok(Some((name, from)))
}

/// `Endpoints.docker.Host` of the context `name`, from its `meta.json`.
fn endpoint(meta: &Path, name: &str, from: &ContextFrom) -> Result<String, Unresolved> {
    const WHAT: &str = "context file";
    let recreate = || {
        format!(
            "recreate the context (`docker context rm {name}`, then `docker context create {name} --docker host=ADDRESS`); {}",
            other_context(from)
        )
    };
    let Some(context) = read_json(meta, WHAT, recreate)? else {
        return Err(Unresolved::NoSuchContext {
            name: name.to_string(),
            from: from.clone(),
            meta: meta.to_path_buf(),
        });
    };
    let host = context
        .get("Endpoints")
        .and_then(|endpoints| endpoints.pointer("/docker/Host"));
    match host {
        Some(serde_json::Value::String(host)) if !host.is_empty() => Ok(host.clone()),
        found => Err(Unresolved::BadField {
            what: WHAT,
            path: meta.to_path_buf(),
            field: "Endpoints.docker.Host",
            why: match found {
                None | Some(serde_json::Value::Null) => "is missing: the context names no daemon",
                Some(serde_json::Value::String(_)) => "is empty: the context names no daemon",
                Some(_) => "is not a daemon address (a string)",
            },
            hint: recreate(),
        }),
    }
}

/// The JSON object in the file at `path`; `None` if there is no file.
fn read_json(
    path: &Path,
    what: &'static str,
    hint: impl Fn() -> String,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, Unresolved> {
    let bad = |why: String| Unresolved::BadFile {
        what,
        path: path.to_path_buf(),
        why,
        hint: hint(),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(bad(err.to_string())),
    };
    match serde_json::from_str(&text) {
        Ok(serde_json::Value::Object(object)) => Ok(Some(object)),
        Ok(_) => Err(bad("it is not a JSON object".to_string())),
        Err(err) => Err(bad(format!("it is not valid JSON: {err}"))),
    }
}

/// `path` as messages write it: `~/…` under the home folder.
fn shown(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|home| path.strip_prefix(home).ok()) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// An environment of only these variables.
    fn env(vars: &[(&str, &Path)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.as_os_str().to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    /// A context store under `config` (a `DOCKER_CONFIG` folder) holding
    /// the context `name` at `host`, as `docker context create` writes it.
    fn add_context(config: &Path, name: &str, host: &str) -> PathBuf {
        let dir = config.join("contexts/meta").join(context_id(name));
        std::fs::create_dir_all(&dir).unwrap();
        let meta = dir.join("meta.json");
        let text = serde_json::json!({
            "Name": name,
            "Metadata": {},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
        });
        std::fs::write(&meta, text.to_string()).unwrap();
        meta
    }

    fn use_context(config: &Path, name: &str) {
        std::fs::create_dir_all(config).unwrap();
        let text = format!("{{\n\t\"auths\": {{}},\n\t\"currentContext\": \"{name}\"\n}}");
        std::fs::write(config.join("config.json"), text).unwrap();
    }

    #[test]
    fn a_context_is_found_under_the_sha256_of_its_name_as_the_docker_cli_stores_it() {
        // `docker context create rootless` made this folder.
        assert_eq!(
            context_id("rootless"),
            "12b961af5feb3e9d39f93b2cefb9a1a944f18d02cca0cac2f04f5a982240605f"
        );
    }

    #[test]
    fn nothing_set_and_no_config_file_is_the_default_socket() {
        let home = tempfile::tempdir().unwrap();
        let found = resolve(env(&[("HOME", home.path())])).unwrap();
        assert_eq!(found, DaemonAddress::default_socket());
        assert_eq!(found.host, "unix:///var/run/docker.sock");
        assert_eq!(resolve(env(&[])).unwrap(), DaemonAddress::default_socket());
        assert_eq!(found.source.to_string(), "the default socket");
    }

    #[test]
    fn the_current_context_of_the_config_file_names_the_daemon() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        add_context(&config, "rootless", "unix:///run/user/1000/docker.sock");
        use_context(&config, "rootless");
        let found = resolve(env(&[("HOME", home.path())])).unwrap();
        assert_eq!(found.host, "unix:///run/user/1000/docker.sock");
        assert_eq!(
            found.source,
            Source::Context {
                name: "rootless".to_string(),
                from: ContextFrom::ConfigFile {
                    path: config.join("config.json"),
                    shown: "~/.docker/config.json".to_string(),
                },
            }
        );
        assert_eq!(
            found.source.to_string(),
            "context `rootless`, from ~/.docker/config.json"
        );
    }

    #[test]
    fn docker_config_moves_the_config_file_and_the_context_store() {
        let home = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        // The one under HOME is not read.
        use_context(&home.path().join(".docker"), "missing");
        add_context(
            elsewhere.path(),
            "colima",
            "unix:///Users/me/.colima/default/docker.sock",
        );
        use_context(elsewhere.path(), "colima");
        let found = resolve(env(&[
            ("HOME", home.path()),
            ("DOCKER_CONFIG", elsewhere.path()),
        ]))
        .unwrap();
        assert_eq!(found.host, "unix:///Users/me/.colima/default/docker.sock");
        assert_eq!(
            found.source.to_string(),
            format!(
                "context `colima`, from {}",
                elsewhere.path().join("config.json").display()
            )
        );
    }

    #[test]
    fn docker_context_wins_over_the_config_file_and_docker_host_over_both() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        add_context(
            &config,
            "orbstack",
            "unix:///Users/me/.orbstack/run/docker.sock",
        );
        add_context(&config, "remote", "tcp://10.0.0.5:2375");
        use_context(&config, "orbstack");
        let found = resolve(env(&[
            ("HOME", home.path()),
            ("DOCKER_CONTEXT", Path::new("remote")),
        ]))
        .unwrap();
        assert_eq!(found.host, "tcp://10.0.0.5:2375");
        assert_eq!(
            found.source.to_string(),
            "context `remote`, from DOCKER_CONTEXT"
        );

        let found = resolve(env(&[
            ("HOME", home.path()),
            ("DOCKER_CONTEXT", Path::new("remote")),
            ("DOCKER_HOST", Path::new("unix:///tmp/d.sock")),
        ]))
        .unwrap();
        assert_eq!(
            found,
            DaemonAddress {
                host: "unix:///tmp/d.sock".to_string(),
                source: Source::DockerHost,
            }
        );
        assert_eq!(found.source.to_string(), "DOCKER_HOST");
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        add_context(&config, "colima", "unix:///c.sock");
        use_context(&config, "colima");
        let found = resolve(env(&[
            ("HOME", home.path()),
            ("DOCKER_HOST", Path::new("")),
            ("DOCKER_CONTEXT", Path::new("")),
            ("DOCKER_CONFIG", Path::new("")),
        ]))
        .unwrap();
        assert_eq!(found.host, "unix:///c.sock");
    }

    #[test]
    fn the_context_named_default_is_the_default_socket() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        use_context(&config, "default");
        let found = resolve(env(&[("HOME", home.path())])).unwrap();
        assert_eq!(found, DaemonAddress::default_socket());
        let found = resolve(env(&[
            ("HOME", home.path()),
            ("DOCKER_CONTEXT", Path::new("default")),
        ]))
        .unwrap();
        assert_eq!(found, DaemonAddress::default_socket());
        // `docker context use default` writes an empty name.
        use_context(&config, "");
        assert_eq!(
            resolve(env(&[("HOME", home.path())])).unwrap(),
            DaemonAddress::default_socket()
        );
    }

    #[test]
    fn a_config_file_without_a_current_context_is_the_default_socket() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join("config.json"), r#"{"auths": {}}"#).unwrap();
        assert_eq!(
            resolve(env(&[("HOME", home.path())])).unwrap(),
            DaemonAddress::default_socket()
        );
    }

    #[test]
    fn a_context_without_its_meta_file_is_an_error_naming_it_the_file_and_the_fix() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        use_context(&config, "colima");
        let err = resolve(env(&[("HOME", home.path())])).unwrap_err();
        let meta = config
            .join("contexts/meta")
            .join(context_id("colima"))
            .join("meta.json");
        assert_eq!(
            err,
            Unresolved::NoSuchContext {
                name: "colima".to_string(),
                from: ContextFrom::ConfigFile {
                    path: config.join("config.json"),
                    shown: "~/.docker/config.json".to_string(),
                },
                meta: meta.clone(),
            }
        );
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "the Docker context `colima` (from ~/.docker/config.json) does not exist: there is no `{}`\n  hint: ",
                meta.display()
            )),
            "{text}"
        );
        assert!(text.contains("`docker context ls`"), "{text}");
        assert!(text.contains("`docker context use default`"), "{text}");

        let err = resolve(env(&[
            ("HOME", home.path()),
            ("DOCKER_CONTEXT", Path::new("gone")),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("the Docker context `gone` (from DOCKER_CONTEXT) does not exist"),
            "{err}"
        );
        assert!(err.contains("unset it"), "{err}");
    }

    #[test]
    fn a_named_context_without_home_or_docker_config_is_an_error() {
        let err = resolve(env(&[("DOCKER_CONTEXT", Path::new("colima"))])).unwrap_err();
        assert!(
            matches!(&err, Unresolved::NoConfigDir { name, .. } if name == "colima"),
            "{err}"
        );
    }

    #[test]
    fn a_config_file_that_is_not_json_is_an_error_naming_it() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        std::fs::create_dir_all(&config).unwrap();
        let file = config.join("config.json");
        for text in ["{bad", "[]", ""] {
            std::fs::write(&file, text).unwrap();
            let err = resolve(env(&[("HOME", home.path())]))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!(
                    "cannot read the Docker config file `{}`: it is not",
                    file.display()
                )),
                "{text}: {err}"
            );
        }
        std::fs::write(&file, r#"{"currentContext": 7}"#).unwrap();
        let err = resolve(env(&[("HOME", home.path())]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "`currentContext` in the Docker config file `{}` is not a context name",
                file.display()
            )),
            "{err}"
        );
    }

    #[test]
    fn an_unreadable_config_file_is_an_error_naming_it() {
        let home = tempfile::tempdir().unwrap();
        // A folder where the file should be: unreadable as a file, by
        // anyone, root included.
        let file = home.path().join(".docker/config.json");
        std::fs::create_dir_all(&file).unwrap();
        let err = resolve(env(&[("HOME", home.path())]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "cannot read the Docker config file `{}`: ",
                file.display()
            )),
            "{err}"
        );
    }

    #[test]
    fn a_meta_file_that_names_no_daemon_is_an_error_naming_the_file_and_field() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        use_context(&config, "k8s");
        let meta = add_context(&config, "k8s", "");
        let err = resolve(env(&[("HOME", home.path())]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "`Endpoints.docker.Host` in the Docker context file `{}` is empty",
                meta.display()
            )),
            "{err}"
        );
        assert!(err.contains("`docker context rm k8s`"), "{err}");
        std::fs::write(&meta, r#"{"Name": "k8s", "Endpoints": {}}"#).unwrap();
        let err = resolve(env(&[("HOME", home.path())]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is missing"), "{err}");
        std::fs::write(&meta, "{").unwrap();
        let err = resolve(env(&[("HOME", home.path())]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "cannot read the Docker context file `{}`: it is not valid JSON",
                meta.display()
            )),
            "{err}"
        );
    }
}
