//! Unit tests of request building, answer reading and the built-in specs.
//! The end-to-end tests, against a local mock of every provider, are in
//! `tests/verify.rs`.

use super::*;

fn spec(text: &str) -> VerifySpec {
    let s: VerifySpec = toml::from_str(text).expect("spec parses");
    s.validate().expect("spec validates");
    s
}

fn settings() -> Settings {
    Settings {
        timeout: Duration::from_secs(1),
        concurrency: 1,
        endpoints: BTreeMap::new(),
        verbose: false,
    }
}

fn with_pair(pair: Option<&str>) -> VerifyState {
    VerifyState {
        pairs: pair.map(|p| vec![p.to_string()]).unwrap_or_default(),
        ..VerifyState::default()
    }
}

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: vec![("x-org".into(), "org-42".into())],
        body: body.as_bytes().to_vec(),
    }
}

const OPENAI: &str = r#"provider = "openai"
url = "https://api.openai.com/v1/models"
headers = { Authorization = "Bearer {secret}" }
live = [200]
invalid = [401]
identity = ["organization {header:x-org}"]
[[answer]]
status = [401]
body_contains = "insufficient permissions"
result = "live"
detail = "live but restricted""#;

#[test]
fn statuses_map_to_outcomes() {
    let s = spec(OPENAI);
    let read = |a: &Answer| classify(&s, a, "api.openai.com", &Cond::default()).0;
    assert!(matches!(
        read(&answer(200, "{}")),
        Reading::Final(Status::Live, _)
    ));
    assert!(matches!(
        read(&answer(401, "{\"error\":\"bad key\"}")),
        Reading::Final(Status::Invalid, _)
    ));
    assert!(matches!(
        read(&answer(
            401,
            "{\"error\":\"You have insufficient permissions\"}"
        )),
        Reading::Final(Status::Live, _)
    ));
    assert!(matches!(read(&answer(429, "")), Reading::Retry(_)));
    assert!(matches!(read(&answer(503, "")), Reading::Retry(_)));
    assert!(matches!(
        read(&answer(404, "")),
        Reading::Final(Status::Unknown, _)
    ));
    // A 200 that is not JSON is no proof (a captive portal, a proxy page).
    assert!(matches!(
        read(&answer(200, "<html>sign in to the wifi</html>")),
        Reading::Final(Status::Error, _)
    ));
}

