//! Tests of the whole stack: one binary, a module per concern.

mod authorization;
mod bodies;
mod faults;
mod journey;
mod openapi;
mod routing;
mod template;
mod tokens;
