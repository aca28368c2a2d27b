//! Detection (issue 9): private keys in every format, structural detectors
//! for credentials without a provider prefix, generic secrets in every
//! assignment syntax, precision (placeholders, code, templates), whole
//! captures and attribution. Every case goes through the binary
//! (`jikimi scan DIR --no-config --format json`); every key is a fake built
//! here with its format's structure (DER, openssh-key-v1, OpenPGP packets,
//! PPK, JWK, JWT, nkeys) around random bytes.

use crate::common::*;

// ---------------------------------------------------------------------------
// Fake key material with the right structure.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 32) as u8).collect()
    }

    fn chars(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize] as char)
            .collect()
    }

    fn alnum(&mut self, n: usize) -> String {
        self.chars(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            n,
        )
    }

    /// A password-like string: letters, digits and symbols.
    fn password(&mut self, n: usize) -> String {
        let mut p = self.chars(
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789",
            n - 2,
        );
        p.insert(3, '#');
        p.insert(7, '!');
        p
    }
}

fn wrap(s: &str, width: usize) -> String {
    s.as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = vec![tag];
    match n {
        0..=0x7f => out.push(n as u8),
        0x80..=0xff => out.extend([0x81, n as u8]),
        _ => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

/// A positive INTEGER of `n` bytes.
fn int(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut v = vec![0x5a];
    v.extend(rng.bytes(n - 1));
    der(2, &v)
}

fn pem(label: &str, body: &[u8], headers: &str) -> String {
    format!(
        "-----BEGIN {label}-----\n{headers}{}\n-----END {label}-----",
        wrap(&b64(body), 64)
    )
}

fn rsa_pkcs1(rng: &mut Rng) -> Vec<u8> {
    seq(&[
        der(2, &[0]),
        int(rng, 257),
        der(2, &[1, 0, 1]),
        int(rng, 256),
        int(rng, 129),
        int(rng, 129),
        int(rng, 128),
        int(rng, 128),
        int(rng, 128),
    ])
}

fn pkcs8_ed25519(rng: &mut Rng) -> Vec<u8> {
    let mut v = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    v.extend(rng.bytes(32));
    v
}

fn pkcs8_rsa(rng: &mut Rng) -> Vec<u8> {
    let rsa_oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    seq(&[
        der(2, &[0]),
        seq(&[der(6, &rsa_oid), vec![5, 0]]),
        der(4, &rsa_pkcs1(rng)),
    ])
}

fn sec1_p256(rng: &mut Rng) -> Vec<u8> {
    let p256 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let mut point = vec![0, 4];
    point.extend(rng.bytes(64));
    seq(&[
        der(2, &[1]),
        der(4, &rng.bytes(32)),
        der(0xa0, &der(6, &p256)),
        der(0xa1, &der(3, &point)),
    ])
}

fn dsa(rng: &mut Rng) -> Vec<u8> {
    seq(&[
        der(2, &[0]),
        int(rng, 129),
        int(rng, 21),
        int(rng, 128),
        int(rng, 128),
        int(rng, 21),
    ])
}

fn pkcs8_encrypted(rng: &mut Rng) -> Vec<u8> {
    let pbes2 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    let pbkdf2 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
    let aes = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];
    let params = seq(&[
        seq(&[
            der(6, &pbkdf2),
            seq(&[der(4, &rng.bytes(8)), der(2, &[8, 0])]),
        ]),
        seq(&[der(6, &aes), der(4, &rng.bytes(16))]),
    ]);
    seq(&[seq(&[der(6, &pbes2), params]), der(4, &rng.bytes(1216))])
}

/// SSH wire-format string.
fn ssh_string(b: &[u8]) -> Vec<u8> {
    let mut v = (b.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

/// An OpenSSH private key as `ssh-keygen` writes it: `kind` is ed25519,
/// ecdsa or rsa.
fn openssh(rng: &mut Rng, kind: &str, encrypted: bool) -> String {
    let (public, private) = match kind {
        "ed25519" => {
            let pk = rng.bytes(32);
            let mut sk = rng.bytes(32);
            sk.extend_from_slice(&pk);
            let public = [ssh_string(b"ssh-ed25519"), ssh_string(&pk)].concat();
            let private = [ssh_string(b"ssh-ed25519"), ssh_string(&pk), ssh_string(&sk)].concat();
            (public, private)
        }
        "ecdsa" => {
            let mut q = vec![4];
            q.extend(rng.bytes(64));
            let head = [
                ssh_string(b"ecdsa-sha2-nistp256"),
                ssh_string(b"nistp256"),
                ssh_string(&q),
            ]
            .concat();
            let mut d = vec![0];
            d.extend(rng.bytes(32));
            (head.clone(), [head, ssh_string(&d)].concat())
        }
        _ => {
            let mut n = vec![0, 0xc3];
            n.extend(rng.bytes(383));
            let e = [1, 0, 1];
            let public = [ssh_string(b"ssh-rsa"), ssh_string(&e), ssh_string(&n)].concat();
            let mut private = [ssh_string(b"ssh-rsa"), ssh_string(&n), ssh_string(&e)].concat();
            for len in [384, 192, 193, 193] {
                private.extend(ssh_string(&rng.bytes(len)));
            }
            (public, private)
        }
    };
    let comment = b"dev@build-host";
    let mut body = b"openssh-key-v1\0".to_vec();
    if encrypted {
        let kdf = [ssh_string(&rng.bytes(16)), 16u32.to_be_bytes().to_vec()].concat();
        body.extend(ssh_string(b"aes256-ctr"));
        body.extend(ssh_string(b"bcrypt"));
        body.extend(ssh_string(&kdf));
        body.extend(1u32.to_be_bytes());
        body.extend(ssh_string(&public));
        let len = (private.len() + 12 + comment.len()).div_ceil(16) * 16;
        body.extend(ssh_string(&rng.bytes(len)));
    } else {
        let check = rng.bytes(4);
        let mut section = [check.clone(), check, private, ssh_string(comment)].concat();
        let mut pad = 1u8;
        while section.len() % 8 != 0 {
            section.push(pad);
            pad += 1;
        }
        body.extend(ssh_string(b"none"));
        body.extend(ssh_string(b"none"));
        body.extend(ssh_string(b""));
        body.extend(1u32.to_be_bytes());
        body.extend(ssh_string(&public));
        body.extend(ssh_string(&section));
    }
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        wrap(&b64(&body), 70)
    )
}

fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0xB7_04CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x100_0000 != 0 {
                crc ^= 0x186_4CFB;
            }
        }
    }
    crc & 0xFF_FFFF
}

