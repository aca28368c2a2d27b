//! Isolation, the second line of defence: a panic while reading or scanning
//! one item (a file, a history blob, a commit message, an archive member)
//! becomes an error for that item, and the rest of the scan completes.
//!
//! The first line is code that does not panic (char-boundary-safe slicing,
//! bounded decoders); this catches what slips through. The item is counted
//! in `stats.errors` and named on one stderr line ending in "internal error,
//! please report", with where the panic happened in jikimi's code. The panic
//! message itself is not shown: Rust's messages quote the data involved (a
//! slice of a file's text, which may hold the key).
//!
//! The panic hook and the catching are [`crate::isolate`]'s; this wraps
//! them for the inputs, which report to a [`Sink`].

use std::sync::OnceLock;

use crate::input::Sink;

/// Run `f` (the work on one item, named `what`: a path, `path (blob 1a2b3c
/// in history)`). If it panics, report `what` to `sink` as an error
/// ("internal error, please report") and return `None`; the caller goes on
/// with the next item. The mechanism is [`crate::isolate`].
pub fn isolated<T>(what: &str, sink: &dyn Sink, f: impl FnOnce() -> T) -> Option<T> {
    match crate::isolate::isolated(|| {
        inject_panic(what);
        f()
    }) {
        Ok(v) => Some(v),
        Err(detail) => {
            sink.error(what, &crate::isolate::internal_error(&detail));
            None
        }
    }
}

/// Fault injection for the tests, in debug builds only: an item whose name
/// contains `JIKIMI_DEBUG_PANIC` panics (a release build never reads it).
fn inject_panic(what: &str) {
    if !cfg!(debug_assertions) {
        return;
    }
    static NEEDLE: OnceLock<Option<String>> = OnceLock::new();
    let needle = NEEDLE.get_or_init(|| {
        std::env::var("JIKIMI_DEBUG_PANIC")
            .ok()
            .filter(|s| !s.is_empty())
    });
    if let Some(n) = needle
        && what.contains(n.as_str())
    {
        panic!("injected panic (JIKIMI_DEBUG_PANIC) for {what}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Origin;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Errors(Mutex<Vec<String>>);

    impl Sink for Errors {
        fn blob(&self, _: &Origin, _: &[u8]) {}
        fn skipped(&self, _: &str, _: &str) {}
        fn error(&self, path: &str, message: &str) {
            self.0.lock().unwrap().push(format!("{path}: {message}"));
        }
    }

    #[test]
    fn a_panic_becomes_an_error_for_the_item() {
        let sink = Errors::default();
        assert_eq!(isolated("a.txt", &sink, || 7), Some(7));
        let r: Option<()> = isolated("b.txt", &sink, || panic!("boom {}", "secret"));
        assert_eq!(r, None);
        // Nested: the inner item fails, the outer one completes.
        let outer = isolated("outer", &sink, || {
            isolated("inner", &sink, || -> u8 { panic!("inner") }).is_none()
        });
        assert_eq!(outer, Some(true));
        let errs = sink.0.lock().unwrap();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].starts_with("b.txt: internal error, please report"));
        assert!(errs[0].contains("isolate.rs:"), "{errs:?}");
        assert!(!errs[0].contains("secret"), "the payload is not shown");
        assert!(errs[1].starts_with("inner: "));
    }
}
