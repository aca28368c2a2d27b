//! The integration tests: one binary, a module per area, all through the
//! real `jikimi` executable and the library (see `common` for the harness).

mod archives;
mod common;
mod explain;
mod formats;
mod rules_examples;
mod sarif;
mod scan;
