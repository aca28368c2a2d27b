//! Projects: which app a file belongs to, and what kind of app that is.
//!
//! A key's leak cause depends first on where the file ends up, and that is a
//! property of the project before it is a property of the path: `src/api/`
//! in a Vite app is bundled into the browser, `src/api/` in a Gatsby site
//! holds serverless functions, `api/` at the top of a Vercel project runs on
//! the server. So each file is attributed to its nearest project (the
//! closest folder with a manifest: `package.json`, `pubspec.yaml`, `Podfile`,
//! `build.gradle`, `Cargo.toml`, `go.mod`, `pyproject.toml`, ...; in a
//! monorepo or a workspace each package is its own project), the project is
//! classified into a [`Kind`] and a [`Framework`], and
//! [`crate::findings::causes::role_of`] decides the file's role from that,
//! then from the framework's file conventions, then from the file's content,
//! and only then from words in its path. The decision order and the layouts
//! it is tested on are in `docs/causes.md`.
//!
//! Manifests are read from the working tree, bounded (at most
//! [`MANIFEST_LIMIT`] bytes, regular files only: a FIFO or a device named
//! `package.json` is never opened), parsed as data and never executed.
//! Lookups are cached per folder.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::findings::test_dirs::TestPlace;
use crate::input::fsread;

/// The largest manifest read (real ones are a few kilobytes).
pub const MANIFEST_LIMIT: u64 = 1 << 20;

/// What a project is, for the question "where does its code run?".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Client-side rendered web app: everything it builds ships to browsers.
    Spa,
    /// A framework that renders on the server and hydrates in the browser:
    /// which files run where is decided by its conventions.
    Ssr,
    /// An API server, worker or other backend service.
    Backend,
    /// An iOS, Android or cross-platform mobile app.
    Mobile,
    /// An Electron or Tauri app.
    Desktop,
    /// A command-line program.
    Cli,
    /// A library others depend on.
    Library,
    /// A documentation site (Docusaurus, VitePress, MkDocs, Sphinx, Jekyll,
    /// Hugo, ...): static pages built from the repository, served to
    /// readers' browsers; it serves no API of its own.
    Docs,
    /// The root of a monorepo (its packages are projects of their own).
    Workspace,
    /// No manifest, or one that says nothing about where the code runs.
    #[default]
    Unknown,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Spa => "browser app",
            Kind::Ssr => "server-rendered web app",
            Kind::Backend => "backend service",
            Kind::Mobile => "mobile app",
            Kind::Desktop => "desktop app",
            Kind::Cli => "command-line tool",
            Kind::Library => "library",
            Kind::Docs => "docs site",
            Kind::Workspace => "workspace",
            Kind::Unknown => "project",
        }
    }
}

/// The framework or build tool, where its conventions matter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    #[default]
    None,
    // Browser apps.
    Vite,
    Cra,
    Angular,
    VueCli,
    Svelte,
    /// HTML files and scripts without a build manifest.
    PlainHtml,
    /// A UI library with another bundler (webpack, parcel, ...).
    OtherSpa,
    // Server-rendered frameworks.
    Next,
    Nuxt,
    SvelteKit,
    Remix,
    Astro,
    Gatsby,
    // Apps.
    ReactNative,
    Expo,
    Flutter,
    Android,
    Ios,
    Capacitor,
    Electron,
    Tauri,
    // Documentation sites.
    Docusaurus,
    #[serde(rename = "vitepress")]
    VitePress,
    #[serde(rename = "vuepress")]
    VuePress,
    Starlight,
    Nextra,
    Docsify,
    #[serde(rename = "mkdocs")]
    MkDocs,
    Sphinx,
    Jekyll,
    Hugo,
    #[serde(rename = "mdbook")]
    MdBook,
}

impl Framework {
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::None => "",
            Framework::Vite => "Vite",
            Framework::Cra => "Create React App",
            Framework::Angular => "Angular",
            Framework::VueCli => "Vue CLI",
            Framework::Svelte => "Svelte",
            Framework::PlainHtml => "plain HTML",
            Framework::OtherSpa => "a bundler",
            Framework::Next => "Next.js",
            Framework::Nuxt => "Nuxt",
            Framework::SvelteKit => "SvelteKit",
            Framework::Remix => "Remix",
            Framework::Astro => "Astro",
            Framework::Gatsby => "Gatsby",
            Framework::ReactNative => "React Native",
            Framework::Expo => "Expo",
            Framework::Flutter => "Flutter",
            Framework::Android => "Android",
            Framework::Ios => "iOS",
            Framework::Capacitor => "Capacitor/Ionic",
            Framework::Electron => "Electron",
            Framework::Tauri => "Tauri",
            Framework::Docusaurus => "Docusaurus",
            Framework::VitePress => "VitePress",
            Framework::VuePress => "VuePress",
            Framework::Starlight => "Starlight",
            Framework::Nextra => "Nextra",
            Framework::Docsify => "Docsify",
            Framework::MkDocs => "MkDocs",
            Framework::Sphinx => "Sphinx",
            Framework::Jekyll => "Jekyll",
            Framework::Hugo => "Hugo",
            Framework::MdBook => "mdBook",
        }
    }

    /// Whether the framework (or its build tool) loads `.env` files itself.
    pub fn reads_env_files(self) -> bool {
        matches!(
            self,
            Framework::Vite
                | Framework::Cra
                | Framework::VueCli
                | Framework::Next
                | Framework::Nuxt
                | Framework::SvelteKit
                | Framework::Remix
                | Framework::Astro
                | Framework::Gatsby
                | Framework::Expo
                | Framework::VitePress
                | Framework::Starlight
                | Framework::Nextra
        )
    }

    /// The prefix that makes an environment variable public in this
    /// framework (inlined into the client bundle), if it has one.
    pub fn public_prefix(self) -> Option<&'static str> {
        match self {
            Framework::Vite | Framework::Svelte | Framework::Remix | Framework::VitePress => {
                Some("VITE_")
            }
            Framework::Cra => Some("REACT_APP_"),
            Framework::VueCli => Some("VUE_APP_"),
            Framework::Next => Some("NEXT_PUBLIC_"),
            Framework::Nuxt => Some("NUXT_PUBLIC_"),
            Framework::SvelteKit | Framework::Astro => Some("PUBLIC_"),
            Framework::Gatsby => Some("GATSBY_"),
            Framework::Expo => Some("EXPO_PUBLIC_"),
            _ => None,
        }
    }
}

