//! What the benchmark programs share: the cost of a request in DynamoDB's units and AWS's
//! prices (`cost`).

pub mod cost;
