//! Helpers for the stack tests.
