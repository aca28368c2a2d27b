//! A hardcoded key becomes the language's environment lookup, and its value
//! moves into the project's local, ignored `.env` so the app still runs.
//!
//! The literal is found by [`super::lexer`]: a literal that is exactly the
//! key is replaced whole; one that holds more (`"Bearer sk-…"`) is split
//! into the same literal syntax around the lookup, joined by the language's
//! concatenation (or interpolation where the literal interpolates), so
//! quoting and escapes stay as they were. Browser code goes to
//! [`super::route`] instead: a lookup there would still ship the key.

use super::lexer::{Family, Lit, Region, region_at};
use super::plan::{Plan, dir_of, join};
use crate::findings::causes::{is_env_file, is_env_template};
use crate::findings::{Cause, Finding};
use crate::rules::RuleSet;

/// Replace the key of each finding in server code (and other non-browser
/// code) with an environment lookup.
pub fn fix(plan: &mut Plan, findings: &[&Finding], rules: &RuleSet) {
    for f in findings {
        if is_env_file(&f.path) || is_env_template(&f.path) {
            continue;
        }
        let Some(fam) = Family::of(&f.path) else {
            plan.skip(format!(
                "{}: no environment lookup for this file type; move the key out by hand",
                f.path
            ));
            continue;
        };
        plan.secrets.insert(f.secret.clone());
        let browser = f
            .causes
            .iter()
            .any(|c| matches!(c, Cause::FrontendCode | Cause::ClientTransit));
        if f.causes.contains(&Cause::AppBinary) {
            plan.skip(format!(
                "{}: a key in an app ships to every install; call your own backend from the app instead (not automated)",
                f.path
            ));
            continue;
        }
        if browser && fam == Family::Js {
            super::route::client(plan, f, rules);
            continue;
        }
        server(plan, f, fam, rules);
    }
}

/// The folder of a finding's project (where its `.env` goes).
pub fn project_dir(f: &Finding) -> String {
    f.project
        .as_ref()
        .and_then(|p| p.manifest.split([' ', ',', '+']).next())
        .map(|m| dir_of(m).to_string())
        .unwrap_or_default()
}

/// Replace every place of `f`'s key in its file with the lookup.
fn server(plan: &mut Plan, f: &Finding, fam: Family, rules: &RuleSet) {
    let Some(text) = plan.text(&f.path) else {
        plan.skip(format!("{}: not readable as UTF-8 text", f.path));
        return;
    };
    let places = find_all(&text, &f.secret);
    if places.is_empty() {
        plan.skip(format!(
            "{}: the key is not in the file as the scan saw it (changed since?)",
            f.path
        ));
        return;
    }
    let first = places[0];
    let wanted = env_name(f, rules, &text, first);
    let env = join(&project_dir(f), ".env");
    let name = plan.env_value(&env, &wanted, &f.secret);
    let deno = fam == Family::Js && (plan.exists("deno.json") || plan.exists("deno.jsonc"));
    let workflow = fam == Family::Yaml && f.path.starts_with(".github/workflows/");
    let mut out = text.clone();
    let mut done = 0;
    let mut last_start = usize::MAX;
    for &at in places.iter().rev() {
        if at + f.secret.len() > last_start {
            continue;
        }
        let region = region_at(fam, &text, at);
        let Some((s, e, rep)) = edit(fam, &text, at, &f.secret, &name, &region, deno, workflow)
        else {
            continue;
        };
        if e > last_start || !out.is_char_boundary(s) || !out.is_char_boundary(e) {
            continue;
        }
        out.replace_range(s..e, &rep);
        last_start = s;
        done += 1;
    }
    if done == 0 {
        plan.skip(format!(
            "{}: the key is not in a string literal jikimi can rewrite; move it by hand",
            f.path
        ));
        return;
    }
    let out = match fam {
        Family::Python => python_import(&out),
        Family::Go => go_import(&go_const(&out, &name)),
        Family::Jvm => kotlin_const(&out, &name),
        Family::CSharp => csharp_const(&out, &name),
        _ => out,
    };
    plan.set(&f.path, out);
    let how = if workflow {
        plan.todo(format!(
            "add {name} as a repository secret (Settings > Secrets and variables > Actions)"
        ));
        format!("${{{{ secrets.{name} }}}}")
    } else {
        lookup(fam, &name, deno)
    };
    plan.note(format!(
        "{}: the key now comes from {how}; its value is in {env} (ignored)",
        f.path
    ));
    if let Some(load) = loader(fam) {
        plan.todo(format!(
            "{}: the process must have {name} in its environment: {load}, or set it where the app is deployed",
            f.path
        ));
    }
}

