//! Settings resolved once from the command line and the environment.

use std::path::PathBuf;

use crate::cli::GlobalArgs;
use crate::manifest;
use crate::output::Style;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `-f/--file` or `DEVSTACK_FILE`, if given.
    pub file: Option<PathBuf>,
    /// Where the manifest search starts.
    pub cwd: PathBuf,
    pub style: Style,
    /// `--endpoint`: a DynamoDB endpoint devstack did not start.
    pub endpoint: Option<String>,
    pub allow_remote: bool,
}

impl Settings {
    pub fn resolve(global: &GlobalArgs) -> anyhow::Result<Settings> {
        Ok(Settings {
            file: global.file.clone(),
            cwd: std::env::current_dir()?,
            style: Style::detect(global.quiet),
            endpoint: global.endpoint.clone(),
            allow_remote: global.allow_remote,
        })
    }

    /// Finds, reads and validates the manifest. Every manifest problem is
    /// found here, before any Docker or DynamoDB call.
    pub fn manifest(&self) -> anyhow::Result<manifest::Manifest> {
        manifest::Manifest::load(&self.manifest_path()?)
    }

    /// The manifest for commands that only look at or stop the stack:
    /// seed files need not exist.
    pub fn manifest_without_seed_files(&self) -> anyhow::Result<manifest::Manifest> {
        manifest::Manifest::load_without_seed_files(&self.manifest_path()?)
    }

    /// The manifest this command works on.
    pub fn manifest_path(&self) -> Result<PathBuf, manifest::NotFound> {
        manifest::locate(self.file.as_deref(), &self.cwd)
    }
}
