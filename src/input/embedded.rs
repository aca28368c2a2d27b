//! Text that lives inside another text format and must be read out of it to
//! be reported where a person would look: source maps (`*.map`) carry the
//! original sources in `sourcesContent`, and notebooks (`.ipynb`) carry
//! cells and their outputs as JSON strings.
//!
//! Position in the pipeline: the scan stage decodes a blob to text, then asks
//! [`source_map`] or [`notebook`] (by file name) for its [`Part`]s and scans
//! each part as its own text: with JSON escapes decoded, with line numbers
//! that count in the original file or in the cell, and without the noise
//! around them (a map's `mappings`, a notebook's base64 images, which would
//! otherwise look like high-entropy secrets). When the JSON does not parse,
//! the caller scans the raw text instead: a damaged file is never skipped.

use serde_json::Value;

use super::budget::Budget;
use crate::text;

/// One piece of text to scan, and where to say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The path to report: the original source (`src/api.ts`) for a source
    /// map, the notebook itself for its cells.
    pub path: String,
    /// The file the text was read from when it is not `path` (the source
    /// map).
    pub via: Option<String>,
    /// 1-based cell number, for notebooks.
    pub cell: Option<usize>,
    /// The text is a cell's output rather than its source.
    pub output: bool,
    pub text: String,
    /// For a decoded payload: where the encoded form starts in the file
    /// (1-based line and column), which is where findings are reported.
    pub at: Option<(usize, usize)>,
    /// How the text was encoded in the file (`base64`), if it was.
    pub encoded: Option<&'static str>,
}

/// Shortest base64 run worth decoding: a key plus a little context.
const MIN_BASE64: usize = 32;
/// At most this many payloads are decoded per file (a file full of base64
/// is data, not configuration).
const MAX_PAYLOADS: usize = 256;

/// Configuration formats where base64 values are common (Kubernetes
/// Secrets, Docker auth, `.npmrc`): the only files searched for base64
/// payloads, which keeps the pass off the hot path of source code.
const BASE64_CONFIG_EXT: &[&str] = &[
    "yaml",
    "yml",
    "json",
    "env",
    "properties",
    "toml",
    "ini",
    "cfg",
    "conf",
    "xml",
    "tf",
    "tfvars",
    "npmrc",
    "dockercfg",
];

/// Whether `path` is a configuration file, where base64 values are common
/// enough to look for them whatever the text says.
pub fn is_config_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit('.').next().unwrap_or("");
    name.starts_with(".env") || BASE64_CONFIG_EXT.contains(&ext)
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Base64 payloads in `text` that decode to text: `(byte offset of the
/// encoded run, decoded text)`. A Kubernetes Secret's `data:` values, a
/// Docker `auth`, a base64 `.npmrc` token. Runs
/// of at least 32 characters are decoded (standard or URL-safe alphabet,
/// padding optional); binary results (images, DER, hashes) are dropped.
pub fn base64_payloads(text: &[u8], budget: &mut Budget) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let n = text.len();
    let mut i = 0;
    // Invariant: `i` is 0 or follows a byte that is not base64, so a run
    // found at `i` starts there. Probing the last byte of each 32-byte
    // window first lets ordinary text (words, spaces) be skipped a window
    // at a time instead of byte by byte.
    while i + MIN_BASE64 <= n && out.len() < MAX_PAYLOADS {
        if let Some(k) = (i..i + MIN_BASE64)
            .rev()
            .find(|&k| !is_base64_byte(text[k]))
        {
            i = k + 1;
            continue;
        }
        let start = i;
        let mut end = i + MIN_BASE64;
        while end < n && is_base64_byte(text[end]) {
            end += 1;
        }
        i = end;
        while i < n && text[i] == b'=' && i - end < 2 {
            i += 1;
        }
        if let Some(decoded) = decode_text_payload(&text[start..end]) {
            if !budget.charge(decoded.len(), "base64 payloads") {
                break;
            }
            out.push((start, decoded));
        }
    }
    out
}

/// The text a base64 run decodes to, if it is worth scanning: mixed case
/// (not a word, not hex), at most 64 KiB, and decoding to printable text.
fn decode_text_payload(run: &[u8]) -> Option<String> {
    if run.len() > 64 * 1024 {
        return None;
    }
    let upper = run.iter().any(u8::is_ascii_uppercase);
    let lower = run.iter().any(u8::is_ascii_lowercase);
    if !(upper && lower) {
        return None;
    }
    let decoded = String::from_utf8(crate::rules::validate::base64url_decode(run)?).ok()?;
    let printable = decoded
        .bytes()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        .count();
    (decoded.len() >= 16 && printable * 100 >= decoded.len() * 95).then_some(decoded)
}