/// An OpenPGP transferable secret key (v4 EdDSA) with a user id, armored.
fn pgp(rng: &mut Rng, encrypted: bool) -> String {
    let oid = [0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01];
    let mut packet = vec![4];
    packet.extend(rng.bytes(4));
    packet.push(22);
    packet.push(oid.len() as u8);
    packet.extend(oid);
    packet.extend([0x01, 0x07, 0x40]);
    packet.extend(rng.bytes(32));
    if encrypted {
        packet.extend([254, 9, 3, 8]);
        packet.extend(rng.bytes(8));
        packet.push(0xff);
        packet.extend(rng.bytes(16 + 54));
    } else {
        packet.extend([0, 0x00, 0xff, 0x7f]);
        packet.extend(rng.bytes(31 + 2));
    }
    let mut data = vec![0xC5, packet.len() as u8];
    data.extend(packet);
    let uid = b"Dev Build <dev@build.invalid>";
    data.extend([0xCD, uid.len() as u8]);
    data.extend(uid);
    let c = crc24(&data);
    format!(
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n={}\n-----END PGP PRIVATE KEY BLOCK-----\n",
        wrap(&b64(&data), 64),
        b64(&[(c >> 16) as u8, (c >> 8) as u8, c as u8])
    )
}

/// A PuTTY key file (format 2 or 3) for an Ed25519 key.
fn ppk(rng: &mut Rng, version: u8, encrypted: bool) -> String {
    let public = [ssh_string(b"ssh-ed25519"), ssh_string(&rng.bytes(32))].concat();
    let private = if encrypted {
        rng.bytes(48)
    } else {
        ssh_string(&rng.bytes(32))
    };
    let public_lines = wrap(&b64(&public), 64);
    let private_lines = wrap(&b64(&private), 64);
    let mut out = format!(
        "PuTTY-User-Key-File-{version}: ssh-ed25519\nEncryption: {}\nComment: eddsa-key-20240501\nPublic-Lines: {}\n{public_lines}\n",
        if encrypted { "aes256-cbc" } else { "none" },
        public_lines.lines().count()
    );
    if encrypted && version == 3 {
        out.push_str("Key-Derivation: Argon2id\nArgon2-Memory: 8192\nArgon2-Passes: 21\nArgon2-Parallelism: 1\n");
        out.push_str(&format!("Argon2-Salt: {}\n", hex(&rng.bytes(16))));
    }
    let mac = rng.bytes(if version == 3 { 32 } else { 20 });
    out.push_str(&format!(
        "Private-Lines: {}\n{private_lines}\nPrivate-MAC: {}\n",
        private_lines.lines().count(),
        hex(&mac)
    ));
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A compact JWT with the given header and payload JSON and a random
/// signature of `sig` bytes.
fn jwt(rng: &mut Rng, header: &str, payload: &str, sig: usize) -> String {
    format!(
        "{}.{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes()),
        b64url(&rng.bytes(sig))
    )
}

fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn base32(data: &[u8]) -> String {
    const A: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut acc, mut bits, mut out) = (0u32, 0u32, String::new());
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(A[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(A[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// A NATS nkey seed: `kind` is b'U' (user), b'A' (account) or b'O'
/// (operator).
fn nkey_seed(rng: &mut Rng, kind: u8) -> String {
    let prefix: u8 = match kind {
        b'U' => 20 << 3,
        b'A' => 0,
        _ => 14 << 3,
    };
    let mut raw = vec![(18 << 3) | (prefix >> 5), (prefix & 31) << 3];
    raw.extend(rng.bytes(32));
    let crc = crc16(&raw);
    raw.extend(crc.to_le_bytes());
    base32(&raw)
}

// ---------------------------------------------------------------------------
// Scanning helpers.

/// Scan the temp dir with `--no-config --no-redact` (plus `extra`).
fn scan(env: &Env, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![".", "--no-config", "--no-redact"];
    args.extend_from_slice(extra);
    env.scan_json(&args).1
}

fn at<'a>(v: &'a serde_json::Value, path: &str) -> Vec<&'a serde_json::Value> {
    findings(v)
        .iter()
        .filter(|f| f["path"] == path && f["kind"] == "secret")
        .collect()
}

/// The single secret finding at `path`.
fn only<'a>(v: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    let hits = at(v, path);
    assert_eq!(hits.len(), 1, "expected one finding at {path}: {v:#}");
    hits[0]
}

/// Assert that `path` holds exactly one finding, of `rule`, whose secret is
/// `secret`; returns it.
fn expect<'a>(
    v: &'a serde_json::Value,
    path: &str,
    rule: &str,
    secret: &str,
) -> &'a serde_json::Value {
    let f = only(v, path);
    assert_eq!(f["rule"], rule, "{path}: {f:#}");
    assert_eq!(f["secret"].as_str().unwrap(), secret, "{path}: {f:#}");
    f
}

fn no_secrets(v: &serde_json::Value) {
    let secrets: Vec<_> = findings(v)
        .iter()
        .filter(|f| f["kind"] == "secret")
        .collect();
    assert!(
        secrets.is_empty(),
        "expected no secret findings: {secrets:#?}"
    );
}

// ---------------------------------------------------------------------------
// 1. Private keys.

#[test]
fn ssh_keygen_openssh_keys_are_found_whole_and_redacted() {
    let env = Env::new();
    let mut rng = Rng::new(1);
    let keys: Vec<(String, String)> = ["ed25519", "ecdsa", "rsa"]
        .iter()
        .map(|k| (format!("deploy/id_{k}"), openssh(&mut rng, k, false)))
        .collect();
    for (path, key) in &keys {
        assert!(
            key.contains("AAAAAAAA"),
            "real OpenSSH bodies have AAAA runs"
        );
        env.write(path, key);
    }
    let v = scan(&env, &[]);
    for (path, key) in &keys {
        let f = expect(&v, path, "pem.private-key", key.trim_end());
        assert_eq!(f["severity"], "critical");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(1), Some(1))
        );
    }
    // Redacted by default: no piece of the body in the report.
    let (_, redacted) = env.scan_json(&[".", "--no-config"]);
    let out = redacted.to_string();
    for (_, key) in &keys {
        let body = key.lines().nth(2).unwrap();
        assert_no_key_fragment(&out, body);
    }
}

