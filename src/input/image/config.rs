//! An image's config: the values it stores besides its layers. `Env` (set
//! with `ENV`, shown by `docker inspect`), `history[].created_by` (each
//! Dockerfile instruction as the builder recorded it, with the values of
//! build arguments a `RUN` used: `|1 NPM_TOKEN=… /bin/sh -c npm ci`) and
//! labels. Each is scanned as a small text of its own, so a finding says
//! which one holds the key.

use serde_json::Value;

use crate::input::{Origin, Sink};

/// Member names of the config's pieces, under the config blob.
pub const ENV: &str = "config.Env";
pub const LABELS: &str = "config.Labels";

/// One `history` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The instruction, cleaned up (`ENV A=b`, `RUN npm ci`).
    pub instruction: String,
    /// The entry made no layer (`ENV`, `ARG`, `LABEL`...).
    pub empty_layer: bool,
}

/// What kind of instruction a history entry is, for its leak cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Env,
    BuildArg,
    Label,
    Other,
}

/// The parts of a config that are scanned or reported.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub env: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub history: Vec<HistoryEntry>,
    /// The uncompressed layers' digests, bottom first.
    pub diff_ids: Vec<String>,
}

/// Read the parts of a config (fields missing or of the wrong type are
/// left empty).
pub fn parse(v: &Value) -> Parsed {
    let cfg = &v["config"];
    let strings = |a: &Value| -> Vec<String> {
        a.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    let labels = cfg["Labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let history = v["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| HistoryEntry {
            instruction: instruction(h["created_by"].as_str().unwrap_or_default()),
            empty_layer: h["empty_layer"].as_bool().unwrap_or(false),
        })
        .collect();
    Parsed {
        env: strings(&cfg["Env"]),
        labels,
        history,
        diff_ids: strings(&v["rootfs"]["diff_ids"]),
    }
}

impl Parsed {
    /// The instruction that made each of `layers` layers: the history
    /// entries that made a layer, in order.
    pub fn layer_instructions(&self, layers: usize) -> Vec<Option<String>> {
        let mut out: Vec<Option<String>> = self
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| Some(h.instruction.clone()))
            .take(layers)
            .collect();
        out.resize(layers, None);
        out
    }
}

/// The Dockerfile instruction a `created_by` records: `/bin/sh -c #(nop)
/// ENV A=b` → `ENV A=b`, `/bin/sh -c npm ci` → `RUN npm ci`, BuildKit's
/// `RUN /bin/sh -c npm ci # buildkit` → `RUN /bin/sh -c npm ci`.
pub fn instruction(created_by: &str) -> String {
    let s = created_by.trim();
    let s = s.strip_suffix("# buildkit").map_or(s, str::trim_end);
    if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        return rest.trim().to_string();
    }
    if let Some(rest) = s.strip_prefix("/bin/sh -c ") {
        return format!("RUN {rest}");
    }
    if s.starts_with('|') {
        // A classic-builder RUN with build arguments: `|1 A=b /bin/sh -c …`.
        return format!("RUN {s}");
    }
    s.to_string()
}

/// What kind of instruction `instruction` (as [`instruction`] returns it)
/// is.
pub fn kind(instruction: &str) -> Kind {
    let word = instruction.split_whitespace().next().unwrap_or_default();
    let second = instruction.split_whitespace().nth(1).unwrap_or_default();
    match word.to_ascii_uppercase().as_str() {
        "ENV" => Kind::Env,
        "ARG" => Kind::BuildArg,
        "LABEL" => Kind::Label,
        // `RUN |2 A=b C=d …`: the build arguments the step saw.
        "RUN" if second.starts_with('|') && second.len() > 1 => Kind::BuildArg,
        _ => Kind::Other,
    }
}

/// The member name of history entry `i`.
pub fn history_member(i: usize) -> String {
    format!("history[{i}]")
}

/// The index in a member name made by [`history_member`].
pub fn history_index(member: &str) -> Option<usize> {
    member
        .strip_prefix("history[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Scan the pieces of a config as members of `parent` (the config blob).
pub fn scan(p: &Parsed, parent: &Origin, sink: &dyn Sink) {
    let piece = |name: &str, text: &str| {
        if text.is_empty() {
            return;
        }
        let origin = Origin::Member {
            parent: Box::new(parent.clone()),
            member: name.to_string(),
        };
        sink.blob(&origin, text.as_bytes());
    };
    piece(ENV, &p.env.join("\n"));
    let labels: Vec<String> = p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    piece(LABELS, &labels.join("\n"));
    for (i, h) in p.history.iter().enumerate() {
        piece(&history_member(i), &h.instruction);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_and_kinds() {
        assert_eq!(instruction("/bin/sh -c #(nop)  ENV A=b"), "ENV A=b");
        assert_eq!(instruction("/bin/sh -c npm ci"), "RUN npm ci");
        assert_eq!(
            instruction("RUN |1 T=x /bin/sh -c npm ci # buildkit"),
            "RUN |1 T=x /bin/sh -c npm ci"
        );
        assert_eq!(
            instruction("|1 T=x /bin/sh -c make"),
            "RUN |1 T=x /bin/sh -c make"
        );
        assert_eq!(kind("ENV A=b"), Kind::Env);
        assert_eq!(kind("ARG T=x"), Kind::BuildArg);
        assert_eq!(kind("RUN |1 T=x /bin/sh -c make"), Kind::BuildArg);
        assert_eq!(kind("RUN make"), Kind::Other);
        assert_eq!(kind("COPY . ."), Kind::Other);
        assert_eq!(history_index(&history_member(7)), Some(7));
        assert_eq!(history_index("history[x]"), None);
    }

    #[test]
    fn layers_follow_non_empty_history() {
        let v: Value = serde_json::json!({
            "config": {"Env": ["PATH=/bin", "A=b"], "Labels": {"k": "v"}},
            "history": [
                {"created_by": "/bin/sh -c #(nop) ADD file:x in /"},
                {"created_by": "/bin/sh -c #(nop)  ENV A=b", "empty_layer": true},
                {"created_by": "COPY . . # buildkit"}
            ],
            "rootfs": {"diff_ids": ["sha256:1", "sha256:2"]}
        });
        let p = parse(&v);
        assert_eq!(p.env.len(), 2);
        assert_eq!(p.labels, vec![("k".to_string(), "v".to_string())]);
        assert_eq!(
            p.layer_instructions(3),
            vec![
                Some("ADD file:x in /".into()),
                Some("COPY . .".into()),
                None
            ]
        );
        assert_eq!(p.diff_ids.len(), 2);
    }
}
