//! One module per subcommand. Each takes resolved settings and the printer.

pub mod down;
pub mod env;
pub mod logs;
pub mod query;
pub mod read;
pub mod reset;
pub mod scan;
pub mod status;
pub mod tables;
pub mod up;
pub mod validate;
