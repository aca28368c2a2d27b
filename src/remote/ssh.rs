//! `ssh://` and scp-like (`git@host:org/repo.git`) remotes, the way git
//! itself clones them: the user's own OpenSSH client runs as a subprocess,
//! `ssh [-o BatchMode=yes] [-p PORT] [user@]host "git-upload-pack '<path>'"`,
//! and libgit2 speaks the pack protocol over its stdin and stdout (a smart
//! subtransport that is not stateless RPC: one stream per connection). So
//! libgit2 is built without libssh2 and OpenSSL, and the user's ssh
//! configuration, agent and known hosts apply as they do for `git clone`.
//!
//! Which program: `GIT_SSH_COMMAND` (run through `sh -c`, as git does), else
//! `GIT_SSH` (run directly), else `ssh` from `PATH`. What it accepts
//! (`-p` or `-P` for a port, `-o BatchMode=yes`, `-batch`) follows its name,
//! or `GIT_SSH_VARIANT` (`ssh`, `plink`, `putty`, `tortoiseplink`,
//! `simple`), as in git. This is the user's program: nothing of the
//! scanned repository is run or read (a clone sends no configuration).
//!
//! Non-interactive unless jikimi runs on a terminal: in CI (no terminal on
//! stdin, `CI` set, or `GIT_TERMINAL_PROMPT=0`) OpenSSH gets
//! `-o BatchMode=yes`, so a missing key or an unknown host key fails at
//! once instead of waiting for a prompt; on a terminal ssh may ask for a
//! passphrase or a host key on the terminal itself. An option the user put
//! in `GIT_SSH_COMMAND` comes first and wins (ssh keeps the first value).
//!
//! Safety: a host or user that starts with `-` (it would be read as an
//! option: CVE-2017-1000117), a path that starts with `-`, and any control
//! character are refused before anything runs; the path is single-quoted
//! for the remote shell. What ssh writes on stderr is kept (its last lines)
//! and shown escaped in the error when it fails. The child is killed and
//! reaped when the clone ends or fails, and on Ctrl-C
//! ([`super::interrupt`]); a read ends when the child has exited even if a
//! process it started still holds the pipe, and after five minutes without
//! a byte.

use std::io::{self, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use git2::transport::{Service, SmartSubtransport, SmartSubtransportStream, Transport};

/// Where to connect and which repository to ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `user@host` or `host`, one argument to ssh.
    pub dest: String,
    /// The host alone (for messages).
    pub host: String,
    pub port: Option<u16>,
    /// The path on the server, as given to `git-upload-pack`.
    pub path: String,
}

const SCHEMES: [&str; 3] = ["ssh://", "ssh+git://", "git+ssh://"];

/// Whether `url` is cloned over ssh: an `ssh://` URL or the scp-like form
/// (no `scheme://`).
pub fn is_ssh(url: &str) -> bool {
    match url.split_once("://") {
        Some(_) => SCHEMES
            .iter()
            .any(|s| crate::text::head(url, s.len()).eq_ignore_ascii_case(s)),
        None => true,
    }
}

impl Target {
    /// `ssh://[user@]host[:port]/path` (`/~user/path` is `~user/path`),
    /// or scp-like `[user@]host:path` (`[host:port]:path` for a port).
    pub fn parse(url: &str) -> Result<Target, String> {
        let scheme = SCHEMES
            .iter()
            .find(|s| crate::text::head(url, s.len()).eq_ignore_ascii_case(s));
        let (user, hostport, path) = match scheme {
            Some(s) => {
                let rest = crate::text::from(url, s.len());
                let (authority, path) = match rest.find('/') {
                    Some(i) => (crate::text::to(rest, i), crate::text::from(rest, i)),
                    None => return Err("the URL names no repository path".into()),
                };
                let (user, hostport) = split_user(authority);
                let path = decode(path)?;
                let path = match path.strip_prefix("/~") {
                    Some(p) => format!("~{p}"),
                    None => path,
                };
                (user.map(decode).transpose()?, decode(hostport)?, path)
            }
            None => {
                // The first ':' outside brackets ends the host.
                let (user, rest) = match url.split_once('@') {
                    Some((u, r)) if !u.contains(':') && !u.contains('[') => (Some(u), r),
                    _ => (None, url),
                };
                let end = if rest.starts_with('[') {
                    rest.find("]:").map(|i| i + 1)
                } else {
                    rest.find(':')
                }
                .ok_or("not an ssh address ([user@]host:path)")?;
                let hostport = crate::text::to(rest, end);
                let path = crate::text::from(rest, end + 1);
                (
                    user.map(str::to_string),
                    hostport.to_string(),
                    path.to_string(),
                )
            }
        };
        if user.as_deref().is_some_and(|u| u.contains(':')) {
            // Not echoed: it is a password.
            return Err(
                "a password in an ssh URL is not used (ssh signs in with keys or the agent): remove it from the URL"
                    .into(),
            );
        }
        let (host, port) = split_port(&hostport, scheme.is_some())?;
        check_part("host", &host)?;
        if let Some(u) = &user {
            check_part("user", u)?;
        }
        if path.is_empty() || path == "/" {
            return Err("the URL names no repository path".into());
        }
        if path.starts_with('-') {
            return Err("refused: the repository path starts with '-'".into());
        }
        if path.chars().any(char::is_control) {
            return Err("refused: the repository path holds a control character".into());
        }
        let dest = match &user {
            Some(u) => format!("{u}@{host}"),
            None => host.clone(),
        };
        Ok(Target {
            dest,
            host,
            port,
            path,
        })
    }

