//! Tests of the whole stack: one binary, a module per concern.
