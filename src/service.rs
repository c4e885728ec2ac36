//! The services devstack knows, with the defaults every other module shares:
//! image, port, network alias. Pure data, no I/O. Each service and engine
//! is named once, by its variant: the names in the manifest, in labels, on
//! the command line and in every listing are derived from it.

use strum::{Display, EnumIter, EnumString, IntoStaticStr, VariantNames};

/// A service devstack can run. A stack has one engine and optionally the
/// admin UI. All but the embedded engine run as Docker containers; that one
/// runs as a background process of devstack itself.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Display,
    EnumString,
    EnumIter,
    IntoStaticStr,
    VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ServiceKind {
    DynamodbLocal,
    Ministack,
    Embedded,
    DynamodbAdmin,
}

impl ServiceKind {
    /// The name used in the manifest, in labels and in container names.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<ServiceKind> {
        name.parse().ok()
    }

    /// Whether it runs as a Docker container.
    pub fn is_container(self) -> bool {
        self != ServiceKind::Embedded
    }

    /// The official image at the tag devstack is tested with; `None` for the
    /// embedded engine, which is part of devstack.
    pub fn default_image(self) -> Option<&'static str> {
        match self {
            ServiceKind::DynamodbLocal => Some("amazon/dynamodb-local:3.3.0"),
            ServiceKind::Ministack => Some("ministackorg/ministack:1.5.33"),
            ServiceKind::DynamodbAdmin => Some("aaronshaf/dynamodb-admin:5.3.3"),
            ServiceKind::Embedded => None,
        }
    }

    /// The port the service listens on (inside its container, for a
    /// container); also the default host port.
    pub fn port(self) -> u16 {
        match self {
            ServiceKind::DynamodbLocal | ServiceKind::Embedded => 8000,
            ServiceKind::Ministack => 4566,
            ServiceKind::DynamodbAdmin => 8001,
        }
    }

    /// The stable name other containers on the project network use.
    /// MiniStack answers as `aws-local`, as in the compose files people
    /// already have. The embedded engine is on no Docker network.
    pub fn alias(self) -> Option<&'static str> {
        match self {
            ServiceKind::DynamodbLocal => Some("dynamodb-local"),
            ServiceKind::Ministack => Some("aws-local"),
            ServiceKind::DynamodbAdmin => Some("dynamodb-admin"),
            ServiceKind::Embedded => None,
        }
    }
}

/// The DynamoDB engine of a stack. Its variants' documentation is the
/// help `--engine` shows.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Display,
    EnumString,
    EnumIter,
    IntoStaticStr,
    VariantNames,
    clap::ValueEnum,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Engine {
    /// Amazon's DynamoDB Local, in Docker
    DynamodbLocal,
    /// MiniStack, in Docker
    Ministack,
    /// dynoxide, run by devstack itself: no Docker needed
    Embedded,
}

impl Engine {
    pub fn service(self) -> ServiceKind {
        match self {
            Engine::DynamodbLocal => ServiceKind::DynamodbLocal,
            Engine::Ministack => ServiceKind::Ministack,
            Engine::Embedded => ServiceKind::Embedded,
        }
    }

    pub fn from_name(name: &str) -> Option<Engine> {
        name.parse().ok()
    }

    /// Whether it runs in Docker (else devstack hosts it).
    pub fn needs_docker(self) -> bool {
        self.service().is_container()
    }
}

/// The fixed credentials devstack signs with and hands to apps and the admin
/// UI. Never the user's own AWS credentials. MiniStack reads the access key
/// as the account, so everyone must use the same one to see the same tables.
pub const ACCESS_KEY_ID: &str = "test";
pub const SECRET_ACCESS_KEY: &str = "test";

/// devstack's own table on the engine, beside the manifest's: one item per
/// table devstack made, saying how far its seed data got. It lives with the
/// tables, so every checkout and home that reaches the engine reads the
/// same notes, and they go when the tables go. No manifest may name it.
pub const STATE_TABLE: &str = "_devstack";

#[cfg(test)]
mod tests {
    use super::*;

    use strum::IntoEnumIterator;

    #[test]
    fn names_round_trip() {
        for kind in ServiceKind::iter() {
            assert_eq!(ServiceKind::from_name(kind.name()), Some(kind));
            assert_eq!(kind.to_string(), kind.name());
        }
        for name in Engine::VARIANTS {
            assert_eq!(
                Engine::from_name(name).map(|e| e.to_string()),
                Some(name.to_string())
            );
        }
        for engine in Engine::iter() {
            assert_eq!(engine.to_string(), engine.service().name());
            let named = <Engine as clap::ValueEnum>::from_str(&engine.to_string(), false);
            assert_eq!(named, Ok(engine), "the command line uses the same name");
        }
    }
}