    /// The command the server runs: `git-upload-pack '<path>'`.
    pub fn remote_command(&self) -> String {
        format!("git-upload-pack {}", sq_quote(&self.path))
    }
}

fn split_user(authority: &str) -> (Option<&str>, &str) {
    match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    }
}

/// `host`, `host:port`, `[host]`, `[host:port]`, `[v6]:port`.
fn split_port(hostport: &str, url_form: bool) -> Result<(String, Option<u16>), String> {
    let port = |p: &str| -> Result<Option<u16>, String> {
        if p.is_empty() {
            return Ok(None);
        }
        p.parse::<u16>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| format!("{} is not a port number", crate::text::escape(p)))
    };
    if let Some(inner) = hostport.strip_prefix('[') {
        let (inside, after) = inner
            .split_once(']')
            .ok_or("a '[' in the host is not closed")?;
        if let Some(p) = after.strip_prefix(':') {
            return Ok((inside.to_string(), port(p)?));
        }
        if !after.is_empty() {
            return Err("text after the bracketed host".into());
        }
        // `[host:port]` (git's scp-like way to give a port); an IPv6
        // address has several colons and stays whole.
        return Ok(match inside.split_once(':') {
            Some((h, p)) if !p.contains(':') => (h.to_string(), port(p)?),
            _ => (inside.to_string(), None),
        });
    }
    if url_form && let Some((h, p)) = hostport.split_once(':') {
        return Ok((h.to_string(), port(p)?));
    }
    Ok((hostport.to_string(), None))
}

fn decode(s: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| "the URL is not valid UTF-8 once decoded".to_string())
}

/// A host or user name ssh is given as an argument.
fn check_part(what: &str, s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("the URL names no {what}"));
    }
    if s.starts_with('-') {
        return Err(format!(
            "refused: the {what} {} starts with '-', which ssh would read as an option",
            crate::text::escape(s)
        ));
    }
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "refused: the {what} {} holds a control character or a space",
            crate::text::escape(s)
        ));
    }
    Ok(())
}

/// `s` in single quotes for a POSIX shell: `'` is `'\''` and `!` is
/// `'\!'` (as git quotes it, for shells with history expansion).
pub fn sq_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '!' => out.push_str("'\\!'"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// What the ssh program accepts, as git tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// OpenSSH: `-p PORT`, `-o BatchMode=yes`.
    Ssh,
    /// PuTTY's plink: `-P PORT`, `-batch`.
    Plink,
    Putty,
    /// TortoisePlink: `-P PORT`, always `-batch`.
    TortoisePlink,
    /// Anything else: the destination and the command only.
    Simple,
}

fn variant_of(name: &str) -> Variant {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = crate::text::strip_suffix_ignore_case(base, ".exe").unwrap_or(base);
    match base.to_ascii_lowercase().as_str() {
        "ssh" => Variant::Ssh,
        "plink" => Variant::Plink,
        "putty" => Variant::Putty,
        "tortoiseplink" => Variant::TortoisePlink,
        _ => Variant::Simple,
    }
}

