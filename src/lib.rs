//! jikimi (지킴이, "keeper"): a secret-leak scanner that says why a key
//! leaked and what to change.
//!
//! The pipeline runs one way:
//! [`cli`] → [`config`] → [`input`] (tree, history, archives) → [`matcher`] →
//! [`findings`] (causes, dedup) → [`checklist`] → [`report`] → [`exit_code`].
//! [`scan`] drives the inputs and owns the stage between bytes and findings.
//! Around it: [`config_file`] (`jikimi.toml`: custom rules, excludes,
//! allowlists), [`baseline`] (accepted findings, by hash) and [`hook`] (the
//! git pre-commit hook). [`remote`] clones remote repositories and lists
//! organisations; [`merge`] joins their reports.

pub mod baseline;
pub mod checklist;
pub mod cli;
pub mod collector;
pub mod config;
pub mod config_file;
pub mod drops;
pub mod exit_code;
pub mod explain;
pub mod findings;
pub mod fix;
pub mod hook;
pub mod input;
pub mod isolate;
pub mod matcher;
pub mod merge;
pub mod paths;
#[doc(hidden)]
pub mod redact;
pub mod remote;
pub mod report;
pub mod rules;
pub mod scan;
pub mod text;
pub mod time;
pub mod verify;
pub mod vocab;

mod commands;

pub use commands::run;
