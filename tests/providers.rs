//! Provider coverage (issue 18, item 3) through the binary: the rules added
//! for providers the peers name (rules/saas-tail3.toml), the provider's name
//! accepted after the token on its line, short context words only where a
//! name starts, and the coverage table naming only rules that exist. Keys
//! are fakes built here with each format's prefix, length and alphabet.

use crate::common::*;

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &str = "0123456789abcdef";
const B32: &str = "abcdefghijklmnopqrstuvwxyz234567";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// The secrets `rule` reports in the scan of `env`.
fn secrets_of(v: &serde_json::Value, rule: &str) -> Vec<String> {
    by_rule(v, rule)
        .iter()
        .filter_map(|f| f["secret"].as_str().map(str::to_string))
        .collect()
}

fn uuid(f: &mut Fake) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        f.chars(HEX, 8),
        f.chars(HEX, 4),
        f.chars(HEX, 3),
        f.chars(HEX, 3),
        f.chars(HEX, 12)
    )
}

#[test]
fn new_provider_formats_are_found_where_they_are_written() {
    let env = Env::new();
    let mut f = Fake::new(3003);
    let vercel = format!("vcp_{}", f.chars(ALNUM, 56));
    let swarm = format!("SWMTKN-1-{}-{}", f.chars(LOWER, 50), f.chars(LOWER, 25));
    let onesignal = format!("os_v2_app_{}", f.chars(B32, 103));
    let devcycle = format!(
        "dvc_server_{}_{}_{}",
        f.chars(HEX, 8),
        f.chars(HEX, 4),
        f.chars(HEX, 24)
    );
    let astra = format!("AstraCS:{}:{}", f.chars(ALNUM, 24), f.chars(HEX, 64));
    let woo_key = format!("ck_{}", f.chars(HEX, 40));
    let woo_secret = format!("cs_{}", f.chars(HEX, 40));
    env.write(
        ".github/workflows/deploy.yml",
        format!("env:\n  VERCEL_TOKEN: {vercel}\n"),
    );
    env.write(
        "ops/join.sh",
        format!("docker swarm join --token {swarm} 10.0.0.5:2377\n"),
    );
    env.write(
        "push/notify.py",
        format!("headers = {{\"Authorization\": \"Key {onesignal}\"}}\n"),
    );
    env.write(
        "flags/init.ts",
        format!("const client = initializeDevCycle('{devcycle}')\n"),
    );
    env.write("db/.env", format!("ASTRA_DB_APPLICATION_TOKEN={astra}\n"));
    env.write(
        "shop/sync.sh",
        format!(
            "curl \"https://shop.example/wp-json/wc/v3/orders?consumer_key={woo_key}&consumer_secret={woo_secret}\"\n"
        ),
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    assert_eq!(secrets_of(&v, "vercel.access-token"), vec![vercel]);
    assert_eq!(secrets_of(&v, "docker.swarm-join-token"), vec![swarm]);
    assert_eq!(secrets_of(&v, "onesignal.rich-auth-token"), vec![onesignal]);
    assert_eq!(secrets_of(&v, "devcycle.server-sdk-key"), vec![devcycle]);
    assert_eq!(secrets_of(&v, "datastax.astra-token"), vec![astra]);
    assert_eq!(
        secrets_of(&v, "woocommerce.consumer-secret"),
        vec![woo_secret]
    );
}

#[test]
fn public_keys_placeholders_and_lookalikes_of_new_providers_are_not_reported() {
    let env = Env::new();
    let mut f = Fake::new(3004);
    // A DevCycle client SDK key is public by design; swarm docs use a
    // placeholder; a cs_ digest with no WooCommerce name; a Cursor-shaped
    // key under no Cursor name.
    env.write(
        "flags/init.ts",
        format!(
            "const client = initializeDevCycle('dvc_client_{}')\n",
            f.chars(HEX, 32)
        ),
    );
    env.write(
        "docs/swarm.md",
        "docker swarm join --token SWMTKN-1-<token> 10.0.0.5:2377\n",
    );
    env.write("sums.txt", format!("cs_{}\n", f.chars(HEX, 40)));
    env.write("keys.txt", format!("API_KEY=key_{}\n", f.chars(HEX, 64)));
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    for rule in [
        "devcycle.server-sdk-key",
        "docker.swarm-join-token",
        "woocommerce.consumer-secret",
        "cursor.api-key",
    ] {
        assert!(by_rule(&v, rule).is_empty(), "{rule}: {v:#}");
    }
}

#[test]
fn the_provider_name_counts_after_the_token_on_its_line() {
    let env = Env::new();
    let mut f = Fake::new(3005);
    let kagi = format!("{}.{}", f.chars(ALNUM, 11), f.chars(B64URL, 43));
    let square = uuid(&mut f);
    let kucoin = uuid(&mut f);
    // curl puts the URL (the provider's host) after the header with the key.
    env.write(
        "search.sh",
        format!("curl -H \"Authorization: Bot {kagi}\" https://kagi.com/api/v0/search?q=rust\n"),
    );
    env.write(
        "orders.sh",
        format!(
            "curl -H 'Authorization: Bearer {square}' https://api.squarespace.com/1.0/commerce/orders\n"
        ),
    );
    // A trailing comment names whose key it is.
    env.write(
        "trade.py",
        format!("client = Client(KEY, '{kucoin}', PASSPHRASE)  # kucoin\n"),
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    assert_eq!(secrets_of(&v, "kagi.api-key"), vec![kagi]);
    // The provider's rule wins over the structural Bearer rule.
    assert_eq!(secrets_of(&v, "squarespace.api-key"), vec![square]);
    assert_eq!(secrets_of(&v, "kucoin.api-secret"), vec![kucoin]);
}

#[test]
fn a_name_after_the_token_counts_only_on_its_line_and_within_the_gap() {
    let env = Env::new();
    let mut f = Fake::new(3006);
    let a = uuid(&mut f);
    let b = uuid(&mut f);
    // The name on the next line, and the name far along the same line.
    env.write(
        "a.py",
        format!("request_id = '{a}'\n# kucoin client below\n"),
    );
    env.write(
        "b.py",
        format!(
            "request_id = '{b}'  # {} kucoin\n",
            "see the tracing notes ".repeat(6)
        ),
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    assert!(by_rule(&v, "kucoin.api-secret").is_empty(), "{v:#}");
}

#[test]
fn short_context_words_count_only_where_a_name_starts() {
    let env = Env::new();
    let mut f = Fake::new(3007);
    let key = format!("{}.{}", f.chars(HEX, 32), f.chars(ALNUM, 16));
    let other = format!("{}.{}", f.chars(HEX, 32), f.chars(ALNUM, 16));
    // `zai` as a name (ZAI_API_KEY) versus inside another word (bazaid).
    env.write("a.env", format!("ZAI_API_KEY={key}\n"));
    env.write("b.txt", format!("bazaid={other}\n"));
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    assert_eq!(secrets_of(&v, "zai.api-key"), vec![key]);
}

#[test]
fn the_coverage_table_names_only_rules_that_exist() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["rules", "list", "--json"])
        .output()
        .expect("jikimi rules list");
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: std::collections::HashSet<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    let table = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/coverage_map.tsv"),
    )
    .expect("benches/coverage_map.tsv");
    let mut rows = 0;
    for line in table
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 2, "want peer-id TAB ids: {line:?}");
        rows += 1;
        if cols[1] == "-" {
            let reason = cols.get(2).map_or("", |r| r.trim());
            assert!(
                !reason.is_empty(),
                "a row without a rule needs a reason: {line:?}"
            );
            continue;
        }
        for id in cols[1].split(',') {
            assert!(ids.contains(id.trim()), "unknown rule {id:?} in {line:?}");
        }
    }
    assert!(rows > 100, "{rows} rows");
}

