//! What every skillpath function shares: typed configuration, telemetry, the one HTTP error
//! type, JSON and path/query extractors, the DynamoDB client and its error mapping,
//! pagination cursors, typed ids, access tokens, and the items one function reads from
//! another's table.

pub mod account;
pub mod caching;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod deadline;
pub mod dynamo;
pub mod enrollment;
pub mod error;
pub mod extract;
pub mod fields;
pub mod http;
pub mod identity;
pub mod ids;
pub mod json;
pub mod lambda;
pub mod page;
pub mod sdk;
pub mod telemetry;
pub mod text;
pub mod tls;
pub mod token;

pub use error::{ApiError, FieldError};
pub use json::Json;

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use uuid;
}