/// How a program of a family gets a `.env` into its environment.
fn loader(fam: Family) -> Option<&'static str> {
    Some(match fam {
        Family::Js => {
            "Node 20.6+ `node --env-file=.env`, the dotenv package, or the framework (Next.js, Vite, Nuxt... load .env themselves)"
        }
        Family::Python => {
            "python-dotenv (`load_dotenv()`; Flask loads .env itself when it is installed)"
        }
        Family::Go => "github.com/joho/godotenv, or `set -a; . ./.env; set +a` before starting",
        Family::Rust => "the dotenvy crate, or `set -a; . ./.env; set +a` before starting",
        Family::Jvm => "your run configuration or platform settings (Spring reads OS variables)",
        Family::Ruby => "the dotenv gem (Rails: dotenv-rails)",
        Family::Php => "vlucas/phpdotenv (Laravel and Symfony load .env themselves)",
        Family::CSharp => "launchSettings.json or the host's settings (DotNetEnv reads .env)",
        Family::Shell => "`set -a; . ./.env; set +a` before running the script",
        Family::Yaml => return None,
    })
}

/// Byte offsets of every occurrence of `needle`.
pub fn find_all(text: &str, needle: &str) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes()).collect()
}

/// The environment lookup expression of a family.
pub fn lookup(fam: Family, name: &str, deno: bool) -> String {
    match fam {
        Family::Js if deno => format!("Deno.env.get(\"{name}\")"),
        Family::Js => format!("process.env.{name}"),
        Family::Python => format!("os.environ[\"{name}\"]"),
        Family::Go => format!("os.Getenv(\"{name}\")"),
        Family::Rust => format!("&std::env::var(\"{name}\").expect(\"set {name}\")"),
        Family::Jvm => format!("System.getenv(\"{name}\")"),
        Family::Ruby => format!("ENV.fetch(\"{name}\")"),
        Family::Php => format!("getenv('{name}')"),
        Family::CSharp => format!("System.Environment.GetEnvironmentVariable(\"{name}\")"),
        Family::Shell | Family::Yaml => format!("${{{name}}}"),
    }
}

/// The replacement for the key at `at`: a byte range and its new text.
#[allow(clippy::too_many_arguments)]
fn edit(
    fam: Family,
    text: &str,
    at: usize,
    secret: &str,
    name: &str,
    region: &Region,
    deno: bool,
    workflow: bool,
) -> Option<(usize, usize, String)> {
    let end = at + secret.len();
    let var = if workflow {
        format!("${{{{ secrets.{name} }}}}")
    } else {
        format!("${{{name}}}")
    };
    match region {
        Region::Comment => Some((at, end, format!("<{name}>"))),
        Region::Code => match fam {
            // A bare value: `KEY=sk-…` in a script, `key: sk-…` in YAML.
            Family::Shell | Family::Yaml => {
                let bare = |i: usize| {
                    text.as_bytes()
                        .get(i)
                        .is_none_or(|b| b.is_ascii_whitespace() || matches!(b, b'#' | b';' | b','))
                };
                let before = at.checked_sub(1).map(|i| text.as_bytes()[i]);
                let whole = bare(end) && matches!(before, Some(b'=' | b' ' | b'\t') | None);
                Some((at, end, if whole { format!("\"{var}\"") } else { var }))
            }
            _ => None,
        },
        Region::Literal(l) => {
            if end > l.body_end || at < l.body_start {
                return None;
            }
            let before = text.get(l.body_start..at)?;
            let after = text.get(end..l.body_end)?;
            let expr = lookup(fam, name, deno);
            match fam {
                Family::Shell if l.open == "'" => {
                    let mut s = String::new();
                    if !before.is_empty() {
                        s.push_str(&format!("'{before}'"));
                    }
                    s.push_str(&format!("\"{var}\""));
                    if !after.is_empty() {
                        s.push_str(&format!("'{after}'"));
                    }
                    Some((l.start, l.end, s))
                }
                Family::Shell | Family::Yaml => Some((at, end, var)),
                Family::Js if l.template => {
                    if before.is_empty() && after.is_empty() {
                        Some((l.start, l.end, expr))
                    } else {
                        Some((at, end, format!("${{{expr}}}")))
                    }
                }
                _ if before.is_empty() && after.is_empty() => Some((l.start, l.end, expr)),
                Family::Rust => {
                    let e = expr.trim_start_matches('&');
                    let mut args = Vec::new();
                    for (s, is_expr) in [(before, false), (e, true), (after, false)] {
                        if is_expr {
                            args.push(s.to_string());
                        } else if !s.is_empty() {
                            args.push(format!("{}{s}{}", l.open, l.close));
                        }
                    }
                    let holes = "{}".repeat(args.len());
                    Some((
                        l.start,
                        l.end,
                        format!("&format!(\"{holes}\", {})", args.join(", ")),
                    ))
                }
                _ => Some((l.start, l.end, concat(fam, l, before, &expr, after))),
            }
        }
    }
}

