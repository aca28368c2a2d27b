//! Leak causes: why a key ended up where it was found, in the guide's terms.
//!
//! Each finding gets a list of [`Cause`]s from a fixed vocabulary, decided
//! from where the blob came from (working tree, history, archive), the file's
//! role (browser code, server code, `.env`, app source) and the text around
//! the secret (a `VITE_` variable, a `fetch` with an `Authorization` header).
//!
//! ## Browser or server? (the heuristics, in order)
//! 1. Path says server: `pages/api/`, `app/api/`, `api/`, `server/`,
//!    `backend/`, `functions/`, `lambda/`, `*.server.*`, `+server.*`,
//!    `route.ts` under `app/`, `middleware.*`, `server.*`: server.
//! 2. Directive: `"use server"` → server; `"use client"` → client. In a
//!    Next.js project, App Router route files (`app/**/page.tsx`, `layout`,
//!    ...) without `"use client"` are Server Components: server.
//! 3. Path says client: `public/`, `static/`, `src/components/`,
//!    `components/`, `client/`, `frontend/`, `web/`, `www/`, `dist/`,
//!    `build/`, `.next/static/`, `out/`, `assets/`: client.
//! 4. Content: server imports (`express`, `fastify`, `koa`, `@hapi`,
//!    `next/server`, `node:`, `fs`, `child_process`, `flask`, `django`)
//!    against client signals (`react`, `vue`, `svelte`, `document.`,
//!    `window.`, `localStorage`, JSX), whichever has more.
//! 5. The nearest `package.json`: a UI framework (react, vue, svelte,
//!    @angular/core, solid-js, preact, next, nuxt, vite, astro...) makes an
//!    undecided file client; a server framework and no UI framework makes it
//!    server. `react-native`/`expo` makes it app code (`app-binary`).
//! 6. Otherwise by extension: `.html/.jsx/.tsx/.vue/.svelte/.astro/.js/.mjs`
//!    client; `.cjs/.ts` and every non-JS language server.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::input::{GitState, Origin};
use crate::text;

/// Why a key leaked, one of the guide's five causes (refined).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    FrontendCode,
    ClientTransit,
    PublicEnvVar,
    AppBinary,
    EnvFileCommitted,
    ServerCode,
    // Last: where the file is says more than that it was committed.
    GitHistory,
}

impl Cause {
    pub const ALL: [Cause; 7] = [
        Cause::FrontendCode,
        Cause::ServerCode,
        Cause::EnvFileCommitted,
        Cause::PublicEnvVar,
        Cause::ClientTransit,
        Cause::AppBinary,
        Cause::GitHistory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cause::FrontendCode => "frontend-code",
            Cause::ServerCode => "server-code",
            Cause::EnvFileCommitted => "env-file-committed",
            Cause::PublicEnvVar => "public-env-var",
            Cause::ClientTransit => "client-transit",
            Cause::AppBinary => "app-binary",
            Cause::GitHistory => "git-history",
        }
    }

    pub fn parse(s: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// One line: why this is a leak, per the guide.
    pub fn why(self) -> &'static str {
        match self {
            Cause::FrontendCode => {
                "hardcoded in code that ships to browsers: anyone can read it with view-source or devtools"
            }
            Cause::ServerCode => {
                "hardcoded in server code: everyone with the source (and every clone) has the key"
            }
            Cause::EnvFileCommitted => {
                "a .env file is in version control: every clone carries the key"
            }
            Cause::PublicEnvVar => {
                "assigned to a browser-exposed variable: the bundler inlines it into client JavaScript"
            }
            Cause::ClientTransit => {
                "the client sends the key over the network itself: it is visible in every request"
            }
            Cause::AppBinary => {
                "shipped inside an app: unpacking or decompiling the package extracts it"
            }
            Cause::GitHistory => {
                "committed to git: deleting the line later does not help, every clone keeps the old commit"
            }
        }
    }

    /// One line: what to change, per the guide.
    pub fn fix(self) -> &'static str {
        match self {
            Cause::FrontendCode => {
                "move the API call behind your backend (client -> your server -> provider) and read the key from the server's environment"
            }
            Cause::ServerCode => {
                "read the key from the environment (os.getenv / process.env) and inject it at deploy time"
            }
            Cause::EnvFileCommitted => {
                "git rm --cached the .env, add .env and .env.* to .gitignore, keep a .env.example without values"
            }
            Cause::PublicEnvVar => {
                "drop the public prefix: keep the key in a server-only variable and call the provider from your backend"
            }
            Cause::ClientTransit => {
                "let the client send only the user's input to your server; the server adds the key"
            }
            Cause::AppBinary => {
                "never embed keys in iOS/Android/Electron builds: put an API server in between"
            }
            Cause::GitHistory => {
                "rotate the key first, then purge it from history (git filter-repo) if needed"
            }
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a file is, for the purpose of leak causes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Delivered to browsers.
    Client,
    /// Runs on a server (or a developer machine).
    Server,
    /// Built into a mobile or desktop app.
    App,
    /// An environment file (`.env`, `.env.local`, ...).
    EnvFile,
    /// Configuration, documentation and anything else.
    Other,
}

