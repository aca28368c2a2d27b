//! A second line of defence: a panic while scanning one item (a file, a git
//! blob, an archive member) becomes an error for that item, and the rest of
//! the scan goes on. The first line is not panicking at all (see `text`,
//! `input::fsread` and the decoders' budgets); this keeps one missed case
//! from costing the user the whole report.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many [`isolated`] calls are running on this thread.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Where the last quiet panic on this thread happened (`file:line`).
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Install the panic hook once: silent for panics inside [`isolated`] (it
/// keeps where the panic happened), the previous hook for any other.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) > 0 {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                LAST.with(|l| *l.borrow_mut() = at);
                return;
            }
            previous(info);
        }));
    });
}

/// Run `f`; if it panics, return where (`a panic at src/x.rs:12`) instead.
/// The panic's message is not kept: Rust's messages quote the data involved
/// (a slice of a file's text, which may hold the key). Nested calls are fine
/// (the innermost one catches).
pub fn isolated<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|payload| {
        // Dropping a payload can itself panic (a payload type with a
        // panicking Drop): never let that escape.
        let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
        LAST.with(|l| l.borrow_mut().take())
            .map_or_else(|| "a panic".to_string(), |at| format!("a panic at {at}"))
    })
}

/// The message for an item whose scan panicked.
pub fn internal_error(detail: &str) -> String {
    format!("internal error, please report ({detail}); this item was not scanned")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error() {
        assert_eq!(isolated(|| 7), Ok(7));
        let err = isolated(|| {
            let v: Vec<u8> = Vec::new();
            v[3]
        })
        .unwrap_err();
        assert!(err.contains("isolate.rs"), "{err}");
        assert!(!err.contains("index out of bounds"), "{err}");
    }
}