#[test]
fn pem_key_formats_and_encrypted_keys_at_lower_severity() {
    let env = Env::new();
    let mut rng = Rng::new(2);
    let plain = [
        (
            "keys/rsa.pem",
            pem("RSA PRIVATE KEY", &rsa_pkcs1(&mut rng), ""),
        ),
        (
            "keys/pkcs8.pem",
            pem("PRIVATE KEY", &pkcs8_rsa(&mut rng), ""),
        ),
        (
            "keys/ed25519.pem",
            pem("PRIVATE KEY", &pkcs8_ed25519(&mut rng), ""),
        ),
        (
            "keys/ec.pem",
            pem("EC PRIVATE KEY", &sec1_p256(&mut rng), ""),
        ),
        ("keys/dsa.pem", pem("DSA PRIVATE KEY", &dsa(&mut rng), "")),
        ("keys/secret.asc", pgp(&mut rng, false)),
    ];
    let dek = format!(
        "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{}\n\n",
        hex(&rng.bytes(16)).to_uppercase()
    );
    let encrypted = [
        (
            "keys/enc-pkcs8.pem",
            pem("ENCRYPTED PRIVATE KEY", &pkcs8_encrypted(&mut rng), ""),
        ),
        (
            "keys/enc-rsa.pem",
            pem("RSA PRIVATE KEY", &rng.bytes(1200), &dek),
        ),
        (
            "keys/id_ed25519_protected",
            openssh(&mut rng, "ed25519", true),
        ),
        ("keys/protected.asc", pgp(&mut rng, true)),
    ];
    for (path, key) in plain.iter().chain(encrypted.iter()) {
        env.write(path, format!("{key}\n"));
    }
    // A documentation key marked the way AWS marks theirs is not reported.
    let mut doc = pem("RSA PRIVATE KEY", &rsa_pkcs1(&mut rng), "");
    doc.replace_range(200..207, "EXAMPLE");
    env.write("docs/example-key.pem", &doc);
    let v = scan(&env, &[]);
    assert!(at(&v, "docs/example-key.pem").is_empty(), "{v:#}");
    for (path, key) in &plain {
        let f = expect(&v, path, "pem.private-key", key.trim_end());
        assert_eq!(f["severity"], "critical");
    }
    for (path, key) in &encrypted {
        let f = expect(&v, path, "pem.encrypted-private-key", key.trim_end());
        assert_eq!(f["severity"], "high");
    }
}

#[test]
fn pem_blocks_embedded_in_yaml_json_and_code_are_found_at_their_begin_line() {
    let env = Env::new();
    let mut rng = Rng::new(3);
    let ec = pem("EC PRIVATE KEY", &sec1_p256(&mut rng), "");
    let indented: String = ec.lines().map(|l| format!("    {l}\n")).collect();
    env.write(
        "deploy/values.yaml",
        format!("tls:\n  cert: server.crt\n  key: |\n{indented}  ca: ca.crt\n"),
    );
    let p8 = pem("PRIVATE KEY", &pkcs8_rsa(&mut rng), "");
    let escaped = p8.replace('\n', "\\n");
    env.write(
        "config/creds.json",
        format!("{{\n  \"client\": \"ingest\",\n  \"signing_key\": \"{escaped}\\n\"\n}}\n"),
    );
    let ed = b64(&pkcs8_ed25519(&mut rng));
    env.write(
        "internal/sign/key.go",
        format!(
            "package sign\n\nvar signingKey = \"-----BEGIN PRIVATE KEY-----\\n\" +\n\t\"{ed}\\n\" +\n\t\"-----END PRIVATE KEY-----\\n\"\n"
        ),
    );
    let rsa_lines: Vec<String> = pem("RSA PRIVATE KEY", &rsa_pkcs1(&mut rng), "")
        .lines()
        .map(|l| format!("  '{l}\\n'"))
        .collect();
    env.write(
        "src/key.js",
        format!(
            "const key =\n{};\nmodule.exports = key;\n",
            rsa_lines.join(" +\n")
        ),
    );
    let v = scan(&env, &[]);
    let f = expect(
        &v,
        "deploy/values.yaml",
        "pem.private-key",
        &ec.replace('\n', "\n    "),
    );
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(4), Some(5))
    );
    let f = expect(&v, "config/creds.json", "pem.private-key", &escaped);
    assert_eq!(f["line"], 3);
    let f = only(&v, "internal/sign/key.go");
    assert_eq!(f["rule"], "pem.private-key");
    assert_eq!(f["line"], 3);
    let s = f["secret"].as_str().unwrap();
    assert!(
        s.starts_with("-----BEGIN PRIVATE KEY-----")
            && s.ends_with("-----END PRIVATE KEY-----")
            && s.contains(&ed),
        "{s}"
    );
    let f = only(&v, "src/key.js");
    assert_eq!(f["rule"], "pem.private-key");
    assert_eq!(f["line"], 2);
}

#[test]
fn putty_keys_plain_and_encrypted() {
    let env = Env::new();
    let mut rng = Rng::new(4);
    let keys = [
        (
            "ssh/v3.ppk",
            ppk(&mut rng, 3, false),
            "putty.private-key",
            "critical",
        ),
        (
            "ssh/v2.ppk",
            ppk(&mut rng, 2, false),
            "putty.private-key",
            "critical",
        ),
        (
            "ssh/v3-aes.ppk",
            ppk(&mut rng, 3, true),
            "putty.encrypted-private-key",
            "high",
        ),
        (
            "ssh/v2-aes.ppk",
            ppk(&mut rng, 2, true),
            "putty.encrypted-private-key",
            "high",
        ),
    ];
    for (path, key, _, _) in &keys {
        env.write(path, key);
    }
    let v = scan(&env, &[]);
    for (path, key, rule, severity) in &keys {
        let f = expect(&v, path, rule, key.trim_end());
        assert_eq!(f["severity"], *severity);
    }
}