/// What the nearest `package.json` says about a JavaScript project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProjectKind {
    #[default]
    Unknown,
    /// Has a UI framework or bundler.
    Client,
    /// Has a server framework and no UI framework.
    Server,
    /// React Native / Expo / Electron / Capacitor / Ionic.
    App,
    /// Next.js: client code, except that App Router route files (`app/**/page.tsx`,
    /// `layout.tsx`, ...) are Server Components unless they say `"use client"`.
    Next,
}

const UI_DEPS: &[&str] = &[
    "react",
    "react-dom",
    "vue",
    "svelte",
    "@sveltejs/kit",
    "@angular/core",
    "solid-js",
    "preact",
    "next",
    "nuxt",
    "vite",
    "astro",
    "gatsby",
    "react-scripts",
    "@remix-run/react",
    "lit",
    "jquery",
    "webpack",
    "parcel",
];
const SERVER_DEPS: &[&str] = &[
    "express",
    "fastify",
    "koa",
    "@hapi/hapi",
    "hapi",
    "@nestjs/core",
    "restify",
    "hono",
    "@trpc/server",
    "apollo-server",
    "@apollo/server",
    "socket.io",
    "pg",
    "mongoose",
    "prisma",
    "@prisma/client",
];
const APP_DEPS: &[&str] = &[
    "react-native",
    "expo",
    "electron",
    "@capacitor/core",
    "@ionic/core",
    "cordova",
    "@tauri-apps/api",
];

/// Classify a `package.json` by its dependency names.
pub fn project_kind_from_manifest(text: &str) -> ProjectKind {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return ProjectKind::Unknown;
    };
    let mut names: Vec<&str> = Vec::new();
    for key in ["dependencies", "devDependencies", "peerDependencies"] {
        if let Some(obj) = v.get(key).and_then(|d| d.as_object()) {
            names.extend(obj.keys().map(String::as_str));
        }
    }
    let has = |list: &[&str]| names.iter().any(|n| list.contains(n));
    if has(APP_DEPS) {
        ProjectKind::App
    } else if names.contains(&"next") {
        ProjectKind::Next
    } else if has(UI_DEPS) {
        ProjectKind::Client
    } else if has(SERVER_DEPS) {
        ProjectKind::Server
    } else {
        ProjectKind::Unknown
    }
}

/// Looks up the nearest `package.json` of a path, caching per directory.
/// Reads from the working tree (history blobs are classified with the
/// current manifests: close enough, and never a reason to execute anything).
#[derive(Debug)]
pub struct Projects {
    root: PathBuf,
    cache: Mutex<HashMap<String, ProjectKind>>,
}

