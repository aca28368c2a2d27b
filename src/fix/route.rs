//! Move a browser call behind a server: the client stops holding the key
//! and calls `/api/<provider>/…` on its own origin; a generated server
//! route forwards only the provider paths the client used, adding the key
//! from the server's environment.
//!
//! Where the route goes follows the project: a Next.js route handler (or a
//! `pages/api` route on the pages router), a SvelteKit `+server`, a Nuxt
//! `server/api` handler, an Astro endpoint, a Remix resource route (flat
//! routes, or v1 folder routes), a Gatsby Function, an Express router or a
//! Fastify plugin, or a Flask blueprint or FastAPI router
//! ([`super::pyroute`]) when the repository has that server;
//! a pure SPA (Vite, CRA) gets a serverless function in `api/` (the layout
//! Vercel deploys as is) and the user is told what to deploy.

use super::lexer::{Family, Region, region_at};
use super::plan::{Plan, join};
use crate::findings::Finding;
use crate::findings::project::Framework;
use crate::rules::RuleSet;

/// A provider's API, as the route calls it.
struct Upstream {
    slug: &'static str,
    base: &'static str,
    /// The header that carries the key (`authorization` takes `Bearer`).
    header: &'static str,
}

const UPSTREAMS: &[(&str, Upstream)] = &[
    (
        "openai",
        up("openai", "https://api.openai.com", "authorization"),
    ),
    (
        "anthropic",
        up("anthropic", "https://api.anthropic.com", "x-api-key"),
    ),
    (
        "stripe",
        up("stripe", "https://api.stripe.com", "authorization"),
    ),
    ("groq", up("groq", "https://api.groq.com", "authorization")),
    (
        "mistral",
        up("mistral", "https://api.mistral.ai", "authorization"),
    ),
    (
        "deepseek",
        up("deepseek", "https://api.deepseek.com", "authorization"),
    ),
    (
        "openrouter",
        up("openrouter", "https://openrouter.ai", "authorization"),
    ),
    (
        "perplexity",
        up("perplexity", "https://api.perplexity.ai", "authorization"),
    ),
    ("xai", up("xai", "https://api.x.ai", "authorization")),
    (
        "cohere",
        up("cohere", "https://api.cohere.com", "authorization"),
    ),
    (
        "replicate",
        up("replicate", "https://api.replicate.com", "authorization"),
    ),
    (
        "elevenlabs",
        up("elevenlabs", "https://api.elevenlabs.io", "xi-api-key"),
    ),
    (
        "google",
        up(
            "gemini",
            "https://generativelanguage.googleapis.com",
            "x-goog-api-key",
        ),
    ),
    (
        "gemini",
        up(
            "gemini",
            "https://generativelanguage.googleapis.com",
            "x-goog-api-key",
        ),
    ),
];

const fn up(slug: &'static str, base: &'static str, header: &'static str) -> Upstream {
    Upstream { slug, base, header }
}

fn upstream(provider: &str) -> Option<&'static Upstream> {
    let p: String = provider
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    UPSTREAMS
        .iter()
        .find(|(k, _)| p.contains(k))
        .map(|(_, u)| u)
}

/// A key literal in browser code: remove it from the client, point the
/// client's provider URLs at the route, write the route, and keep the value
/// in the server's `.env`.
pub fn client(plan: &mut Plan, f: &Finding, rules: &RuleSet) {
    let Some(text) = plan.text(&f.path) else {
        return;
    };
    let places = super::literal::find_all(&text, &f.secret);
    let Some(&first) = places.first() else {
        plan.skip(format!("{}: the key is not in the file as scanned", f.path));
        return;
    };
    let name = super::literal::env_name(f, rules, &text, first);
    let dir = super::literal::project_dir(f);
    let name = plan.env_value(&join(&dir, ".env"), &name, &f.secret);
    // Remove the key: the literal keeps its quotes and the rest of its text.
    let mut out = text.clone();
    for &at in places.iter().rev() {
        let end = at + f.secret.len();
        let ok = match region_at(Family::Js, &text, at) {
            Region::Literal(l) => at >= l.body_start && end <= l.body_end,
            Region::Comment => true,
            Region::Code => false,
        };
        if ok && out.is_char_boundary(at) && out.is_char_boundary(end) {
            out.replace_range(at..end, "");
        }
    }
    let out = reroute(plan, f, &dir, &name, &out);
    plan.set(&f.path, out);
}

