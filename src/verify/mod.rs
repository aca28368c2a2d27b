//! `jikimi scan --verify`: is the leaked key still live?
//!
//! Each distinct secret (more precisely: each distinct request) is checked
//! once per run against its provider's documented identity or read-only
//! endpoint, as its rule's `[rule.verify]` data says ([`spec`]); the answer
//! is recorded on every finding of that secret as a [`Verification`]
//! (`live`, `invalid`, `unknown`, `error`). Verification never changes what
//! is detected, only adds the status; without `--verify` (or `jikimi
//! verify`, [`single`]) nothing here runs and no socket is opened.
//!
//! The rule of the answers: `invalid` only when the provider answers what
//! it documents as "this credential does not exist or is revoked";
//! anything else is `unknown` with a detail naming the host that answered.
//! A check may take a few requests: every pair candidate near the secret
//! (nearest first, [`MAX_PAIRS`]) and the spec's `also` URLs, tried in
//! order while the answers say `mismatch` (this pairing or endpoint is not
//! the key's), at most six; when none is accepted, `unknown`.
//!
//! Safety, in the order a request is built:
//! - specs come from the built-in rules or a config the user named with
//!   `--config`, never from a scanned repository's own `jikimi.toml`
//!   ([`crate::config`] drops them);
//! - a spec that is not HTTPS to a literal or listed host never loads
//!   ([`spec::VerifySpec::validate`]);
//! - the final URL is checked again after every substitution and override:
//!   HTTPS to one of the provider's documented hosts, or the host of the
//!   user's `JIKIMI_VERIFY_ENDPOINT_<PROVIDER>` (plain http only for
//!   loopback, see [`endpoint`]);
//! - redirects are followed only to the same scheme, host and port; any
//!   other is an `error`;
//! - nothing logs a request or a response: `-v` prints the provider, the
//!   HTTP status and the time taken, and the texts shown (`identity`,
//!   `detail`) are redacted of the key.

pub(crate) mod client;
pub mod endpoint;
pub mod report;
pub mod sigv4;
pub mod single;
pub mod spec;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::rules::{RuleSet, RuleSyntax, Severity};
use crate::text::redact;
use client::{Answer, Client, Wire};
use endpoint::Endpoint;
use spec::{AnswerResult, Piece, VerifySpec, authority_host, host_allowed, split_url};

/// What the provider said about a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The provider accepted the key: rotate it first.
    Live,
    /// The provider rejected it: revoked or never valid.
    Invalid,
    /// The provider answered without saying (rate limit, restricted
    /// answer), or the key could not be checked (no spec, no pair).
    Unknown,
    /// No usable answer: offline, DNS, timeout, TLS, a redirect to another
    /// host, a malformed answer.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
            Status::Error => "error",
        }
    }
}

/// `"verification"` on a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub status: Status,
    /// What the provider says about the key's owner (a login, an account
    /// ARN, a team), when it says anything.
    pub identity: Option<String>,
    /// Why, in a few words: the HTTP status and host, or the failure.
    pub detail: String,
    /// When the answer came (RFC 3339, UTC); `null` when nothing was sent.
    pub checked_at: Option<String>,
}

/// The verification state a finding carries.
#[derive(Clone, Debug, Default)]
pub struct VerifyState {
    /// Candidates for the other half of a credential found next to the
    /// secret in the same file (the `pair` of the rule's spec), nearest
    /// first, at most [`MAX_PAIRS`]. Secrets: never shown.
    pub pairs: Vec<String>,
    /// The spec's context values found for this secret (name, value).
    pub context: Vec<(String, String)>,
    /// The answer, with `--verify`; shared by every finding of the secret.
    pub outcome: Option<Arc<Verification>>,
}

/// How far from the secret a pair or a context value is looked for, each
/// way.
const PAIR_WINDOW: usize = 8 << 10;

/// The most pair candidates tried for one secret.
pub const MAX_PAIRS: usize = 4;

/// The most requests one secret may cost (pairs times `also` URLs).
const MAX_ATTEMPTS: usize = 6;

impl VerifyState {
    /// The state of a new finding of `rule` at `text[start..end]`: its pair
    /// candidates and context values, when the rule's spec has them.
    pub fn for_match(rule: &RuleSyntax, text: &str, start: usize, end: usize) -> VerifyState {
        let Some(spec) = rule.verify.as_ref() else {
            return VerifyState::default();
        };
        VerifyState::around(spec, text.as_bytes(), start, end)
    }

