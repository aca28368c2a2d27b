//! Issue 25: "invalid" only on an answer the provider documents as "this
//! credential does not exist or is revoked". Each test replays a provider's
//! answer shape (status, headers, body) from the local mock and asserts the
//! verdict; keys are fake, built here or taken from the rules' examples.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use super::{example, of, providers, scan};
use crate::common::mock::{Mock, Reply, Req};
use crate::common::{Env, Fake, assert_no_key_fragment};

const HEX: &str = "0123456789abcdef";

/// The verification of the one finding of `rule`.
fn verdict<'a>(report: &'a Value, rule: &str) -> &'a Value {
    let fs = of(report, rule);
    assert_eq!(fs.len(), 1, "findings of {rule}: {report}");
    &fs[0]["verification"]
}

fn detail(v: &Value) -> &str {
    v["detail"].as_str().unwrap_or("")
}

/// Scan `files` with every provider on `mock`.
fn scan_files(files: &[(&str, &str)], mock: &Mock) -> Value {
    let env = Env::new();
    for (name, text) in files {
        env.write(&format!("keys/{name}"), text);
    }
    let (_, v, stderr) = scan(&env, mock, &["keys", "--verify"]);
    assert!(!stderr.contains("jikimi: error"), "{stderr}");
    v
}

/// A mock answering `replies` in turn (the last one from then on).
fn in_turn(replies: Vec<Reply>) -> Mock {
    let n = Arc::new(AtomicUsize::new(0));
    Mock::start(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        replies[i.min(replies.len() - 1)].clone()
    })
}

fn of_provider(mock: &Mock, p: &str) -> Vec<Req> {
    mock.requests()
        .into_iter()
        .filter(|r| r.provider() == p)
        .collect()
}

const CF_INVALID: &str = r#"{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}],"messages":[],"result":null}"#;

fn cf_active() -> Reply {
    Reply::new(
        200,
        r#"{"success":true,"errors":[],"messages":[{"code":10000,"message":"This API Token is valid and active"}],"result":{"id":"tok9","status":"active"}}"#,
    )
}

#[test]
fn cloudflare_user_endpoint_rejection_is_no_verdict_without_an_account() {
    let mut f = Fake::new(25);
    let token = f.chars(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        40,
    );
    let mock = Mock::start(|_| Reply::new(401, CF_INVALID));
    let v = scan_files(
        &[("cf.env", &format!("CLOUDFLARE_API_TOKEN={token}\n"))],
        &mock,
    );
    let ver = verdict(&v, "cloudflare.api-token");
    assert_eq!(ver["status"], "unknown", "{ver}");
    assert!(detail(ver).contains("no account id"), "{ver}");
    assert!(detail(ver).contains("127.0.0.1"), "{ver}");
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn cloudflare_account_tokens_are_checked_at_their_account() {
    let mut f = Fake::new(26);
    let token = f.alnum(40);
    let account = f.chars(HEX, 32);
    let file = format!("CLOUDFLARE_ACCOUNT_ID={account}\nCLOUDFLARE_API_TOKEN={token}\n");
    let account_path = format!("/client/v4/accounts/{account}/tokens/verify");
    // The user endpoint rejects an account-owned token; its account's
    // endpoint accepts it.
    let mock = {
        let account_path = account_path.clone();
        Mock::start(move |r| {
            if r.rest() == account_path {
                cf_active()
            } else {
                Reply::new(401, CF_INVALID)
            }
        })
    };
    let v = scan_files(&[("cf.env", &file)], &mock);
    let ver = verdict(&v, "cloudflare.api-token");
    assert_eq!(ver["status"], "live", "{ver}");
    assert_eq!(ver["identity"], "token tok9");
    let paths: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| r.rest().to_string())
        .collect();
    assert_eq!(
        paths,
        vec!["/client/v4/user/tokens/verify".to_string(), account_path]
    );
    // Both reject: still no verdict, and the account is named.
    let mock = Mock::start(|_| Reply::new(401, CF_INVALID));
    let v = scan_files(&[("cf.env", &file)], &mock);
    let ver = verdict(&v, "cloudflare.api-token");
    assert_eq!(ver["status"], "unknown", "{ver}");
    assert!(detail(ver).contains(&account), "{ver}");
    assert!(detail(ver).contains("2 requests tried"), "{ver}");
}

