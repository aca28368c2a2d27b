//! Facts about a path alone (no content, no git state): which names are
//! env files or their templates, which folders hold build output. A leaf:
//! the input stage (the walk) and the findings stage (causes) both use it.

/// The file name of a `/`-separated path.
pub fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
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