/// `*.map` (and `*.js.map`, `*.css.map`).
pub fn is_source_map(path: &str) -> bool {
    path.len() > 4 && text::ends_with_ignore_case(path, ".map")
}

/// `*.ipynb`.
pub fn is_notebook(path: &str) -> bool {
    path.len() > 6 && text::ends_with_ignore_case(path, ".ipynb")
}

/// The original sources embedded in the source map at `map_path`, each with
/// the path it maps back to. `None` if `text` is not a source map with
/// `sourcesContent` (then it is scanned as it is).
pub fn source_map(map_path: &str, text: &[u8]) -> Option<Vec<Part>> {
    let first = text.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    let v: Value = serde_json::from_slice(text).ok()?;
    let mut parts = Vec::new();
    map_parts(map_path, &v, &mut parts, 0);
    (!parts.is_empty()).then_some(parts)
}

fn map_parts(map_path: &str, v: &Value, out: &mut Vec<Part>, depth: usize) {
    // Index maps: `sections`, each with its own map.
    if let Some(sections) = v["sections"].as_array()
        && depth < 4
    {
        for s in sections {
            map_parts(map_path, &s["map"], out, depth + 1);
        }
        return;
    }
    let (Some(sources), Some(contents)) = (v["sources"].as_array(), v["sourcesContent"].as_array())
    else {
        return;
    };
    let root = v["sourceRoot"].as_str().unwrap_or("");
    for (i, content) in contents.iter().enumerate() {
        let Some(text) = content.as_str() else {
            continue;
        };
        let source = sources.get(i).and_then(Value::as_str).unwrap_or("");
        out.push(Part {
            path: resolve_source(map_path, root, source, i),
            via: Some(map_path.to_string()),
            cell: None,
            output: false,
            text: text.to_string(),
            at: None,
            encoded: None,
        });
    }
}

/// The path of an original source, as the project knows it: relative
/// sources resolve against the map's folder (`dist/assets/` +
/// `../../src/api.ts` → `src/api.ts`); bundler URLs lose their scheme and
/// namespace (`webpack://app/./src/api.ts` → `src/api.ts`); `..` never climbs
/// out of the project or out of the archive the map is in.
pub fn resolve_source(map_path: &str, root: &str, source: &str, index: usize) -> String {
    let (container, inner) = match map_path.rfind("!/") {
        Some(i) => (text::to(map_path, i + 2), text::from(map_path, i + 2)),
        None => ("", map_path),
    };
    if source.is_empty() {
        return format!("{container}{inner}#source{index}");
    }
    let joined = if root.is_empty() || source.contains("://") || source.starts_with('/') {
        source.to_string()
    } else {
        format!("{}/{source}", root.trim_end_matches('/'))
    };
    let joined = joined.split(['?', '#']).next().unwrap_or("");
    let (mut segs, rest): (Vec<&str>, &str) = match joined.find("://") {
        Some(i) => {
            let rest = text::from(joined, i + 3);
            // webpack://<namespace>/./src/x.ts: the part after `/./`.
            let rest = match rest.find("/./") {
                Some(j) => text::from(rest, j + 3),
                None => rest,
            };
            (Vec::new(), rest)
        }
        None if joined.starts_with('/') => (Vec::new(), joined),
        None => {
            let mut dir: Vec<&str> = inner.split('/').collect();
            dir.pop();
            (dir, joined)
        }
    };
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    if segs.is_empty() {
        return format!("{container}{inner}#source{index}");
    }
    format!("{container}{}", segs.join("/"))
}

/// The cells of a notebook (source and text outputs), or `None` if `text` is
/// not a notebook.
pub fn notebook(path: &str, text: &[u8]) -> Option<Vec<Part>> {
    let v: Value = serde_json::from_slice(text).ok()?;
    // nbformat 4: `cells`; nbformat 3: `worksheets[].cells` with `input`.
    let cells: Vec<&Value> = match v["cells"].as_array() {
        Some(c) => c.iter().collect(),
        None => v["worksheets"]
            .as_array()?
            .iter()
            .filter_map(|w| w["cells"].as_array())
            .flatten()
            .collect(),
    };
    let mut parts = Vec::new();
    let part = |cell: usize, output: bool, text: String| Part {
        path: path.to_string(),
        via: None,
        cell: Some(cell),
        output,
        text,
        at: None,
        encoded: None,
    };
    for (i, cell) in cells.iter().enumerate() {
        let n = i + 1;
        let source = if cell.get("source").is_some() {
            &cell["source"]
        } else {
            &cell["input"]
        };
        if let Some(s) = multiline(source) {
            parts.push(part(n, false, s));
        }
        for out in cell["outputs"].as_array().into_iter().flatten() {
            let mut texts = Vec::new();
            texts.extend(multiline(&out["text"]));
            if let Some(tb) = out["traceback"].as_array() {
                let lines: Vec<&str> = tb.iter().filter_map(Value::as_str).collect();
                texts.push(lines.join("\n"));
            }
            if let Some(data) = out["data"].as_object() {
                for (mime, value) in data {
                    if textual(mime) {
                        texts.extend(
                            multiline(value)
                                .or_else(|| value.is_object().then(|| value.to_string())),
                        );
                    }
                }
            }
            for t in texts {
                parts.push(part(n, true, t));
            }
        }
    }
    Some(parts)
}