    /// The pairs and context of `spec` around `bytes[start..end]`.
    pub fn around(spec: &VerifySpec, bytes: &[u8], start: usize, end: usize) -> VerifyState {
        let pairs = spec
            .pair_regex()
            .map(|re| candidates(re, None, bytes, start, end, MAX_PAIRS))
            .unwrap_or_default();
        let secret = bytes.get(start..end).unwrap_or_default();
        let context = spec
            .context
            .iter()
            .filter_map(|c| {
                let (re, exclude) = c.regexes()?;
                let value = if c.in_secret.is_some() {
                    let decoded = decode_segments(secret);
                    candidates(re, exclude.as_ref(), &decoded, 0, 0, 1)
                } else {
                    candidates(re, exclude.as_ref(), bytes, start, end, 1)
                };
                Some((c.name.clone(), value.into_iter().next()?))
            })
            .collect();
        VerifyState {
            pairs,
            context,
            outcome: None,
        }
    }

    /// Take `other`'s pairs and context when this finding has none, or when
    /// `prefer` (the other location is the one kept) and it has some.
    pub fn merge(&mut self, other: &VerifyState, prefer: bool) {
        if self.pairs.is_empty() || (prefer && !other.pairs.is_empty()) {
            self.pairs = other.pairs.clone();
        }
        if self.context.is_empty() || (prefer && !other.context.is_empty()) {
            self.context = other.context.clone();
        }
    }

    pub fn status(&self) -> Option<Status> {
        self.outcome.as_ref().map(|o| o.status)
    }

    pub fn is_live(&self) -> bool {
        self.status() == Some(Status::Live)
    }
}

/// The distinct matches of `re` (capture group 1, or the whole match) not
/// overlapping `bytes[start..end]`, within [`PAIR_WINDOW`] of it, nearest
/// first, at most `max`; matches of `exclude` are left out.
fn candidates(
    re: &regex::bytes::Regex,
    exclude: Option<&regex::bytes::Regex>,
    bytes: &[u8],
    start: usize,
    end: usize,
    max: usize,
) -> Vec<String> {
    let lo = start.saturating_sub(PAIR_WINDOW);
    let hi = end.saturating_add(PAIR_WINDOW).min(bytes.len());
    let Some(window) = bytes.get(lo..hi) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, String)> = Vec::new();
    for caps in re.captures_iter(window) {
        // The first group that took part (alternatives), or the match.
        let Some(m) = caps.iter().skip(1).flatten().next().or_else(|| caps.get(0)) else {
            continue;
        };
        let (s, e) = (lo + m.start(), lo + m.end());
        if s < end && e > start {
            continue;
        }
        if exclude.is_some_and(|x| x.is_match(m.as_bytes())) {
            continue;
        }
        let distance = if e <= start { start - e } else { s - end };
        let Ok(value) = std::str::from_utf8(m.as_bytes()) else {
            continue;
        };
        match found.iter_mut().find(|(_, v)| v == value) {
            Some(slot) => slot.0 = slot.0.min(distance),
            None => found.push((distance, value.to_string())),
        }
    }
    found.sort_by_key(|(d, _)| *d);
    found.into_iter().take(max).map(|(_, v)| v).collect()
}

/// The base64 segments of a secret (split at `_` and `.`), decoded and
/// joined by newlines: a Sentry org token carries its URL this way.
fn decode_segments(secret: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for seg in secret.split(|b| matches!(b, b'_' | b'.')) {
        if seg.len() < 8 {
            continue;
        }
        if let Some(d) = unbase64(seg) {
            out.extend_from_slice(&d);
            out.push(b'\n');
        }
    }
    out
}

/// Standard or URL-safe base64, padding optional; `None` on other bytes.
fn unbase64(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// How `--verify` runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Per request (each attempt).
    pub timeout: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// `JIKIMI_VERIFY_ENDPOINT_<PROVIDER>` overrides, by provider.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// `-v`: log provider, status and timing on stderr.
    pub verbose: bool,
}

/// The prefix of the endpoint override variables.
pub const ENV_PREFIX: &str = "JIKIMI_VERIFY_ENDPOINT_";

