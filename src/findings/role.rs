//! A file's role: does it ship to browsers, run on a server, go into an
//! app, or is it an `.env` file? The leak cause of a key follows from it.
//!
//! The decision order (documented with its test layouts in
//! `docs/causes.md`):
//!
//! 1. **What the file is**: an `.env` file; app source by language (Swift,
//!    Objective-C, Dart, Android Kotlin, `Info.plist`,
//!    `google-services.json`); build output of the project (`dist/`,
//!    `.next/static/` ship to browsers, `.next/server/` does not).
//! 2. **The project's kind** ([`Kind`], from the nearest manifest): in a
//!    mobile or desktop app code ships inside the app; in a backend, a CLI
//!    or a library it runs on a server or a user's machine; in a browser app
//!    (Vite, Create React App, Angular, Vue CLI, Svelte, plain HTML) what the
//!    bundler sees ships to browsers.
//! 3. **The framework's conventions**, which say which files of a browser or
//!    server-rendered app run on the server: `app/api/**/route.ts`,
//!    `pages/api/**`, `"use server"`, `*.server.ts`, `+page.server.ts`,
//!    `src/lib/server/`, Nuxt's `server/`, Gatsby's `src/api/`, Astro
//!    endpoints, Vercel's `api/` and the configuration files of the build.
//! 4. **The file's content**: a server framework, Node built-ins,
//!    `app.listen(` mean server code even in a browser app's folder.
//! 5. **Words in the path** (`server/`, `api/`, `components/`, ...), only for
//!    files whose project says nothing, and last the extension.

use crate::findings::causes::{Role, file_name, in_build_output, is_env_file};
use crate::findings::project::{Framework, Kind, Project};
use crate::text;

