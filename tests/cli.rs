//! The integration tests: one binary, a module per area, all through the
//! real `jikimi` executable and the library (see `common` for the harness).

mod archives;
mod baseline;
mod ci_recipes;
mod common;
mod config;
mod detect;
mod explain;
mod fixtures;
mod formats;
mod history;
mod hook;
mod rules_examples;
mod sarif;
mod scan;