/// `5s`, `2.5s`, `800ms` or plain seconds.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, scale) = if let Some(ms) = t.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(sec) = t.strip_suffix('s') {
        (sec, 1.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("--verify-timeout {s:?}: expected e.g. 5s, 2.5s or 800ms"))?;
    let secs = v * scale;
    if !secs.is_finite() || secs <= 0.0 || secs > 600.0 {
        return Err(format!(
            "--verify-timeout {s:?}: must be more than 0 and at most 600 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `5 s`, `300 ms`.
pub fn show_duration(d: Duration) -> String {
    if d.as_millis() < 1000 || d.subsec_millis() != 0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs())
    }
}

impl Settings {
    /// Settings for `rules`, reading the endpoint overrides from `env`
    /// (name, value pairs; the process environment in the CLI). A variable
    /// naming no provider, or an unsafe override, is an error.
    pub fn new(
        timeout: Duration,
        concurrency: usize,
        verbose: bool,
        rules: &RuleSet,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, String> {
        if concurrency == 0 {
            return Err("--verify-concurrency must be at least 1".into());
        }
        let providers: BTreeMap<String, String> = rules
            .rules
            .iter()
            .filter_map(|r| r.syntax.verify.as_ref())
            .map(|s| (s.env_var(), s.provider.clone()))
            .collect();
        let mut endpoints = BTreeMap::new();
        for (name, value) in env {
            if !name.starts_with(ENV_PREFIX) {
                continue;
            }
            let Some(provider) = providers.get(&name) else {
                let known: Vec<&str> = providers.keys().map(String::as_str).collect();
                return Err(format!(
                    "{name} names no provider jikimi verifies (known: {})",
                    known.join(", ")
                ));
            };
            endpoints.insert(provider.clone(), Endpoint::parse(&name, &value)?);
        }
        Ok(Settings {
            timeout,
            concurrency,
            endpoints,
            verbose,
        })
    }
}

/// The requests for one secret, tried in order until one answers for
/// good, and what is needed to read the answers.
struct Job<'a> {
    spec: &'a VerifySpec,
    attempts: Vec<Attempt>,
    /// Values never to show (the secret, and its pairs when they are
    /// secret).
    secrets: Vec<String>,
    /// The context values found next to the secret (not the defaults).
    found: BTreeMap<String, String>,
    /// Whether `JIKIMI_VERIFY_ENDPOINT_<PROVIDER>` moved the requests to
    /// a host of the user's choice (not loopback, which stands in for the
    /// public host).
    overridden: bool,
}

/// One request of a job: a URL variant with one pair candidate.
struct Attempt {
    wire: Wire,
    /// Hosts the request may go to (after an override: the override's).
    allowed: Allowed,
    /// AWS credentials to sign each attempt with (the date changes).
    sigv4: Option<(String, String)>,
}

#[derive(Clone, Debug)]
enum Allowed {
    /// HTTPS to one of these (documented) host patterns.
    Documented(Vec<String>),
    /// The override: this scheme and authority exactly.
    Override { scheme: String, authority: String },
}

impl Allowed {
    fn permits(&self, url: &str) -> bool {
        let Some((scheme, authority, _)) = split_url(url) else {
            return false;
        };
        if authority.contains('@') {
            return false;
        }
        match self {
            Allowed::Documented(hosts) => {
                scheme == "https" && host_allowed(authority_host(authority), hosts)
            }
            Allowed::Override {
                scheme: s,
                authority: a,
            } => scheme == s && authority.eq_ignore_ascii_case(a),
        }
    }
}

/// Percent-encode a value put into a URL or a body.
fn encode_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Standard base64 (for HTTP basic authentication).
fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// What a request template is filled with.
struct Values<'a> {
    secret: &'a str,
    pair: Option<&'a str>,
    /// Context values found, then the defaults of those not found.
    context: &'a BTreeMap<String, String>,
}

/// Fill a request template; `encode` percent-encodes the values.
fn fill(t: &str, v: &Values<'_>, encode: bool) -> Result<String, String> {
    let mut out = String::new();
    for piece in spec::parse_template(t)? {
        let value = match piece {
            Piece::Text(s) => {
                out.push_str(s);
                continue;
            }
            Piece::Secret => v.secret,
            Piece::Pair => v.pair.ok_or("no pair")?,
            Piece::Context(name) => v
                .context
                .get(name)
                .map(String::as_str)
                .ok_or("no context")?,
            Piece::Pointer(_) | Piece::Header(_) => return Err("response placeholder".into()),
        };
        if encode {
            out.push_str(&encode_value(value));
        } else {
            out.push_str(value);
        }
    }
    Ok(out)
}

/// An outcome decided without sending anything.
fn not_sent(status: Status, detail: impl Into<String>) -> Verification {
    Verification {
        status,
        identity: None,
        detail: detail.into(),
        checked_at: None,
    }
}

