//! Tables: what the manifest wants against what the endpoint has. The
//! observed state (`state`), the comparison (`plan`, pure) and the calls
//! that carry a plan out and wait until the table and its indexes are
//! ACTIVE (`api`).

mod api;
mod plan;
mod state;

pub use api::{
    apply_change, create, create_request, delete, describe, describe_without_ttl, is_code,
    wait_active, wait_gone, wait_status,
};
pub use plan::{Change, TablePlan, plan};
pub use state::{Condition, IndexState, TableState, TableStatus};