/// `(before + lookup + after)` in the literal's own syntax.
fn concat(fam: Family, l: &Lit, before: &str, expr: &str, after: &str) -> String {
    let op = if fam == Family::Php { " . " } else { " + " };
    let mut parts = Vec::new();
    if !before.is_empty() {
        parts.push(format!("{}{before}{}", l.open, l.close));
    }
    parts.push(expr.to_string());
    if !after.is_empty() {
        parts.push(format!("{}{after}{}", l.open, l.close));
    }
    format!("({})", parts.join(op))
}

/// The variable name for a key: the provider's conventional name from the
/// rule's examples (`OPENAI_API_KEY`, `STRIPE_SECRET_KEY`: the name SDKs
/// read by default), else the name the code gives it when that says
/// key/token/secret, else `PROVIDER_API_KEY`.
pub fn env_name(f: &Finding, rules: &RuleSet, text: &str, at: usize) -> String {
    let provider: String = f
        .provider
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_matches('_')
        .to_string();
    // Start of the literal holding the key, for the key it is assigned to.
    let lit_start = text
        .as_bytes()
        .get(..at)
        .and_then(|b| b.iter().rposition(|c| matches!(c, b'"' | b'\'' | b'`')))
        .filter(|&q| !text.as_bytes()[q..at].contains(&b'\n'))
        .unwrap_or(at);
    let key = crate::rules::syntax::key_before(text.as_bytes(), lit_start);
    let mut code: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    // camelCase names (`openaiKey`) keep their words.
    if let Some(orig) = original_case(text, lit_start, &key) {
        code = snake_upper(&orig);
    }
    let code = super::public::strip_public(&code).to_string();
    let words = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASS", "PAT", "DSN"];
    let says_secret = words.iter().any(|w| code.contains(w));
    let generic = [
        "",
        "KEY",
        "API_KEY",
        "APIKEY",
        "TOKEN",
        "SECRET",
        "AUTHORIZATION",
        "AUTH",
        "BEARER",
        "HEADERS",
        "VALUE",
        "PASSWORD",
    ];
    let valid = |s: &str| {
        s.len() >= 3
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    let example = rules.get(&f.rule).and_then(|r| {
        r.syntax.examples.iter().find_map(|e| {
            let (k, _) = e.split_once('=')?;
            let k = k.trim();
            (valid(k)
                && k.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && !provider.is_empty()
                && k.contains(&provider))
            .then(|| k.to_string())
        })
    });
    if let Some(e) = example {
        return e;
    }
    if !provider.is_empty() && code.contains(&provider) && says_secret && valid(&code) {
        return code;
    }
    if says_secret && valid(&code) && !generic.contains(&code.as_str()) {
        return code;
    }
    if provider.is_empty() || provider == "GENERIC" {
        "SECRET_KEY".to_string()
    } else {
        format!("{provider}_API_KEY")
    }
}

/// The key name as written (case kept), found before `at` on its line.
fn original_case(text: &str, at: usize, lower: &str) -> Option<String> {
    if lower.is_empty() {
        return None;
    }
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(line_start..at)?;
    let pos = line.to_ascii_lowercase().rfind(lower)?;
    line.get(pos..pos + lower.len()).map(str::to_string)
}

/// `openaiKey` → `OPENAI_KEY`, `api-key` → `API_KEY`.
fn snake_upper(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    out
}

/// Add `import os` to a Python module that lacks it: before the first
/// top-level import, else after the shebang, comments and docstring.
pub fn python_import(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Only lines that start in code count: `from app import x` in a
    // docstring's usage example is not an import (the lexer knows).
    let code = code_lines(Family::Python, &lines, text);
    let has = lines.iter().zip(&code).any(|(l, &c)| {
        let l = l.trim_end();
        c && (l == "import os"
            || l.starts_with("import os,")
            || l.starts_with("import os ")
            || (l.starts_with("import ") && l.split([',', ' ']).any(|w| w == "os")))
    });
    if has {
        return text.to_string();
    }
    let mut at = lines.iter().zip(&code).position(|(l, &c)| {
        c && (l.starts_with("import ") || l.starts_with("from "))
            && !l.starts_with("from __future__")
    });
    if at.is_none() {
        // After comments, blank lines, the docstring and __future__.
        let mut i = 0;
        while i < lines.len() {
            let t = lines[i].trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with("from __future__") {
                i += 1;
                continue;
            }
            if let Some(q) = ["\"\"\"", "'''"].iter().find(|q| t.starts_with(**q)) {
                let rest = t.get(3..).unwrap_or("");
                if rest.contains(q) {
                    i += 1;
                    continue;
                }
                i += 1;
                while i < lines.len() && !lines[i].contains(q) {
                    i += 1;
                }
                i += 1;
                continue;
            }
            break;
        }
        at = Some(i.min(lines.len()));
    }
    let at = at.unwrap_or(0);
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i == at {
            out.push_str("import os\n");
        }
        out.push_str(l);
    }
    if at >= lines.len() {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("import os\n");
    }
    out
}