#[test]
fn a_name_rule_also_takes_the_provider_from_a_url_host_or_a_host_header() {
    let env = Env::new();
    let mut f = Fake::new(3008);
    let (a, b, c, d) = (
        f.chars(HEX, 40),
        f.chars(HEX, 40),
        f.chars(HEX, 40),
        f.chars(HEX, 40),
    );
    // deepgram.api-key wants `deepgram…=` before the key; here the name is
    // the API's host after it, a query value's host, a recorded request's
    // Host header.
    env.write(
        "listen.sh",
        format!("curl -H 'Authorization: Token {a}' https://api.deepgram.com/v1/listen\n"),
    );
    env.write(
        "fixtures/request.http",
        format!(
            "POST /v1/listen HTTP/1.1\r\nHost: api.deepgram.com\r\nAuthorization: Token {b}\r\n\r\n"
        ),
    );
    // The provider in a link's path (its SDK on GitHub), and a digest inside
    // the path of a URL whose host is the provider: not its key.
    env.write(
        "notes.py",
        format!("commit = '{c}'  # https://github.com/deepgram/deepgram-python-sdk\n"),
    );
    env.write(
        "links.md",
        format!("see https://developers.deepgram.com/changelog/{d}/notes\n"),
    );
    // A status badge: the id is in the path of one URL, and another URL on
    // the line names the provider (rails' README, Buildkite).
    let e = f.chars(HEX, 40);
    env.write(
        "README.md",
        format!("[![Build](https://badge.deepgram.com/{e}.svg?branch=main)](https://deepgram.com/acme/app)\n"),
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    let mut found = secrets_of(&v, "deepgram.api-key");
    found.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(found, want, "{v:#}");
}

#[test]
fn an_id_in_the_path_of_the_providers_own_url_is_not_its_key() {
    let env = Env::new();
    let mut f = Fake::new(3009);
    let id = uuid(&mut f);
    let key = uuid(&mut f);
    // A CDN image URL on the provider's host carries a UUID in its path; the
    // same host with the key as a query value is a key.
    env.write(
        "config/site.yml",
        format!("avatar: 'https://images.squarespace-cdn.com/content/v1/{id}/photo.png'\n"),
    );
    env.write(
        "sync.sh",
        format!("curl 'https://api.squarespace.com/1.0/commerce/orders?key={key}'\n"),
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    assert_eq!(secrets_of(&v, "squarespace.api-key"), vec![key], "{v:#}");
    let out = env
        .cmd()
        .args(["rules", "trace", "config/site.yml"])
        .output()
        .expect("trace");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.contains("squarespace.api-key")
            && l.contains("dropped at context: the token is a path segment")),
        "{text}"
    );
}

