//! AWS Signature Version 4, for the one call jikimi signs: STS
//! `GetCallerIdentity` with an access key id and secret access key found
//! together. Small on purpose (header signing only, no session tokens, no
//! chunked payloads, no S3 path rules) and checked against AWS's published
//! test vectors (the `aws-sig-v4-test-suite` cases and the IAM `ListUsers`
//! example of the SigV4 documentation) in the tests below.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// What a signature is made with.
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

/// The request as signed: method, host (with the port when it is not the
/// scheme's default), path and query exactly as sent, headers (names in any
/// case; `host` and `x-amz-date` are added by [`sign`]) and the body.
pub struct Request<'a> {
    pub method: &'a str,
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The derived signing key: HMAC chain over date, region, service.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn uri_encode(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undo percent-encoding (invalid escapes are kept as they are).
fn percent_decode(s: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(s).collect()
}

/// The canonical URI: each path segment decoded and encoded again (so the
/// result does not depend on how the path was escaped).
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    path.split('/')
        .map(|seg| uri_encode(&percent_decode(seg)))
        .collect::<Vec<_>>()
        .join("/")
}

/// The canonical query: parameters decoded, encoded again, sorted by name
/// then value.
fn canonical_query(query: &str) -> String {
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k)),
                uri_encode(&percent_decode(v)),
            )
        })
        .collect();
    params.sort();
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value as signed: trimmed, inner runs of spaces as one.
fn canonical_value(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What [`sign`] produces.
#[derive(Debug, PartialEq, Eq)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Sign `req` at `amz_date` (`20150830T123600Z`). The caller sends the
/// headers it gave plus `x-amz-date: amz_date` and the `Authorization`
/// header of the result.
pub fn sign(req: &Request<'_>, creds: &Credentials<'_>, amz_date: &str) -> Signed {
    let date = amz_date.get(..8).unwrap_or(amz_date);
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("host")
                && !k.eq_ignore_ascii_case("x-amz-date")
                && !k.eq_ignore_ascii_case("authorization")
        })
        .map(|(k, v)| (k.to_ascii_lowercase(), canonical_value(v)))
        .collect();
    headers.push(("host".into(), req.host.to_ascii_lowercase()));
    headers.push(("x-amz-date".into(), amz_date.into()));
    headers.sort();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers,
        signed_headers,
        sha256_hex(req.body)
    );
    let scope = format!("{date}/{}/{}/aws4_request", creds.region, creds.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let key = signing_key(creds.secret_access_key, date, creds.region, creds.service);
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        creds.access_key_id
    );
    Signed {
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    }
}

/// `20150830T123600Z` for seconds since the epoch.
pub fn amz_date(secs: i64) -> String {
    crate::time::rfc3339(secs).replace(['-', ':'], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The credentials of AWS's published examples (not a real key).
    const ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"; // jikimi:allow
    const DATE: &str = "20150830T123600Z";

    fn suite(method: &str, query: &str, headers: &[(&str, &str)], body: &[u8]) -> Signed {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sign(
            &Request {
                method,
                host: "example.amazonaws.com",
                path: "/",
                query,
                headers: &headers,
                body,
            },
            &Credentials {
                access_key_id: ID,
                secret_access_key: SECRET,
                region: "us-east-1",
                service: "service",
            },
            DATE,
        )
    }

    #[test]
    fn the_documented_signing_key() {
        // The SigV4 documentation's worked derivation (IAM, 2015-08-30).
        assert_eq!(
            hex(&signing_key(SECRET, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn aws_sig_v4_test_suite_get_vanilla() {
        let s = suite("GET", "", &[], b"");
        assert_eq!(
            s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn aws_sig_v4_test_suite_query_order() {
        // get-vanilla-query-order-key-case: parameters are sorted.
        let s = suite("GET", "Param2=value2&Param1=value1", &[], b"");
        assert_eq!(
            s.signature,
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    #[test]
    fn aws_sig_v4_test_suite_post() {
        // post-vanilla and post-vanilla-query.
        assert_eq!(
            suite("POST", "", &[], b"").signature,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
        assert_eq!(
            suite("POST", "Param1=value1", &[], b"").signature,
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"
        );
    }

    #[test]
    fn aws_sig_v4_test_suite_post_form_body() {
        // post-x-www-form-urlencoded: a signed content type and a body,
        // the shape of the STS call.
        let s = suite(
            "POST",
            "",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"Param1=value1",
        );
        assert_eq!(
            s.canonical_request,
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
        );
        assert_eq!(
            s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"
        );
        assert_eq!(s.signed_headers, "content-type;host;x-amz-date");
        assert_eq!(
            s.signature,
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
    }

    #[test]
    fn the_documented_iam_list_users_example() {
        let headers = vec![(
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        )];
        let s = sign(
            &Request {
                method: "GET",
                host: "iam.amazonaws.com",
                path: "/",
                query: "Action=ListUsers&Version=2010-05-08",
                headers: &headers,
                body: b"",
            },
            &Credentials {
                access_key_id: ID,
                secret_access_key: SECRET,
                region: "us-east-1",
                service: "iam",
            },
            DATE,
        );
        assert_eq!(
            s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            s.signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn dates_and_encoding() {
        assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(canonical_uri("/a b/%41"), "/a%20b/A");
        assert_eq!(canonical_query("b=2&a=x y&a=1"), "a=1&a=x%20y&b=2");
        assert_eq!(canonical_value("  a   b  "), "a b");
    }
}
