//! Fuzz targets with a fixed budget (issue 8: a scan never dies). Each
//! target replays its seed corpus (`fixtures/fuzz/<target>/`), then runs
//! proptest cases: random bytes, and seeds mutated the way binary formats
//! break (bit flips, bytes set to boundary values, 16/32/64-bit counts and
//! offsets overwritten with 0, 0x7fff..., 0xffffffff..., cuts, inserts,
//! duplicated ranges). Every target asserts that nothing panics and that
//! the output is bounded (a decoder's text by the file's budget, archive
//! members by the archive budget, matches within the input).
//!
//! Budget: `JIKIMI_FUZZ_CASES=N` runs N cases per target (default:
//! [`DEFAULT_CASES`], enough that a planted unchecked slice in a decoder is
//! caught by default); `JIKIMI_FUZZ_SEED=N` changes the otherwise fixed RNG
//! seed (`random` for a new one each run). A case that runs longer than
//! `JIKIMI_FUZZ_CASE_SECS` (default 20) is a hang: a watchdog prints the
//! input, saves it and ends the test binary. A failure is shrunk to a
//! minimal input, printed in hex and written to
//! `target/fuzz-found/<target>-<hash>.bin`: add it to the target's corpus
//! (`fixtures/fuzz/<target>/`, replayed first on every run) with the fix.
//! Inputs written by real tools are seeds too: packs from the `git` CLI
//! (REF_DELTA, which libgit2's pack builder never writes) and plists from
//! Python's `plistlib`. docs/fuzzing.md records the long runs.
//!
//! `JIKIMI_FUZZ_WRITE_SEEDS=1 cargo test --test cli fuzz::write_seed_corpus
//! -- --ignored` rewrites the corpus from the builders in `common::pack`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use jikimi::findings::causes::{self, FileFacts, Projects};
use jikimi::findings::project::{self, Framework, Kind, Project};
use jikimi::input::archive::{self, ArchiveLimits, ArchiveTotals, Unpacked};
use jikimi::input::budget::Budget;
use jikimi::input::decode::{self, Decoded};
use jikimi::input::pack as gitpack;
use jikimi::input::{GitState, Origin, Sink, android, embedded, plist};
use jikimi::matcher::Matcher;
use jikimi::rules::{RuleKind, RuleSet};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use crate::common::pack;

/// The default number of cases per target. At 200, an unchecked slice
/// planted in the plist reader passed (caught by 3 seeds of 20); at 2,000
/// it is caught, and the module stays within a few seconds.
const DEFAULT_CASES: u32 = 2000;

/// Targets whose cases cost more (the matcher and its 600 rules, text
/// decoders, archives, the pack pass): fewer cases, each still several
/// times the old default.
const COSTLY_CASES: u32 = 400;

/// A case running longer than this is a hang (`JIKIMI_FUZZ_CASE_SECS`).
fn case_limit() -> Duration {
    let secs = std::env::var("JIKIMI_FUZZ_CASE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// The case each fuzzing thread is running: target, start, input.
type Running = HashMap<ThreadId, (String, Instant, Vec<u8>)>;

fn running() -> &'static Mutex<Running> {
    static RUNNING: OnceLock<Mutex<Running>> = OnceLock::new();
    RUNNING.get_or_init(|| {
        // The watchdog: a case past the limit never returns on its own, so
        // it is reported from here and the test binary ends (a hang fails
        // the run instead of blocking it).
        std::thread::spawn(|| {
            let limit = case_limit();
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let Ok(map) = running().lock() else { return };
                for (target, started, input) in map.values() {
                    if started.elapsed() > limit {
                        let file = save_found(target, input);
                        eprintln!(
                            "fuzz {target}: a case ran for more than {} s (a hang); input ({} bytes) saved to {}",
                            limit.as_secs(),
                            input.len(),
                            file.display()
                        );
                        std::process::exit(101);
                    }
                }
            }
        });
        Mutex::new(HashMap::new())
    })
}

/// Save a failing input under `target/fuzz-found/`.
fn save_found(target: &str, bytes: &[u8]) -> PathBuf {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-found");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{target}-{hash:016x}.bin"));
    let _ = std::fs::write(&file, bytes);
    file
}

/// Run one case under the watchdog.
fn watched<T>(target: &str, input: Vec<u8>, f: impl FnOnce() -> T) -> T {
    let id = std::thread::current().id();
    if let Ok(mut m) = running().lock() {
        m.insert(id, (target.to_string(), Instant::now(), input));
    }
    let out = f();
    if let Ok(mut m) = running().lock() {
        m.remove(&id);
    }
    out
}

fn cases(default: u32) -> u32 {
    std::env::var("JIKIMI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn seed() -> RngSeed {
    match std::env::var("JIKIMI_FUZZ_SEED").ok().as_deref() {
        Some("random") => RngSeed::Random,
        Some(s) => s.parse().map(RngSeed::Fixed).unwrap_or(RngSeed::Fixed(8)),
        None => RngSeed::Fixed(8),
    }
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(target)
}

/// The seed files of `target`, sorted by name.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// One way to damage an input.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    /// Overwrite 2, 4 or 8 bytes (little or big endian) with a boundary value.
    Int(usize, u8, bool, u64),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    /// Copy `len` bytes from one place over another (aliasing offsets).
    Copy(usize, usize, usize),
}