/// A browser file that read a (formerly public) variable: the reads become
/// empty strings, and the provider call goes through the route.
pub fn client_reference(plan: &mut Plan, rel: &str, name: &str, f: &Finding) {
    let Some(text) = plan.text(rel) else {
        return;
    };
    let mut out = text.clone();
    for read in [
        format!("import.meta.env.{name}"),
        format!("process.env.{name}"),
    ] {
        out = empty_reads(&out, &read);
    }
    let dir = super::literal::project_dir(f);
    let mut g = f.clone();
    g.path = rel.to_string();
    let out = reroute(plan, &g, &dir, name, &out);
    plan.set(rel, out);
}

/// `read` (`import.meta.env.NAME`) becomes `""` where it is code: in the
/// code itself or in a template literal (its `${}`), as the lexer says. A
/// quoted string or a comment that names it is left alone: `""` there
/// would end a `"…"` string early.
fn empty_reads(text: &str, read: &str) -> String {
    let b = text.as_bytes();
    let word = |i: usize| {
        b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$')
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in super::literal::find_all(text, read) {
        let end = at + read.len();
        if (at > 0 && (word(at - 1) || b.get(at - 1) == Some(&b'.'))) || word(end) || at < last {
            continue;
        }
        let code = match region_at(Family::Js, text, at) {
            Region::Code => true,
            Region::Literal(l) => l.template,
            Region::Comment => false,
        };
        if !code {
            continue;
        }
        out.push_str(text.get(last..at).unwrap_or(""));
        out.push_str("\"\"");
        last = end;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out
}

/// Point the client's calls to the provider at the route and write the
/// route. Returns the client text.
fn reroute(plan: &mut Plan, f: &Finding, dir: &str, name: &str, text: &str) -> String {
    let Some(up) = upstream(&f.provider) else {
        plan.note(format!("{}: the key was removed from browser code", f.path));
        plan.todo(format!(
            "{}: call {} from a server you run (no route template for this provider); the key is in {} as {name}",
            f.path,
            f.provider,
            join(dir, ".env")
        ));
        return text.to_string();
    };
    let prefix = format!("/api/{}", up.slug);
    // The provider paths the client uses: the only ones the route forwards.
    let mut paths: Vec<String> = super::literal::find_all(text, up.base)
        .into_iter()
        .filter_map(|at| {
            let rest = text.get(at + up.base.len()..)?;
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "/_.-".contains(c)))
                .unwrap_or(rest.len());
            let p = rest.get(..end)?;
            (p.starts_with('/') && p.len() > 1).then(|| p.to_string())
        })
        .collect();
    paths.sort();
    paths.dedup();
    let out = text.replace(up.base, &prefix);
    let sdk = paths.is_empty();
    if sdk {
        plan.todo(format!(
            "{}: point the {} client at the route (its base URL option: `{prefix}/v1`, or the path you call) and drop its key option",
            f.path, f.provider
        ));
    }
    let (route, deploy) = write_route(plan, f, dir, up, name, &paths);
    plan.note(format!(
        "{}: the key was removed from browser code; it calls {prefix}/… on its own server, which {route} serves with {name} from the server environment",
        f.path
    ));
    if let Some(d) = deploy {
        plan.todo(d);
    }
    out
}

/// The framework a project uses, and whether it has TypeScript.
fn framework(f: &Finding) -> Framework {
    f.project
        .as_ref()
        .and_then(|p| p.framework)
        .unwrap_or_default()
}

