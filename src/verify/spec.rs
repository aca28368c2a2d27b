//! The verification request of a rule, as data: `[rule.verify]` in a rule
//! file (or in a config given with `--config`, never in a scanned
//! repository's own `jikimi.toml`).
//!
//! ```toml
//! [rule.verify]
//! provider = "openai"                       # JIKIMI_VERIFY_ENDPOINT_OPENAI
//! url = "https://api.openai.com/v1/models"  # https, the provider's documented host
//! headers = { Authorization = "Bearer {secret}" }
//! live = [200]                              # statuses that mean "the key works"
//! invalid = [401]                           # statuses that mean "revoked or invalid"
//! identity = ["organization {header:openai-organization}"]
//! ```
//!
//! Placeholders: `{secret}` (the finding's secret) and `{pair}` (the value
//! the rule's `pair` regex found next to it, e.g. the AWS access key id for
//! a secret access key). They are percent-encoded in the URL and the body and
//! must not make a header span lines. `{ctx:name}` reads a value of the
//! spec's `context` found next to the secret (a Datadog site, an account
//! id); in a URL's host it can only choose among `hosts`. `identity` and
//! answer `detail` texts read the response instead: `{/json/pointer}` and
//! `{header:name}` (and `{ctx:name}`); they can never show the secret.
//!
//! Everything here is checked by [`VerifySpec::validate`] (through
//! `jikimi rules check`), so a spec that could send a key anywhere but over
//! HTTPS to its provider's host never loads.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `[rule.verify]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    /// Lower-case name of the endpoint's owner (`openai`, `github`); names
    /// the override variable `JIKIMI_VERIFY_ENDPOINT_<PROVIDER>`.
    pub provider: String,
    /// `GET` (the default) or `POST`; nothing that changes state.
    #[serde(default = "default_method")]
    pub method: String,
    /// `https://host/path?query` with placeholders, or exactly `{secret}`
    /// when the secret is itself the URL (a Discord webhook); the host must
    /// then be one of `hosts`.
    pub url: String,
    /// The provider's documented hosts when the URL does not name one
    /// literally: exact names or `*.example.com` (one DNS label).
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// HTTP basic authentication: `[user, password]` templates.
    #[serde(default)]
    pub basic_auth: Option<[String; 2]>,
    #[serde(default)]
    pub body: Option<String>,
    /// Sign the request with AWS Signature Version 4.
    #[serde(default)]
    pub aws_sigv4: Option<SigV4Spec>,
    /// The second half of a credential, looked for in the same file.
    #[serde(default)]
    pub pair: Option<PairSpec>,
    /// Values looked for next to the secret (or inside it), read by
    /// `{ctx:name}` placeholders and the `found`/`missing` conditions of
    /// answers: a Datadog site, a Cloudflare account id, a self-hosted
    /// instance's host.
    #[serde(default)]
    pub context: Vec<ContextSpec>,
    /// Further URL templates, tried in order after an answer that says
    /// `mismatch` (e.g. Cloudflare's account endpoint after its user
    /// endpoint); a template whose `{ctx:...}` is not found is left out.
    #[serde(default)]
    pub also: Vec<String>,
    /// Secrets that cannot be checked this way (e.g. temporary AWS keys
    /// without their session token): no request, status `unknown`.
    #[serde(default)]
    pub skip: Vec<SkipSpec>,
    /// Statuses meaning the key works.
    #[serde(default)]
    pub live: Vec<u16>,
    /// Statuses meaning the key is revoked or invalid.
    #[serde(default)]
    pub invalid: Vec<u16>,
    /// Statuses meaning "slow down" (retried once, then `unknown`).
    #[serde(default = "default_rate_limited")]
    pub rate_limited: Vec<u16>,
    /// Answers checked before the status lists, first match wins.
    #[serde(default, rename = "answer")]
    pub answers: Vec<AnswerSpec>,
    /// What to show as the key's owner on a live answer: templates tried in
    /// order, the first whose placeholders all resolve wins.
    #[serde(default)]
    pub identity: Vec<String>,
    /// A live answer must be JSON (default true): anything else, such as a
    /// captive portal's page, is a malformed answer, not a live key.
    #[serde(default = "yes")]
    pub expect_json: bool,
    #[serde(skip)]
    compiled_skip: OnceLock<Vec<Option<Regex>>>,
    #[serde(skip)]
    fingerprint: OnceLock<String>,
}