/// Build the requests for `secret` (with its pair candidates and context,
/// `state`) from `spec`, or say why none is sent.
fn prepare<'a>(
    spec: &'a VerifySpec,
    secret: &str,
    state: &VerifyState,
    settings: &Settings,
) -> Result<Job<'a>, Verification> {
    let found: BTreeMap<String, String> = state.context.iter().cloned().collect();
    let mut context = found.clone();
    for c in &spec.context {
        if let Some(d) = &c.default {
            context.entry(c.name.clone()).or_insert_with(|| d.clone());
        }
    }
    let uses_pair = |t: &str| spec::parse_template(t).is_ok_and(|p| p.contains(&Piece::Pair));
    let mut templates: Vec<&str> = vec![&spec.url];
    templates.extend(spec.headers.values().map(String::as_str));
    templates.extend(spec.body.as_deref());
    if let Some([u, p]) = &spec.basic_auth {
        templates.extend([u.as_str(), p.as_str()]);
    }
    if let Some(s) = &spec.aws_sigv4 {
        templates.extend([s.access_key_id.as_str(), s.secret_access_key.as_str()]);
    }
    let paired = spec.pair.is_some() && templates.iter().any(|t| uses_pair(t));
    if paired && state.pairs.is_empty() {
        let what = spec.pair.as_ref().map_or("", |p| p.what.as_str());
        return Err(not_sent(
            Status::Unknown,
            format!("not checked: no {what} found in the same file"),
        ));
    }
    let pairs: Vec<Option<&str>> = if paired {
        state.pairs.iter().map(|p| Some(p.as_str())).collect()
    } else {
        vec![None]
    };
    // A skip that holds for a candidate drops it; when none is left,
    // nothing is sent.
    // A loopback override stands in for the provider's public host (a test
    // server, a local forwarder); an https one names the instance or site
    // the user chose, so what the file suggests no longer applies.
    let chosen = settings
        .endpoints
        .get(&spec.provider)
        .is_some_and(|e| !endpoint::is_loopback(e.host()));
    let mut skipped = None;
    let mut kept = Vec::new();
    for pair in pairs {
        let values = Values {
            secret,
            pair,
            context: &found,
        };
        let hit = spec
            .skip
            .iter()
            .zip(spec.skip_regexes())
            .filter(|(s, _)| !(chosen && reads_context(&s.value)))
            .find(|(s, re)| {
                fill(&s.value, &values, false)
                    .ok()
                    .is_some_and(|v| re.as_ref().is_some_and(|re| re.is_match(v.as_bytes())))
            });
        match hit {
            Some((s, _)) => {
                skipped.get_or_insert_with(|| {
                    fill(&s.detail, &values, false).unwrap_or_else(|_| s.detail.clone())
                });
            }
            None => kept.push(pair),
        }
    }
    if kept.is_empty() {
        let why = format!("not checked: {}", skipped.unwrap_or_default());
        return Err(not_sent(
            Status::Unknown,
            clean(&why, &[secret.to_string()]),
        ));
    }
    let mut attempts = Vec::new();
    let mut first_error = None;
    let urls = std::iter::once(&spec.url).chain(&spec.also);
    'urls: for url in urls {
        for pair in &kept {
            if attempts.len() >= MAX_ATTEMPTS {
                break 'urls;
            }
            let values = Values {
                secret,
                pair: *pair,
                context: &context,
            };
            // An `also` URL whose context was not found is left out.
            if !spec.url_is_secret() && fill(url, &values, false).is_err() {
                continue 'urls;
            }
            match attempt(spec, url, &values, settings) {
                Ok(a) => attempts.push(a),
                Err(v) => {
                    first_error.get_or_insert(v);
                }
            }
        }
    }
    if attempts.is_empty() {
        return Err(first_error
            .unwrap_or_else(|| not_sent(Status::Error, "not sent: the URL could not be built")));
    }
    let mut secrets = vec![secret.to_string()];
    if spec.pair.as_ref().is_some_and(|p| p.secret) {
        secrets.extend(state.pairs.iter().cloned());
    }
    Ok(Job {
        spec,
        attempts,
        secrets,
        found,
        overridden: chosen,
    })
}

/// Whether a template reads a context value.
fn reads_context(t: &str) -> bool {
    spec::parse_template(t).is_ok_and(|p| p.iter().any(|p| matches!(p, Piece::Context(_))))
}