#[test]
fn age_identities_and_private_jwks() {
    let env = Env::new();
    let mut rng = Rng::new(5);
    let age = format!(
        "AGE-SECRET-KEY-1{}",
        rng.chars("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)
    );
    env.write(
        "secrets/age.txt",
        format!("# created: 2024-05-01T12:00:00Z\n{age}\n"),
    );
    let okp = format!(
        "{{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"{}\",\"d\":\"{}\"}}",
        b64url(&rng.bytes(32)),
        b64url(&rng.bytes(32))
    );
    env.write("jwks/signing.json", format!("{okp}\n"));
    let rsa = format!(
        "{{\n      \"kty\": \"RSA\",\n      \"n\": \"{}\",\n      \"e\": \"AQAB\",\n      \"d\": \"{}\",\n      \"p\": \"{}\",\n      \"q\": \"{}\"\n    }}",
        b64url(&rng.bytes(256)),
        b64url(&rng.bytes(256)),
        b64url(&rng.bytes(128)),
        b64url(&rng.bytes(128))
    );
    env.write(
        "jwks/set.json",
        format!("{{\n  \"keys\": [\n    {rsa}\n  ]\n}}\n"),
    );
    env.write(
        "jwks/public.json",
        format!(
            "{{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{}\",\"y\":\"{}\"}}\n",
            b64url(&rng.bytes(32)),
            b64url(&rng.bytes(32))
        ),
    );
    let v = scan(&env, &[]);
    expect(&v, "secrets/age.txt", "age.secret-key", &age);
    expect(&v, "jwks/signing.json", "jwk.private-key", &okp);
    let f = expect(&v, "jwks/set.json", "jwk.private-key", &rsa);
    assert_eq!(f["line"], 3);
    assert!(at(&v, "jwks/public.json").is_empty(), "{v:#}");
}

#[test]
fn gcp_service_account_reports_the_private_key() {
    let env = Env::new();
    let mut rng = Rng::new(6);
    let key = pem("PRIVATE KEY", &pkcs8_rsa(&mut rng), "").replace('\n', "\\n");
    env.write(
        "sa.json",
        format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{key}\\n\",\n  \"client_email\": \"ingest@acme-prod.iam.gserviceaccount.com\"\n}}\n",
            hex(&rng.bytes(20))
        ),
    );
    let v = scan(&env, &[]);
    let f = expect(&v, "sa.json", "gcp.service-account-key", &key);
    assert_eq!(f["line"], 5);
}

// ---------------------------------------------------------------------------
// 2. Structural detectors.

#[test]
fn passwords_in_urls_of_any_scheme() {
    let env = Env::new();
    let mut rng = Rng::new(7);
    let (a, b, c, d) = (
        rng.password(14),
        rng.password(16),
        rng.alnum(40),
        rng.password(12),
    );
    env.write(
        "ops/mail.env",
        format!("SMTP_URL=smtp://mailer:{a}@smtp.acme-corp.dev:587\n"),
    );
    env.write(
        "ops/backup.sh",
        format!("#!/bin/sh\nlftp ftp://backup:{b}@files.acme-corp.dev/nightly\n"),
    );
    env.write(
        "home/.git-credentials",
        format!("https://deploy-bot:{c}@git.acme-corp.dev\n"),
    );
    env.write(
        "app/settings.py",
        format!("BROKER = \"amqp://celery:{d}@mq.acme-corp.dev:5672/prod\"\n"),
    );
    let v = scan(&env, &[]);
    expect(&v, "ops/mail.env", "url.password", &a);
    expect(&v, "ops/backup.sh", "url.password", &b);
    expect(&v, "home/.git-credentials", "url.password", &c);
    // Broker and database schemes keep their database.* ids.
    expect(&v, "app/settings.py", "database.amqp-url", &d);
}

#[test]
fn curl_netrc_and_authorization_headers() {
    let env = Env::new();
    let mut rng = Rng::new(8);
    let pw = rng.password(14);
    env.write(
        "scripts/upload.sh",
        format!(
            "curl -fsSL \\\n  -u ci-bot:{pw} \\\n  -T app.tgz https://repo.acme-corp.dev/upload\n"
        ),
    );
    let netrc_pw = rng.password(14);
    env.write(
        "home/.netrc",
        format!("machine api.acme-corp.dev\n  login ci\n  password {netrc_pw}\n"),
    );
    let basic_pw = rng.password(12);
    let basic = b64(format!("svc-metrics:{basic_pw}").as_bytes());
    env.write(
        "docs/api.http",
        format!("GET https://metrics.acme-corp.dev/api/v1/query\nAuthorization: Basic {basic}\n"),
    );
    let bearer = rng.alnum(40);
    env.write(
        "scripts/jobs.sh",
        format!("curl -H 'Authorization: Bearer {bearer}' https://api.acme-corp.dev/v2/jobs\n"),
    );
    let bearer2 = rng.alnum(36);
    env.write(
        "src/client.go",
        format!("req.Header.Set(\"Authorization\", \"Bearer {bearer2}\")\n"),
    );
    let bearer3 = rng.alnum(32);
    env.write(
        "src/client.py",
        format!("headers = {{\"Authorization\": \"Bearer {bearer3}\"}}\n"),
    );
    let v = scan(&env, &[]);
    expect(&v, "scripts/upload.sh", "curl.user-password", &pw);
    expect(&v, "home/.netrc", "netrc.password", &netrc_pw);
    expect(&v, "docs/api.http", "http.basic-auth", &basic);
    expect(&v, "scripts/jobs.sh", "http.bearer-token", &bearer);
    expect(&v, "src/client.go", "http.bearer-token", &bearer2);
    expect(&v, "src/client.py", "http.bearer-token", &bearer3);
}

#[test]
fn registry_and_tool_configuration_files() {
    let env = Env::new();
    let mut rng = Rng::new(9);
    let token = rng.alnum(36);
    env.write(
        "web/.npmrc",
        format!(
            "@acme:registry=https://npm.acme-corp.dev/\n//npm.acme-corp.dev/:_authToken={token}\n"
        ),
    );
    let npm_auth = b64(format!("ci-push:{}", rng.password(14)).as_bytes());
    env.write(
        "legacy/.npmrc",
        format!("registry=https://npm.acme-corp.dev/\n_auth={npm_auth}\nalways-auth=true\n"),
    );
    let npm_pw = b64(rng.password(12).as_bytes());
    env.write(
        "lib/.npmrc",
        format!("//npm.acme-corp.dev/:username=ci\n//npm.acme-corp.dev/:_password={npm_pw}\n"),
    );
    let pypi_pw = rng.password(14);
    env.write(
        "home/.pypirc",
        format!("[distutils]\nindex-servers = internal\n\n[internal]\nrepository = https://pypi.acme-corp.dev/simple/\nusername = ci-publisher\npassword = {pypi_pw}\n"),
    );
    let docker = b64(format!("ci-push:{}", rng.password(14)).as_bytes());
    env.write(
        "home/.docker/config.json",
        format!("{{\n  \"auths\": {{\n    \"registry.acme-corp.dev\": {{\n      \"auth\": \"{docker}\"\n    }}\n  }}\n}}\n"),
    );
    let nuget = rng.password(14);
    env.write(
        "nuget.config",
        format!("<configuration>\n  <packageSourceCredentials>\n    <acme>\n      <add key=\"Username\" value=\"ci\" />\n      <add key=\"ClearTextPassword\" value=\"{nuget}\" />\n    </acme>\n  </packageSourceCredentials>\n</configuration>\n"),
    );
    let kube = rng.alnum(40);
    env.write(
        "home/.kube/config",
        format!("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://k8s.acme-corp.dev:6443\n  name: prod\nusers:\n- name: ci-deployer\n  user:\n    token: {kube}\n"),
    );
    let client_key = pem("EC PRIVATE KEY", &sec1_p256(&mut rng), "");
    env.write(
        "deploy/kubeconfig.yaml",
        format!("users:\n- name: admin\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\n", b64(&rng.bytes(300)), b64(client_key.as_bytes())),
    );
    let v = scan(&env, &[]);
    expect(&v, "web/.npmrc", "npmrc.auth", &token);
    expect(&v, "legacy/.npmrc", "npmrc.auth", &npm_auth);
    expect(&v, "lib/.npmrc", "npmrc.auth", &npm_pw);
    expect(&v, "home/.pypirc", "config.username-password", &pypi_pw);
    expect(
        &v,
        "home/.docker/config.json",
        "docker-config.auth",
        &docker,
    );
    expect(
        &v,
        "nuget.config",
        "nuget-config.cleartext-password",
        &nuget,
    );
    expect(&v, "home/.kube/config", "kubeconfig.user-token", &kube);
    // client-key-data is found through the base64 pass, as the key it holds.
    let f = only(&v, "deploy/kubeconfig.yaml");
    assert_eq!(f["rule"], "pem.private-key");
    assert_eq!(f["encoded"], "base64");
    assert_eq!(f["line"], 5);
}

