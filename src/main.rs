//! The `jikimi` binary: parse, run, map the outcome to an exit code. Errors
//! are printed once, here; a closed pipe (`jikimi scan | head`) is not one.

use clap::Parser;

use jikimi::cli::Cli;
use jikimi::exit_code::ExitCode;

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version itself (exit 0) and usage errors (2).
            let code = if e.use_stderr() {
                ExitCode::Error
            } else {
                ExitCode::Clean
            };
            let _ = e.print();
            return code.into();
        }
    };
    // Items that panic are isolated inside the scan; this is the last
    // resort for anything else: a message and exit 2, never a bare abort.
    let outcome = jikimi::isolate::isolated(|| jikimi::run(cli))
        .unwrap_or_else(|detail| Err(anyhow::anyhow!(jikimi::isolate::internal_error(&detail))));
    match outcome {
        Ok(code) => code.into(),
        Err(err) => {
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::Clean.into();
            }
            // A message may quote user input (a config value, a baseline
            // key) that is a pasted secret: never print it whole.
            let msg = jikimi::findings::redact_known_secrets(&format!("{err:#}"));
            eprintln!("jikimi: error: {}", jikimi::text::escape_lines(&msg));
            ExitCode::Error.into()
        }
    }
}
