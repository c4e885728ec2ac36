//! DynamoDB: clients for local endpoints, the tables (observed state, the
//! pure plan, the API calls), bringing the manifest's tables to an endpoint
//! (`reconcile`), loading seed items, and reading items back for people
//! (`read`, `items`), and one item by hand (`single`).

pub mod client;
pub mod items;
pub mod load;
pub mod notes;
pub mod read;
pub mod reconcile;
pub mod single;
pub mod tables;