#[test]
fn connection_strings_and_api_collections() {
    let env = Env::new();
    let mut rng = Rng::new(10);
    let (a, b, c, d) = (
        rng.password(14),
        rng.password(14),
        rng.password(14),
        rng.password(14),
    );
    env.write(
        "api/appsettings.json",
        format!("{{\n  \"ConnectionStrings\": {{\n    \"Default\": \"Server=tcp:sql.acme-corp.dev,1433;Initial Catalog=orders;User ID=orders_app;Password={a};Encrypt=True;\"\n  }}\n}}\n"),
    );
    env.write(
        "svc/application.properties",
        format!("spring.datasource.url=jdbc:sqlserver://sql.acme-corp.dev:1433;databaseName=billing;user=billing_svc;password={b};\n"),
    );
    env.write(
        "svc/jdbc.txt",
        format!("jdbc:postgresql://pg.acme-corp.dev:5432/app?user=app_rw&password={c}&ssl=true\n"),
    );
    env.write(
        "etl/odbc.ini",
        format!("conn = Driver={{ODBC Driver 18 for SQL Server}};Server=sql.acme-corp.dev;UID=etl;PWD={d};\n"),
    );
    let token = rng.alnum(36);
    env.write(
        "postman/prod.postman_environment.json",
        format!("{{\n  \"name\": \"prod\",\n  \"values\": [\n    {{\"key\": \"base_url\", \"value\": \"https://api.acme-corp.dev\", \"enabled\": true}},\n    {{\"key\": \"api_token\", \"value\": \"{token}\", \"enabled\": true}}\n  ]\n}}\n"),
    );
    let v = scan(&env, &[]);
    expect(&v, "api/appsettings.json", "connection-string.password", &a);
    expect(
        &v,
        "svc/application.properties",
        "connection-string.password",
        &b,
    );
    expect(&v, "svc/jdbc.txt", "connection-string.password", &c);
    expect(&v, "etl/odbc.ini", "connection-string.password", &d);
    expect(
        &v,
        "postman/prod.postman_environment.json",
        "api-collection.credential",
        &token,
    );
}

