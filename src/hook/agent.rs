//! `jikimi hook agent`: a hook for AI coding agents. The agent runs it
//! before a tool call with a JSON request on standard input; jikimi scans
//! the text the call would write (a file's new content, an edit's new
//! string, a shell command) and answers in the agent's own shape: allow
//! (no output, exit 0) or deny with a short reason that never holds the key.
//!
//! Protocols (sources in docs/agents.md):
//! - Claude Code `PreToolUse`: `{hook_event_name, tool_name, tool_input}`;
//!   deny is `{"hookSpecificOutput": {"hookEventName": "PreToolUse",
//!   "permissionDecision": "deny", "permissionDecisionReason": …}}`.
//! - Cursor `beforeShellExecution` / `beforeMCPExecution` / `preToolUse`:
//!   `{hook_event_name, command | tool_name + tool_input}`; deny is
//!   `{"permission": "deny", "user_message": …, "agent_message": …}`.
//! - GitHub Copilot `preToolUse`: `{toolName, toolArgs}` (toolArgs an object,
//!   or a JSON string in the CLI); deny is `{"permissionDecision": "deny",
//!   "permissionDecisionReason": …}`.
//!
//! Everything is offline (no verification) and works on the bytes given.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::collector::{Collected, Collector};
use crate::findings::causes::Projects;
use crate::input::{GitState, Origin, Sink};
use crate::matcher::Matcher;
use crate::rules::{RuleKind, RuleSet};

/// The most request bytes read (an agent writing a 64 MiB file through a
/// tool call is not a case to serve; the rest is not scanned).
pub const MAX_REQUEST: u64 = 64 << 20;

/// Which agent sent the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Agent {
    Claude,
    Cursor,
    Copilot,
}

/// Fields whose text is not being written: an edit's old string is already
/// in the file (removing a key must not be blocked).
const NOT_WRITTEN: &[&str] = &["old_string", "old_str", "oldString"];

/// What a request asks to write: (path it is written to, text).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub agent: Option<Agent>,
    pub path: Option<String>,
    pub texts: Vec<String>,
}

/// The decision, ready to print.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    /// JSON for standard output (`None`: print nothing, allow).
    pub stdout: Option<String>,
    /// Findings that blocked (rule id and redacted key).
    pub blocked: Vec<(String, String)>,
}

/// Read the protocol from a request: `forced` wins, else the field names say.
pub fn detect(v: &Value, forced: Option<Agent>) -> Option<Agent> {
    if forced.is_some() {
        return forced;
    }
    if v.get("toolName").is_some() || v.get("toolArgs").is_some() {
        return Some(Agent::Copilot);
    }
    match v.get("hook_event_name").and_then(Value::as_str) {
        Some("PreToolUse") => Some(Agent::Claude),
        Some(e) if e.starts_with("before") || e == "preToolUse" => Some(Agent::Cursor),
        _ if v.get("tool_name").is_some() => Some(Agent::Claude),
        _ => None,
    }
}

/// Parse a request into what it would write.
pub fn parse(bytes: &[u8], forced: Option<Agent>) -> Result<Request> {
    let v: Value = serde_json::from_slice(bytes)
        .context("the agent's request on standard input is not JSON")?;
    if !v.is_object() {
        bail!("the agent's request on standard input is not a JSON object");
    }
    let agent = detect(&v, forced);
    let mut req = Request {
        agent,
        ..Default::default()
    };
    // The tool's arguments: Claude/Cursor `tool_input`, Copilot `toolArgs`
    // (an object, or JSON in a string), Cursor shell hooks `command`.
    let mut args = v
        .get("tool_input")
        .or_else(|| v.get("toolArgs"))
        .cloned()
        .unwrap_or(Value::Null);
    if let Value::String(s) = &args
        && let Ok(parsed) = serde_json::from_str::<Value>(s)
    {
        args = parsed;
    }
    if let Some(c) = v.get("command").and_then(Value::as_str) {
        req.texts.push(c.to_string());
    }
    req.path = ["file_path", "path", "filePath", "notebook_path"]
        .iter()
        .find_map(|k| args.get(*k).and_then(Value::as_str))
        .map(str::to_string);
    collect(&args, &mut req.texts);
    Ok(req)
}

/// Every string in `v` except old strings and paths.
fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                if NOT_WRITTEN.contains(&k.as_str()) {
                    continue;
                }
                collect(x, out);
            }
        }
        _ => {}
    }
}

