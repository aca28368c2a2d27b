//! git's smart HTTP protocol for libgit2 over ureq (rustls, the client the
//! verifier already uses), so `https://` remotes clone without OpenSSL or
//! libcurl in the build. Fetch only: `GET …/info/refs?service=git-upload-pack`
//! lists the refs, each `POST …/git-upload-pack` negotiates and returns the
//! pack as a stream (never held whole in memory).
//!
//! The token for the URL's host ([`super::clone::Auth`]) is sent as HTTP
//! Basic authentication; it is set for the thread that clones (libgit2 calls
//! the transport on that thread) and never appears in an error: errors name
//! the host at most. Plain `http://` is only used to loopback. Redirects are
//! not followed (a token must not follow one to another host).

use std::cell::RefCell;
use std::io::{Read, Write};
use std::sync::Once;
use std::time::Duration;

use git2::transport::{Service, SmartSubtransport, SmartSubtransportStream, Transport};

use crate::verify::spec::{authority_host, split_url};

thread_local! {
    /// The `Authorization` header for the clone on this thread, by host.
    static AUTH: RefCell<Option<super::clone::Auth>> = const { RefCell::new(None) };
}

/// Run `f` (a clone) with `auth` offered to the HTTP transport.
pub fn with_auth<T>(auth: &super::clone::Auth, f: impl FnOnce() -> T) -> T {
    register();
    AUTH.with(|a| *a.borrow_mut() = Some(auth.clone()));
    let out = f();
    AUTH.with(|a| *a.borrow_mut() = None);
    out
}

/// Register the transports for `https://`, `http://` and `ssh://` (and
/// scp-like addresses, which libgit2 gives to the `ssh` one) once per
/// process.
fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // ssh (src/remote/ssh.rs) is registered here too, under the same
        // `Once`, so no registration can race with a clone's transport.
        for prefix in ["https", "http", "ssh"] {
            // SAFETY: git2 asks that registration be synchronised with the
            // creation of transports: it happens once, under `Once`, before
            // any clone of this process (every clone calls `register` first).
            #[allow(unsafe_code)]
            let r = unsafe {
                git2::transport::register(prefix, move |remote| match prefix {
                    "ssh" => super::ssh::transport(remote),
                    _ => Transport::smart(remote, true, Http { agent: agent() }),
                })
            };
            if let Err(e) = r {
                eprintln!("jikimi: warning: cannot set up cloning over {prefix}: {e}");
            }
        }
    });
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(300)))
        .timeout_per_read(Some(Duration::from_secs(300)))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!("git/2.0 (jikimi/", env!("CARGO_PKG_VERSION"), ")"))
        .build()
        .into()
}

struct Http {
    agent: ureq::Agent,
}

fn err(msg: String) -> git2::Error {
    git2::Error::from_str(&msg)
}

/// The URL without user information, its host, and the Authorization
/// header: user information in the URL, else the token for the host.
fn target(url: &str) -> Result<(String, String, Option<String>), git2::Error> {
    let (scheme, authority, path) =
        split_url(url).ok_or_else(|| err("not an absolute URL".into()))?;
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let host = authority_host(hostport).to_ascii_lowercase();
    if scheme.eq_ignore_ascii_case("http") && !crate::verify::endpoint::is_loopback(&host) {
        return Err(err(format!(
            "plain http to {host} is not used: clone over https"
        )));
    }
    let header = match userinfo {
        Some(u) => {
            use base64::Engine;
            let decoded = percent_encoding::percent_decode_str(u).decode_utf8_lossy();
            let pair = if decoded.contains(':') {
                decoded.into_owned()
            } else {
                format!("{decoded}:")
            };
            Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ))
        }
        None => AUTH.with(|a| a.borrow().as_ref().and_then(|a| a.basic_header(&host))),
    };
    Ok((
        format!("{scheme}://{hostport}{}", path.trim_end_matches('/')),
        host,
        header,
    ))
}

