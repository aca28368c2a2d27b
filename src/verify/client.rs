//! The HTTP client: `ureq` (synchronous, rustls with the webpki roots, no
//! OpenSSL), never following a redirect itself, never turning a status into
//! an error, with one overall timeout per request and a bounded body. Error
//! messages are jikimi's own: ureq's can quote the URL, and a URL can carry
//! a key (a Telegram bot token, a Discord webhook).

use std::io::Read;
use std::time::Duration;

use super::spec::{authority_host, split_url};

/// The most of a response body that is read.
pub const MAX_BODY: u64 = 1 << 20;

/// One request on the wire.
#[derive(Clone, Debug)]
pub struct Wire {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One response.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends [`Wire`] requests.
pub struct Client {
    /// For https: the environment's proxy settings apply (TLS is end to end).
    https: ureq::Agent,
    /// For plain http, which only ever goes to loopback: never a proxy, so
    /// a key in the clear cannot leave the machine through one.
    plain: ureq::Agent,
}

fn agent(timeout: Duration, env_proxy: bool) -> ureq::Agent {
    let mut b = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!(
            "jikimi/",
            env!("CARGO_PKG_VERSION"),
            " (secret verification; +https://github.com/jikimi-dev/jikimi)"
        ));
    if !env_proxy {
        b = b.proxy(None);
    }
    b.build().into()
}

impl Client {
    pub fn new(timeout: Duration) -> Client {
        Client {
            https: agent(timeout, true),
            plain: agent(timeout, false),
        }
    }

    /// Send `w`; `Err` is a reason that names at most the host.
    pub fn send(&self, w: &Wire, timeout: Duration) -> Result<Answer, String> {
        let (scheme, authority, _) = split_url(&w.url).ok_or("not an absolute URL")?;
        let host = authority_host(authority).to_string();
        let agent = if scheme == "http" {
            &self.plain
        } else {
            &self.https
        };
        let mut b = ureq::http::Request::builder()
            .method(w.method.as_str())
            .uri(w.url.as_str());
        for (k, v) in &w.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let result = if w.method == "GET" {
            b.body(())
                .map_err(|_| "the request could not be built".to_string())
                .and_then(|r| agent.run(r).map_err(|e| reason(&e, &host, timeout)))
        } else {
            b.body(w.body.clone())
                .map_err(|_| "the request could not be built".to_string())
                .and_then(|r| agent.run(r).map_err(|e| reason(&e, &host, timeout)))
        };
        let mut resp = result?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let reader = resp.body_mut().as_reader();
        reader
            .take(MAX_BODY + 1)
            .read_to_end(&mut body)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::TimedOut => timed_out(timeout),
                _ => format!("the answer from {host} broke off"),
            })?;
        if body.len() as u64 > MAX_BODY {
            return Err(format!(
                "the answer from {host} is larger than {} KiB",
                MAX_BODY >> 10
            ));
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

fn timed_out(timeout: Duration) -> String {
    format!("no answer within {}", super::show_duration(timeout))
}

/// A network failure in words, naming the host at most.
fn reason(e: &ureq::Error, host: &str, timeout: Duration) -> String {
    use ureq::Error as E;
    match e {
        E::Timeout(_) => timed_out(timeout),
        E::HostNotFound => format!("cannot resolve {host} (offline, or DNS failure)"),
        E::ConnectionFailed => format!("cannot connect to {host}"),
        E::Io(io) => match io.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => timed_out(timeout),
            std::io::ErrorKind::ConnectionRefused => format!("{host} refused the connection"),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                format!("{host} closed the connection")
            }
            std::io::ErrorKind::UnexpectedEof => format!("{host} closed the connection"),
            _ if io.to_string().contains("lookup") || io.to_string().contains("resolve") => {
                format!("cannot resolve {host} (offline, or DNS failure)")
            }
            _ => format!("network error talking to {host} ({:?})", io.kind()),
        },
        E::Tls(_) | E::Rustls(_) | E::Pem(_) => {
            format!("TLS failure with {host} (its certificate was not accepted)")
        }
        E::Protocol(_) => format!("{host} did not answer in HTTP"),
        E::BodyExceedsLimit(_) => format!("the answer from {host} is too large"),
        _ => format!("the request to {host} failed"),
    }
}