#[test]
fn json_answers_and_identity() {
    let s = spec(
        r#"provider = "slack"
method = "POST"
url = "https://slack.com/api/auth.test"
headers = { Authorization = "Bearer {secret}" }
identity = ["{/user} in {/team}", "{/team}"]
[[answer]]
json = "/ok"
values = [true]
result = "live"
[[answer]]
json = "/error"
values = ["invalid_auth", "token_revoked"]
result = "invalid"
detail = "Slack says {/error}"
[[answer]]
json = "/error"
values = ["ratelimited"]
result = "rate-limited""#,
    );
    let (r, json) = classify(
        &s,
        &answer(200, r#"{"ok":true,"team":"Acme","user":"ann"}"#),
        "slack.com",
        &Cond::default(),
    );
    assert!(matches!(r, Reading::Final(Status::Live, _)));
    let a = answer(200, r#"{"ok":true,"team":"Acme","user":"ann"}"#);
    assert_eq!(
        s.identity
            .iter()
            .find_map(|t| read_template(t, &a, json.as_ref(), &BTreeMap::new())),
        Some("ann in Acme".to_string())
    );
    let (r, _) = classify(
        &s,
        &answer(200, r#"{"ok":false,"error":"token_revoked"}"#),
        "slack.com",
        &Cond::default(),
    );
    assert_eq!(
        r,
        Reading::Final(
            Status::Invalid,
            "Slack says token_revoked (HTTP 200 from slack.com)".into()
        )
    );
    let (r, _) = classify(
        &s,
        &answer(200, r#"{"ok":false,"error":"ratelimited"}"#),
        "slack.com",
        &Cond::default(),
    );
    assert!(matches!(r, Reading::Retry(_)));
    let (r, _) = classify(
        &s,
        &answer(200, r#"{"ok":false,"error":"fatal_error"}"#),
        "slack.com",
        &Cond::default(),
    );
    assert!(matches!(r, Reading::Final(Status::Unknown, _)));
}

#[test]
fn requests_are_built_from_data() {
    let s = spec(OPENAI);
    let job = prepare(&s, "sk-test-1", &with_pair(None), &settings()).unwrap_or_else(|_| panic!());
    assert_eq!(job.attempts[0].wire.url, "https://api.openai.com/v1/models");
    assert_eq!(
        job.attempts[0].wire.headers,
        vec![("Authorization".to_string(), "Bearer sk-test-1".to_string())]
    );
    // The same key twice is one request; another key is another.
    let again =
        prepare(&s, "sk-test-1", &with_pair(None), &settings()).unwrap_or_else(|_| panic!());
    let other =
        prepare(&s, "sk-test-2", &with_pair(None), &settings()).unwrap_or_else(|_| panic!());
    assert_eq!(job_key(&job), job_key(&again));
    assert_ne!(job_key(&job), job_key(&other));
}

#[test]
fn secrets_in_urls_are_encoded_and_stay_on_the_host() {
    let s = spec(
        r#"provider = "telegram"
url = "https://api.telegram.org/bot{secret}/getMe"
live = [200]"#,
    );
    let job = prepare(&s, "123:AA/../../x?y#z", &with_pair(None), &settings())
        .unwrap_or_else(|_| panic!());
    assert_eq!(
        job.attempts[0].wire.url,
        "https://api.telegram.org/bot123:AA%2F..%2F..%2Fx%3Fy%23z/getMe"
    );
}

#[test]
fn a_url_secret_must_be_on_a_documented_host() {
    let s = spec(
        r#"provider = "discord"
url = "{secret}"
hosts = ["discord.com", "ptb.discord.com"]
live = [200]"#,
    );
    assert!(
        prepare(
            &s,
            "https://discord.com/api/webhooks/1/abc",
            &with_pair(None),
            &settings()
        )
        .is_ok()
    );
    for bad in [
        "https://evil.com/api/webhooks/1/abc",
        "http://discord.com/api/webhooks/1/abc",
        "https://discord.com@evil.com/api/webhooks/1/abc",
        "https://discord.com.evil.com/x",
        "discord.com/api/webhooks/1/abc",
    ] {
        match prepare(&s, bad, &with_pair(None), &settings()) {
            Err(v) => assert_eq!(v.status, Status::Error, "{bad}"),
            Ok(_) => panic!("sent {bad}"),
        }
    }
}

#[test]
fn hosts_built_from_a_pair_stay_within_the_pattern() {
    let s = spec(
        r#"provider = "shopify"
url = "https://{pair}.myshopify.com/admin/api/2025-01/shop.json"
hosts = ["*.myshopify.com"]
headers = { X-Shopify-Access-Token = "{secret}" }
pair = { regex = '([a-z0-9.-]+)\.myshopify\.com', what = "shop domain" }
live = [200]"#,
    );
    assert_eq!(
        prepare(&s, "shpat_x", &with_pair(Some("acme")), &settings())
            .unwrap_or_else(|_| panic!())
            .attempts[0]
            .wire
            .url,
        "https://acme.myshopify.com/admin/api/2025-01/shop.json"
    );
    for bad in ["evil.com/x?", "a.b", "evil.com#"] {
        assert!(
            prepare(&s, "shpat_x", &with_pair(Some(bad)), &settings()).is_err(),
            "{bad}"
        );
    }
    let missing = prepare(&s, "shpat_x", &with_pair(None), &settings())
        .err()
        .unwrap();
    assert_eq!(missing.status, Status::Unknown);
    assert!(
        missing.detail.contains("no shop domain found"),
        "{}",
        missing.detail
    );
}

#[test]
fn overrides_replace_the_host_and_nothing_else() {
    let s = spec(OPENAI);
    let mut st = settings();
    st.endpoints.insert(
        "openai".into(),
        Endpoint::parse("V", "http://127.0.0.1:9").unwrap(),
    );
    let job = prepare(&s, "k", &with_pair(None), &st).unwrap_or_else(|_| panic!());
    assert_eq!(job.attempts[0].wire.url, "http://127.0.0.1:9/v1/models");
    assert!(job.attempts[0].allowed.permits("http://127.0.0.1:9/other"));
    assert!(
        !job.attempts[0]
            .allowed
            .permits("http://127.0.0.1:10/v1/models")
    );
    assert!(
        !job.attempts[0]
            .allowed
            .permits("https://api.openai.com/v1/models")
    );
}

#[test]
fn headers_cannot_be_split_by_a_key() {
    let s = spec(OPENAI);
    let v = prepare(&s, "k\r\nHost: evil.com", &with_pair(None), &settings())
        .err()
        .unwrap();
    assert_eq!(v.status, Status::Error);
}

#[test]
fn skips_send_nothing() {
    let s = spec(
        r#"provider = "aws"
method = "POST"
url = "https://sts.amazonaws.com/"
body = "Action=GetCallerIdentity&Version=2011-06-15"
aws_sigv4 = { access_key_id = "{pair}", secret_access_key = "{secret}", region = "us-east-1", service = "sts" }
pair = { regex = '\b((?:AKIA|ASIA)[A-Z0-9]{16})\b', what = "AWS access key id" }
live = [200]
[[skip]]
value = "{pair}"
regex = "^ASIA"
detail = "temporary credentials need their session token""#,
    );
    let v = prepare(
        &s,
        "secret",
        &with_pair(Some("ASIAXXXXXXXXXXXXXXXX")),
        &settings(),
    )
    .err()
    .unwrap();
    assert_eq!(v.status, Status::Unknown);
    assert!(v.checked_at.is_none());
    assert!(
        prepare(
            &s,
            "secret",
            &with_pair(Some("AKIAXXXXXXXXXXXXXXXX")),
            &settings()
        )
        .is_ok()
    );
}

#[test]
fn shown_texts_never_carry_the_key() {
    let secrets = vec!["sk-abcdefghijklmnopqrstuvwxyz0123".to_string()];
    let out = clean("owner sk-abcdefghijklmnopqrstuvwxyz0123\nx", &secrets);
    assert!(!out.contains("sk-abcdefghijklmnopqrstuvwxyz0123"));
    assert!(!out.contains('\n'));
}

#[test]
fn pairs_are_the_nearest_match() {
    let re = regex::bytes::Regex::new(r"\b(AC[0-9a-f]{4})\b").unwrap();
    let text = b"AC1111 far away ... token=SECRET AC2222";
    let start = 26;
    assert_eq!(&text[start..start + 6], b"SECRET");
    assert_eq!(
        candidates(&re, None, text, start, start + 6, MAX_PAIRS),
        vec!["AC2222".to_string(), "AC1111".to_string()]
    );
    assert_eq!(
        candidates(&re, None, text, start, start + 6, 1),
        vec!["AC2222".to_string()]
    );
    assert!(candidates(&re, None, b"nothing here", 0, 4, 1).is_empty());
}

#[test]
fn small_helpers() {
    assert_eq!(base64(b"api:key-1"), "YXBpOmtleS0x");
    assert_eq!(base64(b"a"), "YQ==");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(parse_timeout("5s").unwrap(), Duration::from_secs(5));
    assert_eq!(parse_timeout("250ms").unwrap(), Duration::from_millis(250));
    assert_eq!(parse_timeout("2.5").unwrap(), Duration::from_millis(2500));
    assert!(parse_timeout("0").is_err() && parse_timeout("soon").is_err());
    assert_eq!(
        resolve("https://a.com/x", "/y").as_deref(),
        Some("https://a.com/y")
    );
    assert_eq!(
        resolve("https://a.com/x", "//b.com/y").as_deref(),
        Some("https://b.com/y")
    );
    assert_eq!(
        backoff(&Answer {
            headers: vec![("retry-after".into(), "120".into())],
            ..Answer::default()
        }),
        Duration::from_secs(5)
    );
}

#[test]
fn env_overrides_must_name_a_provider_and_be_safe() {
    let rules = RuleSet::builtin().unwrap();
    let env = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    let ok = Settings::new(
        Duration::from_secs(1),
        2,
        false,
        &rules,
        env(
            "JIKIMI_VERIFY_ENDPOINT_GITHUB",
            "https://github.example.com/api/v3",
        ),
    )
    .unwrap();
    assert_eq!(ok.endpoints["github"].prefix, "/api/v3");
    assert!(
        Settings::new(
            Duration::from_secs(1),
            2,
            false,
            &rules,
            env("JIKIMI_VERIFY_ENDPOINT_GITHUB", "http://github.example.com")
        )
        .is_err()
    );
    assert!(
        Settings::new(
            Duration::from_secs(1),
            2,
            false,
            &rules,
            env("JIKIMI_VERIFY_ENDPOINT_NOPE", "https://x.com")
        )
        .is_err()
    );
}

#[test]
fn builtin_specs_cover_the_providers_and_the_help_names_them() {
    let rules = RuleSet::builtin().unwrap();
    let mut providers: Vec<String> = rules
        .rules
        .iter()
        .filter_map(|r| r.syntax.verify.as_ref())
        .map(|s| {
            s.validate().unwrap();
            s.provider.clone()
        })
        .collect();
    providers.sort();
    providers.dedup();
    assert!(
        providers.len() >= 25,
        "{} providers: {providers:?}",
        providers.len()
    );
    let help = crate::cli::VERIFY_HELP.replace('\n', " ");
    for p in &providers {
        let name = p.to_ascii_uppercase().replace('-', "_");
        assert!(
            help.contains(&format!(" {name},")) || help.contains(&format!(" {name}.")),
            "--help does not name {name}"
        );
    }
    let listed = help.split("Providers:").nth(1).unwrap().split(',').count();
    assert_eq!(
        listed,
        providers.len(),
        "--help lists providers that have no spec"
    );
}

const DATADOG: &str = r#"provider = "datadog"
url = "https://api.{ctx:site}/api/v1/validate"
hosts = ["api.datadoghq.com", "api.datadoghq.eu", "api.us5.datadoghq.com"]
headers = { DD-API-KEY = "{secret}" }
live = [200]
invalid = [401, 403]
[[context]]
name = "site"
regex = '(?:DD_SITE)=((?:us5\.)?datadoghq\.(?:com|eu)|[a-z.]+)'
default = "datadoghq.com"
[[answer]]
status = [403]
missing = "site"
result = "unknown"
detail = "no site""#;

#[test]
fn context_values_pick_among_the_documented_hosts_only() {
    let s = spec(DATADOG);
    let text = b"DD_SITE=us5.datadoghq.com\nDD_API_KEY=k0\n";
    let start = text.len() - 3;
    let state = VerifyState::around(&s, text, start, start + 2);
    assert_eq!(
        state.context,
        vec![("site".to_string(), "us5.datadoghq.com".to_string())]
    );
    let job = prepare(&s, "k0", &state, &settings()).unwrap_or_else(|_| panic!());
    assert_eq!(
        job.attempts[0].wire.url,
        "https://api.us5.datadoghq.com/api/v1/validate"
    );
    // No site: the default; a site that is no documented host: not sent.
    let job = prepare(&s, "k0", &VerifyState::default(), &settings()).unwrap_or_else(|_| panic!());
    assert_eq!(
        job.attempts[0].wire.url,
        "https://api.datadoghq.com/api/v1/validate"
    );
    let evil = VerifyState {
        context: vec![("site".into(), "evil.example".into())],
        ..VerifyState::default()
    };
    let v = prepare(&s, "k0", &evil, &settings()).err().unwrap();
    assert_eq!(v.status, Status::Error);
    // The default site's 403 is no verdict; the found site's is.
    let read = |found: &[(&str, &str)], overridden| {
        let cond = Cond {
            found: found
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            overridden,
        };
        classify(&s, &answer(403, "{}"), "api.datadoghq.com", &cond).0
    };
    assert!(matches!(
        read(&[], false),
        Reading::Final(Status::Unknown, _)
    ));
    assert!(matches!(
        read(&[("site", "datadoghq.eu")], false),
        Reading::Final(Status::Invalid, _)
    ));
    // An https override names the site: the 403 stands.
    assert!(matches!(
        read(&[], true),
        Reading::Final(Status::Invalid, _)
    ));
}

#[test]
fn mismatches_and_rechecks() {
    let s = spec(
        r#"provider = "aws"
url = "https://sts.amazonaws.com/"
live = [200]
[[answer]]
status = [403]
json = "/Error/Code"
values = ["InvalidClientTokenId"]
result = "invalid"
retry = true
[[answer]]
status = [403]
json = "/Error/Code"
values = ["SignatureDoesNotMatch"]
result = "mismatch"
detail = "key id exists""#,
    );
    let read = |body: &str| {
        classify(
            &s,
            &answer(403, body),
            "sts.amazonaws.com",
            &Cond::default(),
        )
        .0
    };
    assert!(matches!(
        read(r#"{"Error":{"Code":"InvalidClientTokenId"}}"#),
        Reading::Recheck(r) if matches!(*r, Reading::Final(Status::Invalid, _))
    ));
    assert_eq!(
        read(r#"{"Error":{"Code":"SignatureDoesNotMatch"}}"#),
        Reading::Mismatch("key id exists (HTTP 403 from sts.amazonaws.com)".into())
    );
    // Any other 403 says nothing.
    assert!(matches!(
        read(r#"{"Error":{"Code":"AccessDenied"}}"#),
        Reading::Final(Status::Unknown, _)
    ));
}

#[test]
fn secrets_carry_base64_segments() {
    let token = format!(
        "sntrys_{}_rest",
        base64(br#"{"url":"https://sentry.acme.internal"}"#).trim_end_matches('=')
    );
    let decoded = decode_segments(token.as_bytes());
    assert!(String::from_utf8_lossy(&decoded).contains("sentry.acme.internal"));
    assert_eq!(unbase64(b"YQ"), Some(b"a".to_vec()));
    assert_eq!(unbase64(b"a b"), None);
}
