//! Leak causes decided from the project, then the file: one row per project
//! layout, each scanned through the binary. The decision order is in
//! `docs/causes.md`; this table is the evidence for it. Issue 10 ("the
//! browser key was labelled server code": `src/api/` in a Vite app).

use crate::common::*;

const FE: &[&str] = &["frontend-code"];
const FE_SENDS: &[&str] = &["frontend-code", "client-transit"];
const SERVER: &[&str] = &["server-code"];
const APP: &[&str] = &["app-binary"];

/// A file that calls the provider from wherever it sits, with the key.
const FETCH: &str = "export async function ask(prompt) {\n  const res = await fetch(\"https://api.openai.com/v1/chat/completions\", {\n    method: \"POST\",\n    headers: { Authorization: \"Bearer {KEY}\" },\n    body: JSON.stringify({ prompt }),\n  });\n  return res.json();\n}\n";
/// A key in a constant, and nothing else.
const CONST: &str = "export const OPENAI_KEY = \"{KEY}\";\n";

const VITE: &str = r#"{"name":"web","type":"module","dependencies":{"react":"^18.3.1","react-dom":"^18.3.1","express":"^4.19.2"},"devDependencies":{"vite":"^5.4.0","@vitejs/plugin-react":"^4.3.1"}}"#;
const NEXT: &str = r#"{"dependencies":{"next":"14.2.0","react":"18.3.1"}}"#;
const NUXT: &str = r#"{"devDependencies":{"nuxt":"^3.12.0"}}"#;
const KIT: &str =
    r#"{"devDependencies":{"@sveltejs/kit":"^2.5.0","svelte":"^4.2.0","vite":"^5.0.0"}}"#;
const REMIX: &str =
    r#"{"dependencies":{"@remix-run/node":"^2.9.0","@remix-run/react":"^2.9.0","react":"18"}}"#;
const ASTRO: &str = r#"{"dependencies":{"astro":"^4.10.0","@astrojs/react":"^3.0.0"}}"#;
const GATSBY: &str = r#"{"dependencies":{"gatsby":"^5.13.0","react":"18"}}"#;
const EXPRESS: &str = r#"{"name":"api","dependencies":{"express":"^4.19.2","openai":"^4.52.0"}}"#;

struct Layout {
    name: &'static str,
    /// Files (path, content); `{KEY}` becomes a fresh fake key.
    files: &'static [(&'static str, &'static str)],
    /// Paths that hold a key, and the causes expected there.
    expect: &'static [(&'static str, &'static [&'static str])],
    /// Scan this folder (relative) instead of the top; a git repository is
    /// made at the top so that manifests above the scanned folder count.
    scan: Option<&'static str>,
}

