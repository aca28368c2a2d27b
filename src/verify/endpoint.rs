//! `JIKIMI_VERIFY_ENDPOINT_<PROVIDER>`: a provider's endpoint moved, for a
//! self-hosted instance (GitHub Enterprise, self-managed GitLab) or a test.
//! The value replaces the scheme, host and port of every URL of that
//! provider and may add a path prefix (`https://github.example.com/api/v3`
//! turns `https://api.github.com/user` into
//! `https://github.example.com/api/v3/user`). Plain `http` is allowed only
//! for loopback addresses: a key never crosses a network in the clear.

use std::net::IpAddr;

use super::spec::{authority_host, split_url};

/// A parsed override.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: String,
    /// `host[:port]`.
    pub authority: String,
    /// Path prefix without a trailing `/` (may be empty).
    pub prefix: String,
}

/// Whether `host` (no port) is a loopback address or `localhost`.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Endpoint {
    /// Parse the value of `var`.
    pub fn parse(var: &str, value: &str) -> Result<Endpoint, String> {
        let bad = |why: &str| format!("{var}={value:?}: {why}");
        let Some((scheme, authority, rest)) = split_url(value.trim()) else {
            return Err(bad(
                "expected scheme://host[:port][/path], e.g. https://github.example.com/api/v3",
            ));
        };
        let scheme = scheme.to_ascii_lowercase();
        if authority.is_empty() || authority.contains('@') {
            return Err(bad("needs a host (and no user name)"));
        }
        if rest.contains(['?', '#']) {
            return Err(bad("a query or fragment is not allowed"));
        }
        let host = authority_host(authority);
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        {
            return Err(bad("not a host name"));
        }
        match scheme.as_str() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(bad(
                    "plain http is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https",
                ));
            }
            _ => return Err(bad("the scheme must be https (or http for loopback)")),
        }
        Ok(Endpoint {
            scheme,
            authority: authority.to_ascii_lowercase(),
            prefix: rest.trim_end_matches('/').to_string(),
        })
    }

    /// The host, without the port.
    pub fn host(&self) -> &str {
        authority_host(&self.authority)
    }

    /// `url` moved here: same path and query, this scheme, host, port and
    /// prefix.
    pub fn apply(&self, url: &str) -> Option<String> {
        let (_, _, path) = split_url(url)?;
        let path = if path.is_empty() || path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        Some(format!(
            "{}://{}{}{path}",
            self.scheme, self.authority, self.prefix
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only_for_plain_http() {
        let v = "JIKIMI_VERIFY_ENDPOINT_OPENAI";
        assert!(Endpoint::parse(v, "http://127.0.0.1:8080").is_ok());
        assert!(Endpoint::parse(v, "http://127.1.2.3:8080").is_ok());
        assert!(Endpoint::parse(v, "http://localhost:9").is_ok());
        assert!(Endpoint::parse(v, "http://[::1]:9").is_ok());
        assert!(Endpoint::parse(v, "https://github.example.com/api/v3").is_ok());
        for bad in [
            "http://10.0.0.1",
            "http://example.com",
            "http://127.0.0.1.evil.com",
            "ftp://127.0.0.1",
            "https://user@host",
            "https://host/x?y",
            "github.example.com",
            "https://",
        ] {
            assert!(Endpoint::parse(v, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overrides_keep_path_and_query() {
        let e = Endpoint::parse("V", "https://github.example.com/api/v3/").unwrap();
        assert_eq!(
            e.apply("https://api.github.com/user").unwrap(),
            "https://github.example.com/api/v3/user"
        );
        let e = Endpoint::parse("V", "http://127.0.0.1:8080").unwrap();
        assert_eq!(
            e.apply("https://api.x.com/v1/models?limit=1").unwrap(),
            "http://127.0.0.1:8080/v1/models?limit=1"
        );
        assert_eq!(
            e.apply("https://sts.amazonaws.com").unwrap(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(e.host(), "127.0.0.1");
    }
}