/// One request: `url` (a template) filled with `v`, checked against the
/// provider's hosts (or the override), with its headers and body.
fn attempt(
    spec: &VerifySpec,
    url: &str,
    v: &Values<'_>,
    settings: &Settings,
) -> Result<Attempt, Verification> {
    let refuse = |why: &str| {
        Err(not_sent(
            Status::Error,
            format!(
                "not sent: {why} (a key only goes to its provider's documented host over HTTPS)"
            ),
        ))
    };
    let documented = spec.documented_hosts();
    let url = if spec.url_is_secret() {
        // The secret is the URL: it must itself be on a documented host.
        let Some((scheme, authority, _)) = split_url(v.secret) else {
            return refuse("the key is not a URL");
        };
        if scheme != "https"
            || authority.contains('@')
            || !host_allowed(authority_host(authority), &documented)
        {
            return refuse("the URL is not on the provider's documented host");
        }
        v.secret.to_string()
    } else {
        match fill(url, v, true) {
            Ok(u) => u,
            Err(_) => return refuse("the URL could not be built"),
        }
    };
    if !Allowed::Documented(documented.clone()).permits(&url) {
        return refuse("the URL is not on the provider's documented host");
    }
    let (url, allowed) = match settings.endpoints.get(&spec.provider) {
        Some(e) => match e.apply(&url) {
            Some(u) => (
                u,
                Allowed::Override {
                    scheme: e.scheme.clone(),
                    authority: e.authority.clone(),
                },
            ),
            None => return refuse("the endpoint override does not apply"),
        },
        None => (url, Allowed::Documented(documented)),
    };
    if !allowed.permits(&url) {
        return refuse("the URL is not on an allowed host");
    }
    let error = |e: String| not_sent(Status::Error, e);
    let mut headers = Vec::new();
    for (name, t) in &spec.headers {
        headers.push((name.clone(), fill(t, v, false).map_err(error)?));
    }
    if let Some([u, p]) = &spec.basic_auth {
        let user = fill(u, v, false).map_err(error)?;
        let pass = fill(p, v, false).map_err(error)?;
        headers.push((
            "Authorization".into(),
            format!("Basic {}", base64(format!("{user}:{pass}").as_bytes())),
        ));
    }
    if headers
        .iter()
        .any(|(_, v)| v.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f))
    {
        return refuse("the key has characters a header cannot carry");
    }
    let body = match &spec.body {
        Some(t) => fill(t, v, true).map_err(error)?.into_bytes(),
        None => Vec::new(),
    };
    let sigv4 = match &spec.aws_sigv4 {
        Some(s) => Some((
            fill(&s.access_key_id, v, false).map_err(error)?,
            fill(&s.secret_access_key, v, false).map_err(error)?,
        )),
        None => None,
    };
    Ok(Attempt {
        wire: Wire {
            method: spec.method.clone(),
            url,
            headers,
            body,
        },
        allowed,
        sigv4,
    })
}

