//! One module per subcommand. Each takes resolved settings and the printer.

pub mod validate;
