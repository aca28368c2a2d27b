//! Findings inside container images: which image, which layer and which
//! Dockerfile instruction put a key there, and the image causes
//! ([`Cause::ImageLayer`], [`Cause::ImageConfig`]) in place of the
//! repository ones a path alone would suggest (an `.env` in a layer is not
//! "committed to git"; it ships to whoever pulls the image).
//!
//! The input stage ([`crate::input::image`]) reads the image and returns a
//! [`Scanned`]; findings under its root are matched back to their layer or
//! config piece by their path (`app.tar!/<layer blob>!/app/.env`).

use crate::findings::Finding;
use crate::findings::causes::{self, Cause};
use crate::input::image::config::{self, Kind};
use crate::input::image::{ImageInfo, LayerInfo, Scanned, short_digest};
use crate::rules::RuleKind;

/// The longest instruction shown (a `RUN` can be pages long).
const INSTRUCTION_MAX: usize = 160;

/// Fill in [`Finding::image`], the image causes, `why` and `fix` of the
/// findings that came out of the image(s) in `s`.
pub fn annotate(findings: &mut Vec<Finding>, s: &Scanned) {
    let prefix = format!("{}!/", crate::findings::redact_known_secrets(&s.root));
    for f in findings.iter_mut() {
        let Some(rest) = f.path.strip_prefix(&prefix) else {
            continue;
        };
        let Some((blob, inner)) = rest.split_once("!/") else {
            continue;
        };
        let (blob, inner) = (blob.to_string(), inner.to_string());
        if let Some(&(img, idx)) = s.layer_of.get(&blob) {
            in_layer(f, s, img, idx, &inner);
        } else if let Some(&img) = s.config_of.get(&blob) {
            in_config(f, s, img, &blob, &inner);
        }
    }
    merge_env_history(findings);
}

/// An instruction as shown: this finding's secret and any known key shape
/// redacted, cut to [`INSTRUCTION_MAX`].
fn shown_instruction(text: &str, secret: &str) -> String {
    let t = crate::findings::redact_known_secrets(&crate::findings::redact_in(text, secret));
    if t.len() > INSTRUCTION_MAX {
        format!("{}…", crate::text::head(&t, INSTRUCTION_MAX))
    } else {
        t
    }
}

fn in_layer(f: &mut Finding, s: &Scanned, img: usize, idx: usize, inner: &str) {
    let meta = &s.images[img];
    let in_image = inner.split("!/").next().unwrap_or(inner);
    let removed = s.removed_in(img, idx, in_image);
    let instruction = meta
        .instructions
        .get(idx)
        .cloned()
        .flatten()
        .map(|i| shown_instruction(&i, &f.secret));
    let digest = meta.digests.get(idx).cloned().unwrap_or_default();
    let info = ImageInfo {
        image: meta.name.clone(),
        layer: Some(LayerInfo {
            index: idx + 1,
            digest: digest.clone(),
        }),
        path: format!("/{inner}"),
        instruction: instruction.clone(),
        removed_in: removed,
        also_in: Vec::new(),
    };
    if f.kind == RuleKind::Secret {
        // What the content says (a browser bundle, an app package) still
        // holds; where the file sits in a repository does not.
        let mut list: Vec<Cause> = f
            .causes
            .iter()
            .copied()
            .filter(|c| {
                matches!(
                    c,
                    Cause::FrontendCode
                        | Cause::PublicEnvVar
                        | Cause::ClientTransit
                        | Cause::AppBinary
                )
            })
            .collect();
        list.push(Cause::ImageLayer);
        list.sort();
        list.dedup();
        let made = instruction.map_or(String::new(), |i| format!(", made by `{i}`"));
        let layer = format!("layer {} ({}{made})", idx + 1, short_digest(&digest));
        let mut why = match removed {
            Some(n) => format!(
                "removed in layer {n}, still in {layer} of image `{}`: anyone who pulls the image can read /{in_image}",
                meta.name
            ),
            None => format!(
                "baked into image `{}`, {layer}: anyone who pulls the image can read /{in_image}",
                meta.name
            ),
        };
        for c in list.iter().filter(|c| **c != Cause::ImageLayer) {
            why.push_str("; ");
            why.push_str(c.why());
        }
        f.causes = list;
        f.git = None;
        f.why = why;
        f.fix = causes::fix(&f.causes, &f.situation());
    }
    f.image = Some(info);
}