fn boundary() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(0x7f),
        Just(0x80),
        Just(0xff),
        Just(0x7fff),
        Just(0x8000),
        Just(0xffff),
        Just(0x7fff_ffff),
        Just(0x8000_0000),
        Just(0xffff_ffff),
        Just(u64::MAX),
        Just(u64::MAX / 2),
        0u64..4096,
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<usize>();
    prop_oneof![
        (pos, 0u8..8).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (pos, any::<u8>()).prop_map(|(p, b)| Mutation::Set(p, b)),
        (
            pos,
            prop_oneof![Just(2u8), Just(4), Just(8)],
            any::<bool>(),
            boundary()
        )
            .prop_map(|(p, w, le, v)| Mutation::Int(p, w, le, v)),
        (pos, proptest::collection::vec(any::<u8>(), 1..32))
            .prop_map(|(p, v)| Mutation::Insert(p, v)),
        (pos, 1usize..64).prop_map(|(p, n)| Mutation::Delete(p, n)),
        pos.prop_map(Mutation::Truncate),
        (pos, pos, 1usize..256).prop_map(|(a, b, n)| Mutation::Copy(a, b, n)),
    ]
}

fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = b.len();
        let at = |p: usize| if len == 0 { 0 } else { p % len };
        match m {
            Mutation::Flip(p, bit) if len > 0 => b[at(*p)] ^= 1 << bit,
            Mutation::Set(p, v) if len > 0 => b[at(*p)] = *v,
            Mutation::Int(p, w, le, v) => {
                let w = *w as usize;
                if len >= w {
                    let p = at(*p).min(len - w);
                    let bytes = if *le {
                        v.to_le_bytes()
                    } else {
                        v.to_be_bytes()
                    };
                    let src = if *le { &bytes[..w] } else { &bytes[8 - w..] };
                    b[p..p + w].copy_from_slice(src);
                }
            }
            Mutation::Insert(p, v) => {
                let p = if len == 0 { 0 } else { p % (len + 1) };
                b.splice(p..p, v.iter().copied());
            }
            Mutation::Delete(p, n) if len > 0 => {
                let p = at(*p);
                b.drain(p..(p + n).min(len));
            }
            Mutation::Truncate(p) => b.truncate(if len == 0 { 0 } else { p % (len + 1) }),
            Mutation::Copy(from, to, n) if len > 0 => {
                let (from, to) = (at(*from), at(*to));
                let n = (*n).min(len - from).min(len - to);
                b.copy_within(from..from + n, to);
            }
            _ => {}
        }
    }
    b
}

/// Inputs for a target: mutated seeds (most), or random bytes.
fn inputs(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    let mutated = (0..n, proptest::collection::vec(mutation(), 1..12))
        .prop_map(move |(i, muts)| apply(seeds[i].clone(), &muts));
    prop_oneof![
        4 => mutated,
        1 => proptest::collection::vec(any::<u8>(), 0..2048),
    ]
}

/// Replay `target`'s corpus through `check`, then fuzz it.
fn fuzz(target: &str, default_cases: u32, check: impl Fn(&[u8]) -> Result<(), TestCaseError>) {
    let seeds = corpus(target);
    for (i, s) in seeds.iter().enumerate() {
        if let Err(e) = check(s) {
            panic!("{target}: seed #{i} fails: {e}");
        }
    }
    fuzz_with(target, default_cases, inputs(seeds), |b: Vec<u8>| check(&b));
}

fn fuzz_with<S: Strategy>(
    target: &str,
    default_cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug + AsBytes,
{
    let config = Config {
        cases: cases(default_cases),
        failure_persistence: None,
        rng_seed: seed(),
        max_shrink_iters: 10_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let started = std::time::Instant::now();
    let result = runner.run(&strategy, |v: S::Value| {
        watched(target, v.as_bytes(), || check(v))
    });
    if std::env::var_os("JIKIMI_FUZZ_CASES").is_some() {
        eprintln!(
            "fuzz {target}: {} cases in {:.1} s",
            cases(default_cases),
            started.elapsed().as_secs_f64()
        );
    }
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, input)) => {
            let bytes = input.as_bytes();
            let file = save_found(target, &bytes);
            let hex: String = bytes
                .iter()
                .take(4096)
                .map(|b| format!("{b:02x}"))
                .collect();
            panic!(
                "{target}: {why}\nminimal input ({} bytes, saved to {}): {hex}",
                bytes.len(),
                file.display()
            );
        }
        Err(e) => panic!("{target}: {e}"),
    }
}

/// The bytes to save for a failing input.
trait AsBytes {
    fn as_bytes(&self) -> Vec<u8>;
}

impl AsBytes for Vec<u8> {
    fn as_bytes(&self) -> Vec<u8> {
        self.clone()
    }
}

impl AsBytes for String {
    fn as_bytes(&self) -> Vec<u8> {
        self.clone().into_bytes()
    }
}

impl AsBytes for (String, String, usize, usize) {
    fn as_bytes(&self) -> Vec<u8> {
        format!("{}\n{}\n{} {}", self.0, self.1, self.2, self.3).into_bytes()
    }
}

/// A budget tighter than the real one (2x the input plus a little, varying
/// with the length), so that the cut paths run too: the real budget's 1 MiB
/// of slack is never reached by small inputs.
fn budget(len: usize) -> Budget {
    Budget::new(2 * len + len % 61)
}

// ---------------------------------------------------------------- matcher

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("builtin rules"))
}

fn matcher() -> &'static Matcher<'static> {
    static M: OnceLock<Matcher<'static>> = OnceLock::new();
    M.get_or_init(|| Matcher::new(rules()).expect("matcher"))
}

