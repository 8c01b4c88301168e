//! Integration tests of `content`: one binary, a module per feature.

mod article_pages;
mod authoring;
mod authorization;
mod caching;
mod concurrency;
mod conflicts;
mod demo;
mod gating;
mod paging;
mod projects;
mod publishing;
mod reindex;
mod related;
mod round_trips;
mod search;
mod seo;
mod slugs;
mod stored_pages;
mod visibility;
mod workspace;