/// The first word of a shell command, its quotes removed (enough to name
/// the program: `'/opt/my ssh/ssh' -i key` is `/opt/my ssh/ssh`).
fn first_word(cmd: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in cmd.trim_start().chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => break,
            (_, c) => out.push(c),
        }
    }
    out
}

/// The ssh program to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// `GIT_SSH_COMMAND`, run by `sh -c`; else a program run directly.
    shell: Option<String>,
    exec: String,
    /// Which variable chose it (for messages).
    from: &'static str,
    variant: Variant,
}

impl Program {
    /// From `GIT_SSH_COMMAND`, `GIT_SSH`, `GIT_SSH_VARIANT`, else `ssh`.
    pub fn from_env() -> Program {
        Program::from_vars(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Program {
        let mut p = if let Some(cmd) = var("GIT_SSH_COMMAND") {
            let first = first_word(&cmd);
            Program {
                variant: variant_of(&first),
                shell: Some(cmd),
                exec: first,
                from: "GIT_SSH_COMMAND",
            }
        } else if let Some(prog) = var("GIT_SSH") {
            Program {
                variant: variant_of(&prog),
                shell: None,
                exec: prog,
                from: "GIT_SSH",
            }
        } else {
            Program {
                shell: None,
                exec: "ssh".into(),
                from: "PATH",
                variant: Variant::Ssh,
            }
        };
        if let Some(v) = var("GIT_SSH_VARIANT") {
            p.variant = match v.to_ascii_lowercase().as_str() {
                "ssh" => Variant::Ssh,
                "plink" => Variant::Plink,
                "putty" => Variant::Putty,
                "tortoiseplink" => Variant::TortoisePlink,
                "simple" => Variant::Simple,
                _ => p.variant,
            };
        }
        p
    }

    /// The arguments after the program (or after `GIT_SSH_COMMAND`'s own).
    pub fn args(&self, t: &Target, batch: bool) -> Result<Vec<String>, String> {
        let mut a: Vec<String> = Vec::new();
        let port_flag = match self.variant {
            Variant::Ssh => {
                if batch {
                    a.extend(["-o".into(), "BatchMode=yes".into()]);
                }
                "-p"
            }
            Variant::Plink | Variant::Putty | Variant::TortoisePlink => {
                if self.variant == Variant::TortoisePlink
                    || (batch && self.variant == Variant::Plink)
                {
                    a.push("-batch".into());
                }
                "-P"
            }
            Variant::Simple => {
                if t.port.is_some() {
                    return Err(format!(
                        "{} ({}) is not known to take a port: set GIT_SSH_VARIANT=ssh if it is OpenSSH",
                        crate::text::escape(&self.exec),
                        self.from
                    ));
                }
                ""
            }
        };
        if let Some(p) = t.port {
            a.extend([port_flag.to_string(), p.to_string()]);
        }
        a.push(t.dest.clone());
        a.push(t.remote_command());
        Ok(a)
    }

    fn command(&self, args: &[String]) -> Command {
        match &self.shell {
            Some(cmd) => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(format!("{cmd} \"$@\"")).arg(cmd).args(args);
                c
            }
            None => {
                let mut c = Command::new(&self.exec);
                c.args(args);
                c
            }
        }
    }

    fn describe(&self) -> String {
        match self.from {
            "PATH" => "ssh".into(),
            from => format!("{} (from {from})", crate::text::escape(&self.exec)),
        }
    }
}

/// Whether ssh may ask on the terminal: jikimi runs on one, not in CI, and
/// `GIT_TERMINAL_PROMPT` is not `0`.
fn interactive() -> bool {
    use std::io::IsTerminal;
    io::stdin().is_terminal()
        && io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var("GIT_TERMINAL_PROMPT").as_deref() != Ok("0")
}

/// The transport libgit2 creates for an `ssh://` or scp-like remote
/// (registered with the https one, in [`super::https`]).
pub fn transport(remote: &git2::Remote<'_>) -> Result<Transport, git2::Error> {
    Transport::smart(remote, false, Ssh)
}

struct Ssh;

fn err(msg: String) -> git2::Error {
    git2::Error::from_str(&msg)
}

impl SmartSubtransport for Ssh {
    fn action(
        &self,
        url: &str,
        action: Service,
    ) -> Result<Box<dyn SmartSubtransportStream>, git2::Error> {
        match action {
            Service::UploadPackLs | Service::UploadPack => {}
            Service::ReceivePackLs | Service::ReceivePack => {
                return Err(err("jikimi only fetches: pushing is not supported".into()));
            }
        }
        let target = Target::parse(url).map_err(err)?;
        let program = Program::from_env();
        let args = program.args(&target, !interactive()).map_err(err)?;
        Ok(Box::new(
            Stream::spawn(&program, &args, &target.host).map_err(err)?,
        ))
    }