/// Write the route file; returns its path and what the user must deploy.
fn write_route(
    plan: &mut Plan,
    f: &Finding,
    dir: &str,
    up: &Upstream,
    name: &str,
    paths: &[String],
) -> (String, Option<String>) {
    let ts = plan.exists(&join(dir, "tsconfig.json"));
    let ext = if ts { "ts" } else { "js" };
    let slug = up.slug;
    let fw = framework(f);
    let own = matches!(
        fw,
        Framework::Next
            | Framework::SvelteKit
            | Framework::Nuxt
            | Framework::Astro
            | Framework::Remix
            | Framework::Gatsby
    );
    let express = !own && depends_on(plan, dir, "express");
    let fastify = !own && !express && depends_on(plan, dir, "fastify");
    let python = if own || express || fastify {
        None
    } else {
        super::pyroute::find(plan, dir)
    };
    let (rel, body, deploy) = match fw {
        Framework::Next if pages_router(plan, dir) => {
            let pages = if plan.root.join(join(dir, "src/pages")).is_dir() {
                "src/pages"
            } else {
                "pages"
            };
            let rel = join(dir, &format!("{pages}/api/{slug}/[...path].{ext}"));
            (rel, next_pages(up, name, paths, ts), None)
        }
        Framework::Remix => {
            // Remix v1 nests routes in folders (`routes/api/openai/$.js`);
            // v2 and React Router use flat routes (`routes/api.openai.$.js`).
            let rel = if remix_v1(plan, dir) {
                join(dir, &format!("app/routes/api/{slug}/$.{ext}"))
            } else {
                join(dir, &format!("app/routes/api.{slug}.$.{ext}"))
            };
            let ev = if ts { ": { request: Request }" } else { "" };
            let body = format!(
                "{}\n// A resource route (no default export): GET is the loader, other methods the action.\nexport const loader = ({{ request }}{ev}) => forward(request);\nexport const action = ({{ request }}{ev}) => forward(request);\n",
                forward(up, name, paths, ts)
            );
            let deploy = plan
                .text(&join(dir, "package.json"))
                .is_some_and(|t| t.contains("\"@react-router/dev\""))
                .then(|| {
                    format!(
                        "React Router: if app/routes.ts lists routes rather than using flatRoutes(), add `route(\"api/{slug}/*\", \"routes/api.{slug}.$.{ext}\")`; set {name} in the server's environment"
                    )
                });
            (rel, body, deploy)
        }
        Framework::Next => {
            let app = if plan.root.join(join(dir, "src/app")).is_dir() {
                "src/app"
            } else {
                "app"
            };
            let rel = join(dir, &format!("{app}/api/{slug}/[...path]/route.{ext}"));
            let body = format!(
                "{}\nexport async function POST(request{t}) {{\n  return forward(request);\n}}\n\nexport async function GET(request{t}) {{\n  return forward(request);\n}}\n",
                forward(up, name, paths, ts),
                t = if ts { ": Request" } else { "" }
            );
            (rel, body, None)
        }
        Framework::SvelteKit => {
            let rel = join(
                dir,
                &format!("src/routes/api/{slug}/[...path]/+server.{ext}"),
            );
            let ev = if ts { ": { request: Request }" } else { "" };
            let body = format!(
                "{}\nexport const POST = ({{ request }}{ev}) => forward(request);\nexport const GET = ({{ request }}{ev}) => forward(request);\n",
                forward(up, name, paths, ts)
            );
            (rel, body, None)
        }
        Framework::Nuxt => {
            let rel = join(dir, &format!("server/api/{slug}/[...path].{ext}"));
            let body = format!(
                "{}\nexport default defineEventHandler((event) => forward(toWebRequest(event)));\n",
                forward(up, name, paths, ts)
            );
            (rel, body, None)
        }
        Framework::Astro => {
            let rel = join(dir, &format!("src/pages/api/{slug}/[...path].{ext}"));
            let ev = if ts { ": { request: Request }" } else { "" };
            let body = format!(
                "{}\nexport const prerender = false;\nexport const POST = ({{ request }}{ev}) => forward(request);\nexport const GET = ({{ request }}{ev}) => forward(request);\n",
                forward(up, name, paths, ts)
            );
            (
                rel,
                body,
                Some(
                    "Astro: the endpoint needs on-demand rendering (an SSR adapter: @astrojs/node, vercel, netlify...)"
                        .to_string(),
                ),
            )
        }
        Framework::Gatsby => {
            let rel = join(dir, &format!("src/api/{slug}/[...path].{ext}"));
            (rel, gatsby_function(up, name, paths, ts), None)
        }
        _ if express => {
            let rel = join(dir, &format!("server/{slug}-proxy.js"));
            let module = is_module(plan, dir);
            let body = express_router(up, name, paths, module);
            let mount = format!(
                "mount the route in your Express app: `{slug}Proxy` from server/{slug}-proxy.js, then `app.use(\"/api/{slug}\", {slug}Proxy);` (before any catch-all); set {name} in the server's environment"
            );
            (rel, body, Some(mount))
        }
        _ if fastify => {
            let rel = join(dir, &format!("server/{slug}-proxy.js"));
            let module = is_module(plan, dir);
            let body = fastify_plugin(up, name, paths, module);
            let mount = format!(
                "register the route in your Fastify app: `{slug}Proxy` from server/{slug}-proxy.js, then `app.register({slug}Proxy, {{ prefix: \"/api/{slug}\" }});`; set {name} in the server's environment"
            );
            (rel, body, Some(mount))
        }
        _ if python.is_some() => {
            let (pydir, server) =
                python.unwrap_or_else(|| (String::new(), super::pyroute::PyServer::Flask));
            let (file, body, mount) =
                super::pyroute::route(server, slug, up.base, up.header, name, paths);
            (join(&pydir, &file), body, Some(mount))
        }
        _ => {
            let rel = join(dir, &format!("api/{slug}/[...path].js"));
            let body = format!(
                "{}\nexport function POST(request) {{\n  return forward(request);\n}}\n\nexport function GET(request) {{\n  return forward(request);\n}}\n",
                forward(up, name, paths, false)
            );
            let what = match fw {
                Framework::Vite | Framework::Cra | Framework::VueCli | Framework::Svelte => {
                    format!("this {} app has no server", fw.as_str())
                }
                _ => "no server side was found in this project".to_string(),
            };
            let deploy = format!(
                "{what}: deploy {rel} as a serverless function (Vercel deploys api/ as is; on Netlify or Cloudflare move it to their functions folder), set {name} in the host's environment (not with a public prefix), and in development proxy /api to it (vite.config: server.proxy)"
            );
            (rel, body, Some(deploy))
        }
    };
    if !plan.exists(&rel) {
        plan.set(&rel, body);
    }
    (rel, deploy)
}

