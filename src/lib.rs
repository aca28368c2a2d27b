//! jikimi (지킴이, "keeper"): a secret-leak scanner that says why a key
//! leaked and what to change.
//!
//! The pipeline runs one way:
//! `cli` → `config` → [`input`] (tree, history, archives) → [`matcher`] →
//! [`findings`] (causes, dedup) → [`checklist`] → [`report`] → exit code.

pub mod matcher;
pub mod rules;