impl SmartSubtransport for Http {
    fn action(
        &self,
        url: &str,
        action: Service,
    ) -> Result<Box<dyn SmartSubtransportStream>, git2::Error> {
        let (base, host, auth) = target(url)?;
        match action {
            Service::UploadPackLs => {
                let mut req = ureq::http::Request::builder()
                    .method("GET")
                    .uri(format!("{base}/info/refs?service=git-upload-pack"));
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                let req = req
                    .body(())
                    .map_err(|_| err("the request could not be built".into()))?;
                let resp = self.agent.run(req).map_err(|e| net(&e, &host))?;
                Ok(Box::new(Stream {
                    reader: Some(checked(resp, &host)?),
                    post: None,
                }))
            }
            Service::UploadPack => Ok(Box::new(Stream {
                reader: None,
                post: Some(Post {
                    agent: self.agent.clone(),
                    url: format!("{base}/git-upload-pack"),
                    host,
                    auth,
                    body: Vec::new(),
                }),
            })),
            Service::ReceivePackLs | Service::ReceivePack => {
                Err(err("jikimi only fetches: pushing is not supported".into()))
            }
        }
    }

    fn close(&self) -> Result<(), git2::Error> {
        Ok(())
    }
}

/// A request body being written, sent on the first read.
struct Post {
    agent: ureq::Agent,
    url: String,
    host: String,
    auth: Option<String>,
    body: Vec<u8>,
}

struct Stream {
    reader: Option<ureq::BodyReader<'static>>,
    post: Option<Post>,
}

fn io_err(e: git2::Error) -> std::io::Error {
    std::io::Error::other(e.message().to_string())
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.reader.is_none() {
            let Some(p) = self.post.take() else {
                return Ok(0);
            };
            let mut req = ureq::http::Request::builder()
                .method("POST")
                .uri(p.url.as_str())
                .header("Content-Type", "application/x-git-upload-pack-request")
                .header("Accept", "application/x-git-upload-pack-result");
            if let Some(a) = &p.auth {
                req = req.header("Authorization", a);
            }
            let req = req
                .body(p.body)
                .map_err(|_| io_err(err("the request could not be built".into())))?;
            let resp = p.agent.run(req).map_err(|e| io_err(net(&e, &p.host)))?;
            self.reader = Some(checked(resp, &p.host).map_err(io_err)?);
        }
        match &mut self.reader {
            Some(r) => r.read(buf),
            None => Ok(0),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        match &mut self.post {
            Some(p) => {
                p.body.extend_from_slice(data);
                Ok(data.len())
            }
            None => Err(std::io::Error::other("nothing is sent on this stream")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The body of a 2xx answer; other statuses in words.
fn checked(
    resp: ureq::http::Response<ureq::Body>,
    host: &str,
) -> Result<ureq::BodyReader<'static>, git2::Error> {
    let status = resp.status().as_u16();
    match status {
        200..=299 => Ok(resp.into_body().into_reader()),
        401 | 403 => Err(git2::Error::new(
            git2::ErrorCode::Auth,
            git2::ErrorClass::Http,
            format!("authentication failed: {host} answered {status}"),
        )),
        404 => Err(git2::Error::new(
            git2::ErrorCode::NotFound,
            git2::ErrorClass::Http,
            format!("repository not found: {host} answered 404"),
        )),
        301 | 302 | 303 | 307 | 308 => Err(err(format!(
            "{host} answered a redirect ({status}), which is not followed: clone the repository's current URL"
        ))),
        _ => Err(err(format!("{host} answered HTTP {status}"))),
    }
}

fn net(e: &ureq::Error, host: &str) -> git2::Error {
    use ureq::Error as E;
    err(match e {
        E::Timeout(_) => format!("{host} did not answer in time"),
        E::HostNotFound => format!("cannot resolve {host}"),
        E::ConnectionFailed => format!("cannot connect to {host}"),
        E::Tls(_) | E::Rustls(_) | E::Pem(_) => {
            format!("TLS failure with {host} (its certificate was not accepted)")
        }
        E::Io(io) => format!("network error talking to {host} ({:?})", io.kind()),
        _ => format!("the request to {host} failed"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_strip_userinfo() {
        let (base, host, auth) = target("https://u:p%40ss@Example.com:8443/a/b.git/").unwrap();
        assert_eq!(base, "https://Example.com:8443/a/b.git");
        assert_eq!(host, "example.com");
        use base64::Engine;
        assert_eq!(
            auth.unwrap(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("u:p@ss")
            )
        );
        assert!(target("http://example.com/a.git").is_err());
        assert!(target("http://127.0.0.1:9/a.git").is_ok());
    }
}
