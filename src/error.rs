//! Exit codes, and the errors every layer may raise that decide one. Which
//! error stands for which code is decided at the top, in `lib.rs`, which
//! knows every module's errors.
//!
//! 0 success, 1 the operation failed, 2 usage or manifest problem, 130
//! interrupted. A closed stdout is not a failure.

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

/// Ends devstack with this exit code and no message: `run` passes on its
/// command's.
#[derive(Debug, thiserror::Error)]
#[error("exit code {0}")]
pub struct ExitWith(pub u8);

/// Marks an error whose details were already printed (as JSON on stdout);
/// only its exit code is left to give.
#[derive(Debug, thiserror::Error)]
#[error("already reported")]
pub struct Reported;

/// Whether an error means "stdout closed" (`devstack scan t | head`),
/// which is reported by staying quiet.
pub fn is_pipe_closed(err: &anyhow::Error) -> bool {
    err.chain().any(is_broken_pipe)
}

pub fn is_broken_pipe(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_anywhere_in_the_chain_is_a_closed_pipe() {
        let pipe = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing items");
        assert!(is_pipe_closed(&pipe));
        assert!(!is_pipe_closed(&anyhow::anyhow!("docker said no")));
    }
}
