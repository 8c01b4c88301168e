//! Integration tests of `content`: one binary, a module per feature.

mod visibility;