    fn close(&self) -> Result<(), git2::Error> {
        Ok(())
    }
}

/// How long a read waits for a first byte before giving up.
const IDLE: Duration = Duration::from_secs(300);
/// How often a waiting read looks whether the child has exited.
const TICK: Duration = Duration::from_millis(200);
/// What ssh's stderr keeps (the last bytes).
const TAIL: usize = 8 * 1024;

#[derive(Default)]
struct Tail {
    bytes: Vec<u8>,
    done: bool,
}

/// One ssh process: its stdin, its stdout read on a thread (so a read can
/// give up), its stderr's last lines.
struct Stream {
    child: Arc<Mutex<Child>>,
    _guard: super::interrupt::ChildGuard,
    stdin: Option<ChildStdin>,
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    buf: Vec<u8>,
    pos: usize,
    stderr: Arc<Mutex<Tail>>,
    /// Whether anything came from the server.
    got: bool,
    ended: bool,
    program: String,
    host: String,
}

impl Stream {
    fn spawn(program: &Program, args: &[String], host: &str) -> Result<Stream, String> {
        let mut child = program
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound {
                    format!(
                        "cannot run {}: not found (install OpenSSH, or set GIT_SSH_COMMAND to the ssh command to use)",
                        program.describe()
                    )
                } else {
                    format!("cannot run {}: {e}", program.describe())
                }
            })?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let child = Arc::new(Mutex::new(child));
        let guard = super::interrupt::ChildGuard::new(&child);
        let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(8);
        if let Some(mut out) = stdout {
            std::thread::spawn(move || {
                loop {
                    let mut chunk = vec![0u8; 64 * 1024];
                    match out.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => {
                            chunk.truncate(n);
                            if tx.send(Ok(chunk)).is_err() {
                                break;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            break;
                        }
                    }
                }
            });
        }
        let tail = Arc::new(Mutex::new(Tail::default()));
        if let Some(mut err) = stderr {
            let tail = tail.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                loop {
                    match err.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => {
                            let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                            t.bytes.extend_from_slice(&chunk[..n]);
                            let over = t.bytes.len().saturating_sub(TAIL);
                            t.bytes.drain(..over);
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                tail.lock().unwrap_or_else(|e| e.into_inner()).done = true;
            });
        }
        Ok(Stream {
            child,
            _guard: guard,
            stdin,
            rx,
            buf: Vec::new(),
            pos: 0,
            stderr: tail,
            got: false,
            ended: false,
            program: program.describe(),
            host: host.to_string(),
        })
    }

    fn exited(&self) -> Option<ExitStatus> {
        let mut c = self.child.lock().unwrap_or_else(|e| e.into_inner());
        c.try_wait().ok().flatten()
    }

    /// The child's status, waiting up to `grace`, then killing it.
    fn reap(&self, grace: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(s) = self.exited() {
                return Some(s);
            }
            if start.elapsed() >= grace {
                let mut c = self.child.lock().unwrap_or_else(|e| e.into_inner());
                let _ = c.kill();
                return c.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The last lines ssh wrote on stderr, escaped, on one line.
    fn said(&self) -> String {
        // Its stderr closes when it exits (unless something it started
        // holds it): wait a little for the last words.
        let start = Instant::now();
        loop {
            let t = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
            if t.done || start.elapsed() > Duration::from_millis(500) {
                let text = String::from_utf8_lossy(&t.bytes);
                let lines: Vec<String> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| crate::text::escape(l).into_owned())
                    .collect();
                let n = lines.len();
                return lines[n.saturating_sub(3)..].join(" / ");
            }
            drop(t);
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Why the connection ended, once the child has.
    fn failure(&self, status: Option<ExitStatus>) -> io::Error {
        let how = match status.and_then(|s| s.code()) {
            Some(c) => format!("exit code {c}"),
            None => "ended by a signal".to_string(),
        };
        let said = self.said();
        let said = if said.is_empty() {
            "it said nothing on stderr".to_string()
        } else {
            said
        };
        io::Error::other(format!(
            "{} to {} failed ({how}): {said}",
            self.program,
            crate::text::escape(&self.host)
        ))
    }

    /// The end of ssh's output: clean if it exited 0 after an answer.
    fn at_eof(&mut self) -> io::Result<Option<Vec<u8>>> {
        self.ended = true;
        let status = self.reap(Duration::from_secs(5));
        match status {
            Some(s) if s.success() && self.got => Ok(None),
            Some(s) if s.success() => Err(io::Error::other(format!(
                "{} to {} ended without an answer from git-upload-pack",
                self.program,
                crate::text::escape(&self.host)
            ))),
            s => Err(self.failure(s)),
        }
    }

    fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        let start = Instant::now();
        let mut exited_at: Option<Instant> = None;
        loop {
            match self.rx.recv_timeout(TICK) {
                Ok(Ok(c)) => return Ok(Some(c)),
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(io::Error::other(format!(
                        "reading from {} failed: {e}",
                        self.program
                    )));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return self.at_eof(),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // A child that has exited sends nothing more, even if a
                    // process it started still holds the pipe open.
                    if exited_at.is_none() && self.exited().is_some() {
                        exited_at = Some(Instant::now());
                    }
                    if exited_at.is_some_and(|t| t.elapsed() >= Duration::from_millis(500)) {
                        return self.at_eof();
                    }
                    if start.elapsed() >= IDLE {
                        self.ended = true;
                        let _ = self.reap(Duration::ZERO);
                        return Err(io::Error::other(format!(
                            "{} to {} sent nothing for {} seconds",
                            self.program,
                            crate::text::escape(&self.host),
                            IDLE.as_secs()
                        )));
                    }
                }
            }
        }
    }
}