#[test]
fn cloudflare_prefixed_tokens() {
    let mut f = Fake::new(27);
    let user = format!("cfut_{}{}", f.alnum(40), f.chars(HEX, 8));
    let account_token = format!("cfat_{}{}", f.alnum(40), f.chars(HEX, 8));
    let account = f.chars(HEX, 32);
    // A user token rejected by the user endpoint is invalid.
    let mock = Mock::start(|_| Reply::new(401, CF_INVALID));
    let v = scan_files(&[("u.env", &format!("CF_TOKEN={user}\n"))], &mock);
    assert_eq!(verdict(&v, "cloudflare.user-token")["status"], "invalid");
    // An account token without its account id is not sent.
    let mock = Mock::start(|_| cf_active());
    let v = scan_files(&[("a.env", &format!("CF_TOKEN={account_token}\n"))], &mock);
    let ver = verdict(&v, "cloudflare.account-token");
    assert_eq!(ver["status"], "unknown");
    assert!(detail(ver).contains("account id"), "{ver}");
    assert_eq!(mock.connections(), 0);
    // With it, the account endpoint answers.
    let file = format!("account_id = \"{account}\"\nCF_TOKEN={account_token}\n");
    let v = scan_files(&[("a.env", &file)], &mock);
    assert_eq!(verdict(&v, "cloudflare.account-token")["status"], "live");
    assert_eq!(
        mock.requests()[0].rest(),
        format!("/client/v4/accounts/{account}/tokens/verify")
    );
}

