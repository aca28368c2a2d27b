//! The human report and the explanation around it (issue 10): what to do
//! first, rotation links, every place a key sits, lines that fit 80 columns,
//! and the `jikimi rules` listing. Each through the binary.

use crate::common::*;

/// The issue's project: a Vite + React app with an Express backend, a
/// committed `.env` with a `VITE_` variable, a key in `src/api/openai.js`,
/// and a key removed from the frontend in a later commit. Returns the env
/// and the keys (api, env, removed).
pub fn vite_issue_repo() -> (Env, [String; 3]) {
    let env = Env::new();
    let mut fake = Fake::new(10_010);
    let keys = [
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
    ];
    let repo = env.git_init();
    env.write(
        "package.json",
        r#"{
  "name": "chat-app",
  "private": true,
  "type": "module",
  "scripts": { "dev": "vite", "build": "vite build", "server": "node server/index.js" },
  "dependencies": { "react": "^18.3.1", "react-dom": "^18.3.1", "express": "^4.19.2" },
  "devDependencies": { "vite": "^5.4.0", "@vitejs/plugin-react": "^4.3.1" }
}
"#,
    );
    env.write(".gitignore", "node_modules\ndist\n");
    env.write(
        "src/App.jsx",
        format!(
            "import {{ useState }} from 'react';\nconst OPENAI_KEY = \"{}\";\nexport default function App() {{\n  const [msg, setMsg] = useState('');\n  return <input value={{msg}} onChange={{e => setMsg(e.target.value)}} />;\n}}\n",
            keys[2]
        ),
    );
    env.write(
        "src/api/openai.js",
        format!(
            "export async function ask(prompt) {{\n  const res = await fetch(\"https://api.openai.com/v1/chat/completions\", {{\n    method: \"POST\",\n    headers: {{ \"Content-Type\": \"application/json\", Authorization: \"Bearer {}\" }},\n    body: JSON.stringify({{ model: \"gpt-4o-mini\", messages: [{{ role: \"user\", content: prompt }}] }}),\n  }});\n  return res.json();\n}}\n",
            keys[0]
        ),
    );
    env.write(
        "server/index.js",
        "import express from 'express';\nconst app = express();\napp.post('/chat', async (req, res) => { res.json({ ok: !!process.env.OPENAI_API_KEY }); });\napp.listen(3000);\n",
    );
    env.write(".env", format!("VITE_OPENAI_API_KEY={}\n", keys[1]));
    env.commit_all(&repo, "first version");
    env.write(
        "src/App.jsx",
        "import { useState } from 'react';\nimport { ask } from './api/openai.js';\nexport default function App() {\n  const [msg, setMsg] = useState('');\n  return <input value={msg} onChange={e => setMsg(e.target.value)} onBlur={() => ask(msg)} />;\n}\n",
    );
    env.commit_all(&repo, "move the call to src/api");
    (env, keys)
}

fn human(env: &Env, args: &[&str]) -> (i32, String) {
    let out = env.cmd().arg("scan").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn rotation_links_in_json_and_sarif() {
    let (env, _) = vite_issue_repo();
    let (_, v) = env.scan_json(&[]);
    let f = &by_rule(&v, "openai.project-key")[0];
    assert_eq!(f["rotate_url"], "https://platform.openai.com/api-keys");
    // Risks have none.
    assert!(by_rule(&v, "gitignore-gap")[0]["rotate_url"].is_null());
    let out = env
        .cmd()
        .args(["scan", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "openai.project-key")
        .unwrap()
        .clone();
    assert!(
        rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains("https://platform.openai.com/api-keys"),
        "{rule:#}"
    );
    assert_eq!(
        rule["properties"]["rotate_url"],
        "https://platform.openai.com/api-keys"
    );
}

#[test]
fn rules_listing_has_a_header_families_and_the_risk_rules() {
    let env = Env::new();
    let out = env.cmd().arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert!(
        lines.next().unwrap().contains("built-in rules in"),
        "{text}"
    );
    assert!(lines.next().unwrap().contains("RULE ID"), "{text}");
    // Families in order, each with its count; risks last, with the computed
    // gitignore-gap.
    let families: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(" rule"))
        .skip(1)
        .collect();
    assert!(families.len() >= 5, "{families:?}");
    assert!(
        families.last().unwrap().starts_with("risk ("),
        "{families:?}"
    );
    let names: Vec<&str> = families
        .iter()
        .map(|f| f.split(' ').next().unwrap())
        .collect();
    let mut sorted = names[..names.len() - 1].to_vec();
    sorted.sort();
    assert_eq!(sorted, names[..names.len() - 1]);
    for id in ["browser-direct-call", "public-env-secret", "gitignore-gap"] {
        assert!(text.contains(id), "{id} missing");
    }
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
    let out = env.cmd().args(["rules", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let openai = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "openai.project-key")
        .unwrap();
    assert_eq!(openai["family"], "ai");
    assert!(
        openai["rotate_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
}

#[test]
fn rotate_urls_are_https() {
    let rules = jikimi::rules::RuleSet::builtin().unwrap();
    let with: Vec<&str> = rules
        .rules
        .iter()
        .filter(|r| r.syntax.rotate_url.is_some())
        .map(|r| r.id())
        .collect();
    for id in [
        "openai.project-key",
        "anthropic.api-key",
        "aws.access-key-id",
        "github.personal-access-token",
        "stripe.live-secret-key",
        "google.api-key",
    ] {
        assert!(with.contains(&id), "{id} has no rotate_url");
    }
    // `rules check` rejects a bad one.
    let env = Env::new();
    let good = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/sendgrid.toml"),
    )
    .unwrap();
    env.write(
        "r/x.toml",
        good.replace("rotate_url = \"https://", "rotate_url = \"http://"),
    );
    let out = env.cmd().args(["rules", "check", "r"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rotate_url"));
    let _ = human;
}