impl Read for Stream {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.buf.len() {
                let n = out.len().min(self.buf.len() - self.pos);
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.ended {
                return Ok(0);
            }
            match self.next_chunk()? {
                Some(c) => {
                    self.got = true;
                    self.buf = c;
                    self.pos = 0;
                }
                None => return Ok(0),
            }
        }
    }
}

impl Write for Stream {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(io::Error::other("the ssh connection is closed"));
        };
        match stdin.write(data) {
            Ok(n) => Ok(n),
            Err(_) => {
                self.stdin = None;
                self.ended = true;
                let status = self.reap(Duration::from_secs(5));
                Err(self.failure(status))
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.stdin.as_mut() {
            Some(s) => s.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // The server has sent the pack (or the clone failed): closing
        // stdin ends the session; a child that lingers is killed.
        self.stdin = None;
        let _ = self.reap(Duration::from_millis(500));
    }
}

/// A clone failure over ssh in words, with what to do, from libgit2's
/// message (which carries [`Stream`]'s), or `None` if it is no ssh matter.
pub fn explain(shown: &str, msg: &str) -> Option<String> {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("cannot run") || lower.contains("refused:") {
        return Some(format!("cannot clone {shown}: {msg}"));
    }
    let hint = if lower.contains("permission denied") || lower.contains("too many authentication") {
        "the server refused the key: load it into ssh-agent (ssh-add), or name it with GIT_SSH_COMMAND='ssh -i KEY'; in CI the key must be set up before jikimi runs (BatchMode: no prompt)"
    } else if lower.contains("host key verification failed")
        || lower.contains("no matching host key")
        || lower.contains("remote host identification has changed")
    {
        "the server's host key is not in known_hosts (or changed): check its fingerprint and add it to ~/.ssh/known_hosts (ssh-keyscan HOST, compared with what the host publishes)"
    } else if lower.contains("could not resolve hostname")
        || lower.contains("connection refused")
        || lower.contains("connection timed out")
        || lower.contains("network is unreachable")
        || lower.contains("no route to host")
    {
        "the server cannot be reached: check the host name and port"
    } else if lower.contains("does not appear to be a git repository")
        || lower.contains("repository not found")
        || lower.contains("not found")
    {
        "the repository is not there, or this key cannot read it"
    } else if lower.contains("ssh") {
        "see ssh's words above; GIT_SSH_COMMAND='ssh -v' shows more"
    } else {
        return None;
    };
    Some(format!("cannot clone {shown}: {msg} ({hint})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn url_forms() {
        let a = t("ssh://git@example.com:2222/org/repo.git");
        assert_eq!(
            (a.dest.as_str(), a.host.as_str(), a.port, a.path.as_str()),
            (
                "git@example.com",
                "example.com",
                Some(2222),
                "/org/repo.git"
            )
        );
        let b = t("ssh://example.com/~ann/repo.git");
        assert_eq!(
            (b.dest.as_str(), b.path.as_str()),
            ("example.com", "~ann/repo.git")
        );
        let c = t("git@github.com:acme/api.git");
        assert_eq!(
            (c.dest.as_str(), c.port, c.path.as_str()),
            ("git@github.com", None, "acme/api.git")
        );
        let d = t("git@[example.com:2200]:a/b.git");
        assert_eq!((d.dest.as_str(), d.port), ("git@example.com", Some(2200)));
        let e = t("ssh://[::1]:22/srv/a%20b.git");
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("::1", Some(22), "/srv/a b.git")
        );
        assert_eq!(t("SSH://h/x").path, "/x");
        assert!(is_ssh("git@h:x") && is_ssh("ssh://h/x") && !is_ssh("https://h/x"));
    }

    #[test]
    fn injection_is_refused() {
        for bad in [
            "ssh://-oProxyCommand=touch%20x/a.git",
            "-oProxyCommand=x@h:a",
            "ssh://-l@h/a",
            "ssh://h%0a/a",
            "u@h:-x",
            "ssh://h:99999/a",
            "ssh://h",
            "ssh://u@/a",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_refused_unechoed() {
        let e = Target::parse("ssh://ann:hunter2@h/a.git").unwrap_err();
        assert!(e.contains("password") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn failures_get_hints() {
        let x = |m: &str| explain("u", m).unwrap();
        assert!(
            x("ssh to h failed (exit code 255): git@h: Permission denied (publickey).")
                .contains("ssh-agent")
        );
        assert!(
            x("ssh to h failed (exit code 255): Host key verification failed.")
                .contains("known_hosts")
        );
        assert!(
            x("ssh: Could not resolve hostname h: Name or service not known")
                .contains("host name and port")
        );
        assert!(x("cannot run ssh: not found (install OpenSSH)").ends_with("(install OpenSSH)"));
        assert!(explain("u", "object 1234 is missing").is_none());
    }

    #[test]
    fn quoting_and_arguments() {
        assert_eq!(sq_quote("a'b!c"), "'a'\\''b'\\!'c'");
        let tg = t("ssh://git@h:2222/it's.git");
        assert_eq!(tg.remote_command(), "git-upload-pack '/it'\\''s.git'");
        let ssh = Program::from_vars(|_| None);
        assert_eq!(
            ssh.args(&tg, true).unwrap(),
            [
                "-o",
                "BatchMode=yes",
                "-p",
                "2222",
                "git@h",
                &tg.remote_command()
            ]
        );
        assert_eq!(ssh.args(&tg, false).unwrap()[..2], ["-p", "2222"]);
        let plink = Program::from_vars(|k| (k == "GIT_SSH").then(|| "C:\\bin\\PLINK.EXE".into()));
        assert_eq!(
            plink.args(&tg, true).unwrap()[..3],
            ["-batch", "-P", "2222"]
        );
        let simple = Program::from_vars(|k| (k == "GIT_SSH").then(|| "/opt/wrap".into()));
        assert!(simple.args(&tg, true).is_err());
        let forced = Program::from_vars(|k| match k {
            "GIT_SSH" => Some("/opt/wrap".into()),
            "GIT_SSH_VARIANT" => Some("ssh".into()),
            _ => None,
        });
        assert_eq!(forced.variant, Variant::Ssh);
        let cmd = Program::from_vars(|k| {
            (k == "GIT_SSH_COMMAND").then(|| "ssh -i key -o BatchMode=no".into())
        });
        assert_eq!((cmd.variant, cmd.shell.is_some()), (Variant::Ssh, true));
        assert_eq!(first_word("  '/opt/my ssh/ssh' -v"), "/opt/my ssh/ssh");
        assert_eq!(
            first_word("\"C:/Program Files/PuTTY/plink.exe\" -v"),
            "C:/Program Files/PuTTY/plink.exe"
        );
        assert_eq!(
            variant_of(&first_word("'/opt/my ssh/ssh' -v")),
            Variant::Ssh
        );
    }
}
