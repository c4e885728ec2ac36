//! End-to-end tests against real containers (filled in below).
