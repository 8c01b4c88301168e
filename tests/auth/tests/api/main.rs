//! Integration tests of `auth`: one binary, a module per feature. Every test goes through the
//! router, the real DynamoDB client and the local emulator, on tables of its own.

mod admin;
mod answers_that_tell_nothing;
mod authorization;
mod forged_tokens;
mod journey;
mod jwks;
mod lockout;
mod login_copy;
mod logs;
mod lookalikes;
mod passwords;
mod registration;
mod round_trips;
mod secrets;
mod sessions;
