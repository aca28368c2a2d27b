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