#[test]
fn datadog_keys_of_another_site_are_unknown_without_a_site() {
    let forbidden = || Reply::new(403, r#"{"errors":["Forbidden"]}"#);
    let key = example("datadog.api-key", 0);
    let mock = Mock::start(move |_| forbidden());
    let v = scan_files(&[("dd.env", &format!("{key}\n"))], &mock);
    let ver = verdict(&v, "datadog.api-key");
    assert_eq!(ver["status"], "unknown", "{ver}");
    assert!(detail(ver).contains("DD_SITE"), "{ver}");
    // The site next to it makes the 403 a verdict.
    let v = scan_files(
        &[("dd.env", &format!("DD_SITE: us5.datadoghq.com\n{key}\n"))],
        &mock,
    );
    assert_eq!(verdict(&v, "datadog.api-key")["status"], "invalid");
}

#[test]
fn digitalocean_refresh_tokens_are_never_sent() {
    let mut f = Fake::new(28);
    let token = format!("dor_v1_{}", f.chars(HEX, 64));
    let mock = Mock::start(|_| Reply::new(401, r#"{"id":"unauthorized"}"#));
    let v = scan_files(&[("do.env", &format!("DO_REFRESH={token}\n"))], &mock);
    let ver = verdict(&v, "digitalocean.token");
    assert_eq!(ver["status"], "unknown");
    assert!(detail(ver).contains("consumes it"), "{ver}");
    assert!(ver["checked_at"].is_null());
    assert_eq!(mock.connections(), 0);
}

#[test]
fn openai_admin_keys_with_restricted_scopes_are_live() {
    let mock = Mock::start(|_| {
        Reply::new(
            401,
            r#"{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.management.read.","type":"invalid_request_error","param":null,"code":null}}"#,
        )
    });
    let v = scan_files(&[("a.env", &example("openai.admin-key", 0))], &mock);
    let ver = verdict(&v, "openai.admin-key");
    assert_eq!(ver["status"], "live", "{ver}");
    assert!(detail(ver).contains("restricted"), "{ver}");
}

#[test]
fn openai_keys_for_another_base_url_are_not_sent_to_openai() {
    let mut f = Fake::new(29);
    let key = format!("sk-{}", f.alnum(48));
    let mock = Mock::start(|_| Reply::new(401, r#"{"error":{"code":"invalid_api_key"}}"#));
    let file = format!("OPENAI_BASE_URL=https://llm.acme.internal/v1\nOPENAI_API_KEY={key}\n");
    let v = scan_files(&[("g.env", &file)], &mock);
    let ver = verdict(&v, "openai.context-key");
    assert_eq!(ver["status"], "unknown", "{ver}");
    assert!(detail(ver).contains("llm.acme.internal"), "{ver}");
    assert!(of_provider(&mock, "openai").is_empty());
    // OpenAI's own base URL changes nothing.
    let file = format!("OPENAI_BASE_URL=https://api.openai.com/v1\nOPENAI_API_KEY={key}\n");
    let v = scan_files(&[("g.env", &file)], &mock);
    assert_eq!(verdict(&v, "openai.context-key")["status"], "invalid");
}

const STS_SIGNATURE: &str = r#"{"Error":{"Code":"SignatureDoesNotMatch","Message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.","Type":"Sender"},"RequestId":"4f2c0a3e-0000-4000-8000-000000000000"}"#;
const STS_UNKNOWN_ID_XML: &str = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidClientTokenId</Code>\n    <Message>The security token included in the request is invalid.</Message>\n  </Error>\n  <RequestId>4f2c0a3e-0000-4000-8000-000000000001</RequestId>\n</ErrorResponse>\n";
const STS_OK: &str = r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/ann","UserId":"AIDAEXAMPLE"}}}"#;

fn aws_file(f: &mut Fake) -> String {
    format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        f.aws_key_id(),
        f.alnum(40)
    )
}

#[test]
fn aws_signature_mismatch_means_the_key_id_exists() {
    let mut f = Fake::new(30);
    let mock = Mock::start(|_| Reply::new(403, STS_SIGNATURE));
    let v = scan_files(&[("aws.ini", &aws_file(&mut f))], &mock);
    let id = verdict(&v, "aws.access-key-id");
    assert_eq!(id["status"], "unknown", "{id}");
    assert!(detail(id).contains("the key id exists"), "{id}");
    let secret = verdict(&v, "aws.secret-access-key");
    assert_eq!(secret["status"], "unknown", "{secret}");
    assert!(detail(secret).contains("does not sign"), "{secret}");
}

#[test]
fn aws_unknown_key_id_is_asked_twice_and_says_nothing_about_a_secret() {
    let mut f = Fake::new(31);
    let mock =
        Mock::start(|_| Reply::new(403, STS_UNKNOWN_ID_XML).header("Content-Type", "text/xml"));
    let v = scan_files(&[("aws.ini", &aws_file(&mut f))], &mock);
    let id = verdict(&v, "aws.access-key-id");
    assert_eq!(id["status"], "invalid", "{id}");
    let secret = verdict(&v, "aws.secret-access-key");
    assert_eq!(secret["status"], "unknown", "{secret}");
    assert!(
        detail(secret).contains("says nothing about this secret"),
        "{secret}"
    );
    // Each of the two checks retried once.
    assert_eq!(mock.requests().len(), 4);
}

#[test]
fn aws_every_candidate_secret_is_tried() {
    let mut f = Fake::new(32);
    let id = f.aws_key_id();
    let input = format!(
        "aws_access_key_id = {id}\naws_secret_access_key = {}\nAWS_SECRET_ACCESS_KEY={}\n",
        f.alnum(40),
        f.alnum(40)
    );
    // The nearer secret is another key's; the second one signs.
    let mock = in_turn(vec![
        Reply::new(403, STS_SIGNATURE),
        Reply::new(200, STS_OK),
    ]);
    let (code, out, _) = verify_cmd(&mock, &["--rule", "aws.access-key-id"], &input);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("LIVE (arn:aws:iam::123456789012:user/ann)"),
        "{out}"
    );
    assert_eq!(mock.requests().len(), 2);
}

#[test]
fn twilio_every_candidate_sid_is_tried() {
    let mut f = Fake::new(33);
    let far = format!("AC{}", f.chars(HEX, 32));
    let near = format!("AC{}", f.chars(HEX, 32));
    let token = f.chars(HEX, 32);
    let file =
        format!("TWILIO_OLD_SID={far}\nTWILIO_ACCOUNT_SID={near}\nTWILIO_AUTH_TOKEN={token}\n");
    let good = format!("/2010-04-01/Accounts/{far}.json");
    let mock = {
        let good = good.clone();
        Mock::start(move |r| {
            if r.rest() == good {
                Reply::new(
                    200,
                    r#"{"sid":"AC","friendly_name":"Acme","status":"active"}"#,
                )
            } else {
                Reply::new(
                    401,
                    r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#,
                )
            }
        })
    };
    let v = scan_files(&[("t.env", &file)], &mock);
    assert_eq!(verdict(&v, "twilio.auth-token")["status"], "live");
    let paths: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| r.rest().to_string())
        .collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert_eq!(paths[1], good);
}

#[test]
fn mailgun_tries_the_eu_region_and_403_is_no_verdict() {
    let key = example("mailgun.api-key", 0);
    let forbidden = r#"{"message":"Invalid private key"}"#;
    // US rejects, EU accepts.
    let mock = in_turn(vec![
        Reply::new(401, forbidden),
        Reply::new(200, r#"{"total_count":1,"items":[{"name":"mg.acme.eu"}]}"#),
    ]);
    let v = scan_files(&[("m.env", &key)], &mock);
    assert_eq!(verdict(&v, "mailgun.api-key")["status"], "live");
    assert_eq!(mock.requests().len(), 2);
    // Both reject: a domain sending key looks the same; no verdict.
    let mock = Mock::start(move |_| Reply::new(401, forbidden));
    let v = scan_files(&[("m.env", &key)], &mock);
    let ver = verdict(&v, "mailgun.api-key");
    assert_eq!(ver["status"], "unknown", "{ver}");
    assert!(detail(ver).contains("domain sending key"), "{ver}");
    let mock = Mock::start(|_| {
        Reply::new(
            403,
            r#"{"message":"Domain is not allowed for this key, part of a group"}"#,
        )
    });
    let v = scan_files(&[("m.env", &key)], &mock);
    assert_eq!(verdict(&v, "mailgun.api-key")["status"], "unknown");
}

#[test]
fn denials_that_are_not_rejections_are_unknown() {
    let cases: Vec<(&str, String, Reply)> = vec![
        (
            "npm.access-token",
            example("npm.access-token", 1),
            Reply::new(
                403,
                r#"{"error":"Forbidden: this token may not be used from this IP address"}"#,
            ),
        ),
        (
            "vercel.token",
            example("vercel.token", 0),
            Reply::new(
                403,
                r#"{"error":{"code":"forbidden","message":"Not authorized: SAML enforcement","saml":true,"teamId":"team_x"}}"#,
            ),
        ),
        (
            "slack.bot-token",
            example("slack.bot-token", 0),
            Reply::new(200, r#"{"ok":false,"error":"no_permission"}"#),
        ),
        (
            "slack.user-token",
            example("slack.user-token", 0),
            Reply::new(200, r#"{"ok":false,"error":"not_authed"}"#),
        ),
        (
            "google.api-key",
            example("google.api-key", 0),
            Reply::new(
                401,
                r#"{"error":{"code":401,"message":"API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials that assert a principal.","status":"UNAUTHENTICATED"}}"#,
            ),
        ),
    ];
    for (rule, file, reply) in cases {
        let mock = Mock::start(move |_| reply.clone());
        let v = scan_files(&[("k.env", &file)], &mock);
        let fs = of(&v, rule);
        assert!(!fs.is_empty(), "{rule}");
        for f in fs {
            let ver = &f["verification"];
            assert_eq!(ver["status"], "unknown", "{rule}: {ver}");
            assert!(detail(ver).contains("127.0.0.1"), "{rule}: {ver}");
        }
    }
}

#[test]
fn self_hosted_instances_are_named_not_called_invalid() {
    let cases = [
        (
            "gitlab.personal-access-token",
            format!(
                "GITLAB_URL=https://gitlab.acme.internal\n{}\n",
                example("gitlab.personal-access-token", 0)
            ),
            "JIKIMI_VERIFY_ENDPOINT_GITLAB=https://gitlab.acme.internal",
        ),
        (
            "github.personal-access-token",
            format!(
                "GH_HOST=github.acme.internal\n{}\n",
                example("github.personal-access-token", 0)
            ),
            "JIKIMI_VERIFY_ENDPOINT_GITHUB=https://github.acme.internal/api/v3",
        ),
        (
            "sentry.auth-token",
            format!(
                "SENTRY_URL=https://sentry.acme.internal/\n{}\n",
                example("sentry.auth-token", 0)
            ),
            "JIKIMI_VERIFY_ENDPOINT_SENTRY=https://sentry.acme.internal",
        ),
    ];
    let mock = Mock::start(|_| Reply::new(401, r#"{"message":"401 Unauthorized"}"#));
    for (rule, file, hint) in cases {
        let v = scan_files(&[("s.env", &file)], &mock);
        let ver = verdict(&v, rule);
        assert_eq!(ver["status"], "unknown", "{rule}: {ver}");
        assert!(detail(ver).contains(hint), "{rule}: {ver}");
    }
    // Without a host in the file, the public host's rejection stands, and
    // the detail says how to point jikimi elsewhere.
    let v = scan_files(
        &[("g.env", &example("gitlab.personal-access-token", 0))],
        &mock,
    );
    let ver = verdict(&v, "gitlab.personal-access-token");
    assert_eq!(ver["status"], "invalid");
    assert!(
        detail(ver).contains("JIKIMI_VERIFY_ENDPOINT_GITLAB"),
        "{ver}"
    );
}

/// A Sentry org token as Sentry builds it: `sntrys_`, base64 JSON naming
/// the issuing URL, `_`, a random part.
fn sentry_org_token(f: &mut Fake, url: &str) -> String {
    let payload =
        format!(r#"{{"iat":1716239022.1,"url":"{url}","region_url":"{url}","org":"acme"}}"#);
    format!(
        "sntrys_{}_{}",
        super::b64(&payload).trim_end_matches('='),
        f.alnum(43)
    )
}

#[test]
fn sentry_org_tokens_carry_their_url() {
    let mut f = Fake::new(34);
    let mock = Mock::start(|_| Reply::new(200, r#"[{"slug":"acme"}]"#));
    let token = sentry_org_token(&mut f, "https://sentry.acme.internal");
    let v = scan_files(&[("s.env", &format!("SENTRY_AUTH_TOKEN={token}\n"))], &mock);
    let ver = verdict(&v, "sentry.auth-token");
    assert_eq!(ver["status"], "unknown", "{ver}");
    assert!(
        detail(ver).contains("JIKIMI_VERIFY_ENDPOINT_SENTRY=https://sentry.acme.internal"),
        "{ver}"
    );
    assert_eq!(mock.connections(), 0);
    let token = sentry_org_token(&mut f, "https://sentry.io");
    let v = scan_files(&[("s.env", &format!("SENTRY_AUTH_TOKEN={token}\n"))], &mock);
    assert_eq!(verdict(&v, "sentry.auth-token")["status"], "live");
}

/// Run `jikimi verify <args>` with `stdin`, every provider on `mock`:
/// exit code, stdout, stderr.
fn verify_cmd(mock: &Mock, args: &[&str], stdin: &str) -> (i32, String, String) {
    let env = Env::new();
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
    let out = cmd
        .arg("verify")
        .args(args)
        .write_stdin(stdin.as_bytes().to_vec())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn verify_one_key_from_stdin_exit_codes() {
    let key_line = example("github.personal-access-token", 0);
    let key = key_line
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .find(|w| w.starts_with("ghp_"))
        .unwrap()
        .to_string();
    // Dead: exit 0.
    let mock = Mock::start(|_| Reply::new(401, r#"{"message":"Bad credentials"}"#));
    let (code, out, err) = verify_cmd(&mock, &[], &format!("{key}\n"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("INVALID"), "{out}");
    assert!(out.contains("127.0.0.1"), "{out}");
    assert_no_key_fragment(&out, &key);
    assert_eq!(
        mock.requests()[0].header("authorization"),
        Some(&*format!("Bearer {key}"))
    );
    // Live: exit 1.
    let mock = Mock::start(|_| Reply::new(200, r#"{"login":"octocat"}"#));
    let (code, out, _) = verify_cmd(&mock, &[], &key_line);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("LIVE (octocat)"), "{out}");
    assert_no_key_fragment(&out, &key);
    // Unknown (rate limited twice): exit 1, never "dead".
    let mock = Mock::start(|_| Reply::new(429, "{}").header("Retry-After", "0"));
    let (code, out, _) = verify_cmd(&mock, &["--json"], &key);
    assert_eq!(code, 1, "{out}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["verification"]["status"], "unknown");
    assert_no_key_fragment(&out, &key);
    // No answer: exit 2.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = Env::new()
        .cmd()
        .env(
            "JIKIMI_VERIFY_ENDPOINT_GITHUB",
            format!("http://127.0.0.1:{port}"),
        )
        .arg("verify")
        .write_stdin(key.as_bytes().to_vec())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ERROR"));
}

#[test]
fn verify_needs_a_rule_when_the_key_alone_does_not_say() {
    let mut f = Fake::new(35);
    let token = f.alnum(40);
    let mock = Mock::start(|_| cf_active());
    let (code, _, err) = verify_cmd(&mock, &[], &token);
    assert_eq!(code, 2);
    assert!(err.contains("--rule"), "{err}");
    assert_eq!(mock.connections(), 0);
    let (code, out, err) = verify_cmd(&mock, &["--rule", "cloudflare.api-token"], &token);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("LIVE"), "{out}");
    assert_no_key_fragment(&out, &token);
    for (args, stdin, says) in [
        (vec![], " \n", "no key"),
        (vec!["--rule", "no.such-rule"], "x", "no such rule"),
        (
            vec!["--rule", "cloudflare.origin-ca-key"],
            "x",
            "no verification",
        ),
    ] {
        let (code, _, err) = verify_cmd(&mock, &args, stdin);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(mock.connections(), 1);
}
