//! Integration tests of `auth`: one binary, a module per feature.
