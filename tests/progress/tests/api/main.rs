//! Integration tests of `progress`: one binary, a module per feature.
