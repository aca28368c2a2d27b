//! Leak causes: why a key ended up where it was found, in the guide's terms.
//!
//! Each finding gets a list of [`Cause`]s from a fixed vocabulary, decided
//! from where the blob came from (working tree, history, archive), the file's
//! role (browser code, server code, `.env`, app source) and the text around
//! the secret (a `VITE_` variable, a `fetch` with an `Authorization` header).
//!
//! The file's role comes from [`role`](crate::findings::role): its project
//! first ([`project`](crate::findings::project)), then the framework's
//! conventions, then its content, and only then words in its path.

use std::fmt;

use serde::Serialize;

use crate::findings::project::Framework;
pub use crate::findings::project::{Project, Projects};
use crate::findings::role::extension;
pub use crate::findings::role::role_of;
use crate::input::{GitState, Origin};
use crate::text;

/// Why a key leaked, one of the guide's five causes (refined).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    // First: where the key sits decides the advice before anything else.
    /// The key's rule says its keys are public by design (a publishable,
    /// search-only or browser key): not a leak, check its restrictions.
    PublicByDesign,
    /// In test code or test data (`*_test.go`, `tests/`, `__tests__/`,
    /// `conftest.py`, `src/test/`, a `#[cfg(test)]` module...): a fake key
    /// is harmless there, a real one is leaked.
    TestData,
    FrontendCode,
    ClientTransit,
    PublicEnvVar,
    AppBinary,
    EnvFileCommitted,
    DataCommitted,
    ServerCode,
    // Container images (src/input/image.rs, src/findings/image.rs).
    ImageLayer,
    ImageConfig,
    // Last: where the file is says more than that it was committed.
    GitHistory,
}

impl Cause {
    pub const ALL: [Cause; 12] = [
        Cause::FrontendCode,
        Cause::ServerCode,
        Cause::EnvFileCommitted,
        Cause::DataCommitted,
        Cause::PublicEnvVar,
        Cause::ClientTransit,
        Cause::AppBinary,
        Cause::ImageLayer,
        Cause::ImageConfig,
        Cause::GitHistory,
        Cause::TestData,
        Cause::PublicByDesign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cause::FrontendCode => "frontend-code",
            Cause::ServerCode => "server-code",
            Cause::EnvFileCommitted => "env-file-committed",
            Cause::DataCommitted => "data-committed",
            Cause::PublicEnvVar => "public-env-var",
            Cause::ClientTransit => "client-transit",
            Cause::AppBinary => "app-binary",
            Cause::GitHistory => "git-history",
            Cause::TestData => "test-data",
            Cause::PublicByDesign => "public-by-design",
            c => c.image_str(),
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
                "shipped inside an app or a compiled binary: anyone with the file can extract it (unpacking, decompiling or `strings`)"
            }
            Cause::DataCommitted => {
                "stored in a database file committed to version control: every clone carries its rows, the key among them"
            }
            Cause::GitHistory => {
                "committed to git: deleting the line later does not help, every clone keeps the old commit"
            }
            Cause::TestData => {
                "in test code, test data, example code or documentation: harmless if the key is fake, but a real key there is in every clone like any other"
            }
            Cause::PublicByDesign => {
                "a key that is public by design: it is meant to ship to browsers or apps, so this is not a leak"
            }
            c => c.image_why(),
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
                "never embed keys in builds (iOS/Android/Electron apps, executables, libraries, compiled classes): the app should get what it needs from your server at run time"
            }
            Cause::DataCommitted => {
                "take the database out of version control (git rm --cached, list it in .gitignore), keep keys out of its rows, and seed data from the environment"
            }
            Cause::GitHistory => {
                "rotate the key first, then purge it from history (git filter-repo) if needed"
            }
            Cause::TestData => {
                "if the key is real, rotate it and let the test read it from the environment (skip the test when it is unset); if it is fake, make it obviously fake (FAKE, EXAMPLE, 0000...) or mark the line `jikimi:allow`"
            }
            Cause::PublicByDesign => {
                "no need to rotate it: check its restrictions (allowed domains or referrers, read-only or search-only rights) so that it cannot be used for more"
            }
            c => c.image_fix(),
        }
    }
}

