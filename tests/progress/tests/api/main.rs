//! Integration tests of `progress`: one binary, a module per feature.

mod access;
mod authorization;
mod concurrency;
mod credential;
mod journey;
mod listings;
mod outline;
mod projects;
mod review_races;
mod reviews;
mod round_trips;
mod rules;
