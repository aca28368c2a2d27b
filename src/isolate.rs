//! A second line of defence: a panic while scanning one item (a file, a git
//! blob, an archive member) becomes an error for that item, and the rest of
//! the scan goes on. The first line is not panicking at all (see `text`,
//! `input::fsread` and the decoders' budgets); this keeps one missed case
//! from costing the user the whole report.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs isolated work: the hook stays quiet and
    /// keeps the message for the item's error instead.
    static ISOLATED: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Install the panic hook once: inside [`isolated`] it records the message
/// (no backtrace spew); elsewhere it defers to the default hook.
fn install_hook() {
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if ISOLATED.with(Cell::get) {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".to_string());
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST.with(|l| *l.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                default(info);
            }
        }));
    });
}

/// Run `f`; if it panics, return the panic's message instead. Nested calls
/// are fine (the innermost one catches).
pub fn isolated<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = ISOLATED.with(|i| i.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    ISOLATED.with(|i| i.set(was));
    result.map_err(|_| {
        LAST.with(|l| l.borrow_mut().take())
            .unwrap_or_else(|| "panic".to_string())
    })
}

/// The message for an item whose scan panicked.
pub fn internal_error(detail: &str) -> String {
    format!(
        "internal error, please report it (https://github.com/jikimi-dev/jikimi/issues): {detail}; this item was not scanned, the rest of the scan went on"
    )
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
        assert!(err.contains("index out of bounds"), "{err}");
        assert!(err.contains("isolate.rs"), "{err}");
    }
}
