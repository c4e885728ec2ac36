//! All integration tests link into this one binary: fast CLI tests that need
//! no Docker, and end-to-end tests against real emulator containers.

mod docker;
mod manifest;
mod support;
