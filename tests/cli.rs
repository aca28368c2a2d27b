//! The integration tests: one binary, a module per area, all through the
//! real `jikimi` executable and the library (see `common` for the harness).
// Tests slice their own ASCII fixtures and JSON; the product code never
// slices data by byte offset (clippy::string_slice is denied there).
#![allow(clippy::string_slice)]

mod archives;
mod baseline;
mod binaries;
mod causes;
mod checklist;
mod ci_recipes;
mod common;
mod config;
mod detect;
mod explain;
mod fix;
mod fixtures;
mod formats;
mod fuzz;
mod generic;
mod history;
mod hook;
mod hostile;
mod hostile_repo;
mod images;
mod install;
mod long_tail;
mod merge;
mod packages;
mod placeholders;
mod providers;
mod readme;
mod recall;
mod remote;
mod report;
mod rules_examples;
mod sarif;
mod scan;
mod structures;
mod trace;
mod verify;