fn default_method() -> String {
    "GET".into()
}

fn default_rate_limited() -> Vec<u16> {
    vec![429]
}

fn yes() -> bool {
    true
}

/// `aws_sigv4 = { access_key_id = "{pair}", secret_access_key = "{secret}", region = "us-east-1", service = "sts" }`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SigV4Spec {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    pub service: String,
}

/// `pair = { regex = '...', what = "the account SID" }`: the nearest match
/// (capture group 1, or the whole match) within a few KiB of the secret in
/// the same file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    pub regex: String,
    /// What the pair is, for "no ... found in the same file".
    pub what: String,
    /// Whether the pair is a secret too (default true): a secret pair is
    /// redacted wherever a text could show it; a shop domain is not.
    #[serde(default = "yes")]
    pub secret: bool,
    #[serde(skip)]
    compiled: OnceLock<Option<Regex>>,
}

/// `[[rule.verify.context]]`: the nearest match of `regex` (capture group
/// 1, or the whole match) within a few KiB of the secret in the same file,
/// or, with `in_secret = "base64"`, in the secret's own base64 segments
/// (a Sentry org token carries its URL). Matches of `exclude` are ignored
/// (e.g. the provider's public host, when looking for a self-hosted one).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    pub name: String,
    pub regex: String,
    #[serde(default)]
    pub exclude: Option<String>,
    /// Where to look: the file around the secret (default) or `base64`.
    #[serde(default)]
    pub in_secret: Option<String>,
    /// The value when nothing is found (the provider's default site).
    #[serde(default)]
    pub default: Option<String>,
    #[serde(skip)]
    compiled: OnceLock<Option<(Regex, Option<Regex>)>>,
}

impl ContextSpec {
    /// The compiled `regex` and `exclude`.
    pub fn regexes(&self) -> Option<&(Regex, Option<Regex>)> {
        self.compiled
            .get_or_init(|| {
                let re = compile(&self.regex).ok()?;
                let ex = match &self.exclude {
                    Some(e) => Some(compile(e).ok()?),
                    None => None,
                };
                Some((re, ex))
            })
            .as_ref()
    }
}

/// `[[rule.verify.skip]]`: when `value` (a template) matches `regex`, do not
/// send anything and say `detail` (which may read `{ctx:name}`). A value
/// whose `{ctx:...}` is not found never matches.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SkipSpec {
    pub value: String,
    pub regex: String,
    pub detail: String,
}

/// What an answer means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerResult {
    Live,
    Invalid,
    Unknown,
    RateLimited,
    /// This combination was rejected (a pair that may not belong together,
    /// an endpoint the key may not be for): try the next candidate pair or
    /// `also` URL; when none is left, `unknown`.
    Mismatch,
}