impl Projects {
    pub fn new(root: &Path) -> Projects {
        Projects {
            root: root.to_path_buf(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The kind of the nearest project enclosing `rel_path` (relative,
    /// `/`-separated).
    pub fn kind_for(&self, rel_path: &str) -> ProjectKind {
        let mut dir = parent_dir(rel_path);
        loop {
            if let Some(k) = self.dir_kind(dir) {
                return k;
            }
            if dir.is_empty() {
                return ProjectKind::Unknown;
            }
            dir = parent_dir(dir);
        }
    }

    /// `Some(kind)` when `dir` has a package.json.
    fn dir_kind(&self, dir: &str) -> Option<ProjectKind> {
        if let Some(k) = self.cache.lock().expect("cache lock").get(dir) {
            return (*k != ProjectKind::Unknown || self.has_manifest(dir)).then_some(*k);
        }
        let path = self.root.join(dir).join("package.json");
        let kind = crate::input::fsread::read_small_string(&path)
            .ok()
            .map(|t| project_kind_from_manifest(&t));
        self.cache
            .lock()
            .expect("cache lock")
            .insert(dir.to_string(), kind.unwrap_or_default());
        kind
    }

    fn has_manifest(&self, dir: &str) -> bool {
        self.root.join(dir).join("package.json").is_file()
    }
}

fn parent_dir(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => text::to(p, i),
        None => "",
    }
}

/// The file name of a `/`-separated path.
pub fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

fn extension(p: &str) -> String {
    let name = file_name(p);
    match name.rfind('.') {
        Some(i) if i > 0 => text::from(name, i + 1).to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// `.env`, `.env.local`, `prod.env`, `.envrc`, `.dev.vars`, `.flaskenv`.
pub fn is_env_file(p: &str) -> bool {
    let name = file_name(p).to_ascii_lowercase();
    name == ".env"
        || name.starts_with(".env.")
        || name.ends_with(".env")
        || name == ".envrc"
        || name == ".dev.vars"
        || name == ".flaskenv"
}

/// `.env.example`, `.env.sample`, `.env.template`...: meant to be committed.
pub fn is_env_template(p: &str) -> bool {
    let name = file_name(p).to_ascii_lowercase();
    is_env_file(&name)
        && [
            "example", "sample", "template", "dist", "defaults", "schema", "tmpl",
        ]
        .iter()
        .any(|w| name.contains(w))
}

/// Folders whose content is built output that ships to browsers.
pub const BUILD_OUTPUT_DIRS: &[&str] = &[
    "dist",
    "build",
    ".next",
    "out",
    "public",
    ".output",
    ".nuxt",
    ".svelte-kit",
    ".vercel",
    "storybook-static",
    "www",
];

/// Whether `rel_path` lies in a build-output folder.
pub fn in_build_output(rel_path: &str) -> bool {
    let mut parts: Vec<&str> = rel_path.split('/').collect();
    parts.pop();
    parts.iter().any(|p| BUILD_OUTPUT_DIRS.contains(p))
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

fn has_segment(path: &str, segs: &[&str]) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.split('/').collect();
    parts.pop();
    parts.iter().any(|p| segs.contains(p))
}

fn path_says_server(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = file_name(&lower);
    lower.contains("pages/api/")
        || lower.contains("app/api/")
        || lower.starts_with("api/")
        || lower.contains("/api/")
        || lower.contains("netlify/functions/")
        || lower.contains("supabase/functions/")
        || has_segment(
            &lower,
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
        || name.contains(".server.")
        || name.starts_with("+server.")
        || name.starts_with("+page.server.")
        || name.starts_with("+layout.server.")
        || (name.starts_with("route.") && lower.contains("app/"))
        || name.starts_with("middleware.")
        || name.starts_with("server.")
}

fn path_says_client(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("src/components/")
        || lower.contains(".next/static/")
        || has_segment(
            &lower,
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

/// Server-vs-client votes from the text of a JS-like file.
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

/// Decide a file's [`Role`] from its path, content and project.
pub fn role_of(path: &str, text: &str, project: ProjectKind) -> Role {
    if is_env_file(path) {
        return Role::EnvFile;
    }
    let ext = extension(path);
    let lower = path.to_ascii_lowercase();
    if APP_SOURCE_EXT.contains(&ext.as_str())
        && (ext != "kt" || lower.contains("android/") || lower.contains("src/main/"))
        || lower.contains("android/app/src/")
        || lower.contains("ios/")
            && (ext == "plist" || ext == "swift" || ext == "m" || ext == "xcconfig")
        || file_name(&lower) == "google-services.json"
    {
        return Role::App;
    }
    if !JS_LIKE.contains(&ext.as_str()) {
        return if SERVER_CODE_EXT.contains(&ext.as_str()) {
            Role::Server
        } else {
            Role::Other
        };
    }
    if in_build_output(path) && !path_says_server(path) {
        return Role::Client;
    }
    if path_says_server(path) {
        return Role::Server;
    }
    match directive(text) {
        Some(true) => return Role::Server,
        Some(false) => return client_or_app(project),
        None => {}
    }
    if project == ProjectKind::Next && is_next_server_component(path) {
        return Role::Server;
    }
    if path_says_client(path) {
        return client_or_app(project);
    }
    let (s, c) = content_votes(text);
    if s > c {
        return Role::Server;
    }
    if c > s {
        return client_or_app(project);
    }
    match project {
        ProjectKind::Client | ProjectKind::Next => Role::Client,
        ProjectKind::App => Role::App,
        ProjectKind::Server => Role::Server,
        ProjectKind::Unknown => {
            if CLIENT_EXT.contains(&ext.as_str()) {
                Role::Client
            } else {
                Role::Server
            }
        }
    }
}

/// A Next.js App Router route file (`app/**/page.tsx`, `layout`, `template`,
/// `loading`, `not-found`, `default`): a Server Component by default, so a
/// key in it stays on the server (still hardcoded: `server-code`).
fn is_next_server_component(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let in_app = lower.starts_with("app/") || lower.contains("/app/");
    let stem = file_name(&lower).split('.').next().unwrap_or("");
    in_app
        && matches!(
            stem,
            "page" | "layout" | "template" | "loading" | "not-found" | "default"
        )
}

fn client_or_app(project: ProjectKind) -> Role {
    if project == ProjectKind::App {
        Role::App
    } else {
        Role::Client
    }
}

/// Browser-exposed variable prefixes (bundlers inline these into clients).
pub const PUBLIC_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "GATSBY_",
    "NUXT_PUBLIC_",
    "PUBLIC_",
    "VUE_APP_",
];

/// Whether the text just before a secret assigns it to a public variable:
/// `VITE_OPENAI_KEY=`, `NEXT_PUBLIC_X: "`, `REACT_APP_KEY = '`.
pub fn assigned_to_public_var(before: &str) -> bool {
    // The assignment target is the last identifier before `=` or `:`.
    let t = before.trim_end_matches(['"', '\'', '`', ' ', '\t']);
    let Some(t) = t.strip_suffix(['=', ':']) else {
        return false;
    };
    let t = t.trim_end_matches([' ', '\t', '"', '\'', ']']);
    let start = t
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let ident = text::from(t, start);
    PUBLIC_PREFIXES.iter().any(|p| ident.starts_with(p))
}

/// Network-sending code near a secret in client code: a header, a URL
/// parameter, or an SDK constructed for the browser.
pub fn sends_key(nearby: &str) -> bool {
    let lower = nearby.to_ascii_lowercase();
    let network = [
        "fetch(",
        "axios",
        "xmlhttprequest",
        "$.ajax",
        "$http",
        "httpclient",
        "new websocket",
        "ky(",
        "ky.",
        "superagent",
        "dangerouslyallowbrowser",
        "new openai(",
        "new anthropic(",
        "createopenai(",
        "okhttp",
        "urlsession",
        "urlrequest",
        "retrofit",
        "dio(",
        "http.get(",
        "http.post(",
    ]
    .iter()
    .any(|s| lower.contains(s));
    let carries = [
        "authorization",
        "bearer ",
        "x-api-key",
        "api-key",
        "apikey",
        "api_key",
        "key=",
        "token=",
        "access_token",
        "dangerouslyallowbrowser",
        "xi-api-key",
        "x-goog-api-key",
    ]
    .iter()
    .any(|s| lower.contains(s));
    network && carries
}

/// Everything the cause decision needs about one blob, computed once.
#[derive(Debug)]
pub struct FileFacts {
    pub role: Role,
    /// The blob is inside a mobile or desktop app package.
    pub in_app_package: bool,
}

/// App package extensions (the archives stage opens them).
pub const APP_PACKAGE_EXT: &[&str] = &[
    "apk", "aab", "ipa", "asar", "xapk", "app", "exe", "dmg", "msi", "appx",
];

impl FileFacts {
    pub fn new(origin: &Origin, text: &str, projects: &Projects) -> FileFacts {
        let leaf = origin.leaf_path();
        let in_app_package = origin
            .containers()
            .iter()
            .any(|c| APP_PACKAGE_EXT.contains(&extension(c).as_str()));
        let project = match origin.root() {
            Origin::Member { .. } => ProjectKind::Unknown,
            o => projects.kind_for(o.leaf_path()),
        };
        // Whatever a file would be in a source tree, inside an apk, ipa or
        // asar it ships to every user's device.
        let role = if in_app_package {
            Role::App
        } else {
            role_of(leaf, text, project)
        };
        FileFacts {
            role,
            in_app_package,
        }
    }
}

/// The causes of one secret found at `[start, end)` in `text`.
pub fn causes_for(
    origin: &Origin,
    facts: &FileFacts,
    text: &str,
    start: usize,
    end: usize,
) -> Vec<Cause> {
    let mut causes = Vec::new();
    let start = text::floor(text, start);
    let reach = text::floor(text, start.saturating_sub(200));
    let line_start =
        memchr::memrchr(b'\n', &text.as_bytes()[reach..start]).map_or(reach, |i| reach + i + 1);
    let before = text::widen(text, line_start, start);
    if assigned_to_public_var(before) {
        causes.push(Cause::PublicEnvVar);
    }
    if facts.in_app_package {
        causes.push(Cause::AppBinary);
    }
    match facts.role {
        Role::EnvFile => {
            let committed = match origin.root() {
                Origin::File { git, .. } => {
                    matches!(
                        git,
                        GitState::Tracked | GitState::Untracked | GitState::NoRepo
                    )
                }
                _ => true,
            };
            if committed {
                causes.push(Cause::EnvFileCommitted);
            }
        }
        Role::Client => {
            causes.push(Cause::FrontendCode);
        }
        Role::App => {
            if !causes.contains(&Cause::AppBinary) {
                causes.push(Cause::AppBinary);
            }
        }
        Role::Server => causes.push(Cause::ServerCode),
        Role::Other => {}
    }
    if matches!(facts.role, Role::Client | Role::App)
        && sends_key(text::widen(
            text,
            start.saturating_sub(600),
            end.saturating_add(600),
        ))
    {
        causes.push(Cause::ClientTransit);
    }
    if origin.commit().is_some() {
        causes.push(Cause::GitHistory);
    }
    if causes.is_empty() {
        // Configuration and documents: the key is hardcoded where the
        // server-side code reads it.
        causes.push(Cause::ServerCode);
    }
    causes.sort();
    causes.dedup();
    causes
}

/// The `why` line of a finding: its first (most telling) cause. A key in a
/// configuration or text file (no code role) gets its own wording.
pub fn why(causes: &[Cause], role: Role) -> String {
    if role == Role::Other && causes.first() == Some(&Cause::ServerCode) {
        return "hardcoded in a configuration or text file: everyone with the files (and every clone) has the key".into();
    }
    causes
        .first()
        .map(|c| c.why().to_string())
        .unwrap_or_default()
}

/// The `fix` line: "rotate the key" first (a leaked key is burnt), then what
/// to change per cause.
pub fn fix(causes: &[Cause]) -> String {
    let mut parts = vec!["Rotate the key now (it must be treated as leaked)".to_string()];
    for c in causes {
        if *c != Cause::GitHistory || causes.len() == 1 {
            parts.push(c.fix().to_string());
        }
    }
    if causes.contains(&Cause::GitHistory) && causes.len() > 1 {
        parts.push("purge it from git history (git filter-repo) once rotated".into());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(path: &str, text: &str) -> Role {
        role_of(path, text, ProjectKind::Unknown)
    }

    #[test]
    fn server_paths() {
        assert_eq!(role("pages/api/chat.ts", ""), Role::Server);
        assert_eq!(role("app/api/chat/route.ts", ""), Role::Server);
        assert_eq!(role("server/index.js", ""), Role::Server);
        assert_eq!(role("src/routes/+server.ts", ""), Role::Server);
        assert_eq!(role("src/lib/db.server.ts", ""), Role::Server);
        assert_eq!(role("main.py", ""), Role::Server);
    }

    #[test]
    fn client_paths_and_content() {
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
    }

    #[test]
    fn node_scripts_and_browser_sdks() {
        let unknown = ProjectKind::Unknown;
        assert_eq!(
            role_of("index.js", "const OpenAI = require('openai');\n", unknown),
            Role::Server
        );
        assert_eq!(
            role_of(
                "chat.js",
                "import OpenAI from 'openai';\nconst c = new OpenAI();\n",
                unknown
            ),
            Role::Server
        );
        assert_eq!(
            role_of(
                "chat.js",
                "import OpenAI from 'openai';\nnew OpenAI({ dangerouslyAllowBrowser: true });\n",
                unknown
            ),
            Role::Client
        );
    }

    #[test]
    fn next_app_router_files_are_server_components_by_default() {
        let next = ProjectKind::Next;
        assert_eq!(
            role_of("app/page.tsx", "export default function P() {}", next),
            Role::Server
        );
        assert_eq!(role_of("src/app/blog/layout.tsx", "", next), Role::Server);
        assert_eq!(
            role_of("app/chat/page.tsx", "'use client'\n", next),
            Role::Client
        );
        assert_eq!(role_of("app/components/Chat.tsx", "", next), Role::Client);
        assert_eq!(role_of("pages/index.tsx", "", next), Role::Client);
        assert_eq!(
            project_kind_from_manifest(r#"{"dependencies":{"next":"14","react":"18"}}"#),
            ProjectKind::Next
        );
    }

    #[test]
    fn project_decides_undecided_files() {
        assert_eq!(
            role_of("src/config.ts", "", ProjectKind::Client),
            Role::Client
        );
        assert_eq!(
            role_of("src/config.ts", "", ProjectKind::Server),
            Role::Server
        );
        assert_eq!(role_of("src/config.ts", "", ProjectKind::App), Role::App);
        assert_eq!(
            project_kind_from_manifest(r#"{"dependencies":{"express":"4"}}"#),
            ProjectKind::Server
        );
        assert_eq!(
            project_kind_from_manifest(r#"{"dependencies":{"express":"4","react":"18"}}"#),
            ProjectKind::Client
        );
        assert_eq!(
            project_kind_from_manifest(r#"{"dependencies":{"expo":"50"}}"#),
            ProjectKind::App
        );
    }

    #[test]
    fn env_files() {
        assert!(is_env_file(".env"));
        assert!(is_env_file("app/.env.local"));
        assert!(is_env_file("prod.env"));
        assert!(!is_env_file("environment.ts"));
        assert!(is_env_template(".env.example"));
        assert!(!is_env_template(".env.production"));
    }

    #[test]
    fn public_var_assignment() {
        assert!(assigned_to_public_var("VITE_OPENAI_API_KEY="));
        assert!(assigned_to_public_var("  NEXT_PUBLIC_KEY: \""));
        assert!(assigned_to_public_var("const x = { REACT_APP_KEY: '"));
        assert!(!assigned_to_public_var("OPENAI_API_KEY="));
        assert!(!assigned_to_public_var("const k = "));
    }

    #[test]
    fn transit() {
        assert!(sends_key(
            "fetch(url, { headers: { Authorization: `Bearer ${k}` } })"
        ));
        assert!(sends_key("axios.get('https://x/api?key=' + k)"));
        assert!(!sends_key("const k = 'abc';"));
    }
}
