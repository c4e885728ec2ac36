//! All integration tests link into this one binary: fast CLI tests that need
//! no Docker, and end-to-end tests against real emulator containers.

// Tests report progress and fail loudly; the core code's lints do not apply.
#![allow(clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod completions;
mod compose;
mod csv_seeds;
mod docker;
mod doctor;
mod embedded;
mod exports;
mod faults;
mod guard;
mod identity;
mod isolation;
mod items;
mod kill;
mod lifecycle;
mod manifest;
mod node;
mod outage;
mod pull;
mod python;
mod read;
mod run;
mod seeded;
mod snapshot;
mod support;
mod tables;
mod tables_from;
mod terminal;
mod warm;
