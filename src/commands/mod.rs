//! One module per subcommand. Each takes resolved settings and the printer.

pub mod down;
pub mod env;
pub mod logs;
pub mod reset;
pub mod status;
pub mod up;
pub mod validate;
