//! Exit codes, and the errors whose kind decides one.
//!
//! 0 success, 1 the operation failed, 2 usage or manifest problem, 130
//! interrupted. A closed stdout is not a failure.

use crate::manifest::{Invalid, NotFound};

pub const SUCCESS: u8 = 0;
pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
pub const INTERRUPTED: u8 = 130;

/// A usage problem found after argument parsing (bad combination, unknown name).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The user pressed Ctrl-C.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Marks an error whose details were already printed (as JSON on stdout);
/// only its exit code is left to give.
#[derive(Debug, thiserror::Error)]
#[error("already reported")]
pub struct Reported;

/// The exit code an error stands for: the first classified error in its chain decides.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<Invalid>()
            || cause.is::<NotFound>()
            || cause.is::<UsageError>()
            || cause.is::<crate::seed::InvalidSeedFiles>()
            || cause.is::<crate::endpoint::Refused>()
        {
            return USAGE;
        }
        if cause.is::<Interrupted>() {
            return INTERRUPTED;
        }
        if is_broken_pipe(cause) {
            return SUCCESS;
        }
    }
    FAILURE
}

/// Whether an error means "stdout closed" (`devstack scan t | head`),
/// which is reported by staying quiet.
pub fn is_pipe_closed(err: &anyhow::Error) -> bool {
    err.chain().any(is_broken_pipe)
}

fn is_broken_pipe(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_classified_cause_decides_the_exit_code() {
        let usage = anyhow::Error::new(UsageError("bad".into())).context("while doing x");
        assert_eq!(exit_code(&usage), USAGE);
        assert_eq!(exit_code(&anyhow::anyhow!("docker said no")), FAILURE);
        assert_eq!(exit_code(&anyhow::Error::new(Interrupted)), INTERRUPTED);
        let pipe = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(exit_code(&pipe), SUCCESS);
        assert!(is_pipe_closed(&pipe));
    }
}
