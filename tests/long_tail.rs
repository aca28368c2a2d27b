//! Long-tail provider rules (issue 18) through the binary, in the shapes
//! they take in real files: keys are fakes built here with each format's
//! prefix, length and alphabet.

use crate::common::*;

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &str = "0123456789abcdef";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The secrets `rule` reports in the scan of `env`.
fn secrets_of(env: &Env, rule: &str) -> Vec<String> {
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    by_rule(&v, rule)
        .iter()
        .filter_map(|f| f["secret"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn long_tail_providers_are_found_in_their_usual_places() {
    let env = Env::new();
    let mut f = Fake::new(1818);
    let aio = format!("aio_{}", f.chars(ALNUM, 28));
    let particle = f.chars(HEX, 40);
    let intra = format!("s-s4t2ud-{}", f.chars(HEX, 64));
    let sidekiq = format!("{}:{}", f.chars(HEX, 8), f.chars(HEX, 8));
    // base64 of 32 bytes: 43 characters, the last one with its low bits zero.
    let wg = format!("{}{}=", f.chars(B64, 42), f.chars("AEIMQUYcgkosw048", 1));
    env.write(
        "iot/config.h",
        format!("#define IO_USERNAME \"maker\"\n#define IO_KEY \"{aio}\"\n"),
    );
    env.write(
        "iot/flash.sh",
        format!("curl \"https://api.particle.io/v1/devices?access_token={particle}\"\n"),
    );
    env.write("app/.env", format!("FT_CLIENT_SECRET={intra}\n"));
    env.write(
        "Gemfile",
        format!(
            "source \"https://{sidekiq}@gems.contribsys.com/\" do\n  gem \"sidekiq-pro\"\nend\n"
        ),
    );
    env.write(
        "vpn/wg0.conf",
        format!("[Interface]\nAddress = 10.8.0.2/24\nPrivateKey = {wg}\nDNS = 1.1.1.1\n"),
    );
    assert_eq!(secrets_of(&env, "adafruit.io-key"), vec![aio]);
    assert_eq!(secrets_of(&env, "particle.access-token"), vec![particle]);
    assert_eq!(secrets_of(&env, "intra42.client-secret"), vec![intra]);
    assert_eq!(secrets_of(&env, "sidekiq.gem-server-url"), vec![sidekiq]);
    assert_eq!(secrets_of(&env, "wireguard.private-key"), vec![wg]);
}

#[test]
fn long_tail_lookalikes_are_not_reported() {
    let env = Env::new();
    let mut f = Fake::new(29);
    // A public key, a hex digest with no Particle name near it, a 42 client
    // id (public), template placeholders.
    env.write(
        "vpn/wg0.conf",
        format!(
            "[Peer]\nPublicKey = {}{}=\n",
            f.chars(B64, 42),
            f.chars("AEIMQUYcgkosw048", 1)
        ),
    );
    env.write("sums.txt", format!("sha1 {}\n", f.chars(HEX, 40)));
    env.write(
        "app/.env",
        format!(
            "FT_CLIENT_ID=u-s4t2ud-{}\nBUNDLE_GEMS__CONTRIBSYS__COM=${{SIDEKIQ_CREDS}}\n",
            f.chars(HEX, 64)
        ),
    );
    let (_, v) = env.scan_json(&[".", "--no-config"]);
    for rule in [
        "wireguard.private-key",
        "particle.access-token",
        "intra42.client-secret",
        "sidekiq.bundler-credentials",
    ] {
        assert!(by_rule(&v, rule).is_empty(), "{rule}: {v}");
    }
}