#[test]
fn a_name_rule_takes_any_name_holding_the_provider_unless_it_names_an_id() {
    let env = Env::new();
    let mut f = Fake::new(3011);
    let (a, b, c, d) = (
        f.chars(ALNUM, 43),
        f.chars(ALNUM, 43),
        f.chars(ALNUM, 43),
        f.chars(ALNUM, 43),
    );
    // netlify.legacy-token's regex wants `netlify…token=`; the peers'
    // published examples also write the bare name or a camelCase key
    // (issue 18, peer formats): `netlify = …`, `"netlifyKey": …`,
    // `netlifySecret := …`.
    env.write("app.conf", format!("netlify  ={a}\n"));
    env.write(
        "config.json",
        format!("{{\n  \"netlifyKey\": \"{b}\"\n}}\n"),
    );
    env.write(
        "main.go",
        format!(
            "package main\n\nfunc main() {{\n\tnetlifySecret := \"{c}\"\n\t_ = netlifySecret\n}}\n"
        ),
    );
    // A name ending in an identifier or release word: not a credential.
    env.write(
        "settings.py",
        format!("NETLIFY_PROJECT_ID = \"{d}\"\nnetlify_release = \"{d}\"\n"),
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    let mut found = secrets_of(&v, "netlify.legacy-token");
    found.sort();
    let mut want = vec![a, b, c];
    want.sort();
    assert_eq!(found, want, "{v:#}");
}

#[test]
fn the_provider_only_credentials_of_the_peers_have_rules() {
    let env = Env::new();
    let mut f = Fake::new(3012);
    let airtable = format!(
        "{}.v1.{}.{}",
        f.chars(ALNUM, 17),
        f.chars(B64URL, 60),
        f.chars(HEX, 64)
    );
    let buildkite = format!("bkaa_{}", f.chars(B64URL, 75));
    let bkua = format!("bkua_{}", f.chars(LOWER, 53));
    let gemini = format!("AQ.Ab8RN6{}", f.chars(B64URL, 44));
    let miro = f.chars(ALNUM, 32);
    let cloudinary = f.chars(B64URL, 27);
    env.write("airtable.env", format!("AIRTABLE_OAUTH_TOKEN={airtable}\n"));
    env.write(
        ".buildkite/agent.env",
        format!("BUILDKITE_AGENT_TOKEN={buildkite}\nAPI={bkua}\n"),
    );
    env.write("ai.py", format!("genai.configure(api_key=\"{gemini}\")\n"));
    env.write("miro.yml", format!("miro_client_secret: {miro}\n"));
    env.write(
        "upload.js",
        format!(
            "cloudinary.config({{\n  cloud_name: 'demo-app',\n  api_secret: '{cloudinary}'\n}});\n"
        ),
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    assert_eq!(
        secrets_of(&v, "airtable.oauth-token"),
        vec![airtable],
        "{v:#}"
    );
    assert_eq!(secrets_of(&v, "buildkite.service-token"), vec![buildkite]);
    assert_eq!(secrets_of(&v, "buildkite.user-token"), vec![bkua]);
    assert_eq!(secrets_of(&v, "google.gemini-aq-key"), vec![gemini]);
    assert_eq!(secrets_of(&v, "miro.client-secret"), vec![miro]);
    assert_eq!(secrets_of(&v, "cloudinary.api-secret"), vec![cloudinary]);
}