#[test]
fn signed_jwts_nats_credentials_and_hmac_jwts_keep_their_rule() {
    let env = Env::new();
    let mut rng = Rng::new(11);
    let rs = jwt(
        &mut rng,
        r#"{"alg":"RS256","typ":"JWT","kid":"2024-05"}"#,
        r#"{"iss":"https://auth.acme-corp.dev/","sub":"svc-ingest","aud":"orders-api","iat":1716239022,"exp":1916239022}"#,
        256,
    );
    let es = jwt(
        &mut rng,
        r#"{"alg":"ES256"}"#,
        r#"{"sub":"device-4471","scope":"telemetry:write"}"#,
        64,
    );
    let ed = jwt(
        &mut rng,
        r#"{"alg":"EdDSA","typ":"JWT"}"#,
        r#"{"sub":"build-agent","iat":1716239022}"#,
        64,
    );
    let hs = jwt(
        &mut rng,
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"user_42","iat":1716239022}"#,
        32,
    );
    let none = format!(
        "{}.{}.",
        b64url(br#"{"alg":"none","typ":"JWT"}"#),
        b64url(br#"{"sub":"admin","iat":1716239022}"#)
    );
    env.write("tokens/rs.txt", format!("Authorization: Bearer {rs}\n"));
    env.write("tokens/es.js", format!("const deviceToken = '{es}';\n"));
    env.write("tokens/ed.yaml", format!("agent:\n  token: {ed}\n"));
    env.write("tokens/hs.txt", format!("TOKEN={hs}\n"));
    env.write("tokens/none.txt", format!("token = {none}\n"));
    let user_jwt = jwt(
        &mut rng,
        r#"{"typ":"JWT","alg":"ed25519-nkey"}"#,
        r#"{"jti":"Q3KX7WZLMD2HR5VCE6BNTY4PJAFUGS","iat":1716239022,"name":"ingest","nats":{"type":"user","version":2}}"#,
        64,
    );
    let seed = nkey_seed(&mut rng, b'U');
    env.write(
        "nats/ingest.creds",
        format!("-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"),
    );
    let account = nkey_seed(&mut rng, b'A');
    env.write("nats/account.env", format!("NATS_ACCOUNT_SEED={account}\n"));
    let mut bad = account.clone().into_bytes();
    bad[20] = if bad[20] == b'A' { b'B' } else { b'A' };
    env.write(
        "nats/bad.env",
        format!("NATS_SEED={}\n", String::from_utf8(bad).unwrap()),
    );
    let v = scan(&env, &[]);
    expect(&v, "tokens/rs.txt", "jwt.token", &rs);
    expect(&v, "tokens/es.js", "jwt.token", &es);
    expect(&v, "tokens/ed.yaml", "jwt.token", &ed);
    expect(&v, "tokens/hs.txt", "jwt.hs-token", &hs);
    assert!(at(&v, "tokens/none.txt").is_empty(), "{v:#}");
    let creds = at(&v, "nats/ingest.creds");
    let mut rules: Vec<&str> = creds.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    rules.sort();
    assert_eq!(rules, ["jwt.token", "nats.nkey-seed"], "{v:#}");
    expect(&v, "nats/account.env", "nats.nkey-seed", &account);
    assert!(
        at(&v, "nats/bad.env")
            .iter()
            .all(|f| f["rule"] != "nats.nkey-seed"),
        "{v:#}"
    );
}

#[test]
fn placeholders_templates_and_documentation_syntax_are_not_secrets() {
    let env = Env::new();
    env.write(
        "docs/urls.md",
        "postgresql://[user[:password]@][netloc][:port][/dbname]\n\
         https://user:password@git.acme-corp.dev\n\
         ftp://anonymous:anonymous@files.acme-corp.dev\n\
         smtp://mailer:changeme@smtp.acme-corp.dev\n\
         https://${GIT_USER}:${GIT_TOKEN}@git.acme-corp.dev/org/repo.git\n\
         redis://default:mypass@cache.acme-corp.dev:6379\n\
         https://svc:testpassword@git.acme-corp.dev\n\
         https://svc:inactive@git.acme-corp.dev\n\
         https://svc:invalid@git.acme-corp.dev\n\
         https://svc:secret@git.acme-corp.dev\n\
         https://svc:xxx@git.acme-corp.dev\n\
         https://svc:...@git.acme-corp.dev\n\
         https://oauth2:<token>@gitlab.acme-corp.dev\n",
    );
    env.write(
        "src/dsn.go",
        "dsn := fmt.Sprintf(\"mysql://%s:%s@%s/%s\", user, pass, host, db)\n\
         url := \"jdbc:mysql://%s:%s@\" + host\n\
         u := fmt.Sprintf(\"https://{}:{}@{}\", a, b, c)\n",
    );
    env.write(
        "scripts/call.sh",
        "curl -u $USER:$PASS https://repo.acme-corp.dev\n\
         curl -u user:password https://repo.acme-corp.dev\n\
         curl -H \"Authorization: Bearer $API_TOKEN\" https://api.acme-corp.dev\n\
         curl -H 'Authorization: Bearer <token>' https://api.acme-corp.dev\n\
         curl -H 'Authorization: Bearer {{token}}' https://api.acme-corp.dev\n\
         curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZA==' https://api.acme-corp.dev\n",
    );
    env.write(
        "conf/app.ini",
        "[db]\nusername = admin\npassword = admin\n\n[smtp]\npassword = changeme\n\n[api]\napi_key = ${API_KEY}\nsecret = {{ vault_secret }}\ntoken = %(token)s\n",
    );
    env.write(
        "conf/conn.txt",
        "Server=myServer;Database=myDb;User Id=myUsername;Password=myPassword;\n\
         Server=db;User Id=sa;Password=${SA_PASSWORD};\n",
    );
    env.write(
        "home/.netrc",
        "machine api.acme-corp.dev login ci password $NETRC_PASSWORD\n",
    );
    let v = scan(&env, &[]);
    no_secrets(&v);
}

// ---------------------------------------------------------------------------
// 3. Generic assignments in every syntax.

#[test]
fn generic_secrets_in_every_assignment_syntax() {
    let env = Env::new();
    let mut rng = Rng::new(12);
    let mut cases: Vec<(&str, String, &str)> = Vec::new();
    let mut case = |path: &'static str, template: &str, rule: &'static str, rng: &mut Rng| {
        let value = rng.alnum(28);
        cases.push((path, value.clone(), rule));
        env.write(path, template.replace("VALUE", &value));
    };
    case(
        ".env",
        "# local\nSTRIPE_WEBHOOK_SECRET=VALUE\n",
        "generic.env-assignment",
        &mut rng,
    );
    case(
        "conf/app.ini",
        "[service]\napi_key = VALUE\ntimeout = 30\n",
        "generic.config-assignment",
        &mut rng,
    );
    case(
        "conf/bare.toml",
        "[acme]\nauth_token = VALUE\n",
        "generic.config-assignment",
        &mut rng,
    );
    case(
        "conf/app.yaml",
        "weather:\n  apiKey: VALUE\n  units: metric\n",
        "generic.config-assignment",
        &mut rng,
    );
    case(
        "go/var.go",
        "package main\n\nvar apiKey string = \"VALUE\"\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "go/short.go",
        "func f() {\n\tsigningSecret := \"VALUE\"\n}\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "build/Makefile",
        "DEPLOY_TOKEN ?= VALUE\n",
        "generic.env-assignment",
        &mut rng,
    );
    case(
        "build/simple.mk",
        "SIGNING_SECRET ::= VALUE\n",
        "generic.env-assignment",
        &mut rng,
    );
    case(
        "build/quoted.mk",
        "api_token := \"VALUE\"\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "php/append.php",
        "<?php\n$config['api_key'] .= 'VALUE';\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "php/array.php",
        "<?php\nreturn ['client_secret' => 'VALUE'];\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "java/Boot.java",
        "System.setProperty(\"aws.secretKey\", \"VALUE\");\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "kotlin/Keys.kt",
        "val apiToken: String = \"VALUE\"\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "swift/Keys.swift",
        "let clientSecret = \"VALUE\"\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "cs/Keys.cs",
        "private const string ApiKey = \"VALUE\";\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "xml/inline.xml",
        "<config>\n  <apiKey>VALUE</apiKey>\n</config>\n",
        "generic.xml-element",
        &mut rng,
    );
    case(
        "xml/own-line.xml",
        "<config>\n  <secretKey>\n    VALUE\n  </secretKey>\n</config>\n",
        "generic.xml-element",
        &mut rng,
    );
    case(
        "docker/env.Dockerfile",
        "FROM node:20\nENV SIGNING_KEY=VALUE\n",
        "generic.env-assignment",
        &mut rng,
    );
    case(
        "docker/arg.Dockerfile",
        "FROM node:20\nARG NPM_PUBLISH_TOKEN=VALUE\n",
        "generic.env-assignment",
        &mut rng,
    );
    case(
        "docker/space.Dockerfile",
        "FROM node:20\nENV WEBHOOK_SECRET VALUE\n",
        "generic.env-assignment",
        &mut rng,
    );
    case(
        "sh/export.sh",
        "#!/bin/sh\nexport ACME_API_KEY=VALUE\n",
        "generic.env-assignment",
        &mut rng,
    );
    case(
        "tf/main.tf",
        "provider \"acme\" {\n  api_token = \"VALUE\"\n}\n",
        "generic.secret-assignment",
        &mut rng,
    );
    case(
        "json/task.json",
        "{\"family\": \"api\", \"env\": \"NODE_ENV=production\\nAPI_SECRET=VALUE\\nPORT=8080\"}\n",
        "generic.env-assignment",
        &mut rng,
    );
    case(
        "conf/app.properties",
        "spring.security.oauth2.client.registration.acme.client-secret=VALUE\n",
        "generic.config-assignment",
        &mut rng,
    );
    let v = scan(&env, &[]);
    for (path, value, rule) in &cases {
        expect(&v, path, rule, value);
    }
}

#[test]
fn generic_passwords_in_config_syntax() {
    let env = Env::new();
    let mut rng = Rng::new(13);
    let (a, b, c) = (rng.password(16), rng.password(16), rng.password(16));
    env.write(
        "conf/db.ini",
        format!("[database]\nhost = db.internal\npassword = {a}\n"),
    );
    env.write("conf/mail.yaml", format!("mail:\n  smtp_password: {b}\n"));
    env.write(
        "maven/settings.xml",
        format!("<server>\n  <id>releases</id>\n  <password>\n    {c}\n  </password>\n</server>\n"),
    );
    let brackets = "x]7Tq2}mZ9#kW";
    env.write(
        "conf/admin.py",
        format!("ADMIN_PASSWORD = \"{brackets}\"\n"),
    );
    let v = scan(&env, &[]);
    expect(&v, "conf/admin.py", "generic.password-assignment", brackets);
    expect(&v, "conf/db.ini", "generic.config-password", &a);
    expect(&v, "conf/mail.yaml", "generic.config-password", &b);
    expect(&v, "maven/settings.xml", "generic.xml-element", &c);
}

#[test]
fn generic_rules_reject_code_templates_regexes_and_identifiers() {
    let env = Env::new();
    env.write(
        "web/app.js",
        "var link = '<a href=\"/dl?token='+this.accessToken+'\">download</a>';\n\
         const q = 'secret='+newPlausibleSecret(32)+'&v=1';\n\
         const apiKeyPattern = \"([a-zA-Z0-9]{32})\";\n\
         const tokenQuery = \"client=%s&user_token=%s\";\n\
         const SECRET_DSN_FORMAT = \"jdbc:mysql://%s:%s@%s/app\";\n\
         const tokenCreatedAt = \"2024-05-01T12:00:00.000Z\";\n\
         const sessionToken = \"75dcb6de-0703-44ab-aed0-13e50181d960\";\n\
         const commitTokenSha = \"3a73894b7f8e0902e6b11bfa615f1dded1ae0c59\";\n\
         const apiKeyFile = \"config/secrets/prod-api-key.json\";\n\
         const tokenUrl = \"https://auth.acme-corp.dev/oauth/token\";\n\
         const secretName = \"orders_db_credentials_primary\";\n\
         const accessToken = \"accessTokenFromOAuthCallback\";\n\
         const secretRef = \"app.secrets.signingKeyName\";\n\
         const apiKey = \"{{ .Values.apiKey }}\";\n\
         const secret = \"{0}-{1}-signing\";\n",
    );
    env.write(
        "src/lib.rs",
        "let token = self.tokens.next_token_value(cursor);\n\
         let secret_key = derive_secret_key(&master, SALT_FOR_SIGNING_KEYS);\n\
         token: TokenStreamWithSpans,\n\
         PasswordError::InvalidCharacter\n",
    );
    env.write(
        "conf/app.yaml",
        "api_key: ${API_KEY}\n\
         token_endpoint: https://auth.acme-corp.dev/oauth2/token\n\
         api_key_file: /etc/acme/api-key.txt\n\
         cache_key: tenant-sessions-by-user-v2\n\
         token_regex: ([a-zA-Z0-9]{32})\n\
         secret_id: 0f8fad5b-d9cb-469f-a165-70867728950e\n",
    );
    env.write(
        ".env",
        "API_KEY=\nAPI_KEY=${API_KEY}\nAPI_KEY=$(cat /run/secrets/api_key)\nAPI_TOKEN_CREATED=2024-05-01T12:00:00.000Z\nCACHE_KEY=tenant-sessions-by-user-v2\n",
    );
    env.write(
        "Dockerfile",
        "FROM python:3.12\nENV GPG_KEY 7169605F62C751356D054A26A821E680E5FA6305\nENV PYTHON_VERSION 3.12.3\n",
    );
    env.write(
        "crypto/hpke.py",
        "X25519PrivateKey = x25519.X25519PrivateKey\nMLKEM768X25519PrivateKey = rust_openssl.hpke.MLKEM768X25519PrivateKey\n\ndef decrypt(\n    ciphertext: Buffer,\n    private_key: x25519.X25519PrivateKey\n    | ec.EllipticCurvePrivateKey\n) -> bytes: ...\n",
    );
    env.write(
        "setup/index.py",
        "    ...     '?tokena=A&amp;tokenb=B\">package_name-0.1.2.tar.gz')\n",
    );
    env.write(
        "setup/register.py",
        "    [pypi]\n    username: fred\n    password: sekrit\n",
    );
    env.write(
        "Cargo.toml",
        "[package]\nname = \"x\"\ninclude = [\n    \"tests/ecdsa_test_private_key.p8\",\n    \"tests/ed25519_test_private_key.p8\",\n]\n",
    );
    let v = scan(&env, &[]);
    no_secrets(&v);
}

#[test]
fn slack_like_placeholder_tokens_are_not_reported() {
    let env = Env::new();
    env.write(
        ".env.example",
        "SLACK_BOT_TOKEN=xoxb-283749102836-918273645501-SlackBotUserAccessTokenHere\n\
         SLACK_APP_TOKEN=xoxb-your-bot-token\n",
    );
    env.write(
        "src/slack.ts",
        "const token = \"xoxb-283749102836-918273645501-YourSlackBotAccessToken\";\n",
    );
    let v = scan(&env, &[]);
    no_secrets(&v);
}

// ---------------------------------------------------------------------------
// 4. Whole captures.

#[test]
fn long_values_and_tokens_are_captured_whole() {
    let env = Env::new();
    let mut rng = Rng::new(14);
    // Tokens longer than a keyword window (`eyJ` + 320 bytes) used to be cut
    // at the window's edge, and then rejected or reported cut short.
    let payload = format!(
        "{{\"sub\":\"svc\",\"groups\":[{}],\"iat\":1716239022}}",
        (0..100)
            .map(|i| format!("\"group-{i:03}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let big = jwt(&mut rng, r#"{"alg":"RS256","typ":"JWT"}"#, &payload, 256);
    assert!(big.len() > 1500);
    env.write(
        "min/bundle.js",
        format!(
            "{}var t=\"{big}\";{}\n",
            "a=1;".repeat(400),
            "b=2;".repeat(400)
        ),
    );
    let hs = jwt(&mut rng, r#"{"alg":"HS256","typ":"JWT"}"#, &payload, 32);
    env.write(
        "fixtures/session.txt",
        format!("Cookie: session={hs}; Path=/\n"),
    );
    let pw = rng.password(60);
    let name = format!("SECRET_{}", "X".repeat(70));
    env.write(".env", format!("{name}={}\n", rng.alnum(200)));
    env.write("conf/long.ini", format!("[db]\npassword = {pw}\n"));
    let v = scan(&env, &[]);
    expect(&v, "min/bundle.js", "jwt.token", &big);
    expect(&v, "fixtures/session.txt", "jwt.hs-token", &hs);
    assert_eq!(only(&v, ".env")["secret"].as_str().unwrap().len(), 200);
    expect(&v, "conf/long.ini", "generic.config-password", &pw);
}

// ---------------------------------------------------------------------------
// 6. Attribution: provider rules win over structural and generic ones.

#[test]
fn provider_rules_win_over_structural_and_generic_rules() {
    let env = Env::new();
    let mut fake = Fake::new(15);
    let (openai, openai2, openai3, aws) = (
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
        fake.aws_key_id(),
    );
    env.write("a/.env", format!("OPENAI_SECRET_TOKEN={openai}\n"));
    env.write(
        "b/call.sh",
        format!("curl -H 'Authorization: Bearer {openai2}' https://api.openai.com/v1/models\n"),
    );
    env.write(
        "c/url.txt",
        format!("https://user:{openai3}@proxy.acme-corp.dev\n"),
    );
    env.write("d/config.yaml", format!("aws:\n  access_key: {aws}\n"));
    let v = scan(&env, &[]);
    expect(&v, "a/.env", "openai.project-key", &openai);
    expect(&v, "b/call.sh", "openai.project-key", &openai2);
    expect(&v, "c/url.txt", "openai.project-key", &openai3);
    expect(&v, "d/config.yaml", "aws.access-key-id", &aws);
}

// ---------------------------------------------------------------------------
// 7. Misses found by differential testing against the peers (issue 18).

#[test]
fn base64_encoded_private_keys_are_found_in_any_file() {
    let env = Env::new();
    let mut rng = Rng::new(1801);
    let ec = pem("EC PRIVATE KEY", &sec1_p256(&mut rng), "");
    let ed = pem("PRIVATE KEY", &pkcs8_ed25519(&mut rng), "");
    let (ec64, ed64) = (b64(format!("{ec}\n").as_bytes()), b64(ed.as_bytes()));
    // A kubectl dump saved as `.key` (not a config extension, so the base64
    // payload pass does not run) and a Java constant.
    env.write(
        "k8s/main.key",
        format!("apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    tls.key: {ec64}\n  kind: Secret\n"),
    );
    env.write(
        "src/Keys.java",
        format!("class Keys {{\n  static final String SIGNING_KEY = \"{ed64}\";\n}}\n"),
    );
    // Negatives: a public key and a placeholder body, base64-encoded.
    let public = pem("PUBLIC KEY", &rng.bytes(44), "");
    let dots = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n";
    env.write(
        "neg/keys.txt",
        format!(
            "PUB_B64={}\nKEY_B64={}\n",
            b64(public.as_bytes()),
            b64(dots.as_bytes())
        ),
    );
    let v = scan(&env, &[]);
    expect(&v, "k8s/main.key", "pem.base64-private-key", &ec64);
    expect(&v, "src/Keys.java", "pem.base64-private-key", &ed64);
    assert!(at(&v, "neg/keys.txt").is_empty(), "{v:#}");
}

#[test]
fn kubernetes_secret_data_values_are_decoded_and_judged() {
    let env = Env::new();
    let mut rng = Rng::new(1802);
    let password = rng.password(18);
    let token = rng.alnum(40);
    let (p64, t64) = (b64(password.as_bytes()), b64(token.as_bytes()));
    // kubectl prints `data:` before `kind:`; a user name is not reported.
    env.write(
        "deploy/secret.yml",
        format!("apiVersion: v1\ndata:\n  username: {}\n  password: {p64}\n  api-token: {t64}\nkind: Secret\nmetadata:\n  name: app\n", b64(b"appuser")),
    );
    // Dummy values, a ConfigMap, a Secret that only references a variable.
    env.write(
        "neg/dummy.yml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: {}\n  token: {}\n", b64(b"password"), b64(b"<your-token>")),
    );
    env.write(
        "neg/configmap.yml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  password: {p64}\n"
        ),
    );
    let v = scan(&env, &[]);
    let found: Vec<(&str, &str)> = at(&v, "deploy/secret.yml")
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["secret"].as_str().unwrap()))
        .collect();
    assert!(
        found.contains(&("kubernetes.secret-data", p64.as_str())),
        "{v:#}"
    );
    assert!(
        found.contains(&("kubernetes.secret-data", t64.as_str())),
        "{v:#}"
    );
    assert_eq!(found.len(), 2, "{v:#}");
    assert!(at(&v, "neg/dummy.yml").is_empty(), "{v:#}");
    // A password in a ConfigMap is still a password, not a Secret's data.
    assert!(
        at(&v, "neg/configmap.yml")
            .iter()
            .all(|f| f["rule"] != "kubernetes.secret-data"),
        "{v:#}"
    );
}

#[test]
fn base32_totp_seeds_and_rails_encryption_keys_are_found() {
    let env = Env::new();
    let mut rng = Rng::new(1803);
    // An upper-case base32 seed reads as one word to an identifier check.
    let seed = rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 32);
    env.write(
        "test/api/2fa.test.ts",
        format!("const email = 'user@acme-corp.dev'\nconst secret = '{seed}'\n"),
    );
    let (primary, deterministic, salt) = (rng.alnum(32), rng.alnum(32), rng.alnum(32));
    env.write(
        "docs/encryption.md",
        format!("```yml\nactive_record_encryption:\n  primary_key: {primary}\n  deterministic_key: {deterministic}\n  key_derivation_salt: {salt}\n```\n"),
    );
    // A table's primary key is not an encryption key.
    env.write(
        "app/models/legacy.rb",
        format!(
            "class Legacy < ApplicationRecord\n  self.primary_key = \"{}\"\nend\n",
            rng.alnum(32)
        ),
    );
    let v = scan(&env, &[]);
    expect(
        &v,
        "test/api/2fa.test.ts",
        "generic.secret-assignment",
        &seed,
    );
    let rails: Vec<&str> = at(&v, "docs/encryption.md")
        .iter()
        .filter(|f| f["rule"] == "rails.active-record-encryption-key")
        .map(|f| f["secret"].as_str().unwrap())
        .collect();
    for k in [&primary, &deterministic, &salt] {
        assert!(rails.contains(&k.as_str()), "{k}: {v:#}");
    }
    assert!(at(&v, "app/models/legacy.rb").is_empty(), "{v:#}");
}