/// `[[rule.verify.answer]]`: every condition given must hold.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerSpec {
    /// HTTP statuses (empty: any).
    #[serde(default)]
    pub status: Vec<u16>,
    /// A JSON pointer into the body...
    #[serde(default)]
    pub json: Option<String>,
    /// ...whose value is one of these (empty: it only has to exist).
    #[serde(default)]
    pub values: Vec<Value>,
    /// The body contains this text.
    #[serde(default)]
    pub body_contains: Option<String>,
    /// A response header (case-insensitive name)...
    #[serde(default)]
    pub header: Option<String>,
    /// ...whose value is one of these (empty: it only has to be present).
    #[serde(default)]
    pub header_values: Vec<String>,
    pub result: AnswerResult,
    /// Only when this context was found (and no endpoint override is set).
    #[serde(default)]
    pub found: Option<String>,
    /// Only when this context was not found (and no endpoint override is
    /// set): the request went to the provider's default host on a guess.
    #[serde(default)]
    pub missing: Option<String>,
    /// Ask once more before taking the result (a provider that is
    /// eventually consistent: a key created a moment ago).
    #[serde(default)]
    pub retry: bool,
    /// Shown as the verification detail; `{/pointer}`, `{header:name}` and
    /// `{ctx:name}` read the response and the context.
    #[serde(default)]
    pub detail: Option<String>,
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Secret,
    Pair,
    /// `{/a/b}`: a JSON pointer into the response body.
    Pointer(&'a str),
    /// `{header:name}`: a response header.
    Header(&'a str),
    /// `{ctx:name}`: a context value found next to the secret.
    Context(&'a str),
}

/// Split a template into pieces; `{{` and `}}` are literal braces.
pub fn parse_template(t: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        let next = rest.find(['{', '}']);
        let Some(i) = next else {
            out.push(Piece::Text(rest));
            break;
        };
        let (text, tail) = rest.split_at(i);
        if !text.is_empty() {
            out.push(Piece::Text(text));
        }
        if let Some(after) = tail.strip_prefix("{{") {
            out.push(Piece::Text("{"));
            rest = after;
            continue;
        }
        if let Some(after) = tail.strip_prefix("}}") {
            out.push(Piece::Text("}"));
            rest = after;
            continue;
        }
        let Some(inner_tail) = tail.strip_prefix('{') else {
            return Err(format!(
                "unmatched '}}' in {t:?} (write '}}}}' for a brace)"
            ));
        };
        let Some(end) = inner_tail.find('}') else {
            return Err(format!("unclosed '{{' in {t:?}"));
        };
        let (name, after) = inner_tail.split_at(end);
        rest = after.strip_prefix('}').unwrap_or(after);
        out.push(match name {
            "secret" => Piece::Secret,
            "pair" => Piece::Pair,
            n if n.starts_with('/') => Piece::Pointer(n),
            n => match (n.strip_prefix("header:"), n.strip_prefix("ctx:")) {
                (Some(h), _) if !h.is_empty() => Piece::Header(h),
                (_, Some(c)) if !c.is_empty() => Piece::Context(c),
                _ => {
                    return Err(format!(
                        "unknown placeholder {{{n}}} in {t:?} (known: {{secret}}, {{pair}}, {{ctx:name}}; in identity and detail: {{/json/pointer}}, {{header:name}})"
                    ));
                }
            },
        });
    }
    Ok(out)
}

/// Whether `host` is a DNS name or IP literal we would connect to.
fn plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// Whether `host` is allowed by one of `patterns` (`api.x.com` or
/// `*.x.com`, where `*` is one DNS label).
pub fn host_allowed(host: &str, patterns: &[String]) -> bool {
    let host = host.to_ascii_lowercase();
    patterns.iter().any(|p| {
        let p = p.to_ascii_lowercase();
        match p.strip_prefix("*.") {
            Some(suffix) => host
                .strip_suffix(&suffix)
                .and_then(|label| label.strip_suffix('.'))
                .is_some_and(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && !label.starts_with('-')
                }),
            None => host == p,
        }
    })
}

/// `scheme`, `authority` and the rest of an absolute URL.
pub fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    Some((scheme, authority, path))
}

/// The host of an authority (`host:port`, `[::1]:8080`), without the port.
pub fn authority_host(authority: &str) -> &str {
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    authority
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(authority, |(h, _)| h)
}

impl VerifySpec {
    /// The variable that overrides this provider's endpoint.
    pub fn env_var(&self) -> String {
        env_var(&self.provider)
    }

    /// The documented hosts: `hosts`, or the URL's literal host.
    pub fn documented_hosts(&self) -> Vec<String> {
        if !self.hosts.is_empty() {
            return self.hosts.clone();
        }
        split_url(&self.url)
            .map(|(_, a, _)| vec![authority_host(a).to_ascii_lowercase()])
            .unwrap_or_default()
    }

    /// Whether the secret is the whole URL.
    pub fn url_is_secret(&self) -> bool {
        self.url == "{secret}"
    }

    /// The compiled `pair` regex (`None` if there is no pair or it does not
    /// compile, which [`VerifySpec::validate`] rules out for loaded rules).
    pub fn pair_regex(&self) -> Option<&Regex> {
        let p = self.pair.as_ref()?;
        p.compiled.get_or_init(|| compile(&p.regex).ok()).as_ref()
    }

    /// The whole spec as text, computed once: two specs that read answers
    /// the same way have the same fingerprint.
    pub fn fingerprint(&self) -> &str {
        self.fingerprint
            .get_or_init(|| serde_json::to_string(self).unwrap_or_default())
    }

    /// The compiled `skip` regexes, in order.
    pub fn skip_regexes(&self) -> &[Option<Regex>] {
        self.compiled_skip
            .get_or_init(|| self.skip.iter().map(|s| compile(&s.regex).ok()).collect())
    }