/// The cache key of a job: everything that goes on the wire (before
/// signing, whose date changes), the credentials signed with, and what
/// the answers are read with.
fn job_key(job: &Job<'_>) -> String {
    let mut h = Sha256::new();
    let mut part = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    part(job.spec.provider.as_bytes());
    // Two rules may send the same request but read its answer differently
    // (an AWS key id and its secret): the spec is part of the key.
    part(job.spec.fingerprint().as_bytes());
    part(&[u8::from(job.overridden)]);
    for (k, v) in &job.found {
        part(k.as_bytes());
        part(v.as_bytes());
    }
    for a in &job.attempts {
        part(a.wire.method.as_bytes());
        part(a.wire.url.as_bytes());
        for (k, v) in &a.wire.headers {
            part(k.as_bytes());
            part(v.as_bytes());
        }
        part(&a.wire.body);
        if let Some((id, secret)) = &a.sigv4 {
            part(id.as_bytes());
            part(secret.as_bytes());
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The response placeholders of `t` filled from `answer`, or `None` when
/// one is missing or empty.
fn read_template(
    t: &str,
    answer: &Answer,
    json: Option<&Value>,
    found: &BTreeMap<String, String>,
) -> Option<String> {
    let mut out = String::new();
    for piece in spec::parse_template(t).ok()? {
        match piece {
            Piece::Text(s) => out.push_str(s),
            Piece::Pointer(p) => {
                let v = json?.pointer(p)?;
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                if s.is_empty() {
                    return None;
                }
                out.push_str(&s);
            }
            Piece::Header(name) => {
                let v = answer.header(name)?;
                if v.is_empty() {
                    return None;
                }
                out.push_str(v);
            }
            Piece::Context(name) => out.push_str(found.get(name)?),
            Piece::Secret | Piece::Pair => return None,
        }
    }
    Some(out)
}

/// A text from a response made safe to show: no control characters, at
/// most 200 characters, the key and its pair redacted.
fn clean(text: &str, secrets: &[String]) -> String {
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    for secret in secrets {
        if !secret.is_empty() && s.contains(secret.as_str()) {
            s = s.replace(secret.as_str(), &redact(secret));
        }
    }
    s
}

/// What one answer means.
#[derive(Debug, PartialEq, Eq)]
enum Reading {
    Final(Status, String),
    /// Retry once, then `unknown` with this detail.
    Retry(String),
    /// This pairing or endpoint was rejected: try the next one; when none
    /// is left, `unknown` with this detail.
    Mismatch(String),
    /// Ask once more; if the answer is the same, this reading.
    Recheck(Box<Reading>),
}

/// What an answer is read with besides the answer: the context values
/// found next to the secret and whether the endpoint was overridden.
#[derive(Debug, Default)]
struct Cond {
    found: BTreeMap<String, String>,
    overridden: bool,
}

/// Read `answer` as `spec` says (see the module comment of [`spec`]).
fn classify(
    spec: &VerifySpec,
    answer: &Answer,
    host: &str,
    cond: &Cond,
) -> (Reading, Option<Value>) {
    let code = answer.status;
    let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let body = String::from_utf8_lossy(&answer.body);
    let ok = (200..300).contains(&code);
    if ok && spec.expect_json && json.is_none() {
        return (
            Reading::Final(
                Status::Error,
                format!(
                    "malformed answer from {host}: HTTP {code} without the JSON the provider documents"
                ),
            ),
            None,
        );
    }
    let detail_of = |a: &spec::AnswerSpec, fallback: String| {
        a.detail
            .as_deref()
            .and_then(|t| read_template(t, answer, json.as_ref(), &cond.found))
            .map_or(fallback, |d| format!("{d} (HTTP {code} from {host})"))
    };
    for a in &spec.answers {
        if let Some(n) = &a.found
            && (cond.overridden || !cond.found.contains_key(n))
        {
            continue;
        }
        if let Some(n) = &a.missing
            && (cond.overridden || cond.found.contains_key(n))
        {
            continue;
        }
        if !a.status.is_empty() && !a.status.contains(&code) {
            continue;
        }
        if let Some(text) = &a.body_contains
            && !body.contains(text.as_str())
        {
            continue;
        }
        if let Some(p) = &a.json {
            let Some(v) = json.as_ref().and_then(|j| j.pointer(p)) else {
                continue;
            };
            if !a.values.is_empty() && !a.values.contains(v) {
                continue;
            }
        }
        if let Some(h) = &a.header {
            let Some(v) = answer.header(h) else {
                continue;
            };
            if !a.header_values.is_empty() && !a.header_values.iter().any(|x| x == v.trim()) {
                continue;
            }
        }
        let reading = match a.result {
            AnswerResult::Live if spec.expect_json && json.is_none() => Reading::Final(
                Status::Error,
                format!("malformed answer from {host}: HTTP {code} without JSON"),
            ),
            AnswerResult::Live => Reading::Final(
                Status::Live,
                detail_of(
                    a,
                    format!("the provider accepts the key (HTTP {code} from {host})"),
                ),
            ),
            AnswerResult::Invalid => Reading::Final(
                Status::Invalid,
                detail_of(
                    a,
                    format!("the provider rejects the key (HTTP {code} from {host})"),
                ),
            ),
            AnswerResult::Unknown => Reading::Final(
                Status::Unknown,
                detail_of(
                    a,
                    format!("the provider's answer does not say (HTTP {code} from {host})"),
                ),
            ),
            AnswerResult::RateLimited => Reading::Retry(detail_of(
                a,
                format!("rate limited by the provider (HTTP {code} from {host}); try again later"),
            )),
            AnswerResult::Mismatch => Reading::Mismatch(detail_of(
                a,
                format!("the provider rejects this combination (HTTP {code} from {host})"),
            )),
        };
        let reading = if a.retry {
            Reading::Recheck(Box::new(reading))
        } else {
            reading
        };
        return (reading, json);
    }
    let reading = if spec.live.contains(&code) {
        Reading::Final(
            Status::Live,
            format!("the provider accepts the key (HTTP {code} from {host})"),
        )
    } else if spec.invalid.contains(&code) {
        Reading::Final(
            Status::Invalid,
            format!("the provider rejects the key (HTTP {code} from {host})"),
        )
    } else if spec.rate_limited.contains(&code) {
        Reading::Retry(format!(
            "rate limited by the provider (HTTP {code} from {host}); try again later"
        ))
    } else if (500..600).contains(&code) {
        Reading::Retry(format!(
            "the provider failed to answer (HTTP {code} from {host})"
        ))
    } else {
        Reading::Final(
            Status::Unknown,
            format!("unexpected answer from {host}: HTTP {code}"),
        )
    };
    (reading, json)
}

/// How long to wait before the one retry: the provider's `Retry-After`
/// (seconds) within 0.2-5 s, else half a second.
fn backoff(answer: &Answer) -> Duration {
    match answer
        .header("retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        Some(s) if s.is_finite() => Duration::from_secs_f64(s.clamp(0.2, 5.0)),
        _ => Duration::from_millis(500),
    }
}

/// Resolve a `Location` against `base`.
fn resolve(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if split_url(location).is_some() {
        return Some(location.to_string());
    }
    let (scheme, authority, _) = split_url(base)?;
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{rest}"));
    }
    if location.starts_with('/') {
        return Some(format!("{scheme}://{authority}{location}"));
    }
    None
}

/// One answer at most, after same-origin redirects: the answer and the
/// host that gave it, or a failure.
fn exchange(
    client: &Client,
    spec: &VerifySpec,
    job: &Attempt,
    timeout: Duration,
) -> Result<(Answer, String), String> {
    let mut wire = job.wire.clone();
    for _ in 0..4 {
        let (_, authority, rest) = split_url(&wire.url).ok_or("bad URL")?;
        let host = authority_host(authority).to_string();
        let mut sent = wire.clone();
        if let Some((id, secret)) = &job.sigv4
            && let Some(s) = &spec.aws_sigv4
        {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let date = sigv4::amz_date(now_secs());
            let signed = sigv4::sign(
                &sigv4::Request {
                    method: &sent.method,
                    host: authority,
                    path,
                    query,
                    headers: &sent.headers,
                    body: &sent.body,
                },
                &sigv4::Credentials {
                    access_key_id: id,
                    secret_access_key: secret,
                    region: &s.region,
                    service: &s.service,
                },
                &date,
            );
            sent.headers.push(("X-Amz-Date".into(), date));
            sent.headers
                .push(("Authorization".into(), signed.authorization));
        }
        let answer = client.send(&sent, timeout)?;
        if !(300..400).contains(&answer.status) || answer.status == 304 {
            return Ok((answer, host));
        }
        let Some(next) = answer
            .header("location")
            .and_then(|l| resolve(&wire.url, l))
        else {
            return Err(format!(
                "{host} redirected (HTTP {}) without a usable location",
                answer.status
            ));
        };
        let (next_scheme, next_authority, _) = split_url(&next).ok_or("bad redirect")?;
        let (scheme, _, _) = split_url(&wire.url).ok_or("bad URL")?;
        if next_scheme != scheme || !next_authority.eq_ignore_ascii_case(authority) {
            return Err(format!(
                "{host} redirected to another host ({}): not followed, the key only goes to its provider",
                authority_host(next_authority)
            ));
        }
        if !job.allowed.permits(&next) {
            return Err(format!("{host} redirected to a URL that is not allowed"));
        }
        if matches!(answer.status, 301..=303) {
            wire.method = "GET".into();
            wire.body.clear();
        }
        wire.url = next;
    }
    Err("too many redirects".into())
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Send one job's requests in order (each with its one retry) until an
/// answer is final, and read it.
fn execute(client: &Client, job: &Job<'_>, settings: &Settings) -> Verification {
    let started = Instant::now();
    let cond = Cond {
        found: job.found.clone(),
        overridden: job.overridden,
    };
    let mut code = None;
    let mut mismatches: Vec<String> = Vec::new();
    let mut outcome = None;
    'attempts: for att in &job.attempts {
        let mut tries = 0;
        loop {
            tries += 1;
            let (answer, host) = match exchange(client, job.spec, att, settings.timeout) {
                Ok(x) => x,
                Err(reason) => {
                    outcome = Some((Status::Error, reason, None));
                    break 'attempts;
                }
            };
            code = Some(answer.status);
            let (reading, json) = classify(job.spec, &answer, &host, &cond);
            let reading = match reading {
                Reading::Recheck(_) | Reading::Retry(_) if tries < 2 => {
                    std::thread::sleep(backoff(&answer));
                    continue;
                }
                Reading::Recheck(r) => *r,
                r => r,
            };
            match reading {
                Reading::Retry(detail) => {
                    outcome = Some((Status::Unknown, format!("{detail} (retried once)"), None));
                    break 'attempts;
                }
                Reading::Mismatch(detail) => {
                    mismatches.push(detail);
                    continue 'attempts;
                }
                Reading::Final(status, detail) => {
                    let identity = if status == Status::Live {
                        job.spec
                            .identity
                            .iter()
                            .find_map(|t| read_template(t, &answer, json.as_ref(), &job.found))
                    } else {
                        None
                    };
                    outcome = Some((status, detail, identity));
                    break 'attempts;
                }
                Reading::Recheck(_) => unreachable!("unwrapped above"),
            }
        }
    }
    let (status, detail, identity) = outcome.unwrap_or_else(|| {
        let last = mismatches.pop().unwrap_or_default();
        let detail = match mismatches.len() {
            0 => last,
            n => format!("{last}; {} requests tried, none accepted", n + 1),
        };
        (Status::Unknown, detail, None)
    });
    if settings.verbose {
        let what = code.map_or_else(|| "no answer".to_string(), |c| format!("HTTP {c}"));
        eprintln!(
            "jikimi: verify: {}: {what} in {} ms",
            job.spec.provider,
            started.elapsed().as_millis()
        );
    }
    Verification {
        status,
        identity: identity.map(|i| clean(&i, &job.secrets)),
        detail: clean(&detail, &job.secrets),
        checked_at: Some(crate::time::rfc3339(now_secs())),
    }
}

/// What a run did, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Requests sent (distinct secrets checked).
    pub requests: usize,
    pub live: usize,
    pub invalid: usize,
    pub unknown: usize,
    pub error: usize,
}

/// One secret to check: its rule's spec (if any), the secret, and its
/// pairs and context.
pub struct Item<'a> {
    pub spec: Option<&'a VerifySpec>,
    pub secret: &'a str,
    pub state: &'a VerifyState,
}