/// Whether the project (or the top of the repository) depends on `dep`
/// (`express`, `fastify`).
fn depends_on(plan: &mut Plan, dir: &str, dep: &str) -> bool {
    let quoted = format!("\"{dep}\"");
    [join(dir, "package.json"), "package.json".to_string()]
        .iter()
        .any(|p| plan.text(p).is_some_and(|t| t.contains(&quoted)))
}

/// A Remix v1 app: its `@remix-run/*` packages are 1.x and its config does
/// not opt into v2's flat routes.
fn remix_v1(plan: &mut Plan, dir: &str) -> bool {
    let Some(pkg) = plan.text(&join(dir, "package.json")) else {
        return false;
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&pkg) else {
        return false;
    };
    let v1 = ["dependencies", "devDependencies"].iter().any(|k| {
        v[k].as_object().is_some_and(|deps| {
            deps.iter().any(|(n, ver)| {
                n.starts_with("@remix-run/")
                    && ver
                        .as_str()
                        .map(|s| s.trim_start_matches(['^', '~', '=', '>', ' ', 'v']))
                        .is_some_and(|s| s.starts_with("1.") || s == "1")
            })
        })
    });
    let flat = ["remix.config.js", "remix.config.mjs", "remix.config.cjs"]
        .iter()
        .any(|c| {
            plan.text(&join(dir, c))
                .is_some_and(|t| t.contains("v2_routeConvention: true"))
        });
    v1 && !flat
}