/// The matcher over arbitrary bytes: every span inside the input and
/// ordered, the secret inside the match. Seeds: the corpus plus every
/// rule's own examples (rules/*.toml), so mutations start from text that
/// reaches the regexes.
#[test]
fn matcher_over_arbitrary_bytes() {
    let m = matcher();
    let mut seeds = corpus("matcher");
    for r in &rules().rules {
        for e in r.syntax.examples.iter().chain(&r.syntax.negative_examples) {
            seeds.push(e.clone().into_bytes());
        }
    }
    let check = |b: &[u8]| {
        let found = m.find(b);
        // Secrets of one kind never overlap (overlaps are attributed to
        // one rule), so they are ordered and disjoint.
        for kind in [RuleKind::Secret, RuleKind::Risk] {
            let spans: Vec<(usize, usize)> = found
                .iter()
                .filter(|f| rules().rules[f.rule].syntax.kind == kind)
                .map(|f| (f.secret_start, f.secret_end))
                .collect();
            for w in spans.windows(2) {
                prop_assert!(
                    w[0].1 <= w[1].0,
                    "secrets overlap or are out of order: {:?} then {:?}",
                    w[0],
                    w[1]
                );
            }
        }
        for f in &found {
            prop_assert!(
                f.start <= f.secret_start
                    && f.secret_start <= f.secret_end
                    && f.secret_end <= f.end
                    && f.end <= b.len(),
                "span out of order or out of the input: {f:?} in {} bytes",
                b.len()
            );
            prop_assert!(f.rule < rules().len());
        }
        Ok(())
    };
    for s in &seeds {
        check(s).unwrap();
    }
    fuzz_with("matcher", COSTLY_CASES, inputs(seeds), |b: Vec<u8>| {
        check(&b)
    });
}

// ---------------------------------------------------------------- text decoders

#[test]
fn utf16_and_text_decoding() {
    fuzz("utf16", COSTLY_CASES, |b| {
        let mut bud = budget(b.len());
        if let Decoded::Text(t) = decode::decode(b, &mut bud) {
            prop_assert!(t.len() <= b.len().max(bud.limit()));
        }
        prop_assert!(bud.used() <= bud.limit());
        Ok(())
    });
}

#[test]
fn base64_payloads() {
    fuzz("base64", COSTLY_CASES, |b| {
        let mut bud = budget(b.len());
        let found = embedded::base64_payloads(b, &mut bud);
        let total: usize = found.iter().map(|(_, s)| s.len()).sum();
        prop_assert!(total <= bud.limit() && total <= b.len());
        for (at, _) in &found {
            prop_assert!(*at < b.len());
        }
        Ok(())
    });
}

/// The source-code decoders: escaped string literals, arrays under a
/// credential name and quoted base64 literals stay within the budget and
/// point inside the input.
#[test]
fn escaped_strings_and_arrays() {
    fuzz("escaped", COSTLY_CASES, |b| {
        let mut bud = budget(b.len());
        let mut found = embedded::escaped_strings(b, &mut bud);
        found.extend(embedded::secret_arrays(b, &mut bud));
        found.extend(embedded::quoted_base64_payloads(b, &mut bud));
        let total: usize = found.iter().map(|(_, s)| s.len()).sum();
        prop_assert!(total <= bud.limit());
        for (at, _) in &found {
            prop_assert!(*at < b.len());
        }
        Ok(())
    });
}

#[test]
fn source_maps() {
    fuzz("source_map", COSTLY_CASES, |b| {
        let mut bud = budget(b.len());
        if let Some(parts) = embedded::source_map("dist/assets/x.js.map", b, &mut bud) {
            let total: usize = parts.iter().map(|p| p.text.len()).sum();
            prop_assert!(total <= bud.limit());
            prop_assert!(total <= b.len(), "{total} from {} bytes", b.len());
        }
        Ok(())
    });
}

