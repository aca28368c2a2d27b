//! `jikimi scan --verify`: is the leaked key still live?
//!
//! Each distinct secret (more precisely: each distinct request) is checked
//! once per run against its provider's documented identity or read-only
//! endpoint, as its rule's `[rule.verify]` data says ([`spec`]); the answer
//! is recorded on every finding of that secret as a [`Verification`]
//! (`live`, `invalid`, `unknown`, `error`). Verification never changes what
//! is detected, only adds the status; without `--verify` nothing here runs
//! and no socket is opened.
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

mod client;
pub mod endpoint;
pub mod report;
pub mod sigv4;
pub mod spec;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::findings::{Finding, redact};
use crate::rules::{RuleKind, RuleSet, RuleSyntax};
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
    /// The other half of a credential found next to the secret in the same
    /// file (the `pair` of the rule's spec). A secret: never shown.
    pub pair: Option<String>,
    /// The answer, with `--verify`; shared by every finding of the secret.
    pub outcome: Option<Arc<Verification>>,
}

/// How far from the secret a pair is looked for, each way.
const PAIR_WINDOW: usize = 8 << 10;

impl VerifyState {
    /// The state of a new finding of `rule` at `text[start..end]`: its pair,
    /// if the rule's spec has one and it is in the text nearby.
    pub fn for_match(rule: &RuleSyntax, text: &str, start: usize, end: usize) -> VerifyState {
        let pair = rule
            .verify
            .as_ref()
            .and_then(|s| s.pair_regex())
            .and_then(|re| nearest_pair(re, text.as_bytes(), start, end));
        VerifyState {
            pair,
            outcome: None,
        }
    }

    pub fn status(&self) -> Option<Status> {
        self.outcome.as_ref().map(|o| o.status)
    }

    pub fn is_live(&self) -> bool {
        self.status() == Some(Status::Live)
    }
}

/// The match of `re` nearest to `bytes[start..end]` (not overlapping it)
/// within [`PAIR_WINDOW`].
fn nearest_pair(
    re: &regex::bytes::Regex,
    bytes: &[u8],
    start: usize,
    end: usize,
) -> Option<String> {
    let lo = start.saturating_sub(PAIR_WINDOW);
    let hi = (end + PAIR_WINDOW).min(bytes.len());
    let window = bytes.get(lo..hi)?;
    let mut best: Option<(usize, String)> = None;
    for caps in re.captures_iter(window) {
        let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
            continue;
        };
        let (s, e) = (lo + m.start(), lo + m.end());
        if s < end && e > start {
            continue;
        }
        let distance = if e <= start { start - e } else { s - end };
        let Ok(value) = std::str::from_utf8(m.as_bytes()) else {
            continue;
        };
        if best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, value.to_string()));
        }
    }
    best.map(|(_, v)| v)
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

/// A request ready to send, and what is needed to read its answer.
struct Job<'a> {
    spec: &'a VerifySpec,
    wire: Wire,
    /// Hosts the request may go to (after an override: the override's).
    allowed: Allowed,
    /// AWS credentials to sign each attempt with (the date changes).
    sigv4: Option<(String, String)>,
    /// Values never to show (the secret, and its pair when that is secret).
    secrets: Vec<String>,
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