    /// A request URL template (`url` or one of `also`): HTTPS to a plain,
    /// documented host that the secret is never part of.
    fn check_url(&self, url: &str, documented: &[String]) -> Result<(), String> {
        let sample: String = parse_template(url)?
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t,
                _ => "x",
            })
            .collect();
        let Some((scheme, authority, _)) = split_url(&sample) else {
            return Err(format!("verify.url {url:?} is not an absolute URL"));
        };
        if scheme != "https" {
            return Err(format!(
                "verify.url {url:?} must be https (plain http only through JIKIMI_VERIFY_ENDPOINT_* for loopback)"
            ));
        }
        if authority.contains('@') || !plausible_host(authority_host(authority)) {
            return Err(format!("verify.url {url:?} has no plain host"));
        }
        let (_, raw_authority, _) = split_url(url).unwrap_or_default();
        if raw_authority.contains('{') {
            if self.hosts.is_empty() {
                return Err(format!(
                    "verify.url {url:?} builds its host from the key: list the documented hosts in verify.hosts"
                ));
            }
            if raw_authority.contains("{secret}") {
                return Err(format!(
                    "verify.url {url:?}: the secret cannot be part of the host"
                ));
            }
        } else if !host_allowed(authority_host(authority), documented) {
            return Err(format!("verify.url {url:?} is not on one of verify.hosts"));
        }
        Ok(())
    }

    /// Everything that must hold for the spec to be used; the first problem.
    pub fn validate(&self) -> Result<(), String> {
        let p = &self.provider;
        if p.is_empty()
            || !p
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(format!(
                "verify.provider {p:?} must be lower-case letters, digits, '-' or '_'"
            ));
        }
        if !matches!(self.method.as_str(), "GET" | "POST") {
            return Err(format!(
                "verify.method {:?}: only GET and POST (read-only calls) are allowed",
                self.method
            ));
        }
        let uses_pair = |t: &str| -> Result<bool, String> {
            let pieces = parse_template(t)?;
            for piece in &pieces {
                if matches!(piece, Piece::Pointer(_) | Piece::Header(_)) {
                    return Err(format!(
                        "{t:?}: response placeholders belong in identity and answer details"
                    ));
                }
            }
            Ok(pieces.contains(&Piece::Pair))
        };
        let mut needs_pair = false;
        for h in &self.hosts {
            let bare = h.strip_prefix("*.").unwrap_or(h);
            if !plausible_host(bare) || bare.contains(':') || !bare.contains('.') {
                return Err(format!(
                    "verify.hosts entry {h:?} must be a host name or *.domain"
                ));
            }
        }
        if self.url_is_secret() {
            if self.hosts.is_empty() {
                return Err(
                    "verify.url = \"{secret}\" needs verify.hosts (the provider's documented hosts)"
                        .into(),
                );
            }
            if !self.also.is_empty() {
                return Err("verify.also: not with url = \"{secret}\"".into());
            }
        } else {
            let documented = self.documented_hosts();
            for url in std::iter::once(&self.url).chain(&self.also) {
                needs_pair |= uses_pair(url)?;
                self.check_url(url, &documented)?;
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for c in &self.context {
            if c.name.is_empty()
                || !c
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(format!(
                    "verify.context name {:?} must be lower-case letters, digits or '_'",
                    c.name
                ));
            }
            if !names.insert(c.name.as_str()) {
                return Err(format!("verify.context {:?} is defined twice", c.name));
            }
            compile(&c.regex).map_err(|e| format!("verify.context.{} regex: {e}", c.name))?;
            if let Some(e) = &c.exclude {
                compile(e).map_err(|e| format!("verify.context.{} exclude: {e}", c.name))?;
            }
            if c.in_secret.as_deref().is_some_and(|s| s != "base64") {
                return Err(format!(
                    "verify.context.{}: in_secret can only be \"base64\"",
                    c.name
                ));
            }
        }
        let mut templates: Vec<&str> = vec![&self.url];
        templates.extend(self.also.iter().map(String::as_str));
        templates.extend(self.headers.values().map(String::as_str));
        templates.extend(self.body.as_deref());
        templates.extend(self.identity.iter().map(String::as_str));
        templates.extend(
            self.skip
                .iter()
                .flat_map(|s| [s.value.as_str(), s.detail.as_str()]),
        );
        templates.extend(self.answers.iter().filter_map(|a| a.detail.as_deref()));
        for t in templates {
            for piece in parse_template(t)? {
                if let Piece::Context(n) = piece
                    && !names.contains(n)
                {
                    return Err(format!("{t:?}: {{ctx:{n}}} is not in verify.context"));
                }
            }
        }
        for a in &self.answers {
            for n in a.found.iter().chain(&a.missing) {
                if !names.contains(n.as_str()) {
                    return Err(format!(
                        "verify.answer: found/missing {n:?} is not in verify.context"
                    ));
                }
            }
        }
        for (name, value) in &self.headers {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
            {
                return Err(format!("verify.headers: bad header name {name:?}"));
            }
            if value.bytes().any(|b| b < 0x20 && b != b'\t') {
                return Err(format!(
                    "verify.headers.{name}: control characters are not allowed"
                ));
            }
            needs_pair |= uses_pair(value)?;
        }
        if let Some([user, pass]) = &self.basic_auth {
            needs_pair |= uses_pair(user)?;
            needs_pair |= uses_pair(pass)?;
        }
        if let Some(b) = &self.body {
            if self.method == "GET" {
                return Err("verify.body: a GET request has no body".into());
            }
            needs_pair |= uses_pair(b)?;
        }
        if let Some(s) = &self.aws_sigv4 {
            for t in [&s.access_key_id, &s.secret_access_key] {
                needs_pair |= uses_pair(t)?;
            }
            for (what, v) in [("region", &s.region), ("service", &s.service)] {
                if v.is_empty()
                    || !v
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    return Err(format!("verify.aws_sigv4.{what} {v:?} is not an AWS name"));
                }
            }
        }
        for s in &self.skip {
            needs_pair |= uses_pair(&s.value)?;
            compile(&s.regex).map_err(|e| format!("verify.skip regex: {e}"))?;
        }
        match &self.pair {
            Some(p) => {
                compile(&p.regex).map_err(|e| format!("verify.pair regex: {e}"))?;
                if p.what.trim().is_empty() {
                    return Err("verify.pair.what must say what the pair is".into());
                }
            }
            None if needs_pair => {
                return Err("{pair} is used but verify.pair is not set".into());
            }
            None => {}
        }
        if self.live.is_empty() && !self.answers.iter().any(|a| a.result == AnswerResult::Live) {
            return Err(
                "verify: no live answer (set live = [200] or an answer with result = \"live\")"
                    .into(),
            );
        }
        for code in self
            .live
            .iter()
            .chain(&self.invalid)
            .chain(&self.rate_limited)
            .chain(self.answers.iter().flat_map(|a| &a.status))
        {
            if !(100..=599).contains(code) || (300..400).contains(code) {
                return Err(format!(
                    "verify: status {code} cannot be an answer (redirects are never followed to another host)"
                ));
            }
        }
        let response_only = |t: &str| -> Result<(), String> {
            if parse_template(t)?
                .iter()
                .any(|p| matches!(p, Piece::Secret | Piece::Pair))
            {
                return Err(format!("{t:?}: identity and details never show the key"));
            }
            Ok(())
        };
        for t in &self.identity {
            response_only(t)?;
        }
        for a in &self.answers {
            if let Some(d) = &a.detail {
                response_only(d)?;
            }
            if let Some(p) = &a.json
                && !p.is_empty()
                && !p.starts_with('/')
            {
                return Err(format!(
                    "verify.answer.json {p:?} must be a JSON pointer (/a/b)"
                ));
            }
        }
        Ok(())
    }
}

fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            e.to_string()
                .lines()
                .last()
                .unwrap_or("bad regex")
                .trim()
                .to_string()
        })
}

/// `JIKIMI_VERIFY_ENDPOINT_<PROVIDER>`: the provider upper-cased, `-` → `_`.
pub fn env_var(provider: &str) -> String {
    format!(
        "JIKIMI_VERIFY_ENDPOINT_{}",
        provider
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            })
            .collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_text: &str) -> VerifySpec {
        toml::from_str(toml_text).expect("spec parses")
    }

    #[test]
    fn templates_split_into_pieces() {
        assert_eq!(
            parse_template("Bearer {secret}").unwrap(),
            vec![Piece::Text("Bearer "), Piece::Secret]
        );
        assert_eq!(
            parse_template("{/a/0} in {header:x-org} {{x}}").unwrap(),
            vec![
                Piece::Pointer("/a/0"),
                Piece::Text(" in "),
                Piece::Header("x-org"),
                Piece::Text(" "),
                Piece::Text("{"),
                Piece::Text("x"),
                Piece::Text("}"),
            ]
        );
        assert!(parse_template("{nope}").is_err());
        assert!(parse_template("{secret").is_err());
        assert!(parse_template("a } b").is_err());
    }

    #[test]
    fn hosts_match_exactly_or_one_label() {
        let p = vec!["discord.com".to_string(), "*.myshopify.com".to_string()];
        assert!(host_allowed("discord.com", &p));
        assert!(host_allowed("Discord.COM", &p));
        assert!(!host_allowed("evil-discord.com", &p));
        assert!(host_allowed("acme.myshopify.com", &p));
        assert!(!host_allowed("a.b.myshopify.com", &p));
        assert!(!host_allowed("myshopify.com", &p));
        assert!(!host_allowed("evilmyshopify.com", &p));
        assert!(!host_allowed("acme.myshopify.com.evil.com", &p));
    }

    #[test]
    fn urls_split_and_hosts_drop_ports() {
        assert_eq!(
            split_url("https://api.x.com:8443/v1?a=b"),
            Some(("https", "api.x.com:8443", "/v1?a=b"))
        );
        assert_eq!(split_url("http://[::1]:80"), Some(("http", "[::1]:80", "")));
        assert_eq!(authority_host("api.x.com:8443"), "api.x.com");
        assert_eq!(authority_host("[::1]:80"), "::1");
        assert_eq!(authority_host("localhost"), "localhost");
    }

    #[test]
    fn a_good_spec_validates() {
        let s = spec(
            r#"provider = "openai"
url = "https://api.openai.com/v1/models"
headers = { Authorization = "Bearer {secret}" }
live = [200]
invalid = [401]
identity = ["organization {header:openai-organization}"]"#,
        );
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.env_var(), "JIKIMI_VERIFY_ENDPOINT_OPENAI");
        assert_eq!(s.documented_hosts(), vec!["api.openai.com".to_string()]);
        assert_eq!(s.method, "GET");
        assert_eq!(s.rate_limited, vec![429]);
    }

    #[test]
    fn unsafe_specs_are_refused() {
        let bad = [
            // plain http
            r#"provider = "x"
url = "http://api.x.com/me"
live = [200]"#,
            // state-changing method
            r#"provider = "x"
method = "DELETE"
url = "https://api.x.com/me"
live = [200]"#,
            // the secret as the URL with no documented host
            r#"provider = "x"
url = "{secret}"
live = [200]"#,
            // the key in the identity
            r#"provider = "x"
url = "https://api.x.com/me"
live = [200]
identity = ["{secret}"]"#,
            // a host built from the key with no documented hosts
            r#"provider = "x"
url = "https://{pair}.x.com/me"
pair = { regex = "([a-z]+)\\.x\\.com", what = "the shop" }
live = [200]"#,
            // the secret in the host
            r#"provider = "x"
url = "https://{secret}.x.com/me"
hosts = ["*.x.com"]
live = [200]"#,
            // {pair} without a pair
            r#"provider = "x"
url = "https://api.x.com/{pair}"
live = [200]"#,
            // a redirect as an answer
            r#"provider = "x"
url = "https://api.x.com/me"
live = [302]"#,
            // a header that would split the request
            "provider = \"x\"\nurl = \"https://api.x.com/me\"\nheaders = { A = \"b\\r\\nHost: evil\" }\nlive = [200]",
            // userinfo
            r#"provider = "x"
url = "https://evil.com@api.x.com/me"
live = [200]"#,
            // no live answer at all
            r#"provider = "x"
url = "https://api.x.com/me"
invalid = [401]"#,
            // a literal host not among the documented ones
            r#"provider = "x"
url = "https://evil.com/me"
hosts = ["api.x.com"]
live = [200]"#,
        ];
        for text in bad {
            assert!(spec(text).validate().is_err(), "accepted:\n{text}");
        }
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(
            toml::from_str::<VerifySpec>(
                r#"provider = "x"
url = "https://api.x.com/me"
live = [200]
follow_redirects = true"#
            )
            .is_err()
        );
    }

    #[test]
    fn env_var_names() {
        assert_eq!(env_var("huggingface"), "JIKIMI_VERIFY_ENDPOINT_HUGGINGFACE");
        assert_eq!(
            env_var("discord-webhook"),
            "JIKIMI_VERIFY_ENDPOINT_DISCORD_WEBHOOK"
        );
    }
}