const LAYOUTS: &[Layout] = &[
    // --- browser apps: what the bundler sees ships
    Layout {
        name: "issue 10: Vite + React, src/api/ calls the provider",
        files: &[
            ("package.json", VITE),
            (
                "index.html",
                "<script type=\"module\" src=\"/src/main.jsx\"></script>\n",
            ),
            ("src/api/openai.js", FETCH),
            (
                "server/index.js",
                "import express from 'express';\nconst app = express();\napp.listen(3000);\n",
            ),
        ],
        expect: &[("src/api/openai.js", FE_SENDS)],
        scan: None,
    },
    Layout {
        name: "Vite: the same file in src/lib/",
        files: &[("package.json", VITE), ("src/lib/openai.js", FETCH)],
        expect: &[("src/lib/openai.js", FE_SENDS)],
        scan: None,
    },
    Layout {
        name: "Vite: the Express server next to the app",
        files: &[
            ("package.json", VITE),
            (
                "server/index.js",
                "import express from 'express';\nconst KEY = \"{KEY}\";\nexpress().listen(3000);\n",
            ),
        ],
        expect: &[("server/index.js", SERVER)],
        scan: None,
    },
    Layout {
        name: "Vite on Vercel: api/ at the top holds functions",
        files: &[("package.json", VITE), ("api/chat.js", CONST)],
        expect: &[("api/chat.js", SERVER)],
        scan: None,
    },
    Layout {
        name: "Vite: vite.config.ts runs at build time",
        files: &[("package.json", VITE), ("vite.config.ts", CONST)],
        expect: &[("vite.config.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "Vite: a server file inside src/ (its content says so)",
        files: &[
            ("package.json", VITE),
            (
                "src/server.ts",
                "import express from 'express';\nconst k = \"{KEY}\";\nexpress().listen(1);\n",
            ),
        ],
        expect: &[("src/server.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "Vite: scanning src/ alone still knows the project",
        files: &[("package.json", VITE), ("src/api/openai.js", FETCH)],
        expect: &[("api/openai.js", FE_SENDS)],
        scan: Some("src"),
    },
    Layout {
        name: "Create React App: src/services/",
        files: &[
            (
                "package.json",
                r#"{"dependencies":{"react":"18","react-scripts":"5.0.1"}}"#,
            ),
            ("src/services/api.js", CONST),
        ],
        expect: &[("src/services/api.js", FE)],
        scan: None,
    },
    Layout {
        name: "Create React App: src/setupProxy.js runs in the dev server",
        files: &[
            (
                "package.json",
                r#"{"dependencies":{"react":"18","react-scripts":"5.0.1"}}"#,
            ),
            (
                "src/setupProxy.js",
                "module.exports = function (app) { const k = \"{KEY}\"; };\n",
            ),
        ],
        expect: &[("src/setupProxy.js", SERVER)],
        scan: None,
    },
    Layout {
        name: "Angular: environment.ts is bundled",
        files: &[
            (
                "package.json",
                r#"{"dependencies":{"@angular/core":"^17.0.0"}}"#,
            ),
            (
                "src/environments/environment.ts",
                "export const environment = { openaiKey: '{KEY}' };\n",
            ),
        ],
        expect: &[("src/environments/environment.ts", FE)],
        scan: None,
    },
    Layout {
        name: "Vue CLI: src/api/ is bundled",
        files: &[
            (
                "package.json",
                r#"{"dependencies":{"vue":"^3.4.0"},"devDependencies":{"@vue/cli-service":"~5.0.0"}}"#,
            ),
            ("src/api/index.js", CONST),
        ],
        expect: &[("src/api/index.js", FE)],
        scan: None,
    },
    Layout {
        name: "Svelte (no SvelteKit)",
        files: &[
            (
                "package.json",
                r#"{"devDependencies":{"svelte":"^4.2.0","rollup":"^4"}}"#,
            ),
            ("src/api/chat.js", CONST),
        ],
        expect: &[("src/api/chat.js", FE)],
        scan: None,
    },
    Layout {
        name: "plain HTML site: an api/ folder of scripts",
        files: &[
            ("index.html", "<script src=\"api/client.js\"></script>\n"),
            ("api/client.js", CONST),
        ],
        expect: &[("api/client.js", FE)],
        scan: None,
    },
    // --- server-rendered frameworks: their conventions decide
    Layout {
        name: "Next.js: pages/api/ runs on the server",
        files: &[("package.json", NEXT), ("pages/api/chat.ts", CONST)],
        expect: &[("pages/api/chat.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "Next.js: an App Router route handler",
        files: &[("package.json", NEXT), ("src/app/api/chat/route.ts", CONST)],
        expect: &[("src/app/api/chat/route.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "Next.js: a page is a Server Component by default",
        files: &[
            ("package.json", NEXT),
            (
                "app/page.tsx",
                "const k = \"{KEY}\";\nexport default function Page() { return null }\n",
            ),
        ],
        expect: &[("app/page.tsx", SERVER)],
        scan: None,
    },
    Layout {
        name: "Next.js: \"use client\" ships the page",
        files: &[
            ("package.json", NEXT),
            ("app/chat/page.tsx", "'use client'\nconst k = \"{KEY}\";\n"),
        ],
        expect: &[("app/chat/page.tsx", FE)],
        scan: None,
    },
    Layout {
        name: "Next.js: a \"use server\" action",
        files: &[
            ("package.json", NEXT),
            ("app/actions.ts", "'use server'\nconst k = \"{KEY}\";\n"),
        ],
        expect: &[("app/actions.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "Next.js: components/ ships",
        files: &[("package.json", NEXT), ("components/Chat.tsx", CONST)],
        expect: &[("components/Chat.tsx", FE)],
        scan: None,
    },
    Layout {
        name: "Nuxt: server/api/",
        files: &[("package.json", NUXT), ("server/api/chat.ts", CONST)],
        expect: &[("server/api/chat.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "Nuxt: a composable ships",
        files: &[("package.json", NUXT), ("composables/useAi.ts", CONST)],
        expect: &[("composables/useAi.ts", FE)],
        scan: None,
    },
    Layout {
        name: "SvelteKit: +page.server.ts",
        files: &[
            ("package.json", KIT),
            ("src/routes/chat/+page.server.ts", CONST),
        ],
        expect: &[("src/routes/chat/+page.server.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "SvelteKit: src/lib/server/",
        files: &[("package.json", KIT), ("src/lib/server/ai.ts", CONST)],
        expect: &[("src/lib/server/ai.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "SvelteKit: src/lib/ and a universal load ship",
        files: &[
            ("package.json", KIT),
            ("src/lib/ai.ts", CONST),
            ("src/routes/+page.ts", CONST),
        ],
        expect: &[("src/lib/ai.ts", FE), ("src/routes/+page.ts", FE)],
        scan: None,
    },
    Layout {
        name: "Remix: *.server.ts and a route module",
        files: &[
            ("package.json", REMIX),
            ("app/utils/ai.server.ts", CONST),
            ("app/routes/chat.tsx", CONST),
        ],
        expect: &[
            ("app/utils/ai.server.ts", SERVER),
            ("app/routes/chat.tsx", FE),
        ],
        scan: None,
    },
    Layout {
        name: "Astro: an endpoint and an island",
        files: &[
            ("package.json", ASTRO),
            ("src/pages/api/chat.ts", CONST),
            ("src/components/Chat.tsx", CONST),
        ],
        expect: &[
            ("src/pages/api/chat.ts", SERVER),
            ("src/components/Chat.tsx", FE),
        ],
        scan: None,
    },
    Layout {
        name: "Gatsby: src/api/ holds functions (unlike Vite)",
        files: &[
            ("package.json", GATSBY),
            ("src/api/chat.js", CONST),
            ("src/pages/index.js", CONST),
        ],
        expect: &[("src/api/chat.js", SERVER), ("src/pages/index.js", FE)],
        scan: None,
    },
    // --- backends, tools, libraries
    Layout {
        name: "Express service: src/api/ and components/ words do not matter",
        files: &[
            ("package.json", EXPRESS),
            ("src/api/openai.js", FETCH),
            ("src/components/prompt.js", CONST),
        ],
        expect: &[
            ("src/api/openai.js", SERVER),
            ("src/components/prompt.js", SERVER),
        ],
        scan: None,
    },
    Layout {
        name: "Express service: public/ is served to browsers",
        files: &[("package.json", EXPRESS), ("public/app.js", CONST)],
        expect: &[("public/app.js", FE)],
        scan: None,
    },
    Layout {
        name: "Django service",
        files: &[
            ("requirements.txt", "Django==5.0.6\nopenai==1.35.0\n"),
            ("chat/views.py", "OPENAI_API_KEY = \"{KEY}\"\n"),
        ],
        expect: &[("chat/views.py", SERVER)],
        scan: None,
    },
    Layout {
        name: "Go service",
        files: &[
            (
                "go.mod",
                "module example.com/svc\n\nrequire github.com/gin-gonic/gin v1.10.0\n",
            ),
            ("main.go", "package main\nconst key = \"{KEY}\"\n"),
        ],
        expect: &[("main.go", SERVER)],
        scan: None,
    },
    Layout {
        name: "Rust CLI",
        files: &[
            (
                "Cargo.toml",
                "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n\n[dependencies]\nclap = \"4\"\n",
            ),
            (
                "src/main.rs",
                "const KEY: &str = \"{KEY}\";\nfn main() {}\n",
            ),
        ],
        expect: &[("src/main.rs", SERVER)],
        scan: None,
    },
    Layout {
        name: "Node CLI: a bin/ script",
        files: &[
            (
                "package.json",
                r#"{"name":"tool","bin":{"tool":"bin/tool.js"},"dependencies":{"commander":"12"}}"#,
            ),
            ("bin/tool.js", "#!/usr/bin/env node\nconst k = \"{KEY}\";\n"),
        ],
        expect: &[("bin/tool.js", SERVER)],
        scan: None,
    },
    // --- monorepos: each package is its own project
    Layout {
        name: "monorepo: a Vite web app and an Express API",
        files: &[
            (
                "package.json",
                r#"{"private":true,"workspaces":["apps/*"],"devDependencies":{"turbo":"^2"}}"#,
            ),
            ("apps/web/package.json", VITE),
            ("apps/web/src/api/openai.js", FETCH),
            ("apps/api/package.json", EXPRESS),
            ("apps/api/src/openai.js", CONST),
        ],
        expect: &[
            ("apps/web/src/api/openai.js", FE_SENDS),
            ("apps/api/src/openai.js", SERVER),
        ],
        scan: None,
    },
    Layout {
        name: "monorepo: Next web, Expo mobile, Python worker",
        files: &[
            (
                "package.json",
                r#"{"private":true,"workspaces":["apps/*","packages/*"]}"#,
            ),
            ("apps/site/package.json", NEXT),
            ("apps/site/app/api/chat/route.ts", CONST),
            ("apps/site/lib/ai.ts", CONST),
            (
                "apps/mobile/package.json",
                r#"{"dependencies":{"expo":"~51.0.0","react-native":"0.74.0"}}"#,
            ),
            ("apps/mobile/src/api/openai.ts", CONST),
            (
                "services/worker/pyproject.toml",
                "[project]\nname = \"worker\"\ndependencies = [\"celery\", \"openai\"]\n",
            ),
            ("services/worker/worker/tasks.py", "KEY = \"{KEY}\"\n"),
        ],
        expect: &[
            ("apps/site/app/api/chat/route.ts", SERVER),
            ("apps/site/lib/ai.ts", FE),
            ("apps/mobile/src/api/openai.ts", APP),
            ("services/worker/worker/tasks.py", SERVER),
        ],
        scan: None,
    },
    // --- apps: the code ships inside the package
    Layout {
        name: "Expo app: src/api/ ships in the app; +api routes do not",
        files: &[
            (
                "package.json",
                r#"{"dependencies":{"expo":"~51.0.0","react-native":"0.74.0"}}"#,
            ),
            ("src/api/openai.ts", CONST),
            ("app/api/chat+api.ts", CONST),
        ],
        expect: &[("src/api/openai.ts", APP), ("app/api/chat+api.ts", SERVER)],
        scan: None,
    },
    Layout {
        name: "React Native app",
        files: &[
            (
                "package.json",
                r#"{"dependencies":{"react-native":"0.74.0","react":"18"}}"#,
            ),
            ("App.tsx", CONST),
        ],
        expect: &[("App.tsx", APP)],
        scan: None,
    },
    Layout {
        name: "Flutter app",
        files: &[
            (
                "pubspec.yaml",
                "name: chat\ndependencies:\n  flutter:\n    sdk: flutter\n",
            ),
            ("lib/api.dart", "const key = '{KEY}';\n"),
        ],
        expect: &[("lib/api.dart", APP)],
        scan: None,
    },
    Layout {
        name: "Android app: Java source",
        files: &[
            (
                "app/build.gradle",
                "plugins { id 'com.android.application' }\n",
            ),
            (
                "app/src/main/java/com/example/Api.java",
                "class Api { static final String KEY = \"{KEY}\"; }\n",
            ),
        ],
        expect: &[("app/src/main/java/com/example/Api.java", APP)],
        scan: None,
    },
    Layout {
        name: "Electron app: the main process ships too",
        files: &[
            (
                "package.json",
                r#"{"main":"main.js","devDependencies":{"electron":"^31.0.0"}}"#,
            ),
            (
                "main.js",
                "const { app } = require('electron');\nconst k = \"{KEY}\";\n",
            ),
        ],
        expect: &[("main.js", APP)],
        scan: None,
    },
    Layout {
        name: "Tauri app: Rust in src-tauri is compiled into it",
        files: &[
            (
                "package.json",
                r#"{"dependencies":{"@tauri-apps/api":"^1.5.0","react":"18"}}"#,
            ),
            (
                "src-tauri/Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\ntauri = \"1\"\n",
            ),
            ("src-tauri/src/main.rs", "const KEY: &str = \"{KEY}\";\n"),
        ],
        expect: &[("src-tauri/src/main.rs", APP)],
        scan: None,
    },
    // --- no manifest: content, then path words, then the extension
    Layout {
        name: "no manifest: path words decide",
        files: &[
            ("api/handler.js", CONST),
            ("src/components/Chat.jsx", CONST),
        ],
        expect: &[("api/handler.js", SERVER), ("src/components/Chat.jsx", FE)],
        scan: None,
    },
    Layout {
        name: "no manifest: content beats path words",
        files: &[(
            "api/widget.js",
            "document.querySelector('#chat').addEventListener('click', () => {});\nconst k = \"{KEY}\";\n",
        )],
        expect: &[("api/widget.js", FE)],
        scan: None,
    },
];

#[test]
fn causes_follow_the_project_on_every_layout() {
    let mut failures = Vec::new();
    let mut seed = 1000;
    for layout in LAYOUTS {
        let env = Env::new();
        for (path, content) in layout.files {
            seed += 1;
            let key = Fake::new(seed).openai_project();
            env.write(path, content.replace("{KEY}", &key));
        }
        let mut args: Vec<&str> = vec!["--no-history", "--no-config"];
        if let Some(dir) = layout.scan {
            env.git_init();
            args.push(dir);
        }
        let (_, v) = env.scan_json(&args);
        for (path, want) in layout.expect {
            let got: Vec<String> = findings(&v)
                .iter()
                .filter(|f| f["path"] == *path && f["kind"] == "secret")
                .map(causes)
                .next()
                .unwrap_or_default();
            if got != *want {
                failures.push(format!(
                    "{}: {path}: got {got:?}, want {want:?}",
                    layout.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} layouts decided wrong:\n{}",
        failures.len(),
        LAYOUTS.len(),
        failures.join("\n")
    );
    assert!(LAYOUTS.len() >= 30);
}

// ---------------------------------------------------------------------
// Issue 20: keys in test data, keys public by design, on layouts modelled
// on real projects of each ecosystem.

/// Write `files` (path, content; `{KEY}` becomes a fresh fake OpenAI key)
/// into a new folder.
fn layout(files: &[(&str, &str)], seed: u64) -> Env {
    let env = Env::new();
    let mut fake = Fake::new(seed);
    for (path, content) in files {
        env.write(path, content.replace("{KEY}", &fake.openai_project()));
    }
    env
}

fn finding_at<'a>(v: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    findings(v)
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding at {path}: {v:#}"))
}

const GO_MOD: &str = "module example.com/acme/client\n\ngo 1.22\n";
const CARGO: &str = "[package]\nname = \"acme-client\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nreqwest = \"0.12\"\n";
const PYPROJECT: &str = "[project]\nname = \"acme-client\"\nversion = \"0.1.0\"\ndependencies = [\"httpx\"]\n\n[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n";
const POM: &str = "<project><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId><artifactId>client</artifactId><version>1.0</version></project>\n";
const NODE_LIB: &str = r#"{"name":"@acme/client","version":"1.0.0","main":"dist/index.js","devDependencies":{"jest":"^29.7.0"}}"#;

/// (layout, its files, test files holding a key, product files holding a
/// key)
type EcosystemCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
    &'static [&'static str],
);

#[test]
fn keys_in_test_data_are_test_data_in_every_ecosystem() {
    let cases: &[EcosystemCase] = &[
        (
            "Go module with testdata",
            &[
                ("go.mod", GO_MOD),
                (
                    "client.go",
                    "package client\n\nfunc New() *Client { return &Client{} }\n",
                ),
                (
                    "client_test.go",
                    "package client\n\nconst testKey = \"{KEY}\"\n",
                ),
                ("testdata/config.json", "{\"openai_api_key\": \"{KEY}\"}\n"),
            ],
            &["client_test.go", "testdata/config.json"],
            &[],
        ),
        (
            "Rust crate with tests/ and a #[cfg(test)] module",
            &[
                ("Cargo.toml", CARGO),
                (
                    "src/lib.rs",
                    "pub const PROD: &str = \"{KEY}\";\n\n#[cfg(test)]\nmod tests {\n    const K: &str = \"{KEY}\";\n    #[test]\n    fn t() { assert!(!K.is_empty()); }\n}\n",
                ),
                ("tests/api.rs", "const KEY: &str = \"{KEY}\";\n"),
            ],
            &["tests/api.rs"],
            &["src/lib.rs"],
        ),
        (
            "Python package with tests/ and conftest.py",
            &[
                ("pyproject.toml", PYPROJECT),
                (
                    "src/acme/client.py",
                    "import os\nKEY = os.environ[\"OPENAI_API_KEY\"]\n",
                ),
                ("tests/test_client.py", "KEY = \"{KEY}\"\n"),
                ("conftest.py", "import pytest\nOPENAI_KEY = \"{KEY}\"\n"),
            ],
            &["tests/test_client.py", "conftest.py"],
            &[],
        ),
        (
            "Java project with src/test",
            &[
                ("pom.xml", POM),
                (
                    "src/main/java/com/acme/Client.java",
                    "package com.acme;\nclass Client { static final String KEY = \"{KEY}\"; }\n",
                ),
                (
                    "src/test/java/com/acme/ClientTest.java",
                    "package com.acme;\nclass ClientTest { static final String KEY = \"{KEY}\"; }\n",
                ),
            ],
            &["src/test/java/com/acme/ClientTest.java"],
            &["src/main/java/com/acme/Client.java"],
        ),
        (
            "Node library with __tests__",
            &[
                ("package.json", NODE_LIB),
                ("src/index.js", "module.exports = {};\n"),
                ("src/__tests__/client.test.js", "const key = \"{KEY}\";\n"),
                ("test/fixtures/.env", "OPENAI_API_KEY={KEY}\n"),
            ],
            &["src/__tests__/client.test.js", "test/fixtures/.env"],
            &[],
        ),
    ];
    for (i, (name, files, tests, product)) in cases.iter().enumerate() {
        let env = layout(files, 2000 + i as u64);
        let (code, v) = env.scan_json(&["--no-history"]);
        // A key in a test is still a finding, and still fails by default.
        assert_eq!(code, 1, "{name}: {v:#}");
        for p in *tests {
            let f = finding_at(&v, p);
            assert_eq!(causes(f), vec!["test-data"], "{name} {p}: {f:#}");
            // One step lower than the rule's critical.
            assert_eq!(f["severity"], "high", "{name} {p}");
            let fix = f["fix"].as_str().unwrap();
            assert!(
                fix.contains("environment") && fix.contains("jikimi:allow"),
                "{name}: {fix}"
            );
            assert!(!fix.contains("git rm --cached"), "{name}: {fix}");
        }
        for p in *product {
            let f = finding_at(&v, p);
            assert!(
                !causes(f).contains(&"test-data".to_string()),
                "{name} {p}: {f:#}"
            );
            assert_eq!(f["severity"], "critical", "{name} {p}");
        }
        // The human report puts test keys in their own step, not in the
        // keys to rotate now.
        let out = env.cmd().args(["scan", "--no-history"]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("Check these keys in test data"),
            "{name}:\n{text}"
        );
        if product.is_empty() {
            assert!(
                !text.contains("Rotate these leaked keys"),
                "{name}:\n{text}"
            );
        }
    }
}

/// Test folders a project names in its manifests, outside every naming
/// convention (`qa/`, `it/`, `e2e/`, `checks/`), hold test data too: pytest
/// `testpaths`, Jest `roots`/`testMatch`, Cargo `[[test]] path`, Maven
/// test sources and resources, Gradle test source sets. The same folder
/// name in a project that does not name it stays product code.
#[test]
fn test_folders_named_in_manifests_are_test_data() {
    let cases: &[EcosystemCase] = &[
        (
            "pytest.ini testpaths",
            &[
                ("requirements.txt", "httpx\n"),
                (
                    "pytest.ini",
                    "[pytest]\naddopts = -q\ntestpaths =\n    qa\n",
                ),
                ("qa/check_client.py", "KEY = \"{KEY}\"\n"),
                ("app/client.py", "KEY = \"{KEY}\"\n"),
            ],
            &["qa/check_client.py"],
            &["app/client.py"],
        ),
        (
            "pyproject [tool.pytest.ini_options] and setup.cfg",
            &[
                (
                    "pyproject.toml",
                    "[project]\nname = \"acme\"\nversion = \"1\"\n[tool.pytest.ini_options]\ntestpaths = [\"checks\"]\n",
                ),
                ("checks/client_checks.py", "KEY = \"{KEY}\"\n"),
                ("svc/setup.cfg", "[tool:pytest]\ntestpaths = smoke\n"),
                ("svc/smoke/run.py", "KEY = \"{KEY}\"\n"),
            ],
            &["checks/client_checks.py", "svc/smoke/run.py"],
            &[],
        ),
        (
            "Jest roots and testMatch",
            &[
                (
                    "package.json",
                    r#"{"name":"@acme/web-client","version":"1.0.0","jest":{"roots":["<rootDir>/src","<rootDir>/e2e"],"testMatch":["**/contract/**/*.js"]}}"#,
                ),
                ("e2e/login.js", "const key = \"{KEY}\";\n"),
                ("src/contract/pay.js", "const key = \"{KEY}\";\n"),
                ("src/client.js", "const key = \"{KEY}\";\n"),
            ],
            &["e2e/login.js", "src/contract/pay.js"],
            &["src/client.js"],
        ),
        (
            "Cargo [[test]] path",
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"acme\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[test]]\nname = \"it\"\npath = \"it/main.rs\"\n",
                ),
                ("it/main.rs", "mod helpers;\n"),
                ("it/helpers.rs", "const KEY: &str = \"{KEY}\";\n"),
                ("src/lib.rs", "pub const KEY: &str = \"{KEY}\";\n"),
            ],
            &["it/helpers.rs"],
            &["src/lib.rs"],
        ),
        (
            "Maven testSourceDirectory and Gradle source set",
            &[
                (
                    "pom.xml",
                    "<project><modelVersion>4.0.0</modelVersion><artifactId>a</artifactId><build><testSourceDirectory>src/it/java</testSourceDirectory></build></project>\n",
                ),
                (
                    "src/it/java/com/acme/PayIT2.java",
                    "class PayIT2 { static final String KEY = \"{KEY}\"; }\n",
                ),
                (
                    "gradle-app/build.gradle",
                    "plugins { id 'java' }\nsourceSets {\n    integration {\n        java { srcDir 'src/integration/java' }\n    }\n    functionalTest {\n        java { srcDirs = ['src/functional/java'] }\n    }\n}\n",
                ),
                (
                    "gradle-app/src/functional/java/Flow.java",
                    "class Flow { static final String KEY = \"{KEY}\"; }\n",
                ),
                (
                    "src/main/java/com/acme/Pay.java",
                    "class Pay { static final String KEY = \"{KEY}\"; }\n",
                ),
            ],
            &[
                "src/it/java/com/acme/PayIT2.java",
                "gradle-app/src/functional/java/Flow.java",
            ],
            &["src/main/java/com/acme/Pay.java"],
        ),
    ];
    for (i, (name, files, tests, product)) in cases.iter().enumerate() {
        let env = layout(files, 2100 + i as u64);
        let (code, v) = env.scan_json(&["--no-history"]);
        assert_eq!(code, 1, "{name}: {v:#}");
        for p in *tests {
            let f = finding_at(&v, p);
            assert_eq!(causes(f), vec!["test-data"], "{name} {p}: {f:#}");
        }
        for p in *product {
            let f = finding_at(&v, p);
            assert!(
                !causes(f).contains(&"test-data".to_string()),
                "{name} {p}: {f:#}"
            );
        }
    }
}

#[test]
fn the_tests_switch_warns_or_ignores_test_keys() {
    let files: &[(&str, &str)] = &[
        ("go.mod", GO_MOD),
        (
            "client_test.go",
            "package client\n\nconst testKey = \"{KEY}\"\n",
        ),
    ];
    let env = layout(files, 2100);
    env.write("jikimi.toml", "version = 1\ntests = \"warn\"\n");
    let (code, v) = env.scan_json(&["--no-history"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(finding_at(&v, "client_test.go")["severity"], "info");

    env.write("jikimi.toml", "version = 1\ntests = \"ignore\"\n");
    let (code, v) = env.scan_json(&["--no-history"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v).is_empty(), "{v:#}");
    let held = v["suppressed"].as_array().unwrap();
    assert_eq!(held.len(), 1, "{v:#}");
    assert_eq!(held[0]["reason"], "tests");

    env.write("jikimi.toml", "version = 1\ntests = \"skip\"\n");
    let out = env.cmd().args(["scan", "--no-history"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tests must be"));
}

#[test]
fn keys_public_by_design_are_info_and_never_to_rotate() {
    let mut fake = Fake::new(2200);
    let hex = |f: &mut Fake| f.chars("0123456789abcdef", 32);
    let env = Env::new();
    // A Docusaurus docs site with DocSearch.
    env.write(
        "docs-site/package.json",
        r#"{"name":"docs","private":true,"dependencies":{"@docusaurus/core":"3.4.0","react":"18"}}"#,
    );
    env.write(
        "docs-site/docusaurus.config.js",
        format!(
            "module.exports = {{\n  themeConfig: {{\n    algolia: {{\n      appId: 'BH4D9OD16A',\n      apiKey: '{}',\n      indexName: 'acme',\n    }},\n  }},\n}};\n",
            hex(&mut fake)
        ),
    );
    // A Firebase web app (Vite) with Stripe.js, Mapbox and Sentry.
    env.write(
        "web/package.json",
        r#"{"name":"web","dependencies":{"firebase":"10.12.0","react":"18","@sentry/react":"8","mapbox-gl":"3"},"devDependencies":{"vite":"5"}}"#,
    );
    let google = format!(
        "AIza{}",
        fake.chars(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
            35
        )
    );
    env.write(
        "web/src/firebase.ts",
        format!(
            "import {{ initializeApp }} from 'firebase/app';\nconst firebaseConfig = {{\n  apiKey: \"{google}\",\n  authDomain: \"acme.firebaseapp.com\",\n  projectId: \"acme\",\n}};\nexport const app = initializeApp(firebaseConfig);\n"
        ),
    );
    env.write(
        "web/src/pay.ts",
        format!(
            "const stripe = Stripe('pk_live_{}');\nmapboxgl.accessToken = 'pk.eyJ1Ijoi{}IiwiYSI6Im{}.{}';\nSentry.init({{ dsn: 'https://{}@o450210.ingest.sentry.io/5512345' }});\n",
            fake.alnum(24),
            fake.alnum(12),
            fake.alnum(20),
            fake.alnum(22),
            hex(&mut fake)
        ),
    );
    let (code, v) = env.scan_json(&["--no-history"]);
    assert_eq!(code, 0, "public keys never fail the scan: {v:#}");
    let rules: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for r in [
        "algolia.docsearch-api-key",
        "google.firebase-web-api-key",
        "stripe.publishable-key",
        "mapbox.public-token",
        "sentry.dsn",
    ] {
        assert!(rules.contains(&r), "{r} missing: {rules:?}");
    }
    for f in findings(&v) {
        assert_eq!(f["severity"], "info", "{f:#}");
        assert_eq!(causes(f), vec!["public-by-design"], "{f:#}");
        assert!(
            f["fix"].as_str().unwrap().starts_with("no need to rotate"),
            "{f:#}"
        );
    }
    let checklist = v["checklist"].as_array().unwrap();
    assert_eq!(checklist[0]["status"], "pass", "{:#}", checklist[0]);
    assert_eq!(checklist[1]["status"], "pass", "{:#}", checklist[1]);
    let out = env.cmd().args(["scan", "--no-history"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("Rotate these"), "{text}");
    assert!(text.contains("public by design"), "{text}");

    // The secret counterparts stay critical and are to be rotated.
    env.write(
        "web/scripts/index.js",
        format!("const ALGOLIA_ADMIN_API_KEY = '{}';\n", hex(&mut fake)),
    );
    let (code, v) = env.scan_json(&["--no-history"]);
    assert_eq!(code, 1);
    let admin = &by_rule(&v, "algolia.admin-api-key")[0];
    assert_eq!(admin["severity"], "critical");
    let out = env.cmd().args(["scan", "--no-history"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Rotate these leaked keys (Algolia"), "{text}");
}

/// (name, manifest files, the site config holding the DocSearch key, the
/// framework reported)
type DocsSite = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

/// Docs sites (Docusaurus, VitePress, MkDocs, Sphinx, Jekyll): their
/// project kind is `docs`, their DocSearch key is public by design (info,
/// never to rotate), and the rate-limit question is n/a with advice that
/// fits a docs site (no server middleware to install).
#[test]
fn docs_sites_get_advice_that_fits_them() {
    let mut fake = Fake::new(2600);
    let hex = |f: &mut Fake| f.chars("0123456789abcdef", 32);
    let sites: &[DocsSite] = &[
        (
            "Docusaurus",
            &[(
                "package.json",
                r#"{"name":"website","private":true,"dependencies":{"@docusaurus/core":"3.4.0","@docusaurus/preset-classic":"3.4.0","react":"18","react-dom":"18"}}"#,
            )],
            "docusaurus.config.js",
            "docusaurus",
        ),
        (
            "VitePress",
            &[(
                "package.json",
                r#"{"name":"docs","private":true,"devDependencies":{"vitepress":"1.2.3","vue":"3"}}"#,
            )],
            ".vitepress/config.ts",
            "vitepress",
        ),
        (
            "MkDocs",
            &[
                ("mkdocs.yml", "site_name: Acme\ntheme:\n  name: material\n"),
                ("requirements.txt", "mkdocs-material==9.5.0\n"),
            ],
            "overrides/search.js",
            "mkdocs",
        ),
    ];
    for (i, (name, files, config, framework)) in sites.iter().enumerate() {
        let env = Env::new();
        for (p, c) in *files {
            env.write(p, c);
        }
        env.write(
            config,
            format!(
                "export default {{\n  themeConfig: {{\n    algolia: {{\n      appId: 'BH4D9OD16A',\n      apiKey: '{}',\n      indexName: 'acme{i}',\n    }},\n  }},\n}};\n",
                hex(&mut fake)
            ),
        );
        let (code, v) = env.scan_json(&["--no-history"]);
        assert_eq!(code, 0, "{name}: {v:#}");
        let f = finding_at(&v, config);
        assert_eq!(f["rule"], "algolia.docsearch-api-key", "{name}");
        assert_eq!(f["severity"], "info", "{name}");
        assert_eq!(f["project"]["kind"], "docs", "{name}: {f:#}");
        assert_eq!(f["project"]["framework"], *framework, "{name}: {f:#}");
        let checklist = v["checklist"].as_array().unwrap();
        for q in &checklist[..2] {
            assert_eq!(q["status"], "pass", "{name}: {q:#}");
        }
        let q5 = &checklist[4];
        assert_eq!(q5["status"], "n/a", "{name}: {q5:#}");
        let advice = q5["advice"].as_str().unwrap();
        assert!(advice.contains("docs site"), "{name}: {advice}");
        let out = env.cmd().args(["scan", "--no-history"]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("Rotate these"), "{name}:\n{text}");
        assert!(!text.contains("express-rate-limit"), "{name}:\n{text}");
    }

    // mkdocs.yml beside a Python package's manifest: still a library.
    let env = layout(
        &[
            ("pyproject.toml", PYPROJECT),
            ("mkdocs.yml", "site_name: Acme client\n"),
            ("src/acme/client.py", "KEY = \"{KEY}\"\n"),
        ],
        2650,
    );
    let (_, v) = env.scan_json(&["--no-history"]);
    let f = finding_at(&v, "src/acme/client.py");
    assert_eq!(f["project"]["kind"], "library", "{f:#}");
}

/// Issue 20: a `.env` inside a committed tarball was told `git rm --cached
/// .env`. The advice names the container: rebuild it, untrack it.
#[test]
fn keys_inside_archives_get_advice_about_the_archive() {
    let env = Env::new();
    let key = Fake::new(2500).openai_project();
    let env_file = format!("OPENAI_API_KEY={key}\n");
    let tgz =
        crate::common::pack::gzip(&crate::common::pack::tar(&[(".env", env_file.as_bytes())]));
    env.write("release/bundle.tgz", tgz);
    let repo = env.git_init();
    env.commit_all(&repo, "add the release bundle");
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_at(&v, "release/bundle.tgz!/.env");
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.contains("rebuild release/bundle.tgz"), "{fix}");
    assert!(fix.contains("git rm --cached release/bundle.tgz"), "{fix}");
    assert!(!fix.contains("git rm --cached the .env"), "{fix}");
    let out = env.cmd().arg("scan").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Rebuild release/bundle.tgz without the keys"),
        "{text}"
    );
    assert!(!text.contains("Untrack release/bundle.tgz!/.env"), "{text}");
}