/// Scan what `req` writes with the built-in rules; the secrets found
/// (rule id, redacted key, line in the text).
pub fn scan(req: &Request, rules: &RuleSet) -> Result<Vec<(String, String)>> {
    let matcher = Matcher::new(rules)?;
    let cwd = std::path::PathBuf::from(".");
    let projects = Projects::new(&cwd, None);
    let collector = Collector::new(&matcher, &projects, false)
        .with_archives(Default::default(), Arc::new(Default::default()));
    let path = req
        .path
        .as_deref()
        .map(|p| p.replace('\\', "/"))
        .unwrap_or_else(|| "(agent)".into());
    // The file name only (an absolute path is the agent's machine's).
    let name = path.rsplit('/').next().unwrap_or(&path).to_string();
    for t in &req.texts {
        let origin = Origin::File {
            path: name.clone(),
            git: GitState::Untracked,
        };
        collector.blob(&origin, t.as_bytes());
    }
    let Collected {
        findings, notes, ..
    } = collector.finish();
    // Writing the key to a git-ignored .env is what the advice asks for.
    if crate::findings::causes::is_env_file(&name)
        && req.path.as_deref().is_some_and(env_file_ignored)
    {
        return Ok(Vec::new());
    }
    let mut out: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f.kind == RuleKind::Secret)
        .map(|f| (f.rule.clone(), crate::text::redact(&f.secret)))
        .collect();
    // A key in a git-ignored .env is a note in a scan; written by an agent
    // it is still a key in its context: block it too.
    out.extend(
        notes
            .iter()
            .map(|n| (n.rule.clone(), crate::text::redact(&n.secret))),
    );
    out.sort();
    out.dedup();
    Ok(out)
}

/// Whether `path` (absolute, as agents send it) is git-ignored in the
/// repository around it (read with git2; never by running git).
fn env_file_ignored(path: &str) -> bool {
    let p = std::path::Path::new(path);
    let Some(dir) = p.parent().filter(|_| p.is_absolute()) else {
        return false;
    };
    let Some(dir) = dir.ancestors().find(|d| d.is_dir()) else {
        return false;
    };
    if crate::input::gitinfo::unsafe_git_files(dir).is_some() {
        return false;
    }
    let Ok(repo) = git2::Repository::discover(dir) else {
        return false;
    };
    let Some(top) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
        return false;
    };
    let full = dir
        .canonicalize()
        .map(|d| d.join(p.file_name().unwrap_or_default()))
        .unwrap_or_else(|_| p.to_path_buf());
    full.strip_prefix(&top)
        .is_ok_and(|rel| repo.is_path_ignored(rel).unwrap_or(false))
}

/// The reason shown to the agent and the user (no full key).
pub fn reason(blocked: &[(String, String)]) -> String {
    let keys: Vec<String> = blocked
        .iter()
        .take(3)
        .map(|(rule, red)| format!("{rule} ({red})"))
        .collect();
    let more = if blocked.len() > 3 {
        format!(" and {} more", blocked.len() - 3)
    } else {
        String::new()
    };
    crate::text::escape_controls(&format!(
        "jikimi: this writes a secret: {}{more}. Do not put keys in code or commands: store it in .env (git-ignored) and read it on the server (process.env / os.environ), never in browser code.",
        keys.join(", ")
    ))
    .into_owned()
}

/// The answer to give `agent` (None: unknown, answered like Claude Code).
pub fn answer(agent: Option<Agent>, blocked: Vec<(String, String)>) -> Answer {
    if blocked.is_empty() {
        return Answer {
            stdout: None,
            blocked,
        };
    }
    let why = reason(&blocked);
    let v = match agent {
        Some(Agent::Cursor) => json!({
            "permission": "deny",
            "user_message": why,
            "agent_message": why,
        }),
        Some(Agent::Copilot) => json!({
            "permissionDecision": "deny",
            "permissionDecisionReason": why,
        }),
        Some(Agent::Claude) | None => json!({
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": why,
            }
        }),
    };
    Answer {
        stdout: Some(v.to_string()),
        blocked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_protocol() {
        let c = json!({"hook_event_name": "PreToolUse", "tool_name": "Write"});
        assert_eq!(detect(&c, None), Some(Agent::Claude));
        let k = json!({"hook_event_name": "beforeShellExecution", "command": "ls"});
        assert_eq!(detect(&k, None), Some(Agent::Cursor));
        let g = json!({"toolName": "bash", "toolArgs": "{}"});
        assert_eq!(detect(&g, None), Some(Agent::Copilot));
        assert_eq!(detect(&json!({}), Some(Agent::Cursor)), Some(Agent::Cursor));
    }

    #[test]
    fn old_strings_are_not_scanned_and_string_args_are_parsed() {
        let r = parse(
            br#"{"tool_name":"Edit","tool_input":{"file_path":"/a/b.js","old_string":"OLD","new_string":"NEW"}}"#,
            None,
        )
        .unwrap();
        assert_eq!(r.path.as_deref(), Some("/a/b.js"));
        assert!(r.texts.contains(&"NEW".to_string()));
        assert!(!r.texts.contains(&"OLD".to_string()));
        let r = parse(
            br#"{"toolName":"bash","toolArgs":"{\"command\":\"echo hi\"}"}"#,
            None,
        )
        .unwrap();
        assert!(r.texts.contains(&"echo hi".to_string()), "{r:?}");
        assert!(parse(b"[1]", None).is_err());
        assert!(parse(b"\xff", None).is_err());
    }
}