/// The language family of a project, for advice (which rate limiter to use).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    #[default]
    Other,
    Node,
    Python,
    Go,
    Rust,
    Ruby,
    Jvm,
    Php,
    Dart,
    Swift,
}

impl Ecosystem {
    /// A rate limiter to suggest for a backend in this ecosystem.
    pub fn rate_limiter(self) -> &'static str {
        match self {
            Ecosystem::Node => "express-rate-limit or @upstash/ratelimit",
            Ecosystem::Python => "slowapi, flask-limiter or django-ratelimit",
            Ecosystem::Go => "golang.org/x/time/rate",
            Ecosystem::Rust => "tower_governor",
            Ecosystem::Ruby => "rack-attack",
            Ecosystem::Jvm => "bucket4j or resilience4j",
            Ecosystem::Php => "Laravel's throttle middleware",
            _ => "a per-user limit in your API server",
        }
    }
}

/// One project: a folder with a manifest, classified.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Project {
    /// The project folder relative to the scan root (`""` for the root,
    /// `apps/web`); `None` when no manifest was found.
    pub dir: Option<String>,
    /// The manifest(s) that decided: `apps/web/package.json`.
    pub manifest: String,
    pub kind: Kind,
    pub framework: Framework,
    pub ecosystem: Ecosystem,
    /// The project also serves requests (a server framework next to a UI
    /// framework, as in a Vite app with an Express backend).
    pub serves: bool,
    /// Why the project uses `.env` files, when its manifest says so: `vite
    /// reads .env files`, `depends on dotenv`.
    pub env: Option<String>,
    /// It depends on a paid AI API's SDK (openai, anthropic, ...).
    pub ai_sdk: bool,
}

impl Project {
    /// "Vite browser app (package.json)": for messages.
    pub fn describe(&self) -> String {
        let fw = self.framework.as_str();
        if fw.is_empty() {
            self.kind.as_str().to_string()
        } else {
            format!("{fw} {}", self.kind.as_str())
        }
    }
}

/// The project of a finding, as reported: `{"manifest": "package.json",
/// "kind": "spa", "framework": "vite"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectInfo {
    pub manifest: String,
    pub kind: Kind,
    pub framework: Option<Framework>,
}

impl Project {
    /// What a finding reports about its project (`None` without a manifest).
    pub fn info(&self) -> Option<ProjectInfo> {
        self.dir.as_ref()?;
        Some(ProjectInfo {
            manifest: self.manifest.clone(),
            kind: self.kind,
            framework: (self.framework != Framework::None).then_some(self.framework),
        })
    }
}

/// What a scan learned about its projects, for the checklist.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Every project found: manifest path → kind.
    pub projects: BTreeMap<String, Kind>,
    /// Why the scanned projects use `.env` files, if they do (first reason).
    pub env: Option<String>,
    /// Some project serves requests (a backend, an SSR app, a mobile or web
    /// app's server side).
    pub serves: bool,
    /// Some project calls a paid AI API through its SDK.
    pub ai_sdk: bool,
    /// The ecosystems of the projects that serve requests.
    pub server_ecosystems: Vec<Ecosystem>,
}

impl Summary {
    /// Add another root's projects.
    pub fn merge(&mut self, other: Summary) {
        self.projects.extend(other.projects);
        if self.env.is_none() {
            self.env = other.env;
        }
        self.serves |= other.serves;
        self.ai_sdk |= other.ai_sdk;
        for e in other.server_ecosystems {
            if !self.server_ecosystems.contains(&e) {
                self.server_ecosystems.push(e);
            }
        }
    }

    /// Every project is a command-line tool, a library or a docs site.
    pub fn only_tools(&self) -> bool {
        !self.projects.is_empty()
            && self
                .projects
                .values()
                .all(|k| matches!(k, Kind::Cli | Kind::Library | Kind::Docs | Kind::Workspace))
            && self
                .projects
                .values()
                .any(|k| matches!(k, Kind::Cli | Kind::Library | Kind::Docs))
    }
}

/// Manifest file names, in the order they are read in one folder.
pub const MANIFEST_NAMES: &[&str] = &[
    "package.json",
    "pubspec.yaml",
    "Podfile",
    "build.gradle",
    "build.gradle.kts",
    "Cargo.toml",
    "go.mod",
    "pyproject.toml",
    "requirements.txt",
    "setup.py",
    "Pipfile",
    "Gemfile",
    "composer.json",
    "pom.xml",
    "angular.json",
    "mkdocs.yml",
    "mkdocs.yaml",
    "hugo.toml",
    "hugo.yaml",
    "book.toml",
    "_config.yml",
    "conf.py",
];

/// Whether `name` is a file name this module reads.
pub fn is_manifest(name: &str) -> bool {
    MANIFEST_NAMES.contains(&name)
}