/// Output types worth scanning: text and JSON, never images or other
/// base64 payloads.
fn textual(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime == "application/json"
        || mime.ends_with("+json")
        || mime == "application/javascript"
}

/// Notebook strings are a string or a list of lines.
fn multiline(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(a.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_paths() {
        let m = "dist/assets/index-3f2a.js.map";
        assert_eq!(resolve_source(m, "", "../../src/api.ts", 0), "src/api.ts");
        assert_eq!(
            resolve_source(m, "", "webpack://my-app/./src/api.ts?abcd", 0),
            "src/api.ts"
        );
        assert_eq!(
            resolve_source(m, "", "webpack:///./src/a.tsx", 0),
            "src/a.tsx"
        );
        assert_eq!(resolve_source(m, "", "/src/b.ts", 0), "src/b.ts");
        assert_eq!(resolve_source(m, "../../", "src/c.ts", 0), "src/c.ts");
        assert_eq!(resolve_source(m, "", "../../../../../etc/x", 0), "etc/x");
        assert_eq!(
            resolve_source("app.asar!/dist/main.js.map", "", "../src/main.ts", 0),
            "app.asar!/src/main.ts"
        );
        assert_eq!(
            resolve_source(m, "", "", 3),
            "dist/assets/index-3f2a.js.map#source3"
        );
    }

    #[test]
    fn maps_without_content_are_left_alone() {
        assert!(
            source_map(
                "a.js.map",
                br#"{"version":3,"sources":["a.ts"],"mappings":"AAAA"}"#
            )
            .is_none()
        );
        assert!(source_map("a.map", b"not json").is_none());
        let parts = source_map(
            "dist/a.js.map",
            br#"{"version":3,"sources":["../src/a.ts","../src/b.ts"],"sourcesContent":["one\ntwo",null],"mappings":""}"#,
        )
        .unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].path, "src/a.ts");
        assert_eq!(parts[0].text, "one\ntwo");
        assert_eq!(parts[0].via.as_deref(), Some("dist/a.js.map"));
    }

    #[test]
    fn base64_payloads_that_decode_to_text() {
        // "OPENAI_API_KEY=sk-test-value-1234567890abcdef\n" in base64.
        let enc = "T1BFTkFJX0FQSV9LRVk9c2stdGVzdC12YWx1ZS0xMjM0NTY3ODkwYWJjZGVmCg==";
        let text =
            format!("data:\n  env: {enc}\n  sha: 9fceb02d0ae598e95dc970b74767f19372d61af8\n");
        let found = base64_payloads(text.as_bytes(), &mut Budget::new(1 << 20));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, text.find(enc).unwrap());
        assert!(found[0].1.starts_with("OPENAI_API_KEY=sk-test-value"));
        // A PNG's base64 decodes to binary: dropped.
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        assert!(base64_payloads(png.as_bytes(), &mut Budget::new(1 << 20)).is_empty());
    }

    #[test]
    fn notebook_cells_and_outputs() {
        let nb = br##"{"cells":[
            {"cell_type":"markdown","source":["# Title\n","text"]},
            {"cell_type":"code","source":"print(1)","outputs":[
                {"output_type":"stream","text":["a\n","b\n"]},
                {"output_type":"display_data","data":{"image/png":"iVBORw0KGgo=","text/plain":["<Figure>"]}}
            ]}
        ],"nbformat":4}"##;
        let parts = notebook("nb.ipynb", nb).unwrap();
        let got: Vec<(Option<usize>, bool, &str)> = parts
            .iter()
            .map(|p| (p.cell, p.output, p.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(1), false, "# Title\ntext"),
                (Some(2), false, "print(1)"),
                (Some(2), true, "a\nb\n"),
                (Some(2), true, "<Figure>"),
            ]
        );
    }
}