pub(crate) fn extension(p: &str) -> String {
    let name = file_name(p);
    match name.rfind('.') {
        Some(i) if i > 0 => text::from(name, i + 1).to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Parts of build output that run on the server, not in browsers.
const SERVER_BUILD_OUTPUT: &[&str] = &[
    ".next/server/",
    ".output/server/",
    ".svelte-kit/output/server/",
    ".vercel/output/functions/",
    "dist/server/",
    ".nuxt/dist/server/",
];

fn in_server_build_output(lower: &str) -> bool {
    SERVER_BUILD_OUTPUT
        .iter()
        .any(|d| lower.starts_with(d) || lower.contains(&format!("/{d}")))
}

const CLIENT_EXT: &[&str] = &[
    "js", "mjs", "jsx", "tsx", "vue", "svelte", "astro", "html", "htm", "map",
];
const JS_LIKE: &[&str] = &[
    "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "vue", "svelte", "astro", "html", "htm",
    "map",
];
const APP_SOURCE_EXT: &[&str] = &["swift", "m", "mm", "kt", "dart", "xcconfig", "plist"];
const SERVER_CODE_EXT: &[&str] = &[
    "py", "ipynb", "rb", "go", "java", "kt", "php", "cs", "rs", "scala", "ex", "exs", "pl", "lua",
    "sh", "bash", "zsh", "ps1", "c", "cc", "cpp", "h", "hpp", "clj", "erl", "hs", "r", "jl",
    "groovy", "tf",
];

/// Folder segments (not the file name), lower-cased.
fn dirs(lower: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = lower.split('/').collect();
    parts.pop();
    parts
}

fn has_segment(lower: &str, segs: &[&str]) -> bool {
    dirs(lower).iter().any(|p| segs.contains(p))
}

/// The first folder of a project-relative path (`""` for a top-level file).
fn top_dir(lower: &str) -> &str {
    match lower.find('/') {
        Some(i) => text::to(lower, i),
        None => "",
    }
}

/// Path words that mean server code (step 5).
fn path_says_server(lower: &str) -> bool {
    let name = file_name(lower);
    lower.contains("pages/api/")
        || lower.contains("app/api/")
        || lower.starts_with("api/")
        || lower.contains("/api/")
        || lower.contains("netlify/functions/")
        || lower.contains("supabase/functions/")
        || has_segment(
            lower,
            &[
                "server",
                "servers",
                "backend",
                "functions",
                "lambda",
                "lambdas",
                "worker",
                "workers",
                "cron",
                "scripts",
                "migrations",
                "api",
            ],
        )
        || name.starts_with("middleware.")
        || name.starts_with("server.")
}

/// Path words that mean browser code (step 5).
fn path_says_client(lower: &str) -> bool {
    lower.contains("src/components/")
        || lower.contains(".next/static/")
        || has_segment(
            lower,
            &[
                "public",
                "static",
                "components",
                "client",
                "frontend",
                "web",
                "www",
                "dist",
                "build",
                "out",
                "assets",
                "pages",
                "views",
                "hooks",
                "ui",
                "browser",
            ],
        )
}

/// File conventions every framework agrees on: a name or folder that only
/// ever holds server code (step 3, for projects of any kind).
fn convention_says_server(lower: &str) -> bool {
    let name = file_name(lower);
    name.contains(".server.")
        || name.starts_with("+server.")
        || name.starts_with("+page.server.")
        || name.starts_with("+layout.server.")
        || lower.contains("pages/api/")
        || lower.contains("src/lib/server/")
        || ((lower.starts_with("app/") || lower.contains("/app/")) && name.starts_with("route."))
        || in_server_build_output(lower)
}

/// Content that only server code has (step 4): a server framework, Node
/// built-ins, a listening socket. Browser bundles never contain these.
fn strong_server_content(text: &str) -> bool {
    let head = text::head(text, 64 * 1024);
    [
        "'express'",
        "\"express\"",
        "'fastify'",
        "\"fastify\"",
        "'koa'",
        "\"koa\"",
        "@hapi/",
        "from 'node:",
        "from \"node:",
        "require('node:",
        "require(\"node:",
        "require('fs')",
        "require(\"fs\")",
        "from 'fs'",
        "from \"fs\"",
        "'child_process'",
        "\"child_process\"",
        "app.listen(",
        "http.createServer",
        "#!/usr/bin/env node",
        "import 'server-only'",
        "import \"server-only\"",
    ]
    .iter()
    .any(|s| head.contains(s))
}

/// Server-vs-client votes from the text of a JS-like file, for files whose
/// project says nothing (weaker signals count too: CommonJS, SDK imports).
fn content_votes(text: &str) -> (i32, i32) {
    let head = text::head(text, 64 * 1024);
    let mut server = 0;
    let mut client = 0;
    for s in [
        "'express'",
        "\"express\"",
        "'fastify'",
        "\"fastify\"",
        "'koa'",
        "\"koa\"",
        "@hapi/",
        "next/server",
        "from 'node:",
        "from \"node:",
        "require('fs')",
        "require(\"fs\")",
        "'child_process'",
        "\"child_process\"",
        "app.listen(",
        "http.createServer",
        "export async function POST",
        "export async function GET",
        "export default async function handler",
        "getServerSideProps",
        "NextApiRequest",
        "req, res",
        // CommonJS and Node entry points: browsers do not `require`.
        "require(",
        "module.exports",
        "#!/usr/bin/env node",
        // The OpenAI and Anthropic SDKs refuse to run in a browser unless
        // told to (dangerouslyAllowBrowser, counted for the client below).
        "from 'openai'",
        "from \"openai\"",
        "from '@anthropic-ai/sdk'",
        "from \"@anthropic-ai/sdk\"",
    ] {
        if head.contains(s) {
            server += 1;
        }
    }
    for s in [
        "from 'react'",
        "from \"react\"",
        "from 'vue'",
        "from \"vue\"",
        "from 'svelte",
        "from \"svelte",
        "document.",
        "window.",
        "localStorage",
        "sessionStorage",
        "navigator.",
        "useState(",
        "useEffect(",
        "<template>",
        "<script",
        "ReactDOM",
        "createRoot(",
        "import.meta.env",
        "onClick",
        "addEventListener(",
        "dangerouslyAllowBrowser",
    ] {
        if head.contains(s) {
            client += 1;
        }
    }
    // An SDK told to run in the browser is browser code, whatever its import
    // (which voted server above) says: count it twice.
    if head.contains("dangerouslyAllowBrowser") {
        client += 1;
    }
    (server, client)
}

/// `"use server"` → `Some(true)`, `"use client"` → `Some(false)`.
fn directive(text: &str) -> Option<bool> {
    // Only the start of the file counts, as in React's rules.
    let head = text.trim_start_matches('\u{feff}').trim_start();
    let head = text::head(head, 200);
    if head.starts_with("\"use server\"") || head.starts_with("'use server'") {
        Some(true)
    } else if head.starts_with("\"use client\"") || head.starts_with("'use client'") {
        Some(false)
    } else {
        None
    }
}

/// Build and tool configuration at the top of a project: runs in Node at
/// build time (`vite.config.ts`, `next.config.mjs`, `gatsby-node.js`).
fn build_config(lower: &str) -> bool {
    if lower.contains('/') {
        return false;
    }
    let stem = lower.split('.').next().unwrap_or("");
    lower.contains(".config.")
        || matches!(
            stem,
            "gatsby-node" | "gatsby-config" | "gatsby-ssr" | "remix" | "server" | "instrumentation"
        )
}

/// Folders of a browser app's package that hold its server side: Vercel and
/// Netlify functions, an Express server next to the app, Node scripts.
const SPA_SERVER_DIRS: &[&str] = &[
    "api",
    "server",
    "servers",
    "backend",
    "functions",
    "netlify",
    "lambda",
    "lambdas",
    "scripts",
    "tools",
    "cron",
    "worker",
    "workers",
    "migrations",
    "supabase",
    "e2e",
    "cypress",
    "playwright",
];

/// A browser app (step 2 and 3): everything the bundler sees ships.
fn spa_role(fw: Framework, lower: &str, text: &str) -> Role {
    if in_build_output(lower) && !in_server_build_output(lower) {
        return Role::Client;
    }
    // A plain HTML site has no build and no server side: every file is
    // served as it is, unless its content is a server's.
    if fw == Framework::PlainHtml {
        return if strong_server_content(text) {
            Role::Server
        } else {
            Role::Client
        };
    }
    if build_config(lower)
        || SPA_SERVER_DIRS.contains(&top_dir(lower))
        || lower == "src/setupproxy.js"
        || convention_says_server(lower)
    {
        return Role::Server;
    }
    if fw == Framework::Angular && file_name(lower).starts_with("server.") {
        return Role::Server;
    }
    if directive(text) == Some(true) || strong_server_content(text) {
        return Role::Server;
    }
    Role::Client
}

/// A docs site (step 3): its site config is built into the pages every
/// reader loads (Docusaurus' `themeConfig`, VitePress' `.vitepress/config`),
/// so what it holds ships to browsers; the rest is as in a browser app.
fn docs_role(fw: Framework, lower: &str, text: &str) -> Role {
    let name = file_name(lower);
    if name.starts_with("docusaurus.config.")
        || lower.starts_with(".vitepress/config.")
        || lower.starts_with("docs/.vitepress/config.")
        || lower.starts_with(".vuepress/config.")
        || lower.starts_with("docs/.vuepress/config.")
        || lower.starts_with("theme.config.")
    {
        return Role::Client;
    }
    spa_role(fw, lower, text)
}

/// A server-rendered framework (step 3): its conventions decide, then the
/// content; shared code defaults to the browser (it may be bundled there).
fn ssr_role(fw: Framework, lower: &str, text: &str) -> Role {
    if in_server_build_output(lower) {
        return Role::Server;
    }
    if in_build_output(lower) {
        return if lower.starts_with(".next/") && !lower.starts_with(".next/static/") {
            Role::Server
        } else {
            Role::Client
        };
    }
    match directive(text) {
        Some(true) => return Role::Server,
        Some(false) => return Role::Client,
        None => {}
    }
    let name = file_name(lower);
    let stem = name.split('.').next().unwrap_or("");
    let top = top_dir(lower);
    // `src/` is optional in most of these frameworks.
    let rel = lower.strip_prefix("src/").unwrap_or(lower);
    if build_config(lower) || convention_says_server(lower) || top == "server" {
        return Role::Server;
    }
    if name.contains(".client.") {
        return Role::Client;
    }
    let server = match fw {
        Framework::Next => {
            rel.starts_with("pages/api/")
                || rel.starts_with("server/")
                || (rel.starts_with("app/")
                    && matches!(
                        stem,
                        "page"
                            | "layout"
                            | "template"
                            | "loading"
                            | "not-found"
                            | "default"
                            | "head"
                            | "route"
                            | "sitemap"
                            | "robots"
                            | "opengraph-image"
                    ))
                || (!rel.contains('/') && matches!(stem, "middleware" | "instrumentation"))
        }
        Framework::Nuxt => rel.starts_with("server/"),
        Framework::SvelteKit => {
            rel.starts_with("lib/server/") || stem == "hooks" && name.contains(".server.")
        }
        Framework::Remix => {
            rel.starts_with("server/") || stem == "entry" && name.contains(".server.")
        }
        Framework::Astro => {
            name.ends_with(".astro")
                || rel.starts_with("actions/")
                || (!rel.contains('/') && stem == "middleware")
                || (rel.starts_with("pages/")
                    && matches!(extension(name).as_str(), "js" | "ts" | "mjs" | "mts"))
        }
        Framework::Gatsby => rel.starts_with("api/"),
        _ => false,
    };
    if server || strong_server_content(text) {
        return Role::Server;
    }
    Role::Client
}

/// A backend service: server code, except what it serves to browsers.
fn backend_role(lower: &str) -> Role {
    let ext = extension(lower);
    if in_server_build_output(lower) {
        return Role::Server;
    }
    if matches!(ext.as_str(), "html" | "htm")
        || has_segment(
            lower,
            &[
                "public", "static", "assets", "wwwroot", "frontend", "client",
            ],
        )
    {
        Role::Client
    } else {
        Role::Server
    }
}

/// A project that says nothing (step 5): conventions, directive, content,
/// then path words, then the extension.
fn fallback_role(lower: &str, text: &str) -> Role {
    if in_build_output(lower) && !path_says_server(lower) {
        return Role::Client;
    }
    if convention_says_server(lower) {
        return Role::Server;
    }
    match directive(text) {
        Some(true) => return Role::Server,
        Some(false) => return Role::Client,
        None => {}
    }
    let (s, c) = content_votes(text);
    if s > c {
        return Role::Server;
    }
    if c > s {
        return Role::Client;
    }
    if path_says_server(lower) {
        return Role::Server;
    }
    if path_says_client(lower) {
        return Role::Client;
    }
    if CLIENT_EXT.contains(&extension(lower).as_str()) {
        Role::Client
    } else {
        Role::Server
    }
}

/// Folders of an app's repository that hold its server side.
fn app_server_part(lower: &str) -> bool {
    let name = file_name(lower);
    matches!(
        top_dir(lower),
        "server" | "backend" | "functions" | "api" | "supabase" | "cloud-functions"
    ) || name.contains("+api.")
        || name.contains(".server.")
}

/// Decide the role of a file at `path` (relative to its project's folder)
/// with content `text`, in `project`.
pub fn role_of(path: &str, text: &str, project: &Project) -> Role {
    if is_env_file(path) {
        return Role::EnvFile;
    }
    let ext = extension(path);
    let lower = path.to_ascii_lowercase();
    let lower = lower.as_str();
    // 1. What the file is: app source by language.
    if APP_SOURCE_EXT.contains(&ext.as_str())
        && (ext != "kt" || lower.contains("android/") || lower.contains("src/main/"))
        || lower.contains("android/app/src/")
        || lower.contains("ios/")
            && (ext == "plist" || ext == "swift" || ext == "m" || ext == "xcconfig")
        || file_name(lower) == "google-services.json"
    {
        return Role::App;
    }
    let js = JS_LIKE.contains(&ext.as_str());
    // 2. The project's kind.
    match project.kind {
        Kind::Mobile | Kind::Desktop => {
            if app_server_part(lower) {
                return if js || SERVER_CODE_EXT.contains(&ext.as_str()) {
                    Role::Server
                } else {
                    Role::Other
                };
            }
            let stem = file_name(lower).split('.').next().unwrap_or("");
            if js || SERVER_CODE_EXT.contains(&ext.as_str()) || stem == "app" {
                Role::App
            } else {
                Role::Other
            }
        }
        // A docs site's other files are content and build settings (Sphinx
        // conf.py, Hugo templates): built into pages, not run as a server.
        Kind::Docs if !js => Role::Other,
        _ if !js => {
            if SERVER_CODE_EXT.contains(&ext.as_str()) {
                Role::Server
            } else {
                Role::Other
            }
        }
        Kind::Docs => docs_role(project.framework, lower, text),
        Kind::Spa => spa_role(project.framework, lower, text),
        Kind::Ssr => ssr_role(project.framework, lower, text),
        Kind::Backend => backend_role(lower),
        Kind::Cli | Kind::Library => {
            if in_build_output(lower) && !in_server_build_output(lower) {
                Role::Client
            } else {
                Role::Server
            }
        }
        Kind::Workspace | Kind::Unknown => fallback_role(lower, text),
    }
}

/// The role of a file known only by its path (an original source named in a
/// source map): conventions and path words, no project or content.
pub fn role_by_path(path: &str) -> Role {
    role_of(path, "", &Project::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(kind: Kind, framework: Framework) -> Project {
        Project {
            dir: Some(String::new()),
            kind,
            framework,
            ..Project::default()
        }
    }

    fn role(path: &str, text: &str) -> Role {
        role_of(path, text, &Project::default())
    }

    #[test]
    fn unknown_projects_fall_back_to_content_then_path_words() {
        assert_eq!(role("pages/api/chat.ts", ""), Role::Server);
        assert_eq!(role("app/api/chat/route.ts", ""), Role::Server);
        assert_eq!(role("server/index.js", ""), Role::Server);
        assert_eq!(role("src/routes/+server.ts", ""), Role::Server);
        assert_eq!(role("src/lib/db.server.ts", ""), Role::Server);
        assert_eq!(role("main.py", ""), Role::Server);
        assert_eq!(role("src/components/Chat.tsx", ""), Role::Client);
        assert_eq!(role("public/app.js", ""), Role::Client);
        assert_eq!(role("index.html", ""), Role::Client);
        assert_eq!(
            role("src/lib/ai.ts", "'use client'\nconst k = 1"),
            Role::Client
        );
        assert_eq!(role("src/lib/ai.ts", "\"use server\"\n"), Role::Server);
        assert_eq!(
            role(
                "src/util.js",
                "import express from 'express'\napp.listen(3000)"
            ),
            Role::Server
        );
        assert_eq!(
            role("src/util.ts", "document.querySelector('x'); window.foo"),
            Role::Client
        );
        assert_eq!(
            role("index.js", "const OpenAI = require('openai');\n"),
            Role::Server
        );
        assert_eq!(
            role(
                "chat.js",
                "import OpenAI from 'openai';\nnew OpenAI({ dangerouslyAllowBrowser: true });\n"
            ),
            Role::Client
        );
    }

    #[test]
    fn a_vite_app_bundles_its_api_folder() {
        let vite = project(Kind::Spa, Framework::Vite);
        let fetch = "export const ask = () => fetch('https://api.openai.com/v1/x')";
        assert_eq!(role_of("src/api/openai.js", fetch, &vite), Role::Client);
        assert_eq!(role_of("src/lib/openai.js", fetch, &vite), Role::Client);
        assert_eq!(role_of("api/chat.js", fetch, &vite), Role::Server);
        assert_eq!(role_of("server/index.js", "", &vite), Role::Server);
        assert_eq!(role_of("vite.config.ts", "", &vite), Role::Server);
        assert_eq!(
            role_of("src/server.ts", "import express from 'express'", &vite),
            Role::Server
        );
    }

    #[test]
    fn server_rendered_frameworks_follow_their_conventions() {
        let next = project(Kind::Ssr, Framework::Next);
        assert_eq!(
            role_of("app/page.tsx", "export default function P() {}", &next),
            Role::Server
        );
        assert_eq!(role_of("src/app/blog/layout.tsx", "", &next), Role::Server);
        assert_eq!(
            role_of("app/chat/page.tsx", "'use client'\n", &next),
            Role::Client
        );
        assert_eq!(role_of("app/components/Chat.tsx", "", &next), Role::Client);
        assert_eq!(role_of("pages/index.tsx", "", &next), Role::Client);
        assert_eq!(
            role_of("src/app/api/chat/route.ts", "", &next),
            Role::Server
        );
        let gatsby = project(Kind::Ssr, Framework::Gatsby);
        assert_eq!(role_of("src/api/chat.js", "", &gatsby), Role::Server);
        assert_eq!(role_of("src/pages/index.js", "", &gatsby), Role::Client);
        let kit = project(Kind::Ssr, Framework::SvelteKit);
        assert_eq!(role_of("src/lib/server/ai.ts", "", &kit), Role::Server);
        assert_eq!(role_of("src/lib/ai.ts", "", &kit), Role::Client);
        let nuxt = project(Kind::Ssr, Framework::Nuxt);
        assert_eq!(role_of("server/api/chat.ts", "", &nuxt), Role::Server);
        assert_eq!(role_of("composables/ai.ts", "", &nuxt), Role::Client);
    }

    #[test]
    fn apps_and_services() {
        let expo = project(Kind::Mobile, Framework::Expo);
        assert_eq!(role_of("src/config.ts", "", &expo), Role::App);
        assert_eq!(role_of("app/api/chat+api.ts", "", &expo), Role::Server);
        let api = project(Kind::Backend, Framework::None);
        assert_eq!(role_of("src/components/x.ts", "", &api), Role::Server);
        assert_eq!(role_of("public/app.js", "", &api), Role::Client);
        let cli = project(Kind::Cli, Framework::None);
        assert_eq!(role_of("src/main.rs", "", &cli), Role::Server);
    }
}