fn in_config(f: &mut Finding, s: &Scanned, img: usize, blob: &str, inner: &str) {
    let meta = &s.images[img];
    let history = s.history.get(blob).map(Vec::as_slice).unwrap_or_default();
    let entry = config::history_index(inner).and_then(|i| history.get(i).map(|h| (i, h)));
    let kind = match (inner, entry) {
        (config::ENV, _) => Kind::Env,
        (config::LABELS, _) => Kind::Label,
        (_, Some((_, h))) => config::kind(&h.instruction),
        _ => Kind::Other,
    };
    // The layer a history entry made, if it made one.
    let layer = entry.filter(|(_, h)| !h.empty_layer).map(|(i, _)| {
        let index = history.iter().take(i).filter(|h| !h.empty_layer).count();
        LayerInfo {
            index: index + 1,
            digest: meta.digests.get(index).cloned().unwrap_or_default(),
        }
    });
    let instruction = entry.map(|(_, h)| shown_instruction(&h.instruction, &f.secret));
    if f.kind == RuleKind::Secret {
        let name = &meta.name;
        let step = instruction
            .as_ref()
            .map_or(String::new(), |i| format!(" (`{i}`)"));
        f.why = match kind {
            Kind::Env => format!(
                "set with ENV in image `{name}`{step}: stored in its config, `docker inspect` shows it to anyone who pulls the image"
            ),
            Kind::BuildArg => format!(
                "passed as a build argument (ARG / --build-arg) to image `{name}`{step}: the value is recorded in the image history, `docker history` shows it to anyone who pulls the image"
            ),
            Kind::Label => format!(
                "stored in a label of image `{name}`: `docker inspect` shows it to anyone who pulls the image"
            ),
            Kind::Other => format!(
                "written into a Dockerfile instruction of image `{name}`{step}: the image history records it for anyone who pulls the image"
            ),
        };
        f.causes = vec![Cause::ImageConfig];
        f.git = None;
        f.fix = causes::fix(&f.causes, &f.situation());
    }
    f.image = Some(ImageInfo {
        image: meta.name.clone(),
        layer,
        path: inner.to_string(),
        instruction,
        removed_in: None,
        also_in: Vec::new(),
    });
}

/// An `ENV` sets a value twice over: in `config.Env` and in the history
/// entry that records the instruction. A key there is one finding, at
/// `config.Env`, naming the `ENV` instruction and its history entry; the
/// history copy is dropped. A history `ENV` whose value is no longer in
/// `config.Env` (set again later) stays a finding of its own.
fn merge_env_history(findings: &mut Vec<Finding>) {
    let is_env_history = |f: &Finding| {
        f.image.as_ref().is_some_and(|i| {
            config::history_index(&i.path).is_some()
                && i.instruction
                    .as_deref()
                    .is_some_and(|t| config::kind(t) == Kind::Env)
        })
    };
    let mut drop = vec![false; findings.len()];
    for e in 0..findings.len() {
        let Some(info) = &findings[e].image else {
            continue;
        };
        if info.path != config::ENV || findings[e].secret.is_empty() {
            continue;
        }
        let image = info.image.clone();
        let mut places: Vec<(String, Option<String>)> = Vec::new();
        for (h, gone) in drop.iter_mut().enumerate() {
            let other = &findings[h];
            if h == e || *gone || !is_env_history(other) || other.secret != findings[e].secret {
                continue;
            }
            let Some(hi) = &other.image else { continue };
            if hi.image != image || other.rule != findings[e].rule {
                continue;
            }
            places.push((hi.path.clone(), hi.instruction.clone()));
            *gone = true;
        }
        if places.is_empty() {
            continue;
        }
        let f = &mut findings[e];
        let step = places.iter().find_map(|(_, i)| i.clone());
        if let Some(info) = f.image.as_mut() {
            if info.instruction.is_none() {
                info.instruction = step.clone();
            }
            info.also_in.extend(places.into_iter().map(|(p, _)| p));
        }
        if f.kind == RuleKind::Secret
            && let Some(i) = step
        {
            f.why = f.why.replacen(
                ": stored in its config",
                &format!(" (`{i}`): stored in its config"),
                1,
            );
        }
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

/// One line for a report: `layer 3 (sha256:1f6e…) /app/.env, made by
/// `COPY . .`, removed in layer 4`.
pub fn describe(i: &ImageInfo) -> String {
    let mut out = match &i.layer {
        Some(l) => format!("layer {} ({}) {}", l.index, short_digest(&l.digest), i.path),
        None => i.path.clone(),
    };
    if let Some(instr) = &i.instruction {
        out.push_str(&format!(", made by `{instr}`"));
    }
    if let Some(n) = i.removed_in {
        out.push_str(&format!(", removed in layer {n} (still in the image)"));
    }
    if !i.also_in.is_empty() {
        out.push_str(&format!(", also in {}", i.also_in.join(", ")));
    }
    out
}

/// The heading a report groups an image's findings under:
/// `image shop-api:latest (app.tar)`.
pub fn group(f: &Finding) -> Option<String> {
    let i = f.image.as_ref()?;
    let root = f.path.split("!/").next().unwrap_or(&f.path);
    Some(format!("image {} ({root})", i.image))
}