/// A Gatsby Function (`src/api/…`): Express-like `req`/`res`, the splat
/// in `req.params.path`; Gatsby parses JSON bodies into `req.body`.
fn gatsby_function(up: &Upstream, name: &str, paths: &[String], ts: bool) -> String {
    let (import, sig) = if ts {
        (
            "import type { GatsbyFunctionRequest, GatsbyFunctionResponse } from \"gatsby\";\n\n",
            "req: GatsbyFunctionRequest, res: GatsbyFunctionResponse",
        )
    } else {
        ("", "req, res")
    };
    let auth = auth_with(up, |h, d| format!("req.headers[\"{h}\"] ?? \"{d}\""));
    format!(
        "{import}// Generated by `jikimi fix`: the browser calls this function, which calls
// {base} with the key from the server's environment ({name}), so the key
// never ships to the browser. Only the paths the client used are forwarded.
// Check the caller (session, rate limit) before deploying.
const UPSTREAM = \"{base}\";
const ALLOWED{at} = {allowed};

export default async function handler({sig}) {{
  const path = \"/\" + (req.params.path ?? req.params[\"*\"] ?? \"\");
  if (!ALLOWED.includes(path)) {{
    res.status(404).send(\"Not found\");
    return;
  }}
  const key = process.env.{name};
  if (!key) {{
    res.status(500).send(\"{name} is not set on the server\");
    return;
  }}
  const upstream = await fetch(UPSTREAM + path, {{
    method: req.method,
    headers: {{
      \"content-type\": req.headers[\"content-type\"] ?? \"application/json\",
      {auth}
    }},
    body:
      req.method === \"GET\" ? undefined : typeof req.body === \"string\" ? req.body : JSON.stringify(req.body),
  }});
  res.status(upstream.status);
  res.setHeader(\"content-type\", upstream.headers.get(\"content-type\") ?? \"application/json\");
  res.send(await upstream.text());
}}
",
        base = up.base,
        at = if ts { ": string[]" } else { "" },
        allowed = allowed(paths),
    )
}

/// Whether the project's package is an ES module.
fn is_module(plan: &mut Plan, dir: &str) -> bool {
    plan.text(&join(dir, "package.json"))
        .is_some_and(|t| t.contains("\"type\": \"module\"") || t.contains("\"type\":\"module\""))
}

/// A Next.js app on the pages router: `pages/` (or `src/pages/`) and no
/// `app/` (or `src/app/`) folder.
fn pages_router(plan: &Plan, dir: &str) -> bool {
    let is_dir = |p: &str| plan.root.join(join(dir, p)).is_dir();
    !is_dir("app") && !is_dir("src/app") && (is_dir("pages") || is_dir("src/pages"))
}

/// The header line that carries the key.
fn auth(up: &Upstream) -> String {
    auth_with(up, |h, d| {
        format!("request.headers.get(\"{h}\") ?? \"{d}\"")
    })
}

/// The header line that carries the key; `get(header, default)` reads a
/// request header.
fn auth_with(up: &Upstream, get: impl Fn(&str, &str) -> String) -> String {
    if up.header == "authorization" {
        "authorization: `Bearer ${key}`".to_string()
    } else {
        let extra = if up.slug == "anthropic" {
            format!(
                "\n      \"anthropic-version\": {},",
                get("anthropic-version", "2023-06-01")
            )
        } else {
            String::new()
        };
        format!("\"{}\": key,{extra}", up.header)
    }
}

fn allowed(paths: &[String]) -> String {
    allowed_list(
        paths,
        "[] /* add the provider paths your client calls, e.g. \"/v1/chat/completions\" */",
    )
}

/// The allow-list literal of a generated route: `empty` (a comment in the
/// target language) when no path is known, else the paths as JSON strings,
/// which are valid string literals in JS/TS and Python alike.
pub(super) fn allowed_list(paths: &[String], empty: &str) -> String {
    if paths.is_empty() {
        return empty.to_string();
    }
    let quoted: Vec<String> = paths
        .iter()
        .map(|p| serde_json::to_string(p).unwrap_or_else(|_| "\"\"".into()))
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// The forwarding function, on the web platform's Request and Response.
fn forward(up: &Upstream, name: &str, paths: &[String], ts: bool) -> String {
    let (t, r) = if ts {
        (": Request", ": Promise<Response>")
    } else {
        ("", "")
    };
    format!(
        "// Generated by `jikimi fix`: the browser calls this route, which calls
// {base} with the key from the server's environment ({name}), so the key
// never ships to the browser. Only the paths the client used are forwarded.
// Check the caller (session, rate limit) before deploying.
const UPSTREAM = \"{base}\";
const PREFIX = \"/api/{slug}\";
const ALLOWED{at} = {allowed};

async function forward(request{t}){r} {{
  const path = new URL(request.url).pathname.slice(PREFIX.length);
  if (!ALLOWED.includes(path)) {{
    return new Response(\"Not found\", {{ status: 404 }});
  }}
  const key = process.env.{name};
  if (!key) {{
    return new Response(\"{name} is not set on the server\", {{ status: 500 }});
  }}
  const upstream = await fetch(UPSTREAM + path, {{
    method: request.method,
    headers: {{
      \"content-type\": request.headers.get(\"content-type\") ?? \"application/json\",
      {auth}
    }},
    body: request.method === \"GET\" ? undefined : await request.text(),
  }});
  return new Response(upstream.body, {{
    status: upstream.status,
    headers: {{ \"content-type\": upstream.headers.get(\"content-type\") ?? \"application/json\" }},
  }});
}}
",
        base = up.base,
        slug = up.slug,
        at = if ts { ": string[]" } else { "" },
        allowed = allowed(paths),
        auth = auth(up),
    )
}

/// An Express router doing the same (Node 18+ `fetch`).
fn express_router(up: &Upstream, name: &str, paths: &[String], module: bool) -> String {
    let (import, export) = if module {
        ("import express from \"express\";", "export const")
    } else {
        ("const express = require(\"express\");", "const")
    };
    let tail = if module {
        String::new()
    } else {
        format!("\nmodule.exports = {{ {}Proxy }};\n", up.slug)
    };
    let auth = auth_with(up, |h, d| format!("req.get(\"{h}\") ?? \"{d}\""));
    format!(
        "// Generated by `jikimi fix`: the browser calls /api/{slug}/..., this router
// calls {base} with the key from the server's environment ({name}), so the
// key never ships to the browser. Only the paths the client used are
// forwarded. Check the caller (session, rate limit) before deploying.
{import}

const UPSTREAM = \"{base}\";
const ALLOWED = {allowed};

{export} {slug}Proxy = express.Router();

{slug}Proxy.use(express.text({{ type: \"*/*\", limit: \"1mb\" }}), async (req, res) => {{
  if (!ALLOWED.includes(req.path)) {{
    res.status(404).send(\"Not found\");
    return;
  }}
  const key = process.env.{name};
  if (!key) {{
    res.status(500).send(\"{name} is not set on the server\");
    return;
  }}
  const upstream = await fetch(UPSTREAM + req.path, {{
    method: req.method,
    headers: {{
      \"content-type\": req.get(\"content-type\") ?? \"application/json\",
      {auth}
    }},
    body: req.method === \"GET\" ? undefined : req.body,
  }});
  res.status(upstream.status);
  res.type(upstream.headers.get(\"content-type\") ?? \"application/json\");
  res.send(Buffer.from(await upstream.arrayBuffer()));
}});
{tail}",
        base = up.base,
        slug = up.slug,
        allowed = allowed(paths),
    )
}

/// A Next.js pages-router API route: a Node handler (`req`, `res`) that
/// reads the raw body itself (Next's body parser is off for it).
fn next_pages(up: &Upstream, name: &str, paths: &[String], ts: bool) -> String {
    let (import, rq, rs, chunks, body_ret, at) = if ts {
        (
            "import type { NextApiRequest, NextApiResponse } from \"next\";\n\n",
            ": NextApiRequest",
            ": NextApiResponse",
            ": Buffer[]",
            ": Promise<string>",
            ": string[]",
        )
    } else {
        ("", "", "", "", "", "")
    };
    let auth = auth_with(up, |h, d| {
        format!("String(req.headers[\"{h}\"] ?? \"{d}\")")
    });
    format!(
        "// Generated by `jikimi fix`: the browser calls /api/{slug}/..., this route
// calls {base} with the key from the server's environment ({name}), so the
// key never ships to the browser. Only the paths the client used are
// forwarded. Check the caller (session, rate limit) before deploying.
{import}export const config = {{ api: {{ bodyParser: false }} }};

const UPSTREAM = \"{base}\";
const PREFIX = \"/api/{slug}\";
const ALLOWED{at} = {allowed};

async function readBody(req{rq}){body_ret} {{
  const chunks{chunks} = [];
  for await (const chunk of req) {{
    chunks.push(Buffer.from(chunk));
  }}
  return Buffer.concat(chunks).toString();
}}

export default async function handler(req{rq}, res{rs}) {{
  const path = new URL(req.url ?? \"/\", \"http://localhost\").pathname.slice(PREFIX.length);
  if (!ALLOWED.includes(path)) {{
    res.status(404).send(\"Not found\");
    return;
  }}
  const key = process.env.{name};
  if (!key) {{
    res.status(500).send(\"{name} is not set on the server\");
    return;
  }}
  const upstream = await fetch(UPSTREAM + path, {{
    method: req.method,
    headers: {{
      \"content-type\": req.headers[\"content-type\"] ?? \"application/json\",
      {auth}
    }},
    body: req.method === \"GET\" ? undefined : await readBody(req),
  }});
  res.status(upstream.status);
  res.setHeader(\"content-type\", upstream.headers.get(\"content-type\") ?? \"application/json\");
  res.send(Buffer.from(await upstream.arrayBuffer()));
}}
",
        base = up.base,
        slug = up.slug,
        allowed = allowed(paths),
    )
}

/// A Fastify plugin doing the same, registered under `/api/<provider>`.
/// Fastify encapsulates a plugin, so its raw-body parser stays inside it.
fn fastify_plugin(up: &Upstream, name: &str, paths: &[String], module: bool) -> String {
    let (export, tail) = if module {
        ("export async function", String::new())
    } else {
        (
            "async function",
            format!("\nmodule.exports = {{ {}Proxy }};\n", up.slug),
        )
    };
    let auth = auth_with(up, |h, d| {
        format!("String(request.headers[\"{h}\"] ?? \"{d}\")")
    });
    // One level deeper than the other templates: inside the route handler.
    let auth = auth.replace("\n      ", "\n        ");
    format!(
        "// Generated by `jikimi fix`: the browser calls /api/{slug}/..., this plugin
// calls {base} with the key from the server's environment ({name}), so the
// key never ships to the browser. Only the paths the client used are
// forwarded. Check the caller (session, rate limit) before deploying.
// Register it with: app.register({slug}Proxy, {{ prefix: \"/api/{slug}\" }})

const UPSTREAM = \"{base}\";
const ALLOWED = {allowed};

{export} {slug}Proxy(fastify) {{
  // Forward the body as sent: one raw-text parser for every content type.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(\"*\", {{ parseAs: \"string\", bodyLimit: 1048576 }}, (_request, body, done) => {{
    done(null, body);
  }});

  fastify.all(\"/*\", async (request, reply) => {{
    const path = \"/\" + request.params[\"*\"];
    if (!ALLOWED.includes(path)) {{
      return reply.code(404).send(\"Not found\");
    }}
    const key = process.env.{name};
    if (!key) {{
      return reply.code(500).send(\"{name} is not set on the server\");
    }}
    const upstream = await fetch(UPSTREAM + path, {{
      method: request.method,
      headers: {{
        \"content-type\": request.headers[\"content-type\"] ?? \"application/json\",
        {auth}
      }},
      body: request.method === \"GET\" ? undefined : request.body,
    }});
    return reply
      .code(upstream.status)
      .type(upstream.headers.get(\"content-type\") ?? \"application/json\")
      .send(Buffer.from(await upstream.arrayBuffer()));
  }});
}}
{tail}",
        base = up.base,
        slug = up.slug,
        allowed = allowed(paths),
    )
}

#[cfg(test)]
mod tests {
    use super::empty_reads;

    #[test]
    fn reads_become_empty_only_where_they_are_code() {
        let r = "import.meta.env.OPENAI_API_KEY";
        let src = "const k = import.meta.env.OPENAI_API_KEY;\nconst h = `Bearer ${import.meta.env.OPENAI_API_KEY}`;\nconst doc = \"set import.meta.env.OPENAI_API_KEY\";\n// reads import.meta.env.OPENAI_API_KEY\nconst other = import.meta.env.OPENAI_API_KEY_2 + x.import.meta.env.OPENAI_API_KEY;\n";
        assert_eq!(
            empty_reads(src, r),
            "const k = \"\";\nconst h = `Bearer ${\"\"}`;\nconst doc = \"set import.meta.env.OPENAI_API_KEY\";\n// reads import.meta.env.OPENAI_API_KEY\nconst other = import.meta.env.OPENAI_API_KEY_2 + x.import.meta.env.OPENAI_API_KEY;\n"
        );
    }
}
