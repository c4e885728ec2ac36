//! The services devstack knows, with the defaults every other module shares:
//! image, container port, network alias. Pure data, no I/O.

use std::fmt;

/// A service devstack can run. A stack has one engine and optionally the admin UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceKind {
    DynamodbLocal,
    Ministack,
    DynamodbAdmin,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 3] = [
        ServiceKind::DynamodbLocal,
        ServiceKind::Ministack,
        ServiceKind::DynamodbAdmin,
    ];

    /// The name used in the manifest, in labels and in container names.
    pub fn name(self) -> &'static str {
        match self {
            ServiceKind::DynamodbLocal => "dynamodb-local",
            ServiceKind::Ministack => "ministack",
            ServiceKind::DynamodbAdmin => "dynamodb-admin",
        }
    }

    pub fn from_name(name: &str) -> Option<ServiceKind> {
        ServiceKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// The official image at the tag devstack is tested with.
    pub fn default_image(self) -> &'static str {
        match self {
            ServiceKind::DynamodbLocal => "amazon/dynamodb-local:3.3.0",
            ServiceKind::Ministack => "ministackorg/ministack:1.5.33",
            ServiceKind::DynamodbAdmin => "aaronshaf/dynamodb-admin:5.3.3",
        }
    }

    /// The port the service listens on inside its container; also the
    /// default host port.
    pub fn container_port(self) -> u16 {
        match self {
            ServiceKind::DynamodbLocal => 8000,
            ServiceKind::Ministack => 4566,
            ServiceKind::DynamodbAdmin => 8001,
        }
    }

    /// The stable name other containers on the project network use.
    /// MiniStack answers as `aws-local`, as in the compose files people already have.
    pub fn alias(self) -> &'static str {
        match self {
            ServiceKind::DynamodbLocal => "dynamodb-local",
            ServiceKind::Ministack => "aws-local",
            ServiceKind::DynamodbAdmin => "dynamodb-admin",
        }
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
}

impl Engine {
    pub const NAMES: [&'static str; 2] = ["dynamodb-local", "ministack"];

    pub fn service(self) -> ServiceKind {
        match self {
            Engine::DynamodbLocal => ServiceKind::DynamodbLocal,
            Engine::Ministack => ServiceKind::Ministack,
        }
    }

    pub fn from_name(name: &str) -> Option<Engine> {
        match name {
            "dynamodb-local" => Some(Engine::DynamodbLocal),
            "ministack" => Some(Engine::Ministack),
            _ => None,
        }
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
