//! `jikimi scan --verify` end to end, against a local mock of every
//! provider (`common::mock`): each built-in provider's endpoint is moved to
//! `http://127.0.0.1:PORT/<provider>` with `JIKIMI_VERIFY_ENDPOINT_*`, so no
//! test ever reaches a real provider. For every provider: live, invalid,
//! rate limited, slow (timeout), redirected to another host and malformed
//! answers; then the safety rules, the cache, the reports and the CLI.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;

use crate::common::mock::{Mock, Reply, Req};
use crate::common::{Env, assert_no_key_fragment, b64, findings};

mod answers;

/// The providers the built-in rules verify.
fn providers() -> BTreeSet<String> {
    jikimi::rules::RuleSet::builtin()
        .unwrap()
        .rules
        .iter()
        .filter_map(|r| r.syntax.verify.as_ref().map(|s| s.provider.clone()))
        .collect()
}

/// The `n`th example of a built-in rule (fake keys, as the rules ship).
fn example(rule: &str, n: usize) -> String {
    let set = jikimi::rules::RuleSet::builtin().unwrap();
    set.get(rule).unwrap().syntax.examples[n].clone()
}

/// One provider's test: a file with a key, what the request must look
/// like, and the provider's answers.
struct Case {
    provider: &'static str,
    rule: &'static str,
    file: String,
    method: &'static str,
    /// The path and query after the provider prefix; `{secret}` is the key.
    path: &'static str,
    /// Whether the request carries the key (and pair) as the provider wants.
    auth: fn(&Req, &str) -> bool,
    live: Reply,
    identity: Option<&'static str>,
    invalid: Reply,
}

fn bearer(r: &Req, s: &str) -> bool {
    r.header("authorization") == Some(&format!("Bearer {s}"))
}

fn github_auth(r: &Req, s: &str) -> bool {
    bearer(r, s) && r.header("x-github-api-version") == Some("2022-11-28")
}

fn header_is(name: &'static str) -> impl Fn(&Req, &str) -> bool {
    move |r, s| r.header(name) == Some(s)
}

