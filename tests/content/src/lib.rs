//! The `content` function under test: a fresh set of tables, its router, and helpers for its
//! endpoints.