/// Read a manifest: regular files only, at most [`MANIFEST_LIMIT`] bytes
/// (a bigger one is cut, never read whole).
fn read_manifest(path: &Path) -> Option<String> {
    let mut buf = Vec::new();
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    fsread::read_bounded_into(path, MANIFEST_LIMIT, &mut buf).ok()?;
    buf.truncate(MANIFEST_LIMIT as usize);
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Signals from one manifest, merged per folder.
#[derive(Debug, Default)]
struct Signals {
    kind: Option<Kind>,
    framework: Framework,
    ecosystem: Ecosystem,
    serves: bool,
    env: Option<String>,
    ai_sdk: bool,
}

/// Dependency-name tables.
const SERVER_DEPS_JS: &[&str] = &[
    "express",
    "fastify",
    "koa",
    "@hapi/hapi",
    "hapi",
    "@nestjs/core",
    "restify",
    "hono",
    "@hono/node-server",
    "@trpc/server",
    "apollo-server",
    "@apollo/server",
    "socket.io",
    "polka",
    "micro",
    "@elysiajs/node",
    "elysia",
];
const UI_DEPS_JS: &[&str] = &[
    "react",
    "react-dom",
    "vue",
    "svelte",
    "solid-js",
    "preact",
    "lit",
    "jquery",
    "alpinejs",
    "htmx.org",
    "@angular/core",
];
const BUNDLERS_JS: &[&str] = &["webpack", "parcel", "rollup", "esbuild", "@rsbuild/core"];
const CLI_DEPS_JS: &[&str] = &[
    "commander",
    "yargs",
    "oclif",
    "@oclif/core",
    "meow",
    "cac",
    "clipanion",
    "citty",
];
const DOTENV_DEPS: &[&str] = &[
    // JavaScript
    "dotenv",
    "dotenv-flow",
    "dotenv-expand",
    "@dotenvx/dotenvx",
    "env-cmd",
    "react-native-config",
    "react-native-dotenv",
    // Python
    "python-dotenv",
    "django-environ",
    "environs",
    "pydantic-settings",
    // Go, Rust, Ruby, PHP, JVM, Dart
    "github.com/joho/godotenv",
    "dotenvy",
    "dotenv-rails",
    "vlucas/phpdotenv",
    "dotenv-java",
    "flutter_dotenv",
];
const AI_SDKS: &[&str] = &[
    "openai",
    "@anthropic-ai/sdk",
    "anthropic",
    "@google/generative-ai",
    "@google/genai",
    "google-generativeai",
    "cohere-ai",
    "cohere",
    "@mistralai/mistralai",
    "mistralai",
    "groq-sdk",
    "groq",
    "ai",
    "@ai-sdk/openai",
    "langchain",
    "@langchain/openai",
    "replicate",
    "async-openai",
    "github.com/sashabaranov/go-openai",
    "github.com/openai/openai-go",
];
/// JavaScript frameworks by dependency, first match wins: docs sites before
/// the bundlers they are built on, mobile and desktop shells before the UI
/// framework inside them, SSR frameworks before plain SPA tooling.
/// (exact names, name prefixes, kind, framework)
const JS_FRAMEWORKS: &[(&[&str], &[&str], Kind, Framework)] = &[
    (
        &["@docusaurus/core"],
        &[],
        Kind::Docs,
        Framework::Docusaurus,
    ),
    (&["vitepress"], &[], Kind::Docs, Framework::VitePress),
    (
        &["vuepress"],
        &["@vuepress/"],
        Kind::Docs,
        Framework::VuePress,
    ),
    (
        &["@astrojs/starlight"],
        &[],
        Kind::Docs,
        Framework::Starlight,
    ),
    (&["nextra"], &[], Kind::Docs, Framework::Nextra),
    (
        &["docsify", "docsify-cli"],
        &[],
        Kind::Docs,
        Framework::Docsify,
    ),
    (&["expo"], &[], Kind::Mobile, Framework::Expo),
    (&["react-native"], &[], Kind::Mobile, Framework::ReactNative),
    (
        &["@capacitor/core", "cordova"],
        &["@ionic/"],
        Kind::Mobile,
        Framework::Capacitor,
    ),
    (&["electron"], &[], Kind::Desktop, Framework::Electron),
    (
        &["@tauri-apps/api", "@tauri-apps/cli"],
        &[],
        Kind::Desktop,
        Framework::Tauri,
    ),
    (&["next"], &[], Kind::Ssr, Framework::Next),
    (&["nuxt", "nuxt3"], &[], Kind::Ssr, Framework::Nuxt),
    (&["@sveltejs/kit"], &[], Kind::Ssr, Framework::SvelteKit),
    (
        &["@react-router/dev"],
        &["@remix-run/"],
        Kind::Ssr,
        Framework::Remix,
    ),
    (&["astro"], &[], Kind::Ssr, Framework::Astro),
    (&["gatsby"], &[], Kind::Ssr, Framework::Gatsby),
    (
        &["@angular/core", "@angular/cli"],
        &[],
        Kind::Spa,
        Framework::Angular,
    ),
    (&["react-scripts"], &[], Kind::Spa, Framework::Cra),
    (&["@vue/cli-service"], &[], Kind::Spa, Framework::VueCli),
    (&["vite"], &["@vitejs/"], Kind::Spa, Framework::Vite),
    (&["svelte"], &[], Kind::Spa, Framework::Svelte),
];

fn package_json(text: &str) -> Signals {
    let mut s = Signals {
        ecosystem: Ecosystem::Node,
        ..Signals::default()
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return s;
    };
    let mut deps: Vec<&str> = Vec::new();
    let mut peer_only: Vec<&str> = Vec::new();
    for key in [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ] {
        if let Some(obj) = v.get(key).and_then(|d| d.as_object()) {
            for name in obj.keys() {
                if key == "peerDependencies" {
                    peer_only.push(name);
                } else {
                    deps.push(name);
                }
            }
        }
    }
    let has = |n: &str| deps.contains(&n);
    let any = |list: &[&str]| deps.iter().any(|d| list.contains(d));
    let starts = |p: &str| deps.iter().any(|d| d.starts_with(p));
    s.serves = any(SERVER_DEPS_JS);
    s.ai_sdk = any(AI_SDKS);
    if let Some(d) = deps.iter().find(|d| DOTENV_DEPS.contains(d)) {
        s.env = Some(format!("depends on {d}"));
    }
    if s.env.is_none()
        && let Some(scripts) = v.get("scripts").and_then(|d| d.as_object())
    {
        for (name, cmd) in scripts {
            let cmd = cmd.as_str().unwrap_or_default();
            if cmd.contains("--env-file") || cmd.contains("dotenv") || cmd.contains("env-cmd") {
                s.env = Some(format!("its \"{name}\" script loads an .env file"));
                break;
            }
        }
    }
    let named = JS_FRAMEWORKS.iter().find(|(names, prefixes, ..)| {
        names.iter().any(|n| has(n)) || prefixes.iter().any(|p| starts(p))
    });
    let (kind, fw) = if let Some(&(_, _, kind, fw)) = named {
        (kind, fw)
    } else if any(UI_DEPS_JS) || (any(BUNDLERS_JS) && !s.serves) {
        (Kind::Spa, Framework::OtherSpa)
    } else if s.serves {
        (Kind::Backend, Framework::None)
    } else if v.get("workspaces").is_some() {
        (Kind::Workspace, Framework::None)
    } else if v.get("bin").is_some() || any(CLI_DEPS_JS) {
        (Kind::Cli, Framework::None)
    } else if peer_only.iter().any(|d| UI_DEPS_JS.contains(d)) {
        // A component library: its code runs in the apps' browsers.
        (Kind::Spa, Framework::OtherSpa)
    } else if v.get("main").is_some() || v.get("exports").is_some() || v.get("module").is_some() {
        (Kind::Library, Framework::None)
    } else {
        (Kind::Unknown, Framework::None)
    };
    if s.env.is_none() && fw.reads_env_files() {
        s.env = Some(format!("{} reads .env files", fw.as_str()));
    }
    s.kind = Some(kind);
    s.framework = fw;
    s
}

/// Dependency names of a TOML manifest (`Cargo.toml`, `pyproject.toml`):
/// the keys of every `*dependencies*` table, and PEP 621 / Poetry lists.
fn toml_deps(v: &toml::Value) -> Vec<String> {
    fn walk(v: &toml::Value, in_deps: bool, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, child) in t {
                    // The keys of a dependencies table are the names
                    // (`serde = "1"`, `[dependencies.serde]`).
                    if in_deps {
                        out.push(k.to_ascii_lowercase());
                    }
                    let is_deps = k.contains("dependencies")
                        || k == "requires"
                        || in_deps && matches!(child, toml::Value::Array(_));
                    walk(child, is_deps, out);
                }
            }
            toml::Value::Array(a) if in_deps => {
                for item in a {
                    if let Some(s) = item.as_str() {
                        // "fastapi>=0.110", "django[argon2]"
                        let name: String = s
                            .chars()
                            .take_while(|c| {
                                c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
                            })
                            .collect();
                        out.push(name.to_ascii_lowercase());
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, false, &mut out);
    out
}

const RUST_SERVER: &[&str] = &[
    "axum",
    "actix-web",
    "rocket",
    "warp",
    "poem",
    "salvo",
    "tide",
    "tonic",
    "gotham",
    "loco-rs",
];
const RUST_CLI: &[&str] = &[
    "clap",
    "lexopt",
    "argh",
    "pico-args",
    "structopt",
    "gumdrop",
    "bpaf",
];
const PY_SERVER: &[&str] = &[
    "django",
    "flask",
    "fastapi",
    "starlette",
    "aiohttp",
    "tornado",
    "sanic",
    "quart",
    "litestar",
    "streamlit",
    "gradio",
    "chainlit",
    "falcon",
    "bottle",
    "pyramid",
];
const PY_CLI: &[&str] = &["click", "typer", "fire", "docopt"];

fn cargo_toml(text: &str, dir: &Path) -> Signals {
    let mut s = Signals {
        ecosystem: Ecosystem::Rust,
        ..Signals::default()
    };
    let Ok(v) = toml::from_str::<toml::Table>(text).map(toml::Value::Table) else {
        return s;
    };
    let deps = toml_deps(&v);
    let has = |list: &[&str]| deps.iter().any(|d| list.contains(&d.as_str()));
    s.serves = has(RUST_SERVER);
    s.ai_sdk = has(AI_SDKS);
    if let Some(d) = deps
        .iter()
        .find(|d| ["dotenvy", "dotenv"].contains(&d.as_str()))
    {
        s.env = Some(format!("depends on {d}"));
    }
    let package = v.get("package").is_some();
    s.kind = Some(if deps.iter().any(|d| d == "tauri") {
        s.framework = Framework::Tauri;
        Kind::Desktop
    } else if s.serves {
        Kind::Backend
    } else if !package && v.get("workspace").is_some() {
        Kind::Workspace
    } else if has(RUST_CLI) || v.get("bin").is_some() || dir.join("src/main.rs").is_file() {
        Kind::Cli
    } else if package {
        Kind::Library
    } else {
        Kind::Unknown
    });
    s
}

fn go_mod(text: &str) -> Signals {
    let mut s = Signals {
        ecosystem: Ecosystem::Go,
        ..Signals::default()
    };
    let server = [
        "github.com/gin-gonic/gin",
        "github.com/labstack/echo",
        "github.com/gofiber/fiber",
        "github.com/go-chi/chi",
        "github.com/gorilla/mux",
        "connectrpc.com/connect",
        "google.golang.org/grpc",
        "github.com/beego/beego",
    ];
    let cli = [
        "github.com/spf13/cobra",
        "github.com/urfave/cli",
        "github.com/alecthomas/kong",
    ];
    let has = |list: &[&str]| list.iter().any(|d| text.contains(d));
    s.serves = has(&server);
    s.ai_sdk = has(AI_SDKS);
    if text.contains("github.com/joho/godotenv") {
        s.env = Some("depends on godotenv".into());
    }
    s.kind = Some(if s.serves {
        Kind::Backend
    } else if has(&cli) {
        Kind::Cli
    } else {
        Kind::Unknown
    });
    s
}

/// Python: `pyproject.toml`, `requirements.txt`, `setup.py`, `Pipfile`.
fn python(name: &str, text: &str) -> Signals {
    let mut s = Signals {
        ecosystem: Ecosystem::Python,
        ..Signals::default()
    };
    let lower = text.to_ascii_lowercase();
    let mut deps: Vec<String> = Vec::new();
    let mut scripts = false;
    let mut packaged = false;
    if name == "pyproject.toml" || name == "Pipfile" {
        if let Ok(v) = toml::from_str::<toml::Table>(text).map(toml::Value::Table) {
            deps = toml_deps(&v);
            scripts = v.get("project").and_then(|p| p.get("scripts")).is_some()
                || v.get("tool")
                    .and_then(|t| t.get("poetry"))
                    .and_then(|p| p.get("scripts"))
                    .is_some();
            packaged = v.get("build-system").is_some() || v.get("project").is_some();
        }
    } else {
        // requirements.txt, setup.py: names at line starts or in quotes.
        for line in lower.lines() {
            let line = line.trim().trim_start_matches(['"', '\'']);
            let name: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !name.is_empty() {
                deps.push(name);
            }
        }
        scripts = lower.contains("console_scripts") || lower.contains("entry_points");
        packaged = name == "setup.py";
    }
    let has = |list: &[&str]| deps.iter().any(|d| list.contains(&d.as_str()));
    s.serves = has(PY_SERVER);
    s.ai_sdk = has(AI_SDKS);
    if let Some(d) = deps.iter().find(|d| DOTENV_DEPS.contains(&d.as_str())) {
        s.env = Some(format!("depends on {d}"));
    }
    let docs = deps
        .iter()
        .find(|d| d.starts_with("mkdocs") || *d == "sphinx" || d.starts_with("sphinx-"));
    s.kind = Some(if s.serves {
        Kind::Backend
    } else if let Some(d) = docs.filter(|_| !packaged && !scripts) {
        // A docs folder's requirements (mkdocs-material, sphinx): a
        // package that also lists them stays a package.
        s.framework = if d.starts_with("mkdocs") {
            Framework::MkDocs
        } else {
            Framework::Sphinx
        };
        Kind::Docs
    } else if scripts || has(PY_CLI) {
        Kind::Cli
    } else if packaged {
        Kind::Library
    } else {
        Kind::Unknown
    });
    s
}

fn simple(name: &str, text: &str) -> Signals {
    let lower = text.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let mut s = Signals::default();
    match name {
        "pubspec.yaml" => {
            s.ecosystem = Ecosystem::Dart;
            if has(&["flutter_dotenv"]) {
                s.env = Some("depends on flutter_dotenv".into());
            }
            s.kind = Some(if has(&["sdk: flutter", "flutter:"]) {
                s.framework = Framework::Flutter;
                Kind::Mobile
            } else if has(&["shelf", "dart_frog", "serverpod"]) {
                s.serves = true;
                Kind::Backend
            } else {
                Kind::Unknown
            });
        }
        "Podfile" => {
            s.ecosystem = Ecosystem::Swift;
            s.framework = Framework::Ios;
            s.kind = Some(Kind::Mobile);
        }
        "build.gradle" | "build.gradle.kts" | "pom.xml" => {
            s.ecosystem = Ecosystem::Jvm;
            if has(&["dotenv-java", "dotenv-kotlin"]) {
                s.env = Some("depends on dotenv-java".into());
            }
            s.kind = Some(
                if has(&[
                    "com.android.application",
                    "com.android.library",
                    "id(\"com.android",
                ]) {
                    s.framework = Framework::Android;
                    Kind::Mobile
                } else if has(&["spring-boot", "io.ktor", "micronaut", "quarkus", "vertx"]) {
                    s.serves = true;
                    Kind::Backend
                } else {
                    Kind::Unknown
                },
            );
        }
        "Gemfile" => {
            s.ecosystem = Ecosystem::Ruby;
            if has(&["dotenv"]) {
                s.env = Some("depends on dotenv".into());
            }
            s.serves = has(&["'rails'", "\"rails\"", "sinatra", "hanami", "roda"]);
            s.kind = Some(if s.serves {
                Kind::Backend
            } else if has(&["jekyll", "github-pages"]) {
                s.framework = Framework::Jekyll;
                Kind::Docs
            } else {
                Kind::Unknown
            });
        }
        "composer.json" => {
            s.ecosystem = Ecosystem::Php;
            if has(&["vlucas/phpdotenv"]) {
                s.env = Some("depends on vlucas/phpdotenv".into());
            } else if has(&["laravel/framework"]) {
                s.env = Some("Laravel reads .env files".into());
            }
            s.serves = has(&["laravel/framework", "symfony/", "slim/slim"]);
            s.kind = Some(if s.serves {
                Kind::Backend
            } else {
                Kind::Library
            });
        }
        "angular.json" => {
            s.ecosystem = Ecosystem::Node;
            s.framework = Framework::Angular;
            s.kind = Some(Kind::Spa);
        }
        "mkdocs.yml" | "mkdocs.yaml" if has(&["site_name"]) => {
            s.framework = Framework::MkDocs;
            s.kind = Some(Kind::Docs);
        }
        "hugo.toml" | "hugo.yaml" => {
            s.framework = Framework::Hugo;
            s.kind = Some(Kind::Docs);
        }
        "book.toml" if has(&["[book]"]) => {
            s.framework = Framework::MdBook;
            s.kind = Some(Kind::Docs);
        }
        // Jekyll's site config (GitHub Pages).
        "_config.yml" if has(&["theme:", "remote_theme:", "baseurl:", "jekyll"]) => {
            s.framework = Framework::Jekyll;
            s.kind = Some(Kind::Docs);
        }
        // Sphinx's build config (`docs/conf.py`): only with Sphinx's own
        // settings, so an app's conf.py is not mistaken for one.
        "conf.py" if has(&["html_theme", "sphinx"]) && has(&["extensions", "project ="]) => {
            s.ecosystem = Ecosystem::Python;
            s.framework = Framework::Sphinx;
            s.kind = Some(Kind::Docs);
        }
        _ => {}
    }
    s
}

/// Classify one manifest's text by its file name (`package.json`,
/// `Cargo.toml`, ...), as if it were alone in its folder. Never panics, on
/// any text: manifests are data from the scanned repository.
pub fn classify_manifest(name: &str, text: &str) -> Project {
    let s = match name {
        "package.json" => package_json(text),
        "Cargo.toml" => cargo_toml(text, Path::new("/nonexistent")),
        "go.mod" => go_mod(text),
        "pyproject.toml" | "requirements.txt" | "setup.py" | "Pipfile" => python(name, text),
        n => simple(n, text),
    };
    Project {
        kind: s.kind.unwrap_or_default(),
        framework: s.framework,
        ecosystem: s.ecosystem,
        serves: s.serves,
        env: s.env,
        ai_sdk: s.ai_sdk,
        ..Project::default()
    }
}

/// Classify the manifests of one folder (`dir`, absolute). `None` when the
/// folder has none (an `index.html` makes it a plain HTML site).
fn classify_dir(dir: &Path) -> Option<(Project, Vec<&'static str>)> {
    let mut found: Vec<(&'static str, Signals)> = Vec::new();
    for name in MANIFEST_NAMES {
        let path = dir.join(name);
        let Some(text) = read_manifest(&path) else {
            continue;
        };
        let s = match *name {
            "package.json" => package_json(&text),
            "Cargo.toml" => cargo_toml(&text, dir),
            "go.mod" => go_mod(&text),
            "pyproject.toml" | "requirements.txt" | "setup.py" | "Pipfile" => python(name, &text),
            n => simple(n, &text),
        };
        found.push((name, s));
    }
    if found.is_empty() {
        let html = dir.join("index.html");
        if std::fs::metadata(&html).is_ok_and(|m| m.is_file()) {
            return Some((
                Project {
                    kind: Kind::Spa,
                    framework: Framework::PlainHtml,
                    ..Project::default()
                },
                vec!["index.html"],
            ));
        }
        return None;
    }
    // Several manifests in one folder: the most telling kind wins (an app
    // over a web framework over a service over a tool).
    let rank = |k: Kind| match k {
        Kind::Mobile | Kind::Desktop => 0,
        Kind::Ssr => 1,
        Kind::Spa => 2,
        Kind::Backend => 3,
        Kind::Cli => 4,
        Kind::Library => 5,
        // A library's docs configuration beside its manifest (mkdocs.yml
        // at a package's top) does not make the package a docs site.
        Kind::Docs => 6,
        Kind::Workspace => 7,
        Kind::Unknown => 8,
    };
    let mut p = Project::default();
    let mut best = 9;
    for (_, s) in &found {
        let k = s.kind.unwrap_or_default();
        if rank(k) < best {
            best = rank(k);
            p.kind = k;
            p.framework = s.framework;
            p.ecosystem = s.ecosystem;
        }
        p.serves |= s.serves;
        p.ai_sdk |= s.ai_sdk;
        if p.env.is_none() {
            p.env.clone_from(&s.env);
        }
    }
    if p.kind == Kind::Backend {
        p.serves = true;
    }
    Some((p, found.iter().map(|(n, _)| *n).collect()))
}

/// Finds the project of each path, caching per folder. Folders above the
/// scan root are looked at too, up to `top` (the repository's work tree),
/// so that `jikimi scan src/` still knows it is in a Vite app.
#[derive(Debug)]
pub struct Projects {
    /// The scan root (absolute when it could be made so).
    root: PathBuf,
    /// Folders above `root` that may hold the project's manifest, nearest
    /// first, with their path relative to the root (`..`, `../..`).
    above: Vec<PathBuf>,
    cache: Mutex<HashMap<PathBuf, Option<Project>>>,
    /// Test folders each folder's manifests name, by folder.
    tests: Mutex<HashMap<PathBuf, std::sync::Arc<Vec<TestPlace>>>>,
}

impl Projects {
    /// Projects under `root`; `top` is the repository work tree around it
    /// (manifests up to there count).
    pub fn new(root: &Path, top: Option<&Path>) -> Projects {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let mut above = Vec::new();
        if let Some(top) = top {
            let top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
            let mut cur = root.parent();
            while let Some(d) = cur {
                if !d.starts_with(&top) || above.len() >= 16 {
                    break;
                }
                above.push(d.to_path_buf());
                cur = d.parent();
            }
        }
        Projects {
            root,
            above,
            cache: Mutex::new(HashMap::new()),
            tests: Mutex::new(HashMap::new()),
        }
    }

    fn dir_tests(&self, abs: &Path) -> std::sync::Arc<Vec<TestPlace>> {
        if let Some(t) = self.tests.lock().expect("tests lock").get(abs) {
            return std::sync::Arc::clone(t);
        }
        let t = std::sync::Arc::new(crate::findings::test_dirs::read_dir_places(abs));
        self.tests
            .lock()
            .expect("tests lock")
            .entry(abs.to_path_buf())
            .or_insert(t)
            .clone()
    }

    /// Whether `rel_path` (relative to the scan root, `/`-separated) lies
    /// in a test folder that a manifest of a folder above it names
    /// (pytest `testpaths`, Jest `roots`/`testMatch`, Cargo `[[test]]`,
    /// Maven and Gradle test sources: [`crate::findings::test_dirs`]).
    pub fn named_test_path(&self, rel_path: &str) -> bool {
        let parts: Vec<&str> = rel_path.split('/').filter(|p| !p.is_empty()).collect();
        for depth in (0..parts.len()).rev() {
            let abs = if depth == 0 {
                self.root.clone()
            } else {
                self.root.join(parts[..depth].join("/"))
            };
            let below = parts[depth..].join("/");
            if self.dir_tests(&abs).iter().any(|p| p.holds(&below)) {
                return true;
            }
        }
        for abs in &self.above {
            let below = self.below(abs, &parts);
            if self.dir_tests(abs).iter().any(|p| p.holds(&below)) {
                return true;
            }
        }
        false
    }

    fn dir_project(&self, abs: &Path) -> Option<Project> {
        if let Some(p) = self.cache.lock().expect("cache lock").get(abs) {
            return p.clone();
        }
        let p = classify_dir(abs).map(|(mut p, names)| {
            let rel = abs
                .strip_prefix(&self.root)
                .map(crate::input::gitinfo::to_slash)
                .unwrap_or_else(|_| {
                    let up = self
                        .above
                        .iter()
                        .position(|a| a == abs)
                        .map_or(1, |i| i + 1);
                    vec![".."; up].join("/")
                });
            let prefix = if rel.is_empty() {
                String::new()
            } else {
                format!("{rel}/")
            };
            p.manifest = names
                .iter()
                .map(|n| format!("{prefix}{n}"))
                .collect::<Vec<_>>()
                .join(", ");
            p.dir = Some(rel);
            p
        });
        self.cache
            .lock()
            .expect("cache lock")
            .insert(abs.to_path_buf(), p.clone());
        p
    }

    /// The path of a file below the root (`parts`) as seen from `abs`, a
    /// folder above the root: the folders from `abs` down to the root, then
    /// the file's, `/`-separated.
    fn below(&self, abs: &Path, parts: &[&str]) -> String {
        let mut below: Vec<String> = self
            .root
            .strip_prefix(abs)
            .map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        below.extend(parts.iter().map(|s| s.to_string()));
        below.join("/")
    }

    /// The project of `rel_path` (relative to the scan root, `/`-separated)
    /// and the path relative to that project's folder.
    pub fn lookup(&self, rel_path: &str) -> (Project, String) {
        let parts: Vec<&str> = rel_path.split('/').filter(|p| !p.is_empty()).collect();
        // Folders from the file's own up to the root.
        for depth in (0..parts.len()).rev() {
            let dir = parts[..depth].join("/");
            let abs = if dir.is_empty() {
                self.root.clone()
            } else {
                self.root.join(&dir)
            };
            if let Some(p) = self.dir_project(&abs) {
                return (p, parts[depth..].join("/"));
            }
        }
        for abs in &self.above {
            if let Some(p) = self.dir_project(abs) {
                return (p, self.below(abs, &parts));
            }
        }
        (Project::default(), parts.join("/"))
    }

    /// Note a manifest the scan read at `rel_path`, so that its project is
    /// counted in the [`Summary`] even when no finding needs it.
    pub fn observe(&self, rel_path: &str) {
        let dir = match rel_path.rfind('/') {
            Some(i) => crate::text::to(rel_path, i),
            None => "",
        };
        let abs = if dir.is_empty() {
            self.root.clone()
        } else {
            self.root.join(dir)
        };
        let _ = self.dir_project(&abs);
    }

    /// Every project seen so far, summarised.
    pub fn summary(&self) -> Summary {
        let cache = self.cache.lock().expect("cache lock");
        let mut s = Summary::default();
        let mut list: Vec<&Project> = cache.values().flatten().collect();
        list.sort_by(|a, b| a.manifest.cmp(&b.manifest));
        for p in list {
            if p.framework == Framework::PlainHtml {
                continue;
            }
            s.projects.insert(p.manifest.clone(), p.kind);
            if s.env.is_none()
                && let Some(why) = &p.env
            {
                s.env = Some(format!("{}: {why}", p.manifest));
            }
            let serves =
                p.serves || matches!(p.kind, Kind::Backend | Kind::Ssr | Kind::Mobile | Kind::Spa);
            s.serves |= serves;
            s.ai_sdk |= p.ai_sdk;
            if p.serves && !s.server_ecosystems.contains(&p.ecosystem) {
                s.server_ecosystems.push(p.ecosystem);
            }
        }
        s
    }
}

/// Calls that load a `.env` file, looked for in source files.
pub const ENV_LOADERS: &[&str] = &[
    "require('dotenv')",
    "require(\"dotenv\")",
    "from 'dotenv'",
    "from \"dotenv\"",
    "dotenv/config",
    "dotenv.config(",
    "process.loadEnvFile(",
    "from dotenv import",
    "import dotenv",
    "load_dotenv(",
    "godotenv.Load(",
    "dotenvy::",
    "dotenv::dotenv",
    "Dotenv\\Dotenv",
    "Dotenv.load",
    "dotenv.load(",
];

/// Source extensions looked at for a `.env` loader.
const LOADER_EXT: &[&str] = &[
    "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "py", "go", "rs", "rb", "php", "dart",
    "java", "kt",
];

/// Whether the source file at `path` loads a `.env` file
/// (`require('dotenv')`, `load_dotenv()`, `godotenv.Load()`,
/// `process.loadEnvFile()`, ...); only the first 64 KiB are looked at.
pub fn loads_env_file(path: &str, text: &[u8]) -> Option<&'static str> {
    let ext = crate::findings::role::extension(path);
    if !LOADER_EXT.contains(&ext.as_str()) {
        return None;
    }
    let head = &text[..text.len().min(64 * 1024)];
    if memchr::memmem::find(head, b"otenv").is_none()
        && memchr::memmem::find(head, b"loadEnvFile").is_none()
    {
        return None;
    }
    ENV_LOADERS
        .iter()
        .copied()
        .find(|w| memchr::memmem::find(head, w.as_bytes()).is_some())
}

/// Whether a compose file passes `.env` files to its services.
pub fn compose_uses_env_file(name: &str, text: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("docker-compose") || lower.starts_with("compose"))
        && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
        && memchr::memmem::find(text, b"env_file").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pj(deps: &str) -> (Kind, Framework) {
        let s = package_json(&format!(r#"{{"dependencies":{{{deps}}}}}"#));
        (s.kind.unwrap(), s.framework)
    }

    #[test]
    fn package_json_kinds() {
        assert_eq!(
            pj(r#""react":"18","vite":"5","express":"4""#),
            (Kind::Spa, Framework::Vite)
        );
        assert_eq!(pj(r#""next":"14""#), (Kind::Ssr, Framework::Next));
        assert_eq!(pj(r#""expo":"50""#), (Kind::Mobile, Framework::Expo));
        assert_eq!(pj(r#""express":"4""#), (Kind::Backend, Framework::None));
        assert_eq!(pj(r#""commander":"4""#), (Kind::Cli, Framework::None));
        assert_eq!(pj(""), (Kind::Unknown, Framework::None));
        let s = package_json(r#"{"dependencies":{"react":"18","vite":"5","express":"4"}}"#);
        assert!(s.serves);
        assert_eq!(s.env.as_deref(), Some("Vite reads .env files"));
        let s = package_json(r#"{"workspaces":["apps/*"],"devDependencies":{"turbo":"1"}}"#);
        assert_eq!(s.kind, Some(Kind::Workspace));
        let s = package_json(r#"{"main":"index.js","dependencies":{"lodash":"4"}}"#);
        assert_eq!(s.kind, Some(Kind::Library));
        let s = package_json(r#"{"peerDependencies":{"react":"18"},"main":"x.js"}"#);
        assert_eq!(s.kind, Some(Kind::Spa));
        let s = package_json(r#"{"scripts":{"start":"node --env-file=.env a.js"}}"#);
        assert!(s.env.unwrap().contains("start"));
    }

    #[test]
    fn other_manifests() {
        let s = cargo_toml(
            "[package]\nname='x'\n[dependencies]\naxum = '0.7'\n",
            Path::new("/nonexistent"),
        );
        assert_eq!(s.kind, Some(Kind::Backend));
        let s = cargo_toml(
            "[package]\nname='x'\n[dependencies]\nlexopt = '0.3'\n",
            Path::new("/nonexistent"),
        );
        assert_eq!(s.kind, Some(Kind::Cli));
        let s = cargo_toml(
            "[package]\nname='x'\n[dependencies.memchr]\nversion = '2'\n",
            Path::new("/nonexistent"),
        );
        assert_eq!(s.kind, Some(Kind::Library));
        let s = python(
            "pyproject.toml",
            "[project]\nname='x'\ndependencies=['fastapi>=0.1','python-dotenv']\n",
        );
        assert_eq!(s.kind, Some(Kind::Backend));
        assert_eq!(s.env.as_deref(), Some("depends on python-dotenv"));
        let s = python("requirements.txt", "Django==5.0\n");
        assert_eq!(s.kind, Some(Kind::Backend));
        assert_eq!(
            go_mod("require github.com/spf13/cobra v1").kind,
            Some(Kind::Cli)
        );
        assert_eq!(
            simple("build.gradle", "plugins { id 'com.android.application' }").kind,
            Some(Kind::Mobile)
        );
        assert_eq!(
            simple(
                "pubspec.yaml",
                "dependencies:\n  flutter:\n    sdk: flutter\n"
            )
            .framework,
            Framework::Flutter
        );
    }

    #[test]
    fn loaders() {
        assert_eq!(
            loads_env_file("a.js", b"require('dotenv').config()"),
            Some("require('dotenv')")
        );
        assert!(loads_env_file("app.py", b"from dotenv import load_dotenv").is_some());
        assert!(loads_env_file("a.mjs", b"process.loadEnvFile()").is_some());
        assert_eq!(loads_env_file("main.rs", b"fn main() {}"), None);
        // Prose that names dotenv is not a loader.
        assert_eq!(loads_env_file("README.md", b"require('dotenv')"), None);
        assert_eq!(loads_env_file("a.js", b"// we do not use dotenv"), None);
        assert!(compose_uses_env_file(
            "docker-compose.yml",
            b"services:\n  a:\n    env_file: .env\n"
        ));
        assert!(!compose_uses_env_file("compose.yml", b"services: {}"));
    }

    #[test]
    fn manifests_are_bounded_and_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let big = format!(
            r#"{{"dependencies":{{"vite":"5"}},"pad":"{}"}}"#,
            "x".repeat(2 << 20)
        );
        std::fs::write(dir.path().join("package.json"), big).unwrap();
        // Cut at the limit: no longer valid JSON, so nothing is decided, but
        // nothing more than the limit was read either.
        let (p, _) = classify_dir(dir.path()).unwrap();
        assert_eq!(p.kind, Kind::Unknown);
        #[cfg(unix)]
        {
            let d2 = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink("/dev/zero", d2.path().join("package.json")).unwrap();
            assert!(classify_dir(d2.path()).is_none());
        }
    }
}