/// Check `items`, each distinct request once, `settings.concurrency` at a
/// time: the outcome of each item, and the number of requests sent.
pub fn check(items: &[Item<'_>], settings: &Settings) -> (Vec<Arc<Verification>>, usize) {
    // Per item: a job index or an outcome decided without sending.
    let mut jobs: Vec<Job<'_>> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut plan: Vec<Result<usize, Arc<Verification>>> = Vec::new();
    for item in items {
        let Some(spec) = item.spec else {
            plan.push(Err(Arc::new(not_sent(
                Status::Unknown,
                "not checked: jikimi has no verification for this kind of key",
            ))));
            continue;
        };
        match prepare(spec, item.secret, item.state, settings) {
            Err(v) => plan.push(Err(Arc::new(v))),
            Ok(job) => {
                let key = job_key(&job);
                let idx = *by_key.entry(key).or_insert_with(|| {
                    jobs.push(job);
                    jobs.len() - 1
                });
                plan.push(Ok(idx));
            }
        }
    }
    let results: Vec<Arc<Verification>> = if jobs.is_empty() {
        Vec::new()
    } else {
        let client = Client::new(settings.timeout);
        let next = AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<Arc<Verification>>>> =
            jobs.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..settings.concurrency.min(jobs.len()) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        // A panic in one check is that check's error, not
                        // the scan's.
                        let v = crate::isolate::isolated(|| execute(&client, job, settings))
                            .unwrap_or_else(|_| {
                                not_sent(Status::Error, "internal error while checking the key")
                            });
                        *slots[i].lock().expect("verify slot") = Some(Arc::new(v));
                    }
                });
            }
        });
        slots
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .expect("verify slot")
                    .unwrap_or_else(|| Arc::new(not_sent(Status::Error, "not checked")))
            })
            .collect()
    };
    let outcomes = plan
        .into_iter()
        .map(|p| match p {
            Ok(i) => results[i].clone(),
            Err(v) => v,
        })
        .collect();
    (outcomes, jobs.len())
}