// Container images: a key baked into a layer or stored in the image config.
impl Cause {
    fn image_str(self) -> &'static str {
        match self {
            Cause::ImageConfig => "image-config",
            _ => "image-layer",
        }
    }

    fn image_why(self) -> &'static str {
        match self {
            Cause::ImageConfig => {
                "stored in the image config (ENV, a build argument in the history, a label): `docker inspect` and `docker history` show it to anyone who pulls the image"
            }
            _ => {
                "baked into a container image layer: anyone who pulls the image can read the file, even if a later layer deletes it"
            }
        }
    }

    fn image_fix(self) -> &'static str {
        match self {
            Cause::ImageConfig => {
                "never pass keys with ENV, ARG or --build-arg: give build steps a build secret (`RUN --mount=type=secret,id=…`), give the running container its key at run time (environment from the orchestrator, a secrets manager); rotate the key, rebuild and delete the pushed tags"
            }
            _ => {
                "keep keys out of the build context (.dockerignore: .env*, *.pem, .npmrc), use `RUN --mount=type=secret` for build-time keys and runtime environment or a secrets manager for the app; rotate the key, rebuild and delete the pushed tags (a `RUN rm` in a later layer does not remove it)"
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

// Path facts the input stage needs too live in a leaf module.
pub use crate::paths::{
    BUILD_OUTPUT_DIRS, file_name, in_build_output, is_env_file, is_env_template,
};

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
    /// The project the file belongs to (default for archive members).
    pub project: Project,
    /// The blob is inside a mobile or desktop app package.
    pub in_app_package: bool,
    /// The file is test code or test data by its ecosystem's conventions
    /// ([`crate::findings::test_data::is_test_path`]).
    pub test_data: bool,
    /// The text is the strings of a binary of this kind (set by the
    /// collector; `None` for text and for binaries inside app packages).
    pub binary: Option<crate::input::binary::Kind>,
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
        // History blobs are placed with today's manifests: close enough, and
        // never a reason to execute anything.
        // An archive member is its own package: its path inside the archive
        // says more than the project the archive sits in.
        let (project, in_project) = match origin {
            Origin::Member { .. } => (Project::default(), leaf.to_string()),
            o => projects.lookup(o.leaf_path()),
        };
        // Whatever a file would be in a source tree, inside an apk, ipa or
        // asar it ships to every user's device.
        let role = if in_app_package {
            Role::App
        } else {
            role_of(&in_project, text, &project)
        };
        FileFacts {
            role,
            project,
            in_app_package,
            test_data: !in_app_package
                && (crate::findings::test_data::is_test_path(&origin.display_path())
                    || crate::findings::test_data::is_docs_path(&origin.display_path())
                    || (!matches!(origin, Origin::Member { .. })
                        && projects.named_test_path(leaf))),
            binary: None,
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
    // A binary is its own cause, whatever its path would say of a source
    // file: code compiled into it ships with it, a database's rows are data.
    if let Some(kind) = facts.binary {
        causes.push(if facts.test_data {
            // A fixture binary, a documentation build's pickles.
            Cause::TestData
        } else if kind.is_data() {
            Cause::DataCommitted
        } else {
            Cause::AppBinary
        });
        if origin.commit().is_some() {
            causes.push(Cause::GitHistory);
        }
        causes.sort();
        causes.dedup();
        return causes;
    }
    // Test code and test data do not ship: where the key sits is a test,
    // whatever the file's role would be in the product.
    if facts.test_data
        || crate::findings::test_data::in_rust_test_module(origin.leaf_path(), text, start)
    {
        causes.push(Cause::TestData);
        if origin.commit().is_some() {
            causes.push(Cause::GitHistory);
        }
        causes.sort();
        causes.dedup();
        return causes;
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

/// What a finding's wording depends on besides its causes: where the
/// file stands with git, the framework around it, and whether the scan was
/// of staged changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Situation {
    /// The working-tree file's git state; `None` for a history blob.
    pub git: Option<GitState>,
    /// The project's framework (its public variable prefix, its bundler).
    pub framework: Framework,
    /// Found by `--staged`: in the index, not yet committed.
    pub staged: bool,
}

impl Cause {
    /// [`Cause::why`], in the words of the finding's situation.
    pub fn why_in(self, s: &Situation) -> &'static str {
        match (self, s.staged, s.git) {
            (Cause::EnvFileCommitted, true, _) => {
                "a .env file is staged for the next commit: committing it gives the key to every clone"
            }
            (Cause::EnvFileCommitted, _, Some(GitState::Untracked)) => {
                "a .env file that git does not ignore (not committed yet): the next `git add .` commits it"
            }
            (Cause::EnvFileCommitted, _, Some(GitState::NoRepo)) => {
                "a .env file outside any git repository: nothing will ignore it when one is created, and it goes with every copy of the folder"
            }
            (c, _, _) => c.why(),
        }
    }

    /// [`Cause::fix`], in the words of the finding's situation (its git
    /// state, its framework's public prefix).
    pub fn fix_in(self, s: &Situation) -> String {
        let prefix = s.framework.public_prefix();
        match (self, s.staged, s.git) {
            (Cause::EnvFileCommitted, true, _) => {
                "unstage it (git rm --cached FILE), add .env and .env.* to .gitignore, keep a .env.example without values".into()
            }
            (Cause::EnvFileCommitted, _, Some(GitState::Untracked)) => {
                "add .env and .env.* to .gitignore before the next commit (nothing to untrack yet), keep a .env.example without values".into()
            }
            (Cause::EnvFileCommitted, _, Some(GitState::NoRepo)) => {
                "add .env and .env.* to .gitignore before the first commit, and leave the file out of copies you share".into()
            }
            (Cause::FrontendCode, _, _) => match prefix {
                Some(p) => format!(
                    "{}, never through a {p} variable ({} inlines those into the bundle)",
                    self.fix(),
                    s.framework.as_str()
                ),
                None => self.fix().into(),
            },
            (Cause::PublicEnvVar, _, _) => match prefix {
                Some(p) => format!(
                    "drop the {p} prefix ({} inlines {p} variables into the bundle): keep the key in a server-only variable and call the provider from your backend",
                    s.framework.as_str()
                ),
                None => self.fix().into(),
            },
            (c, _, _) => c.fix().into(),
        }
    }
}

/// Whether the key has left this machine: committed, shipped, or in a file
/// others get. A staged key, or a key whose only problem is a `.env` that
/// git would commit but has not, has not.
pub fn leaked(causes: &[Cause], s: &Situation) -> bool {
    if s.staged {
        return false;
    }
    !(causes == [Cause::EnvFileCommitted]
        && matches!(s.git, Some(GitState::Untracked | GitState::NoRepo)))
}

/// The first step for a secret: rotate a leaked key; a key that has not
/// left the machine only has to stay there.
pub fn first_step(causes: &[Cause], s: &Situation) -> &'static str {
    if causes.contains(&Cause::PublicByDesign) {
        "Keep it: it is public by design"
    } else if causes.contains(&Cause::TestData) {
        "Check whether the key is real (a real key in a test is leaked like any other)"
    } else if s.staged {
        "Remove it before you commit: it has not left this machine (rotate it only if you shared it elsewhere)"
    } else if !leaked(causes, s) {
        "It has not been committed: keep it out of git (rotate it only if you shared it elsewhere)"
    } else {
        "Rotate the key now (it must be treated as leaked)"
    }
}

/// The `why` line of a finding: its first (most telling) cause. A key in a
/// configuration or text file (no code role) gets its own wording.
pub fn why(causes: &[Cause], role: Role, s: &Situation) -> String {
    if role == Role::Other && causes.first() == Some(&Cause::ServerCode) {
        return "hardcoded in a configuration or text file: everyone with the files (and every clone) has the key".into();
    }
    causes
        .first()
        .map(|c| c.why_in(s).to_string())
        .unwrap_or_default()
}

/// The `why` line of a finding in a binary of kind `kind` ("an ELF
/// executable or library"), when its first cause is about binaries.
pub fn why_binary(causes: &[Cause], kind: &str) -> Option<String> {
    match causes.first()? {
        Cause::AppBinary => Some(format!(
            "compiled into {kind}: anyone with the file can extract it (`strings` lists it), so treat it as public"
        )),
        Cause::DataCommitted => Some(format!(
            "stored in {kind} committed to version control: every clone carries its rows, the key among them"
        )),
        _ => None,
    }
}

/// The fixes for each cause, without the first step (rotation) and the
/// history purge: what is specific to this finding.
pub fn cause_fixes(causes: &[Cause], s: &Situation) -> Vec<String> {
    causes
        .iter()
        .filter(|c| **c != Cause::GitHistory || causes.len() == 1)
        .map(|c| c.fix_in(s))
        .collect()
}

/// The `fix` line: the first step (rotate a leaked key), then what to
/// change per cause, then the history purge.
pub fn fix(causes: &[Cause], s: &Situation) -> String {
    let mut parts = vec![first_step(causes, s).to_string()];
    parts.extend(cause_fixes(causes, s));
    let maybe_fake = causes
        .iter()
        .any(|c| matches!(c, Cause::TestData | Cause::PublicByDesign));
    if causes.contains(&Cause::GitHistory) && causes.len() > 1 && !maybe_fake {
        parts.push("purge it from git history (git filter-repo) once rotated".into());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