#[test]
fn notebooks() {
    fuzz("notebook", COSTLY_CASES, |b| {
        let mut bud = budget(b.len());
        if let Some(parts) = embedded::notebook("nb/x.ipynb", b, &mut bud) {
            let total: usize = parts.iter().map(|p| p.text.len()).sum();
            prop_assert!(total <= bud.limit());
            // JSON text written back may add quotes and separators, never
            // more than a few times the input.
            prop_assert!(total <= 4 * b.len() + 64, "{total} from {} bytes", b.len());
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- binary string tables

fn android_target(target: &str) {
    fuzz(target, DEFAULT_CASES, |b| {
        let mut bud = budget(b.len());
        if let Some(out) = android::strings(b, &mut bud) {
            prop_assert!(out.len() <= bud.limit());
        }
        Ok(())
    });
}

#[test]
fn dex_string_tables() {
    android_target("dex");
}

#[test]
fn arsc_string_pools() {
    android_target("arsc");
}

#[test]
fn binary_xml_string_pools() {
    android_target("axml");
}

/// Plists written by Python's `plistlib` (binary and XML), or `None`
/// with a note when there is no python3.
fn plistlib_seeds() -> Option<Vec<Vec<u8>>> {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import plistlib, sys, datetime
d = {"CFBundleName": "Demo", "ApiToken": "plistlib-value-123", "n": 42, "neg": -7,
     "big": 2**40, "f": 1.5, "yes": True, "data": b"\x00\x01binary",
     "when": datetime.datetime(2024, 5, 1, 12, 0, 0), "uni": "한글 é",
     "list": ["a", {"k": "nested"}, [1, 2, 3]], "long": "x" * 300}
out = sys.argv[1]
open(out + "/b.plist", "wb").write(plistlib.dumps(d, fmt=plistlib.FMT_BINARY))
open(out + "/x.plist", "wb").write(plistlib.dumps(d, fmt=plistlib.FMT_XML))
"#;
    let ran = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir.path())
        .status();
    if !ran.is_ok_and(|s| s.success()) {
        eprintln!("note: python3 not found: no plistlib seeds for the plist target");
        return None;
    }
    Some(vec![
        std::fs::read(dir.path().join("b.plist")).unwrap(),
        std::fs::read(dir.path().join("x.plist")).unwrap(),
    ])
}

#[test]
fn binary_plists() {
    let mut seeds = corpus("plist");
    if let Some(real) = plistlib_seeds() {
        // What plistlib writes is read, every string of it.
        let mut bud = budget(real[0].len() * 4);
        let text = plist::text(&real[0], &mut bud).expect("a plistlib binary plist");
        let text = String::from_utf8_lossy(&text);
        for s in ["plistlib-value-123", "nested", "한글 é", "ApiToken"] {
            assert!(text.contains(s), "{s} not in {text}");
        }
        seeds.extend(real);
    }
    let check = |b: &[u8]| {
        let mut bud = budget(b.len());
        if let Some(out) = plist::text(b, &mut bud) {
            prop_assert!(out.len() <= bud.limit());
        }
        Ok(())
    };
    for s in &seeds {
        check(s).unwrap();
    }
    fuzz_with("plist", DEFAULT_CASES, inputs(seeds), |b: Vec<u8>| {
        check(&b)
    });
}

// ---------------------------------------------------------------- archives

/// A sink that opens nested archives as the scan does, and counts what it
/// is handed.
struct CountingSink {
    limits: ArchiveLimits,
    totals: ArchiveTotals,
    emitted: AtomicU64,
    members: AtomicU64,
    messages: Mutex<Vec<String>>,
}

impl CountingSink {
    fn open(&self, origin: &Origin, bytes: &[u8], unpacked: Option<&Unpacked>) {
        if let Some(kind) = archive::sniff(bytes) {
            archive::expand(
                kind,
                origin,
                bytes,
                &self.limits,
                &self.totals,
                unpacked,
                self,
            );
        }
    }
}

impl Sink for CountingSink {
    fn blob(&self, origin: &Origin, bytes: &[u8]) {
        self.open(origin, bytes, None);
    }

    fn member(&self, origin: &Origin, bytes: &[u8], unpacked: &Unpacked) {
        self.emitted
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.members.fetch_add(1, Ordering::Relaxed);
        // Names are data too: classifying them must not panic.
        let name = origin.leaf_path();
        let _ = (archive::archive_name(name), embedded::is_notebook(name));
        self.open(origin, bytes, Some(unpacked));
    }

    fn skipped(&self, path: &str, reason: &str) {
        self.messages
            .lock()
            .unwrap()
            .push(format!("{path}: {reason}"));
    }

    fn error(&self, path: &str, message: &str) {
        self.messages
            .lock()
            .unwrap()
            .push(format!("{path}: {message}"));
    }
}

fn archive_target(target: &str, file: &'static str) {
    fuzz(target, COSTLY_CASES, |b| {
        // Tight, so that the budget paths run on small inputs.
        let max_bytes = 4 * b.len() as u64 + 1024;
        let sink = CountingSink {
            limits: ArchiveLimits {
                enabled: true,
                max_depth: 4,
                max_bytes,
                max_ratio: 100,
                max_members: 1_000,
                max_total: 2 * max_bytes,
                max_member_size: max_bytes,
            },
            totals: ArchiveTotals::default(),
            emitted: AtomicU64::new(0),
            members: AtomicU64::new(0),
            messages: Mutex::new(Vec::new()),
        };
        let origin = Origin::File {
            path: file.to_string(),
            git: GitState::NoRepo,
        };
        sink.blob(&origin, b);
        let emitted = sink.emitted.load(Ordering::Relaxed);
        prop_assert!(
            emitted <= max_bytes,
            "{emitted} bytes handed out of one archive (budget {max_bytes})"
        );
        // Counted as read: at most one byte past the cap (how "past the
        // cap" is told).
        prop_assert!(sink.totals.bytes.load(Ordering::Relaxed) <= max_bytes + 1);
        // Member counts: at most max_members per archive, nesting bounded.
        prop_assert!(sink.members.load(Ordering::Relaxed) <= 4 * 1_000);
        Ok(())
    });
}

#[test]
fn zip_archives() {
    archive_target("zip", "app.zip");
}

#[test]
fn gzip_archives() {
    archive_target("gzip", "backup.tgz");
}

#[test]
fn tar_archives() {
    archive_target("tar", "backup.tar");
}

#[test]
fn asar_archives() {
    archive_target("asar", "app.asar");
}

// ---------------------------------------------------------------- names and causes

/// Path-like names: separators, dots and extensions that classification
/// looks at, multi-byte characters next to them.
fn names() -> impl Strategy<Value = String> {
    let seeds: Vec<String> = corpus("paths")
        .iter()
        .flat_map(|f| {
            String::from_utf8_lossy(f)
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    prop_oneof![
        proptest::sample::select(seeds),
        "[a-zA-Z0-9./_\\-!:é한🔑 \\\\]{0,48}",
        "[./]{0,4}(\\.env|\\.ipynb|\\.map|\\.zip|\\.tgz|\\.gz|\\.local|\\.example|node_modules/|dist/|src/|app/|api/|é|🔑|ñ|\\.){0,6}",
        proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        any::<String>(),
    ]
}

#[test]
fn path_classification_over_arbitrary_names() {
    fuzz_with("paths", COSTLY_CASES, names(), |name: String| {
        let n = name.as_str();
        let leaf = causes::file_name(n);
        prop_assert!(n.ends_with(leaf));
        let _ = (
            causes::is_env_file(n),
            causes::is_env_template(n),
            causes::in_build_output(n),
            embedded::is_source_map(n),
            embedded::is_notebook(n),
            embedded::is_config_file(n),
            archive::archive_name(n),
        );
        for (kind, framework) in [
            (Kind::Unknown, Framework::None),
            (Kind::Spa, Framework::Vite),
            (Kind::Spa, Framework::PlainHtml),
            (Kind::Ssr, Framework::Next),
            (Kind::Ssr, Framework::SvelteKit),
            (Kind::Ssr, Framework::Astro),
            (Kind::Backend, Framework::None),
            (Kind::Mobile, Framework::Expo),
            (Kind::Cli, Framework::None),
        ] {
            let p = Project {
                kind,
                framework,
                ..Project::default()
            };
            let _ = causes::role_of(n, n, &p);
        }
        let resolved = embedded::resolve_source(n, n, n, 3);
        prop_assert!(resolved.len() <= 3 * n.len() + 16);
        let nested = Origin::Member {
            parent: Box::new(Origin::File {
                path: n.to_string(),
                git: GitState::NoRepo,
            }),
            member: n.to_string(),
        };
        let _ = (nested.display_path(), nested.containers());
        Ok(())
    });
}

/// The cause heuristics over arbitrary text and secret positions (the
/// window before a secret, the assigned variable, the network call near
/// it, the manifest).
#[test]
fn cause_heuristics_over_arbitrary_text() {
    let projects = Projects::new(Path::new("/nonexistent/jikimi-fuzz"), None);
    let strategy = (names(), any::<String>(), any::<usize>(), any::<usize>());
    let strategy = strategy.prop_map(|(path, text, a, b)| {
        let (a, b) = (a % (text.len() + 3), b % (text.len() + 3));
        (path, text, a.min(b), a.max(b))
    });
    fuzz_with(
        "causes",
        COSTLY_CASES,
        strategy,
        |(path, text, start, end): (String, String, usize, usize)| {
            let _ = causes::assigned_to_public_var(&text);
            let _ = causes::sends_key(&text);
            for name in project::MANIFEST_NAMES {
                let _ = project::classify_manifest(name, &text);
            }
            for git in [GitState::Tracked, GitState::Ignored, GitState::NoRepo] {
                let origin = Origin::File {
                    path: path.clone(),
                    git,
                };
                let facts = FileFacts::new(&origin, &text, &projects);
                let found = causes::causes_for(&origin, &facts, &text, start, end);
                let situation = causes::Situation {
                    git: Some(git),
                    framework: facts.project.framework,
                    staged: git == GitState::Tracked,
                };
                let _ = (
                    causes::why(&found, facts.role, &situation),
                    causes::fix(&found, &situation),
                );
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- the corpus

/// Rewrite `fixtures/fuzz/` from the builders (small, valid files of each
/// format, and a few damaged or aliased ones). No key-shaped strings: the
/// matcher's key-like seeds are the rules' own examples, read at run time.
#[test]
#[ignore = "writes fixtures/fuzz; run with JIKIMI_FUZZ_WRITE_SEEDS=1 and --ignored"]
fn write_seed_corpus() {
    if std::env::var_os("JIKIMI_FUZZ_WRITE_SEEDS").is_none() {
        return;
    }
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    // Text and JSON.
    write(
        "matcher",
        "env.txt",
        b"# settings\r\nAPI_KEY=\"not-a-key\"\r\nclef=valeur\nkey: |\n  multi\n",
    );
    write(
        "matcher",
        "minified.js",
        "var a=1;fetch(u,{headers:{Authorization:\"Bearer \"+k}});const 키=\"값\";// é🔑\n"
            .as_bytes(),
    );
    let utf16 = |s: &str, le: bool, bom: bool| -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if le { b"\xFF\xFE" } else { b"\xFE\xFF" });
        }
        for u in s.encode_utf16() {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    };
    write(
        "utf16",
        "le-bom.txt",
        &utf16("token = abc\nключ = значение\n", true, true),
    );
    write(
        "utf16",
        "be-bom.txt",
        &utf16("token = abc 🔑\n", false, true),
    );
    write(
        "utf16",
        "le-no-bom.ps1",
        &utf16("$env:TOKEN = 'abcdefgh'\r\n", true, false),
    );
    let mut lone = b"\xFF\xFE".to_vec();
    lone.extend_from_slice(&[0x00, 0xD8, 0x41, 0x00, 0x00, 0xDC]);
    write("utf16", "lone-surrogates.txt", &lone);
    write("utf16", "utf8-bom.txt", "\u{feff}plain = text\n".as_bytes());
    // "OPENAI_API_KEY=sk-test-value-1234567890abcdef\n", not a key format.
    write(
        "base64",
        "secret.yaml",
        b"apiVersion: v1\nkind: Secret\ndata:\n  env: T1BFTkFJX0FQSV9LRVk9c2stdGVzdC12YWx1ZS0xMjM0NTY3ODkwYWJjZGVmCg==\n  png: iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n",
    );
    write(
        "source_map",
        "map.js.map",
        br#"{"version":3,"file":"x.js","sourceRoot":"","sources":["../../src/a.ts","webpack://app/./src/b.ts",null],"sourcesContent":["export const a = 1;\n","const b = \"\u00e9\";\n",null],"names":["a",0],"mappings":"AAAA"}"#,
    );
    write(
        "source_map",
        "index.js.map",
        br#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"sources":["a.ts"],"sourcesContent":["A"]}},{"map":{"sections":[{"map":{"sources":["b.ts"],"sourcesContent":["B"]}}]}}]}"#,
    );
    write(
        "notebook",
        "v4.ipynb",
        br##"{"nbformat":4,"cells":[{"cell_type":"markdown","source":["# T\n","x"]},{"outputs":[{"output_type":"stream","text":["a\n"]},{"traceback":["E","F"]},{"data":{"application/json":{"k":[1,2.5,null,true,"s"]},"image/png":"iVBO","text/plain":"t"}}],"source":"print(1)"}]}"##,
    );
    write(
        "notebook",
        "v3.ipynb",
        br#"{"worksheets":[{"cells":[{"input":"a = 1","outputs":[{"text":"1"}]}]},{"cells":[{"input":["b","c"]}]}],"nbformat":3}"#,
    );
    // Binary string tables.
    let long = "x".repeat(300);
    write(
        "dex",
        "small.dex",
        &pack::dex(&["Lcom/example/Main;", "onCreate", &long, "é🔑"]),
    );
    write(
        "dex",
        "aliased.dex",
        &pack::dex_aliased("aliased string", 64),
    );
    write("dex", "huge-count.dex", &pack::dex_huge_count("counted", 8));
    write(
        "arsc",
        "resources.arsc",
        &pack::arsc(&["Demo", "value-ünï", &long], &["app_name", "k"]),
    );
    write(
        "arsc",
        "aliased.arsc",
        &pack::arsc_aliased("aliased string value", 64),
    );
    write(
        "axml",
        "AndroidManifest.xml",
        &pack::binary_xml(&["manifest", "com.example", "é"]),
    );
    write(
        "axml",
        "aliased.xml",
        &pack::binary_xml_aliased("aliased string value", 64),
    );
    write(
        "plist",
        "Info.plist",
        &pack::bplist(&[("CFBundleName", "Demo"), ("Key", &long)]),
    );
    write(
        "plist",
        "aliased.plist",
        &pack::bplist_aliased("k", &"aliased value ".repeat(8), 128),
    );
    // Archives.
    let members: &[(&str, &[u8])] = &[
        ("README.txt", b"hello\n"),
        ("src/app.js", b"const a = 1;\n"),
        ("../evil.sh", b"x"),
    ];
    write("zip", "deflated.zip", &pack::zip(members));
    write(
        "zip",
        "stored.zip",
        &pack::zip_with(members, zip::CompressionMethod::Stored),
    );
    write(
        "zip",
        "nested.zip",
        &pack::nested_zips(3, b"leaf\n", b"top\n"),
    );
    write(
        "zip",
        "encrypted.zip",
        &pack::mark_encrypted(pack::zip(members)),
    );
    let mut crx = b"Cr24".to_vec();
    crx.extend_from_slice(&3u32.to_le_bytes());
    crx.extend_from_slice(&0u32.to_le_bytes());
    crx.extend_from_slice(&pack::zip(&members[..1]));
    write("zip", "ext.crx", &crx);
    // Expands 1000x, under the ratio floor: charged to the budget.
    write(
        "zip",
        "zeros.zip",
        &pack::zip(&[("zeros.txt", &[b'0'; 200_000])]),
    );
    write("gzip", "text.gz", &pack::gzip(b"API_KEY=value\nline two\n"));
    write("gzip", "zeros.gz", &pack::gzip(&[b'0'; 200_000]));
    write("gzip", "pkg.tgz", &pack::gzip(&pack::tar(&members[..2])));
    let mut two = pack::gzip(b"one\n");
    two.extend_from_slice(&pack::gzip(b"two\n"));
    two.extend_from_slice(&[0; 16]);
    write("gzip", "concatenated.gz", &two);
    write("tar", "plain.tar", &pack::tar(&members[..2]));
    write(
        "tar",
        "with-zip.tar",
        &pack::tar(&[("a.zip", &pack::zip(members))]),
    );
    write("asar", "app.asar", &pack::asar(members));
    write(
        "asar",
        "aliased.asar",
        &pack::asar_aliased(&[b'p'; 1024], 64),
    );
    write(
        "paths",
        "names.txt",
        "a á.html\ncafé.html\nñ.js\n한글.txt\n🔑.py\n.env\n.env.local\n.env.example\nconfig/.env.production\n\
         notebooks/analysis.ipynb\ndist/assets/index-3f2a.js.map\napp/release.apk!/classes.dex\n\
         ../../.bashrc\nC:\\Windows\\x.zip\nnode_modules/a/b.tgz\n.ipynb\n.map\né.map\n🔑.ipynb\nx.tar.gz\n"
            .as_bytes(),
    );
}

// ------------------------------------------------------------ git packs

/// Blob ids and their contents.
type Blobs = Vec<(git2::Oid, Vec<u8>)>;

/// A pack of `versions` versions of one file, each a small edit of the
/// last (so libgit2's pack builder stores most as deltas), with its index.
/// Returns (pack, idx, blob ids and contents).
fn delta_pack(versions: usize) -> (Vec<u8>, Vec<u8>, Blobs) {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init_bare(dir.path()).unwrap();
    let mut text: Vec<String> = (0..60)
        .map(|i| format!("line {i}: const value{i} = compute({i}, 'abcdefgh');"))
        .collect();
    let mut blobs = Vec::new();
    let mut pb = repo.packbuilder().unwrap();
    for v in 0..versions {
        text[(v * 7) % 60] = format!("line edited in version {v}");
        let content = text.join("\n").into_bytes();
        let id = repo.blob(&content).unwrap();
        pb.insert_object(id, None).unwrap();
        blobs.push((id, content));
    }
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    pb.write(&out, 0o644).unwrap();
    let mut pack = Vec::new();
    let mut idx = Vec::new();
    for e in std::fs::read_dir(&out).unwrap() {
        let p = e.unwrap().path();
        match p.extension().and_then(|e| e.to_str()) {
            Some("pack") => pack = std::fs::read(&p).unwrap(),
            Some("idx") => idx = std::fs::read(&p).unwrap(),
            _ => {}
        }
    }
    (pack, idx, blobs)
}

struct Collect {
    got: Mutex<Vec<(u32, usize)>>,
    ids: Vec<[u8; 20]>,
    max: u64,
}

impl gitpack::BlobHandler for Collect {
    fn blob(&self, index: u32, data: &[u8]) {
        // Never bytes that are not the blob's: every delivery hashes to
        // the id it is delivered as.
        assert_eq!(
            gitpack::blob_id(data),
            self.ids[index as usize],
            "blob {index}: wrong bytes"
        );
        self.got.lock().unwrap().push((index, data.len()));
    }
    fn too_large(&self, index: u32, size: u64) {
        assert!(size > self.max);
        self.got.lock().unwrap().push((index, 0));
    }
    fn cut(&self, index: u32) {
        self.got.lock().unwrap().push((index, 0));
    }
}

/// A pack and index in memory, with the blobs the pass is asked for.
type PackSeed = (Vec<u8>, Vec<u8>, Blobs);

/// Run the pack pass over one pack and its index; every blob handed over
/// at most once, within the size limit, and as its own bytes.
fn scan_one_pack(
    pack_bytes: &[u8],
    idx_bytes: &[u8],
    blobs: &[(git2::Oid, Vec<u8>)],
    max: u64,
) -> Result<(gitpack::PackPass, Vec<(u32, usize)>), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let packs = dir.path().join("pack");
    std::fs::create_dir(&packs).unwrap();
    std::fs::write(packs.join("pack-x.pack"), pack_bytes).unwrap();
    std::fs::write(packs.join("pack-x.idx"), idx_bytes).unwrap();
    let wanted: jikimi::input::history::IdMap<u32> = blobs
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let h = Collect {
        got: Mutex::new(Vec::new()),
        ids: blobs
            .iter()
            .map(|(id, _)| id.as_bytes().try_into().unwrap())
            .collect(),
        max,
    };
    let pass = gitpack::scan_packs(dir.path(), &wanted, blobs.len(), max, &h);
    let got = h.got.into_inner().unwrap();
    let mut seen = std::collections::HashSet::new();
    for &(i, len) in &got {
        prop_assert!(seen.insert(i), "blob {i} handed over twice");
        prop_assert!(len as u64 <= max, "blob {i}: {len} bytes over the limit");
    }
    for (i, &done) in pass.handled.iter().enumerate() {
        prop_assert_eq!(done, seen.contains(&(i as u32)));
    }
    Ok((pass, got))
}

/// Write `objs` with `common::pack::write_pack` and read the files back.
fn pack_in_memory(objs: &[pack::PackObj]) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    pack::write_pack(dir.path(), "x", objs, &[]);
    (
        std::fs::read(dir.path().join("pack-x.pack")).unwrap(),
        std::fs::read(dir.path().join("pack-x.idx")).unwrap(),
    )
}

fn oid(b: [u8; 20]) -> git2::Oid {
    git2::Oid::from_bytes(&b).unwrap()
}

/// A pack of hostile shapes: a blob and a valid ref-delta on it, a
/// ref-delta whose base is itself, two whose bases are each other, and an
/// id listed twice (a decoy first). Returns the seed and the ids that
/// loop.
fn hostile_pack() -> (PackSeed, Vec<git2::Oid>) {
    use pack::{DeltaOp, PackObj};
    let a = b"the base blob of a valid ref-delta\n".to_vec();
    let b = b"the base blob of a valid ref-delta, edited\n".to_vec();
    let (s, x, y) = (b"loops to itself\n", b"x loops via y\n", b"y loops via x\n");
    let d = b"the real bytes of a duplicated id\n".to_vec();
    let id = |c: &[u8]| pack::git_id("blob", c);
    let insert =
        |base_len: usize, c: &[u8]| pack::delta(base_len as u64, &[DeltaOp::Insert(c.to_vec())]);
    let objs = vec![
        PackObj::Full {
            id: id(&a),
            kind: pack::BLOB,
            data: a.clone(),
        },
        PackObj::RefDelta {
            id: id(&b),
            base: id(&a),
            delta: pack::delta(
                a.len() as u64,
                &[
                    DeltaOp::Copy(0, a.len() as u32 - 1),
                    DeltaOp::Insert(b", edited\n".to_vec()),
                ],
            ),
        },
        PackObj::RefDelta {
            id: id(s),
            base: id(s),
            delta: insert(s.len(), s),
        },
        PackObj::RefDelta {
            id: id(x),
            base: id(y),
            delta: insert(y.len(), x),
        },
        PackObj::RefDelta {
            id: id(y),
            base: id(x),
            delta: insert(x.len(), y),
        },
        PackObj::Full {
            id: id(&d),
            kind: pack::BLOB,
            data: b"decoy".to_vec(),
        },
        PackObj::Full {
            id: id(&d),
            kind: pack::BLOB,
            data: d.clone(),
        },
    ];
    let (p, i) = pack_in_memory(&objs);
    let blobs: Blobs = [&a[..], &b, s, x, y, &d]
        .iter()
        .map(|c| (oid(id(c)), c.to_vec()))
        .collect();
    ((p, i, blobs), vec![oid(id(s)), oid(id(x)), oid(id(y))])
}

/// A pack written by the `git` CLI with REF_DELTA entries (`pack-objects`
/// without `--delta-base-offset`), from versions of a file in a temporary
/// repository; `None` with a note when git is not installed.
fn git_ref_delta_pack() -> Option<PackSeed> {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init_bare(dir.path().join("r.git")).unwrap();
    let mut text: Vec<String> = (0..60)
        .map(|i| format!("line {i}: let value{i} = compute({i}, \"abcdefgh\");"))
        .collect();
    let mut blobs = Vec::new();
    let mut ids = String::new();
    for v in 0..30 {
        text[(v * 11) % 60] = format!("line edited in version {v}");
        let content = text.join("\n").into_bytes();
        let id = repo.blob(&content).unwrap();
        ids.push_str(&format!("{id}\n"));
        blobs.push((id, content));
    }
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let child = std::process::Command::new("git")
        .args(["pack-objects", "--window=10", "--depth=20", "-q"])
        .arg(out.join("pack"))
        .env("GIT_DIR", dir.path().join("r.git"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("note: git not found: no git-written pack seeds");
        return None;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ids.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "git pack-objects failed");
    let (mut p, mut i) = (Vec::new(), Vec::new());
    for e in std::fs::read_dir(&out).unwrap() {
        let path = e.unwrap().path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("pack") => p = std::fs::read(&path).unwrap(),
            Some("idx") => i = std::fs::read(&path).unwrap(),
            _ => {}
        }
    }
    Some((p, i, blobs))
}

/// The object types at every offset an index lists.
fn pack_types(pack_bytes: &[u8], idx: &[u8]) -> Vec<u8> {
    let n = u32::from_be_bytes(idx[8 + 255 * 4..8 + 256 * 4].try_into().unwrap()) as usize;
    let off_at = 8 + 256 * 4 + n * 24;
    (0..n)
        .map(|k| {
            let o = u32::from_be_bytes(idx[off_at + 4 * k..off_at + 4 * k + 4].try_into().unwrap());
            (pack_bytes[o as usize] >> 4) & 7
        })
        .collect()
}

/// An intact pack gives every blob, byte for byte the same as libgit2's.
#[test]
fn pack_pass_decodes_every_delta() {
    let (pack_bytes, idx, blobs) = delta_pack(40);
    assert!(
        pack_bytes.len() < blobs.iter().map(|b| b.1.len()).sum::<usize>() / 4,
        "the versions are stored as deltas"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pack")).unwrap();
    std::fs::write(dir.path().join("pack/pack-x.pack"), &pack_bytes).unwrap();
    std::fs::write(dir.path().join("pack/pack-x.idx"), &idx).unwrap();
    struct Check<'a>(&'a [(git2::Oid, Vec<u8>)], Mutex<usize>);
    impl gitpack::BlobHandler for Check<'_> {
        fn blob(&self, index: u32, data: &[u8]) {
            assert_eq!(data, self.0[index as usize].1.as_slice(), "blob {index}");
            *self.1.lock().unwrap() += 1;
        }
        fn too_large(&self, index: u32, _: u64) {
            panic!("blob {index} is not too large");
        }
        fn cut(&self, index: u32) {
            panic!("blob {index} is not cut");
        }
    }
    let wanted = blobs
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let check = Check(&blobs, Mutex::new(0));
    let pass = gitpack::scan_packs(dir.path(), &wanted, blobs.len(), 1 << 20, &check);
    assert_eq!(*check.1.lock().unwrap(), blobs.len());
    assert!(pass.handled.iter().all(|&h| h));
    assert_eq!((pass.packs, pass.unusable.len()), (1, 0));
    // A limit below the blobs' size: none decoded; a base is reported too
    // large and its deltas are left to the caller (libgit2 reads their size).
    let (pass, got) = scan_one_pack(&pack_bytes, &idx, &blobs, 100).unwrap();
    assert!(pass.handled.iter().any(|&h| h), "{got:?}");
    assert!(got.iter().all(|&(_, len)| len == 0), "{got:?}");
}

/// A pack written by git with REF_DELTA entries gives every blob.
#[test]
fn git_ref_delta_packs_are_read() {
    let Some((p, i, blobs)) = git_ref_delta_pack() else {
        return;
    };
    let types = pack_types(&p, &i);
    assert!(types.contains(&7), "REF_DELTA entries: {types:?}");
    let (pass, got) = scan_one_pack(&p, &i, &blobs, 1 << 20).unwrap();
    assert!(pass.handled.iter().all(|&h| h), "{got:?}");
    assert!(got.iter().all(|&(_, len)| len > 0), "{got:?}");
}

/// Delta loops are found before anything reads them and never handed
/// over; the duplicated id gives its real bytes.
#[test]
fn delta_loops_and_duplicate_ids_in_one_pack() {
    let ((p, i, blobs), loops) = hostile_pack();
    let (pass, got) = scan_one_pack(&p, &i, &blobs, 1 << 20).unwrap();
    let handled: Vec<bool> = pass.handled.clone();
    assert_eq!(
        handled,
        vec![true, true, false, false, false, true],
        "{got:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pack")).unwrap();
    std::fs::write(dir.path().join("pack/pack-x.pack"), &p).unwrap();
    std::fs::write(dir.path().join("pack/pack-x.idx"), &i).unwrap();
    let packs = gitpack::Packs::open(dir.path());
    for id in &loops {
        assert!(packs.unsafe_reason(*id).is_some(), "{id}");
    }
    assert!(packs.unsafe_reason(blobs[0].0).is_none());
    assert_eq!(packs.unsafe_count(), 3);
    assert_eq!(packs.duplicates.len(), 1);
}

/// A damaged pack or index (libgit2's deltas, git's REF_DELTA, loops and
/// duplicate ids): no panic, no hang, nothing handed over twice, over the
/// limit or as bytes that are not the blob's.
#[test]
fn damaged_packs_and_indexes() {
    let mut sets: Vec<PackSeed> = vec![delta_pack(24), hostile_pack().0];
    sets.extend(git_ref_delta_pack());
    let files: Vec<(usize, bool, Vec<u8>)> = sets
        .iter()
        .enumerate()
        .flat_map(|(k, (p, i, _))| [(k, false, p.clone()), (k, true, i.clone())])
        .collect();
    let n = files.len();
    let strategy = (
        0..n,
        proptest::collection::vec(mutation(), 1..8),
        proptest::bool::ANY,
    )
        .prop_map(move |(f, muts, small)| {
            let (set, is_idx, seed) = &files[f];
            let mut b = apply(seed.clone(), &muts);
            // Which set and file was damaged, and the limit, ride along in front.
            b.insert(0, *set as u8);
            b.insert(1, u8::from(*is_idx) | (u8::from(small) << 1));
            b
        });
    let cases = COSTLY_CASES / 2;
    fuzz_with("pack", cases, strategy, |b: Vec<u8>| {
        let (set, tag, damaged) = (b[0] as usize, b[1], &b[2..]);
        let (p, i, blobs) = &sets[set];
        let max = if tag & 2 != 0 { 1500 } else { 1 << 20 };
        let (p, i) = if tag & 1 == 0 {
            (damaged, i.as_slice())
        } else {
            (p.as_slice(), damaged)
        };
        scan_one_pack(p, i, blobs, max).map(|_| ())
    });
}