/// What verification reads and writes on a finding. The findings stage
/// implements it, so data flows findings -> verify and this module never
/// names a finding.
pub trait Checked {
    /// The id of the rule that found it.
    fn rule_id(&self) -> &str;
    /// The secret to check; `None` for what is never checked (risks).
    fn checked_secret(&self) -> Option<&str>;
    fn verify_state(&self) -> &VerifyState;
    fn verify_state_mut(&mut self) -> &mut VerifyState;
    /// The rule's severity (SARIF raises it for a live key).
    fn severity(&self) -> Severity;
}

/// Verify the secret findings in `findings` against their rules' specs and
/// record the outcome on each. Risk findings are left alone (`null`).
pub fn run<T: Checked>(findings: &mut [T], rules: &RuleSet, settings: &Settings) -> Summary {
    let specs: HashMap<&str, &VerifySpec> = rules
        .rules
        .iter()
        .filter_map(|r| r.syntax.verify.as_ref().map(|s| (r.id(), s)))
        .collect();
    let checked: Vec<usize> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.checked_secret().is_some())
        .map(|(i, _)| i)
        .collect();
    let items: Vec<Item<'_>> = checked
        .iter()
        .map(|&i| {
            let f = &findings[i];
            Item {
                spec: specs.get(f.rule_id()).copied(),
                secret: f.checked_secret().unwrap_or_default(),
                state: f.verify_state(),
            }
        })
        .collect();
    let (outcomes, requests) = check(&items, settings);
    drop(items);
    let mut summary = Summary {
        requests,
        ..Summary::default()
    };
    for (i, outcome) in checked.into_iter().zip(outcomes) {
        summary.add(outcome.status);
        findings[i].verify_state_mut().outcome = Some(outcome);
    }
    summary
}

impl Summary {
    fn add(&mut self, s: Status) {
        match s {
            Status::Live => self.live += 1,
            Status::Invalid => self.invalid += 1,
            Status::Unknown => self.unknown += 1,
            Status::Error => self.error += 1,
        }
    }
}

#[cfg(test)]
mod tests;