/// For each of `lines` (`text` split after each newline), whether its
/// first token is code (a string that starts there counts: Go's `"os"`),
/// not the inside of a string or a comment.
fn code_lines(fam: Family, lines: &[&str], text: &str) -> Vec<bool> {
    let mut at = 0;
    lines
        .iter()
        .map(|l| {
            let start = at + (l.len() - l.trim_start().len());
            at += l.len();
            match region_at(fam, text, start) {
                Region::Code => true,
                Region::Literal(lit) => lit.start == start,
                Region::Comment => false,
            }
        })
        .collect()
}

/// Add `"os"` to a Go file's imports (sorted into the first group).
pub fn go_import(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Lines inside a raw string or a comment are not imports.
    let code = code_lines(Family::Go, &lines, text);
    let is_code = |i: usize| code.get(i).copied().unwrap_or(false);
    if lines.iter().enumerate().any(|(i, l)| {
        let t = l.trim();
        (t == "\"os\"" || t == "import \"os\"") && is_code(i)
    }) {
        return text.to_string();
    }
    let mut out = String::new();
    if let Some(open) = lines
        .iter()
        .enumerate()
        .position(|(i, l)| l.trim() == "import (" && is_code(i))
    {
        let mut inserted = false;
        for (i, l) in lines.iter().enumerate() {
            if i > open && !inserted {
                let t = l.trim();
                if t == ")" || t.is_empty() || (t.starts_with('"') && t > "\"os\"") {
                    out.push_str("\t\"os\"\n");
                    inserted = true;
                }
            }
            out.push_str(l);
        }
        return out;
    }
    if let Some(single) = lines
        .iter()
        .enumerate()
        .position(|(i, l)| l.starts_with("import \"") && is_code(i))
    {
        for (i, l) in lines.iter().enumerate() {
            if i == single {
                let path = l.trim().trim_start_matches("import ").to_string();
                let mut both = [path.as_str(), "\"os\""];
                both.sort_unstable();
                out.push_str(&format!("import (\n\t{}\n\t{}\n)\n", both[0], both[1]));
            } else {
                out.push_str(l);
            }
        }
        return out;
    }
    let mut done = false;
    for l in &lines {
        out.push_str(l);
        if !done && l.starts_with("package ") {
            if !l.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("\nimport \"os\"\n");
            done = true;
        }
    }
    out
}