/// Fill a request template; `encode` percent-encodes the values.
fn fill(t: &str, secret: &str, pair: Option<&str>, encode: bool) -> Result<String, String> {
    let mut out = String::new();
    for piece in spec::parse_template(t)? {
        let value = match piece {
            Piece::Text(s) => {
                out.push_str(s);
                continue;
            }
            Piece::Secret => secret,
            Piece::Pair => pair.ok_or("no pair")?,
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

/// Build the request for `secret` (and its `pair`) from `spec`, or say why
/// none is sent.
fn prepare<'a>(
    spec: &'a VerifySpec,
    secret: &str,
    pair: Option<&str>,
    settings: &Settings,
) -> Result<Job<'a>, Verification> {
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
    if pair.is_none()
        && let Some(p) = &spec.pair
        && templates.iter().any(|t| uses_pair(t))
    {
        return Err(not_sent(
            Status::Unknown,
            format!("not checked: no {} found in the same file", p.what),
        ));
    }
    for (s, re) in spec.skip.iter().zip(spec.skip_regexes()) {
        let value = fill(&s.value, secret, pair, false).unwrap_or_default();
        if re.as_ref().is_some_and(|re| re.is_match(value.as_bytes())) {
            return Err(not_sent(
                Status::Unknown,
                format!("not checked: {}", s.detail),
            ));
        }
    }
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
        let Some((scheme, authority, _)) = split_url(secret) else {
            return refuse("the key is not a URL");
        };
        if scheme != "https"
            || authority.contains('@')
            || !host_allowed(authority_host(authority), &documented)
        {
            return refuse("the URL is not on the provider's documented host");
        }
        secret.to_string()
    } else {
        match fill(&spec.url, secret, pair, true) {
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
    let mut headers = Vec::new();
    for (name, t) in &spec.headers {
        let v = fill(t, secret, pair, false).map_err(|e| not_sent(Status::Error, e))?;
        headers.push((name.clone(), v));
    }
    if let Some([u, p]) = &spec.basic_auth {
        let user = fill(u, secret, pair, false).map_err(|e| not_sent(Status::Error, e))?;
        let pass = fill(p, secret, pair, false).map_err(|e| not_sent(Status::Error, e))?;
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
        Some(t) => fill(t, secret, pair, true)
            .map_err(|e| not_sent(Status::Error, e))?
            .into_bytes(),
        None => Vec::new(),
    };
    let sigv4 = match &spec.aws_sigv4 {
        Some(s) => Some((
            fill(&s.access_key_id, secret, pair, false).map_err(|e| not_sent(Status::Error, e))?,
            fill(&s.secret_access_key, secret, pair, false)
                .map_err(|e| not_sent(Status::Error, e))?,
        )),
        None => None,
    };
    let mut secrets = vec![secret.to_string()];
    if spec.pair.as_ref().is_some_and(|p| p.secret) {
        secrets.extend(pair.map(str::to_string));
    }
    Ok(Job {
        spec,
        wire: Wire {
            method: spec.method.clone(),
            url,
            headers,
            body,
        },
        allowed,
        sigv4,
        secrets,
    })
}

/// The cache key of a job: everything that goes on the wire (before
/// signing, whose date changes) and the credentials signed with.
fn job_key(job: &Job<'_>) -> String {
    let mut h = Sha256::new();
    let mut part = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    part(job.spec.provider.as_bytes());
    part(job.wire.method.as_bytes());
    part(job.wire.url.as_bytes());
    for (k, v) in &job.wire.headers {
        part(k.as_bytes());
        part(v.as_bytes());
    }
    part(&job.wire.body);
    if let Some((id, secret)) = &job.sigv4 {
        part(id.as_bytes());
        part(secret.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The response placeholders of `t` filled from `answer`, or `None` when
/// one is missing or empty.
fn read_template(t: &str, answer: &Answer, json: Option<&Value>) -> Option<String> {
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
}

/// Read `answer` as `spec` says (see the module comment of [`spec`]).
fn classify(spec: &VerifySpec, answer: &Answer, host: &str) -> (Reading, Option<Value>) {
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
            .and_then(|t| read_template(t, answer, json.as_ref()))
            .map_or(fallback, |d| format!("{d} (HTTP {code} from {host})"))
    };
    for a in &spec.answers {
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
fn exchange(client: &Client, job: &Job<'_>, timeout: Duration) -> Result<(Answer, String), String> {
    let mut wire = job.wire.clone();
    for _ in 0..4 {
        let (_, authority, rest) = split_url(&wire.url).ok_or("bad URL")?;
        let host = authority_host(authority).to_string();
        let mut sent = wire.clone();
        if let Some((id, secret)) = &job.sigv4
            && let Some(s) = &job.spec.aws_sigv4
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

/// Send one job (with its one retry) and read the answer.
fn execute(client: &Client, job: &Job<'_>, settings: &Settings) -> Verification {
    let started = Instant::now();
    let mut attempt = 0;
    let (status, detail, identity, code) = loop {
        attempt += 1;
        match exchange(client, job, settings.timeout) {
            Err(reason) => break (Status::Error, reason, None, None),
            Ok((answer, host)) => match classify(job.spec, &answer, &host) {
                (Reading::Retry(detail), _) if attempt >= 2 => {
                    break (
                        Status::Unknown,
                        format!("{detail} (retried once)"),
                        None,
                        Some(answer.status),
                    );
                }
                (Reading::Retry(_), _) => {
                    std::thread::sleep(backoff(&answer));
                }
                (Reading::Final(status, detail), json) => {
                    let identity = if status == Status::Live {
                        job.spec
                            .identity
                            .iter()
                            .find_map(|t| read_template(t, &answer, json.as_ref()))
                    } else {
                        None
                    };
                    break (status, detail, identity, Some(answer.status));
                }
            },
        }
    };
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
        checked_at: Some(crate::input::history::rfc3339(now_secs())),
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

/// Verify the secret findings in `findings` against their rules' specs and
/// record the outcome on each. Risk findings are left alone (`null`).
pub fn run(findings: &mut [Finding], rules: &RuleSet, settings: &Settings) -> Summary {
    let specs: HashMap<&str, &VerifySpec> = rules
        .rules
        .iter()
        .filter_map(|r| r.syntax.verify.as_ref().map(|s| (r.id(), s)))
        .collect();
    // Per finding: a job index or an outcome decided without sending.
    let mut jobs: Vec<Job<'_>> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut plan: Vec<Option<Result<usize, Arc<Verification>>>> = Vec::new();
    for f in findings.iter() {
        if f.kind != RuleKind::Secret || f.secret.is_empty() {
            plan.push(None);
            continue;
        }
        let Some(spec) = specs.get(f.rule.as_str()) else {
            plan.push(Some(Err(Arc::new(not_sent(
                Status::Unknown,
                "not checked: jikimi has no verification for this kind of key",
            )))));
            continue;
        };
        match prepare(spec, &f.secret, f.verify.pair.as_deref(), settings) {
            Err(v) => plan.push(Some(Err(Arc::new(v)))),
            Ok(job) => {
                let key = job_key(&job);
                let idx = *by_key.entry(key).or_insert_with(|| {
                    jobs.push(job);
                    jobs.len() - 1
                });
                plan.push(Some(Ok(idx)));
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
    let mut summary = Summary {
        requests: jobs.len(),
        ..Summary::default()
    };
    for (f, p) in findings.iter_mut().zip(plan) {
        let outcome = match p {
            None => continue,
            Some(Ok(i)) => results[i].clone(),
            Some(Err(v)) => v,
        };
        match outcome.status {
            Status::Live => summary.live += 1,
            Status::Invalid => summary.invalid += 1,
            Status::Unknown => summary.unknown += 1,
            Status::Error => summary.error += 1,
        }
        f.verify.outcome = Some(outcome);
    }
    summary
}

#[cfg(test)]
mod tests;