fn cases() -> Vec<Case> {
    let ok = |body: &str| Reply::new(200, body);
    let no = |status: u16| Reply::new(status, r#"{"error":"invalid key"}"#);
    vec![
        Case {
            provider: "openai",
            rule: "openai.project-key",
            file: example("openai.project-key", 0),
            method: "GET",
            path: "/v1/models",
            auth: bearer,
            live: ok(r#"{"object":"list","data":[]}"#).header("openai-organization", "org-test"),
            identity: Some("organization org-test"),
            invalid: no(401),
        },
        Case {
            provider: "anthropic",
            rule: "anthropic.api-key",
            file: example("anthropic.api-key", 0),
            method: "GET",
            path: "/v1/models?limit=1",
            auth: |r, s| {
                r.header("x-api-key") == Some(s)
                    && r.header("anthropic-version") == Some("2023-06-01")
            },
            live: ok(r#"{"data":[]}"#).header("anthropic-organization-id", "org-a"),
            identity: Some("organization org-a"),
            invalid: no(401),
        },
        Case {
            provider: "gemini",
            rule: "google.api-key",
            file: example("google.api-key", 0),
            method: "GET",
            path: "/v1beta/models?pageSize=1",
            auth: |r, s| r.header("x-goog-api-key") == Some(s),
            live: ok(r#"{"models":[]}"#),
            identity: None,
            invalid: Reply::new(
                400,
                r#"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#,
            ),
        },
        Case {
            provider: "groq",
            rule: "groq.api-key",
            file: example("groq.api-key", 0),
            method: "GET",
            path: "/openai/v1/models",
            auth: bearer,
            live: ok(r#"{"data":[]}"#),
            identity: None,
            invalid: no(401),
        },
        Case {
            provider: "mistral",
            rule: "mistral.api-key",
            file: example("mistral.api-key", 0),
            method: "GET",
            path: "/v1/models",
            auth: bearer,
            live: ok(r#"{"data":[]}"#),
            identity: None,
            invalid: no(401),
        },
        Case {
            provider: "cohere",
            rule: "cohere.api-key",
            file: example("cohere.api-key", 0),
            method: "POST",
            path: "/v1/check-api-key",
            auth: bearer,
            live: ok(r#"{"valid":true,"organization_id":"org-c"}"#),
            identity: Some("organization org-c"),
            invalid: ok(r#"{"valid":false}"#),
        },
        Case {
            provider: "deepseek",
            rule: "deepseek.api-key",
            file: example("deepseek.api-key", 0),
            method: "GET",
            path: "/user/balance",
            auth: bearer,
            live: ok(r#"{"is_available":true,"balance_infos":[]}"#),
            identity: Some("balance available: true"),
            invalid: no(401),
        },
        Case {
            provider: "openrouter",
            rule: "openrouter.api-key",
            file: example("openrouter.api-key", 0),
            method: "GET",
            path: "/api/v1/key",
            auth: bearer,
            live: ok(r#"{"data":{"label":"ci-key","usage":0}}"#),
            identity: Some("key ci-key"),
            invalid: no(401),
        },
        Case {
            provider: "huggingface",
            rule: "huggingface.access-token",
            file: example("huggingface.access-token", 0),
            method: "GET",
            path: "/api/whoami-v2",
            auth: bearer,
            live: ok(r#"{"type":"user","name":"ann"}"#),
            identity: Some("ann"),
            invalid: no(401),
        },
        Case {
            provider: "replicate",
            rule: "replicate.api-token",
            file: example("replicate.api-token", 0),
            method: "GET",
            path: "/v1/account",
            auth: bearer,
            live: ok(r#"{"type":"user","username":"ann"}"#),
            identity: Some("ann (user)"),
            invalid: no(401),
        },
        Case {
            provider: "github",
            rule: "github.personal-access-token",
            file: example("github.personal-access-token", 0),
            method: "GET",
            path: "/user",
            auth: github_auth,
            live: ok(r#"{"login":"octocat","id":1}"#),
            identity: Some("octocat"),
            invalid: Reply::new(401, r#"{"message":"Bad credentials"}"#),
        },
        Case {
            provider: "gitlab",
            rule: "gitlab.personal-access-token",
            file: example("gitlab.personal-access-token", 0),
            method: "GET",
            path: "/api/v4/personal_access_tokens/self",
            auth: |r, s| r.header("private-token") == Some(s),
            live: ok(r#"{"id":4,"name":"ci","user_id":7,"active":true,"scopes":["read_api"]}"#),
            identity: Some("token ci (user 7)"),
            invalid: Reply::new(401, r#"{"message":"401 Unauthorized"}"#),
        },
        Case {
            provider: "slack",
            rule: "slack.bot-token",
            file: example("slack.bot-token", 0),
            method: "POST",
            path: "/api/auth.test",
            auth: bearer,
            live: ok(r#"{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"ann"}"#),
            identity: Some("ann in Acme (https://acme.slack.com/)"),
            invalid: ok(r#"{"ok":false,"error":"invalid_auth"}"#),
        },
        Case {
            provider: "stripe",
            rule: "stripe.live-secret-key",
            file: example("stripe.live-secret-key", 0),
            method: "GET",
            path: "/v1/balance",
            auth: bearer,
            live: ok(r#"{"object":"balance","livemode":true}"#),
            identity: Some("live mode: true"),
            invalid: no(401),
        },
        Case {
            provider: "sendgrid",
            rule: "sendgrid.api-key",
            file: example("sendgrid.api-key", 0),
            method: "GET",
            path: "/v3/scopes",
            auth: bearer,
            live: ok(r#"{"scopes":["mail.send"]}"#),
            identity: Some("scopes: mail.send, ..."),
            invalid: no(401),
        },
        Case {
            provider: "twilio",
            rule: "twilio.auth-token",
            file: example("twilio.auth-token", 0),
            method: "GET",
            path: "/2010-04-01/Accounts/AC6de0703b4ab7ed013e50181d960e9558.json",
            auth: |r, s| {
                r.header("authorization")
                    == Some(&format!(
                        "Basic {}",
                        b64(&format!("AC6de0703b4ab7ed013e50181d960e9558:{s}"))
                    ))
            },
            live: ok(r#"{"sid":"AC","friendly_name":"Acme","status":"active"}"#),
            identity: Some("account Acme (active)"),
            invalid: no(401),
        },
        Case {
            provider: "aws",
            rule: "aws.secret-access-key",
            file: example("aws.secret-access-key", 0),
            method: "POST",
            path: "/",
            auth: |r, _| {
                r.header("authorization").is_some_and(|a| {
                    a.starts_with("AWS4-HMAC-SHA256 Credential=AKIAUYWYL6WWL4YXTQGW/")
                        && a.contains("/us-east-1/sts/aws4_request")
                }) && r.header("x-amz-date").is_some()
                    && r.body == b"Action=GetCallerIdentity&Version=2011-06-15"
            },
            live: ok(
                r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/ann","UserId":"AIDA"}}}"#,
            ),
            identity: Some("arn:aws:iam::123456789012:user/ann"),
            invalid: Reply::new(
                403,
                r#"{"Error":{"Code":"InvalidClientTokenId","Message":"The security token included in the request is invalid."}}"#,
            ),
        },
        Case {
            provider: "npm",
            rule: "npm.access-token",
            file: example("npm.access-token", 1),
            method: "GET",
            path: "/-/whoami",
            auth: bearer,
            live: ok(r#"{"username":"ann"}"#),
            identity: Some("ann"),
            invalid: no(401),
        },
        Case {
            provider: "datadog",
            rule: "datadog.api-key",
            // The site is in the file: its 403 is a verdict.
            file: format!("DD_SITE=datadoghq.eu\n{}\n", example("datadog.api-key", 0)),
            method: "GET",
            path: "/api/v1/validate",
            auth: |r, s| header_is("dd-api-key")(r, s),
            live: ok(r#"{"valid":true}"#),
            identity: None,
            invalid: Reply::new(403, r#"{"errors":["Forbidden"]}"#),
        },
        Case {
            provider: "sentry",
            rule: "sentry.auth-token",
            file: example("sentry.auth-token", 0),
            method: "GET",
            path: "/api/0/organizations/",
            auth: bearer,
            live: ok(r#"[{"slug":"acme","name":"Acme"}]"#),
            identity: Some("organization acme"),
            invalid: no(401),
        },
        Case {
            provider: "mailgun",
            rule: "mailgun.api-key",
            file: example("mailgun.api-key", 0),
            method: "GET",
            path: "/v3/domains?limit=1",
            auth: |r, s| {
                r.header("authorization") == Some(&format!("Basic {}", b64(&format!("api:{s}"))))
            },
            live: ok(r#"{"total_count":1,"items":[{"name":"mg.acme.com"}]}"#),
            identity: Some("domain mg.acme.com"),
            invalid: no(401),
        },
        Case {
            provider: "discord",
            rule: "discord.bot-token",
            file: example("discord.bot-token", 0),
            method: "GET",
            path: "/api/v10/users/@me",
            auth: |r, s| r.header("authorization") == Some(&format!("Bot {s}")),
            live: ok(r#"{"id":"1","username":"bot1","name":"hook","channel_id":"2"}"#),
            identity: Some("bot bot1 (1)"),
            invalid: no(401),
        },
        Case {
            provider: "discord",
            rule: "discord.webhook-url",
            file: example("discord.webhook-url", 0),
            method: "GET",
            path: "{webhook-path}",
            auth: |r, _| r.header("authorization").is_none(),
            live: ok(r#"{"id":"1","username":"bot1","name":"hook","channel_id":"2"}"#),
            identity: Some("webhook hook in channel 2"),
            invalid: Reply::new(404, r#"{"message":"Unknown Webhook","code":10015}"#),
        },
        Case {
            provider: "telegram",
            rule: "telegram.bot-token",
            file: example("telegram.bot-token", 0),
            method: "GET",
            path: "/bot{secret}/getMe",
            auth: |_, _| true,
            live: ok(r#"{"ok":true,"result":{"id":1,"is_bot":true,"username":"acme_bot"}}"#),
            identity: Some("@acme_bot"),
            invalid: Reply::new(
                401,
                r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
            ),
        },
        Case {
            provider: "shopify",
            rule: "shopify.access-token",
            file: format!(
                "SHOPIFY_STORE_DOMAIN=acme.myshopify.com\n{}\n",
                example("shopify.access-token", 0)
            ),
            method: "GET",
            path: "/admin/api/2025-01/shop.json",
            auth: |r, s| r.header("x-shopify-access-token") == Some(s),
            live: ok(r#"{"shop":{"name":"Acme","myshopify_domain":"acme.myshopify.com"}}"#),
            identity: Some("shop Acme (acme.myshopify.com)"),
            invalid: Reply::new(401, r#"{"errors":"[API] Invalid API key or access token"}"#),
        },
        Case {
            provider: "digitalocean",
            rule: "digitalocean.token",
            file: example("digitalocean.token", 0),
            method: "GET",
            path: "/v2/account",
            auth: bearer,
            live: ok(r#"{"account":{"email":"ann@acme.com","status":"active","uuid":"u1"}}"#),
            identity: Some("ann@acme.com (active)"),
            invalid: Reply::new(
                401,
                r#"{"id":"unauthorized","message":"Unable to authenticate you"}"#,
            ),
        },
        Case {
            provider: "vercel",
            rule: "vercel.token",
            file: example("vercel.token", 0),
            method: "GET",
            path: "/v2/user",
            auth: bearer,
            live: ok(r#"{"user":{"username":"ann"}}"#),
            identity: Some("ann"),
            invalid: Reply::new(
                403,
                r#"{"error":{"code":"forbidden","message":"Not authorized","invalidToken":true}}"#,
            ),
        },
        Case {
            provider: "cloudflare",
            rule: "cloudflare.api-token",
            file: example("cloudflare.api-token", 0),
            method: "GET",
            path: "/client/v4/user/tokens/verify",
            auth: bearer,
            live: ok(r#"{"success":true,"result":{"id":"tok1","status":"active"}}"#),
            identity: Some("token tok1"),
            invalid: Reply::new(
                401,
                r#"{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}]}"#,
            ),
        },
        Case {
            provider: "heroku",
            rule: "heroku.api-key",
            file: example("heroku.api-key", 0),
            method: "GET",
            path: "/account",
            auth: |r, s| {
                bearer(r, s) && r.header("accept") == Some("application/vnd.heroku+json; version=3")
            },
            live: ok(r#"{"email":"ann@acme.com"}"#),
            identity: Some("ann@acme.com"),
            invalid: no(401),
        },
        Case {
            provider: "notion",
            rule: "notion.integration-token",
            file: example("notion.integration-token", 0),
            method: "GET",
            path: "/v1/users/me",
            auth: |r, s| bearer(r, s) && r.header("notion-version").is_some(),
            live: ok(r#"{"object":"user","name":"ci-bot","bot":{"workspace_name":"Acme"}}"#),
            identity: Some("ci-bot in workspace Acme"),
            invalid: no(401),
        },
        Case {
            provider: "postman",
            rule: "postman.api-key",
            file: example("postman.api-key", 0),
            method: "GET",
            path: "/me",
            auth: |r, s| header_is("x-api-key")(r, s),
            live: ok(r#"{"user":{"username":"ann"}}"#),
            identity: Some("ann"),
            invalid: no(401),
        },
        Case {
            provider: "xai",
            rule: "xai.api-key",
            file: example("xai.api-key", 0),
            method: "GET",
            path: "/v1/api-key",
            auth: bearer,
            live: ok(
                r#"{"name":"ci","team_id":"t1","api_key_blocked":false,"api_key_disabled":false,"team_blocked":false}"#,
            ),
            identity: Some("key ci of team t1"),
            invalid: Reply::new(
                400,
                r#"{"code":"Client specified an invalid argument","error":"Incorrect API key provided"}"#,
            ),
        },
    ]
}

/// A tree with one file per case.
fn tree(cases: &[Case]) -> Env {
    let env = Env::new();
    for (i, c) in cases.iter().enumerate() {
        env.write(&format!("keys/{i:02}-{}.txt", c.provider), &c.file);
    }
    env
}

/// Run `jikimi scan keys --format json --no-redact` with every built-in
/// provider's endpoint on `mock`: exit code, report, stderr.
fn scan(env: &Env, mock: &Mock, args: &[&str]) -> (i32, Value, String) {
    let mut cmd = env.cmd();
    for p in providers() {
        cmd.env(
            format!(
                "JIKIMI_VERIFY_ENDPOINT_{}",
                p.to_ascii_uppercase().replace('-', "_")
            ),
            format!("{}/{p}", mock.url()),
        );
    }
    for v in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(v);
    }
    let out = cmd
        .args(["scan", "--no-history", "--format", "json", "--no-redact"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, stderr)
}

/// The findings of `rule` in `report`.
fn of<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// A mock answering each provider with `reply(case)` (both Discord rules
/// share a provider and an answer).
fn mock_with(cases: &[Case], reply: impl Fn(&Case) -> Reply) -> Mock {
    let mut by_provider: BTreeMap<String, Reply> = BTreeMap::new();
    for c in cases {
        // The first case of a provider answers for all of them.
        by_provider
            .entry(c.provider.to_string())
            .or_insert_with(|| reply(c));
    }
    Mock::start(move |req| {
        by_provider
            .get(req.provider())
            .cloned()
            .unwrap_or_else(|| Reply::new(599, "{}"))
    })
}

/// Every case's findings have `status`; returns them by rule.
fn expect_status<'a>(report: &'a Value, cases: &[Case], status: &str) -> Vec<(&'a Value, usize)> {
    let mut out = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let fs = of(report, c.rule);
        assert!(!fs.is_empty(), "no finding of {} in {}", c.rule, c.file);
        for f in fs {
            assert_eq!(
                f["verification"]["status"], status,
                "{}: {}",
                c.rule, f["verification"]
            );
            out.push((f, i));
        }
    }
    out
}

#[test]
fn every_builtin_provider_has_a_mock_case_and_there_are_at_least_25() {
    let tested: BTreeSet<String> = cases().iter().map(|c| c.provider.to_string()).collect();
    let all = providers();
    assert_eq!(tested, all, "providers without a mock case");
    assert!(all.len() >= 25, "{} providers", all.len());
}

#[test]
fn live_keys_are_live_with_their_owner_and_the_request_is_the_documented_one() {
    let cases = cases();
    let env = tree(&cases);
    let mock = mock_with(&cases, |c| c.live.clone());
    let (code, v, stderr) = scan(&env, &mock, &["keys", "--verify"]);
    assert_eq!(code, 1, "{stderr}");
    let requests = mock.requests();
    for (f, i) in expect_status(&v, &cases, "live") {
        let c = &cases[i];
        let ver = &f["verification"];
        if let Some(id) = c.identity {
            assert_eq!(ver["identity"], id, "{}", c.rule);
        }
        assert!(ver["checked_at"].as_str().unwrap().ends_with('Z'));
        let secret = f["secret"].as_str().unwrap();
        let path = match c.path {
            "{webhook-path}" => secret.trim_start_matches("https://discord.com").to_string(),
            p => p.replace("{secret}", secret),
        };
        let seen: Vec<&Req> = requests
            .iter()
            .filter(|r| r.provider() == c.provider && r.rest() == path)
            .collect();
        // The AWS key id and its secret are two checks of one request
        // (they read a rejection differently).
        let checks = if c.provider == "aws" { 2 } else { 1 };
        assert_eq!(
            seen.len(),
            checks,
            "{}: requests {:?}",
            c.rule,
            requests.iter().map(|r| &r.target).collect::<Vec<_>>()
        );
        let r = seen[0];
        assert_eq!(r.method, c.method, "{}", c.rule);
        assert!((c.auth)(r, secret), "{}: {:?}", c.rule, r.headers);
        assert!(
            r.header("user-agent")
                .is_some_and(|u| u.starts_with("jikimi/")),
            "{}",
            c.rule
        );
    }
}

/// The rules whose rejection is no verdict: a pair that may not belong
/// together, or an endpoint the key may not be for (see `answers`).
const REJECTION_IS_NO_VERDICT: &[&str] = &[
    "twilio.auth-token",
    "aws.secret-access-key",
    "shopify.access-token",
    "mailgun.api-key",
    "cloudflare.api-token",
];

#[test]
fn rejected_keys_are_invalid_unless_the_rejection_is_no_verdict() {
    let cases = cases();
    let env = tree(&cases);
    let mock = mock_with(&cases, |c| c.invalid.clone());
    let (_, v, stderr) = scan(&env, &mock, &["keys", "--verify"]);
    let (vague, definite): (Vec<Case>, Vec<Case>) = cases
        .into_iter()
        .partition(|c| REJECTION_IS_NO_VERDICT.contains(&c.rule));
    assert_eq!(vague.len(), REJECTION_IS_NO_VERDICT.len());
    for (f, _) in expect_status(&v, &definite, "invalid") {
        assert!(f["verification"]["identity"].is_null());
        assert!(
            f["verification"]["detail"]
                .as_str()
                .unwrap()
                .contains("127.0.0.1")
        );
    }
    for (f, _) in expect_status(&v, &vague, "unknown") {
        assert!(f["verification"]["identity"].is_null());
        let d = f["verification"]["detail"].as_str().unwrap();
        assert!(d.contains("127.0.0.1"), "{d}");
    }
    assert!(!stderr.contains("jikimi: error"), "{stderr}");
}

#[test]
fn rate_limits_are_retried_once_then_unknown() {
    let cases = cases();
    let env = tree(&cases);
    let mock = mock_with(&cases, |_| {
        Reply::new(429, r#"{"error":"slow down"}"#).header("Retry-After", "0")
    });
    let (code, v, _) = scan(
        &env,
        &mock,
        &["keys", "--verify", "--verify-concurrency", "16"],
    );
    assert_eq!(code, 1);
    for (f, _) in expect_status(&v, &cases, "unknown") {
        let d = f["verification"]["detail"].as_str().unwrap();
        assert!(
            d.contains("rate limited") && d.contains("retried once"),
            "{d}"
        );
    }
    // Two attempts per distinct check, never more (the AWS key id and its
    // secret are two checks of one request).
    let mut per_target: BTreeMap<String, usize> = BTreeMap::new();
    for r in mock.requests() {
        *per_target
            .entry(format!("{} {}", r.method, r.target))
            .or_default() += 1;
    }
    assert!(
        per_target
            .iter()
            .all(|(t, &n)| n == if t == "POST /aws/" { 4 } else { 2 }),
        "{per_target:?}"
    );
}

#[test]
fn server_errors_are_retried_once_then_unknown() {
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.provider == "openai")
        .collect();
    let env = tree(&cases);
    let mock = mock_with(&cases, |_| Reply::new(503, "{}"));
    let (_, v, _) = scan(&env, &mock, &["keys", "--verify"]);
    for (f, _) in expect_status(&v, &cases, "unknown") {
        assert!(
            f["verification"]["detail"]
                .as_str()
                .unwrap()
                .contains("HTTP 503")
        );
    }
    assert_eq!(mock.requests().len(), 2);
}

#[test]
fn slow_providers_time_out_as_errors_and_the_scan_goes_on() {
    let cases = cases();
    let env = tree(&cases);
    let mock = mock_with(&cases, |c| c.live.clone().delay(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    let (code, v, stderr) = scan(
        &env,
        &mock,
        &[
            "keys",
            "--verify",
            "--verify-timeout",
            "400ms",
            "--verify-concurrency",
            "16",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    for (f, _) in expect_status(&v, &cases, "error") {
        assert_eq!(
            f["verification"]["detail"], "no answer within 400 ms",
            "{}",
            f["rule"]
        );
    }
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn redirects_to_another_host_are_not_followed() {
    let cases = cases();
    let env = tree(&cases);
    let elsewhere = Mock::start(|_| Reply::new(200, "{}"));
    let to = format!("http://localhost:{}/steal", elsewhere.addr.port());
    let mock = mock_with(&cases, move |_| Reply::new(302, "").header("Location", &to));
    let (code, v, _) = scan(&env, &mock, &["keys", "--verify"]);
    assert_eq!(code, 1);
    for (f, _) in expect_status(&v, &cases, "error") {
        let d = f["verification"]["detail"].as_str().unwrap();
        assert!(d.contains("redirected to another host (localhost)"), "{d}");
    }
    assert_eq!(elsewhere.connections(), 0, "a key followed a redirect");
}

#[test]
fn redirects_on_the_same_host_are_followed() {
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.provider == "github")
        .collect();
    let env = tree(&cases);
    let mock = Mock::start(|r| {
        if r.target == "/github/user" {
            Reply::new(307, "").header("Location", "/github/user2")
        } else {
            Reply::new(200, r#"{"login":"moved"}"#)
        }
    });
    let (_, v, _) = scan(&env, &mock, &["keys", "--verify"]);
    let f = of(&v, "github.personal-access-token")[0];
    assert_eq!(f["verification"]["status"], "live");
    assert_eq!(f["verification"]["identity"], "moved");
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].header("authorization").is_some());
}

#[test]
fn malformed_answers_are_errors_not_live() {
    let cases = cases();
    let env = tree(&cases);
    let mock = mock_with(&cases, |_| {
        Reply::new(200, "<html>Sign in to the hotel wifi</html>")
            .header("Content-Type", "text/html")
    });
    let (_, v, _) = scan(&env, &mock, &["keys", "--verify"]);
    for (f, _) in expect_status(&v, &cases, "error") {
        let d = f["verification"]["detail"].as_str().unwrap();
        assert!(d.starts_with("malformed answer"), "{d}");
    }
}

#[test]
fn restricted_keys_are_live() {
    // Stripe: a restricted key without the balance permission gets 403.
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.provider == "stripe")
        .collect();
    let env = tree(&cases);
    let mock = mock_with(&cases, |_| {
        Reply::new(403, r#"{"error":{"type":"invalid_request_error"}}"#)
    });
    let (_, v, _) = scan(&env, &mock, &["keys", "--verify"]);
    let f = of(&v, "stripe.live-secret-key")[0];
    assert_eq!(f["verification"]["status"], "live");
    assert!(
        f["verification"]["detail"]
            .as_str()
            .unwrap()
            .contains("restricted")
    );
}

#[test]
fn without_verify_no_socket_is_opened() {
    let cases = cases();
    let env = tree(&cases);
    let mock = mock_with(&cases, |c| c.live.clone());
    let (code, v, _) = scan(&env, &mock, &["keys"]);
    assert_eq!(code, 1);
    assert!(findings(&v).len() >= cases.len());
    for f in findings(&v) {
        assert!(f["verification"].is_null(), "{f}");
    }
    // Other formats and options too.
    for extra in [
        &["--format", "sarif"][..],
        &["-v"][..],
        &["--fail-on", "risk"][..],
    ] {
        let mut args = vec!["keys"];
        args.extend_from_slice(extra);
        let _ = scan(&env, &mock, &args);
    }
    assert_eq!(mock.connections(), 0, "a scan without --verify connected");
}

#[test]
fn one_key_in_ten_places_is_checked_once() {
    let env = Env::new();
    let key = example("openai.project-key", 0);
    for i in 0..10 {
        env.write(&format!("keys/app{i}/.env.production"), &key);
    }
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.provider == "openai")
        .collect();
    let mock = mock_with(&cases, |c| c.live.clone());
    let (_, v, _) = scan(&env, &mock, &["keys", "--verify"]);
    let fs = of(&v, "openai.project-key");
    assert_eq!(fs.len(), 10);
    assert!(fs.iter().all(|f| f["verification"]["status"] == "live"));
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn an_aws_pair_is_signed_and_checked_once_for_both_findings() {
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.provider == "aws")
        .collect();
    let env = tree(&cases);
    let mock = mock_with(&cases, |c| c.live.clone());
    let (_, v, _) = scan(&env, &mock, &["keys", "--verify"]);
    for rule in ["aws.access-key-id", "aws.secret-access-key"] {
        let f = of(&v, rule)[0];
        assert_eq!(f["verification"]["status"], "live", "{rule}");
        assert_eq!(
            f["verification"]["identity"],
            "arn:aws:iam::123456789012:user/ann"
        );
    }
    // One request per rule: the key id and the secret read a rejection
    // differently (see `answers::aws_*`), so they are not one check.
    assert_eq!(mock.requests().len(), 2);
}

#[test]
fn half_a_pair_is_not_sent() {
    let env = Env::new();
    env.write("keys/a.env", "AWS_ACCESS_KEY_ID=AKIAVKDJ4FRPXVBLJOMS\n");
    env.write(
        "keys/b.env",
        "AWS_ACCESS_KEY_ID=ASIAXUJCZXWII6APKGSA\naws_secret_access_key = J52wO+NYsvcjbtNP5c6vBZo9+BEXYto72reNj/yg\n",
    );
    env.write(
        "keys/c.env",
        "TWILIO_AUTH_TOKEN=c1530a493afbb8b64cb580fac27cd899 # twilio\n",
    );
    let mock = Mock::start(|_| Reply::new(200, "{}"));
    let (_, v, _) = scan(&env, &mock, &["keys", "--verify"]);
    let a = findings(&v).iter().find(|f| f["path"] == "a.env").unwrap();
    assert_eq!(a["verification"]["status"], "unknown");
    assert!(
        a["verification"]["detail"]
            .as_str()
            .unwrap()
            .contains("no AWS secret access key found")
    );
    assert!(a["verification"]["checked_at"].is_null());
    for f in findings(&v).iter().filter(|f| f["path"] == "b.env") {
        assert_eq!(f["verification"]["status"], "unknown", "{f}");
        assert!(
            f["verification"]["detail"]
                .as_str()
                .unwrap()
                .contains("session token")
        );
    }
    assert_eq!(mock.connections(), 0);
}

#[test]
fn fail_on_live_and_only_verified() {
    let env = Env::new();
    env.write("keys/live.env", example("openai.project-key", 0));
    env.write("keys/dead.env", example("github.personal-access-token", 0));
    let mock = Mock::start(|r| match r.provider() {
        "openai" => Reply::new(200, r#"{"data":[]}"#),
        _ => Reply::new(401, r#"{"message":"Bad credentials"}"#),
    });
    let (code, v, _) = scan(&env, &mock, &["keys", "--verify", "--fail-on", "live"]);
    assert_eq!(code, 1);
    assert_eq!(v["failing"], 1);
    let (code, v, _) = scan(
        &env,
        &mock,
        &["keys/dead.env", "--verify", "--fail-on", "live"],
    );
    assert_eq!(code, 0, "an invalid key does not fail --fail-on live");
    assert_eq!(v["failing"], 0);
    let (code, v, _) = scan(&env, &mock, &["keys", "--verify", "--only-verified"]);
    assert_eq!(code, 1);
    let rules: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["openai.project-key"]);
    let held: Vec<&Value> = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"] == "not-verified")
        .collect();
    assert!(held.iter().any(|s| s["by"] == "invalid"), "{held:?}");
    // Both need --verify.
    let (code, _, stderr) = scan(&env, &mock, &["keys", "--fail-on", "live"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("needs --verify"), "{stderr}");
    let (code, _, _) = scan(&env, &mock, &["keys", "--only-verified"]);
    assert_eq!(code, 2);
}

#[test]
fn a_scanned_repositorys_config_cannot_define_verification() {
    let env = Env::new();
    let key = "acme_live_R4kT9wQz2mXb7LpV3nHc8sJd6fGy1aEu";
    env.write("app/.env.production", format!("ACME_TOKEN={key}\n"));
    let config = r#"version = 1
[[rule]]
id = "acme.token"
title = "Acme token"
provider = "Acme"
severity = "high"
keywords = ["acme_live_"]
regex = '''\b(acme_live_[A-Za-z0-9]{32})\b'''
examples = ["ACME_TOKEN=acme_live_R4kT9wQz2mXb7LpV3nHc8sJd6fGy1aEu"]
negative_examples = ["ACME_TOKEN=acme_live_"]
[rule.verify]
provider = "acme"
url = "https://api.acme.example/v1/me"
headers = { Authorization = "Bearer {secret}" }
live = [200]
"#;
    env.write("app/jikimi.toml", config);
    let mock = Mock::start(|_| Reply::new(200, "{}"));
    // The repository's own config: the spec is dropped, with a warning, and
    // its provider does not exist for the override variables.
    let out = env
        .cmd()
        .args([
            "scan",
            "app",
            "--no-history",
            "--format",
            "json",
            "--verify",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[rule.verify] is ignored"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = of(&v, "acme.token")[0];
    assert_eq!(f["verification"]["status"], "unknown");
    assert!(f["verification"]["checked_at"].is_null());
    // Named with --config by the user, it is used (here on the mock).
    let out = env
        .cmd()
        .env(
            "JIKIMI_VERIFY_ENDPOINT_ACME",
            format!("{}/acme", mock.url()),
        )
        .args([
            "scan",
            "app",
            "--no-history",
            "--format",
            "json",
            "--verify",
            "--config",
        ])
        .arg(env.path().join("app/jikimi.toml"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(of(&v, "acme.token")[0]["verification"]["status"], "live");
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].target, "/acme/v1/me");
}

#[test]
fn endpoint_overrides_are_checked() {
    let env = Env::new();
    env.write("keys/a.env", example("openai.project-key", 0));
    for (var, value, msg) in [
        (
            "JIKIMI_VERIFY_ENDPOINT_OPENAI",
            "http://api.example.com",
            "plain http is allowed only for loopback",
        ),
        (
            "JIKIMI_VERIFY_ENDPOINT_OPENIA",
            "http://127.0.0.1:9",
            "names no provider",
        ),
    ] {
        let out = env
            .cmd()
            .env(var, value)
            .args(["scan", "keys", "--no-history", "--verify"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(msg), "{stderr}");
    }
}

#[test]
fn offline_is_an_error_with_the_reason_and_the_scan_still_succeeds() {
    let env = Env::new();
    env.write("keys/a.env", example("openai.project-key", 0));
    env.write("keys/b.env", example("github.personal-access-token", 0));
    // A closed port, and a name that does not resolve.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = env
        .cmd()
        .env(
            "JIKIMI_VERIFY_ENDPOINT_OPENAI",
            format!("http://127.0.0.1:{port}"),
        )
        .env(
            "JIKIMI_VERIFY_ENDPOINT_GITHUB",
            "https://no-such-host.invalid",
        )
        .args([
            "scan",
            "keys",
            "--no-history",
            "--format",
            "json",
            "--verify",
            "--verify-timeout",
            "3s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = &of(&v, "openai.project-key")[0]["verification"];
    assert_eq!(a["status"], "error");
    assert!(a["detail"].as_str().unwrap().contains("refused"), "{a}");
    let b = &of(&v, "github.personal-access-token")[0]["verification"];
    assert_eq!(b["status"], "error", "{b}");
}

#[test]
fn verbose_logs_provider_status_and_timing_never_the_key_or_the_answer() {
    let cases = cases();
    let env = tree(&cases);
    let mock = mock_with(&cases, |c| {
        c.live.clone().header("X-Echo", "SECRET-ANSWER-MARKER")
    });
    let (_, v, stderr) = scan(&env, &mock, &["keys", "--verify", "-v"]);
    assert!(
        stderr.contains("jikimi: verify: openai: HTTP 200 in "),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRET-ANSWER-MARKER"));
    for f in findings(&v) {
        if let Some(s) = f["secret"].as_str() {
            assert_no_key_fragment(&stderr, s);
        }
    }
}

#[test]
fn reports_show_live_keys_first() {
    let env = Env::new();
    env.write(
        "keys/a-dead.env",
        example("github.personal-access-token", 0),
    );
    env.write("keys/b-live.env", example("openai.project-key", 0));
    let mock = Mock::start(|r| match r.provider() {
        "openai" => Reply::new(200, r#"{"data":[]}"#).header("openai-organization", "org-test"),
        _ => Reply::new(401, r#"{"message":"Bad credentials"}"#),
    });
    let human = |args: &[&str]| {
        let mut cmd = env.cmd();
        cmd.env(
            "JIKIMI_VERIFY_ENDPOINT_OPENAI",
            format!("{}/openai", mock.url()),
        )
        .env(
            "JIKIMI_VERIFY_ENDPOINT_GITHUB",
            format!("{}/github", mock.url()),
        )
        .args(["scan", "keys", "--no-history", "--verify"])
        .args(args);
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    let out = human(&[]);
    // The report's "Do this first" block (issue 10) lists the keys to
    // rotate, live ones first with the providers' answers; it is wrapped
    // at 80 columns, so compare with whitespace folded.
    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let block = fold(out.split("\n\n").next().unwrap());
    assert!(block.starts_with("Do this first"), "{out}");
    assert!(
        block.contains("checked with the providers: 1 live, 1 revoked or invalid"),
        "{out}"
    );
    let live = block.find("LIVE ").unwrap();
    let invalid = block.find("INVALID").unwrap();
    assert!(live < invalid, "{block}");
    assert!(block.contains("owner: organization org-test"), "{block}");
    assert!(
        block.contains("revoked or invalid: confirm it is rotated, then purge"),
        "{block}"
    );
    assert!(
        fold(&out).contains("verify: LIVE (organization org-test): rotate it first"),
        "{out}"
    );
    let compact = human(&["--format", "compact"]);
    assert!(
        compact.contains("verify: INVALID: revoked or invalid"),
        "{compact}"
    );

    let sarif: Value = serde_json::from_str(&human(&["--format", "sarif"])).unwrap();
    let run = &sarif["runs"][0];
    for res in run["results"].as_array().unwrap() {
        let status = res["properties"]["verification"]["status"]
            .as_str()
            .unwrap();
        let sev = res["properties"]["security-severity"].as_str().unwrap();
        if status == "live" {
            assert_eq!(sev, "10.0");
            assert!(res["message"]["text"].as_str().unwrap().starts_with("LIVE"));
        } else {
            assert_ne!(sev, "10.0");
        }
    }
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let openai = rules
        .iter()
        .find(|r| r["id"] == "openai.project-key")
        .unwrap();
    assert_eq!(openai["properties"]["security-severity"], "10.0");
    let github = rules
        .iter()
        .find(|r| r["id"] == "github.personal-access-token")
        .unwrap();
    assert_ne!(github["properties"]["security-severity"], "10.0");
}

#[test]
fn help_names_the_override_variables() {
    let out = Env::new().cmd().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("JIKIMI_VERIFY_ENDPOINT_<PROVIDER>"), "{help}");
    assert!(help.contains("--verify-timeout"));
    assert!(help.contains("--only-verified"));
    for p in providers() {
        assert!(help.contains(&p.to_ascii_uppercase()), "{p}");
    }
}