/// A Go constant cannot hold `os.Getenv(…)`: its declaration becomes `var`
/// (a `const (` block without `iota` becomes `var (`).
fn go_const(text: &str, name: &str) -> String {
    let call = format!("os.Getenv(\"{name}\")");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for (i, l) in lines.iter().enumerate() {
        if !l.contains(&call) {
            continue;
        }
        let t = l.trim_start();
        if let Some(rest) = t.strip_prefix("const ") {
            let indent = l.len() - t.len();
            out[i] = format!("{}var {rest}", l.get(..indent).unwrap_or(""));
            continue;
        }
        // Inside a `const (` block?
        let mut j = i;
        while j > 0 {
            j -= 1;
            let b = lines[j].trim();
            if b == ")" || b.ends_with('}') || b.ends_with('{') {
                break;
            }
            if b == "const (" {
                let end = (i..lines.len())
                    .find(|&k| lines[k].trim() == ")")
                    .unwrap_or(lines.len());
                if !lines[j..end].iter().any(|x| x.contains("iota")) {
                    out[j] = out[j].replacen("const (", "var (", 1);
                }
                break;
            }
        }
    }
    out.concat()
}

/// A C# `const` cannot hold a call: a field becomes `static readonly`, a
/// local loses `const`.
fn csharp_const(text: &str, name: &str) -> String {
    let call = format!("GetEnvironmentVariable(\"{name}\")");
    text.split_inclusive('\n')
        .map(|l| {
            if !l.contains(&call) || !l.contains("const ") {
                return l.to_string();
            }
            // A field says its access right before `const`; a local follows
            // a statement or a brace.
            let before = l.split("const ").next().unwrap_or("").trim_end();
            let field = ["public", "private", "internal", "protected"]
                .iter()
                .any(|m| before.ends_with(m));
            if field {
                l.replacen("const ", "static readonly ", 1)
            } else {
                l.replacen("const ", "", 1)
            }
        })
        .collect()
}

/// A Kotlin `const val` cannot hold a call: it becomes `val`.
fn kotlin_const(text: &str, name: &str) -> String {
    let call = format!("System.getenv(\"{name}\")");
    text.split_inclusive('\n')
        .map(|l| {
            if l.contains(&call) {
                l.replacen("const val ", "val ", 1)
            } else {
                l.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{go_import, python_import};

    #[test]
    fn python_import_skips_imports_a_docstring_shows() {
        let src = "\"\"\"Settings.\n\nUsage:\nfrom config import Config\nimport os  # not this one\n\"\"\"\nfrom flask import Flask\n\nKEY = os.environ[\"K\"]\n";
        assert_eq!(
            python_import(src),
            "\"\"\"Settings.\n\nUsage:\nfrom config import Config\nimport os  # not this one\n\"\"\"\nimport os\nfrom flask import Flask\n\nKEY = os.environ[\"K\"]\n"
        );
        let has = "import os\nKEY = os.environ[\"K\"]\n";
        assert_eq!(python_import(has), has);
    }

    #[test]
    fn go_import_skips_imports_in_comments_and_raw_strings() {
        let src = "package main\n\n/*\nimport \"os\"\n*/\n\nimport (\n\t\"fmt\"\n)\n\nvar doc = `\nimport (\n`\n";
        assert_eq!(
            go_import(src),
            "package main\n\n/*\nimport \"os\"\n*/\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nvar doc = `\nimport (\n`\n"
        );
        let has = "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n";
        assert_eq!(go_import(has), has);
    }
}
