//! The services devstack knows, with the defaults every other module shares:
//! image, port, network alias. Pure data, no I/O.

use std::fmt;

/// A service devstack can run. A stack has one engine and optionally the
/// admin UI. All but the embedded engine run as Docker containers; that one
/// runs as a background process of devstack itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceKind {
    DynamodbLocal,
    Ministack,
    Embedded,
    DynamodbAdmin,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 4] = [
        ServiceKind::DynamodbLocal,
        ServiceKind::Ministack,
        ServiceKind::Embedded,
        ServiceKind::DynamodbAdmin,
    ];

    /// The name used in the manifest, in labels and in container names.
    pub fn name(self) -> &'static str {
        match self {
            ServiceKind::DynamodbLocal => "dynamodb-local",
            ServiceKind::Ministack => "ministack",
            ServiceKind::Embedded => "embedded",
            ServiceKind::DynamodbAdmin => "dynamodb-admin",
        }
    }

    pub fn from_name(name: &str) -> Option<ServiceKind> {
        ServiceKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
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

impl ServiceKind {
    /// Where containers on the project network reach it; `None` for the
    /// embedded engine.
    pub fn network_url(self) -> Option<String> {
        self.alias()
            .map(|alias| format!("http://{alias}:{}", self.port()))
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The DynamoDB engine of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    DynamodbLocal,
    Ministack,
    /// dynoxide, hosted by devstack itself: no Docker needed.
    Embedded,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::DynamodbLocal, Engine::Ministack, Engine::Embedded];
    pub const NAMES: [&'static str; 3] = ["dynamodb-local", "ministack", "embedded"];

    pub fn service(self) -> ServiceKind {
        match self {
            Engine::DynamodbLocal => ServiceKind::DynamodbLocal,
            Engine::Ministack => ServiceKind::Ministack,
            Engine::Embedded => ServiceKind::Embedded,
        }
    }

    pub fn from_name(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.service().name() == name)
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.service().name())
    }
}

/// The fixed credentials devstack signs with and hands to apps and the admin
/// UI. Never the user's own AWS credentials. MiniStack reads the access key
/// as the account, so everyone must use the same one to see the same tables.
pub const ACCESS_KEY_ID: &str = "test";
pub const SECRET_ACCESS_KEY: &str = "test";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ServiceKind::ALL {
            assert_eq!(ServiceKind::from_name(kind.name()), Some(kind));
        }
        for name in Engine::NAMES {
            assert_eq!(
                Engine::from_name(name).map(|e| e.to_string()),
                Some(name.to_string())
            );
        }
    }
}
