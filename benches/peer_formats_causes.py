#!/usr/bin/env python3
"""Triage of benches/peer_formats.py --misses TSVs into causes (issue 18, docs/rules.md "Peer formats").

Usage: python3 benches/peer_formats_causes.py misses-before.tsv [misses-after.tsv]

Peer rule ids (names only) sorted by hand into the cause found when their missed lines
were read; the rest by the stage jikimi dropped them at."""
import sys, re, collections
WIDE = {"slack-bot-token","sendgrid-api-token","xai-api-key","twitter-bearer-token","temporal-cloud-api-key.1","monday-api-token.1",
 "scalr-api-access-token.1","flyio-access-token","aiven-auth-token","pypi-upload-token","yandex-access-token","slack-user-token",
 "slack-legacy-workspace-token","slack-legacy-token","slack-app-token","slack-session-token","slack-session-cookie","slack-config-access-token",
 "github-fine-grained-pat","dropbox-api-token","dropbox-short-lived-api-token","aws-amazon-bedrock-api-key-long-lived","aws-amazon-bedrock-api-key-short-lived",
 "buildkite-service-token","highnote-secret-live-key","stripe-access-token","atlassian-api-token","launchdarkly-access-token","cartesia-api-key.1",
 "devcycle-client-sdk-key","wakatime-api-key.1","pinecone-api-key.1","hubspot-api-key","langchain-langsmith-service-key","langchain-langsmith-personal-access-token"}
STRUCT = re.compile(r"jwt|private-key|connection-string|webhook|curl-|gcp-service-account|application-default|mail-address|sidekiq|uri|url|password|kubernetes|hashicorp-tf")
IDENT = re.compile(r"(client|access|app|user|auth|account|project)-?id(\.\d)?$|-id(\.\d)?$|username|public|pub-")
NARROW = {"github-fine-grained-pat","langchain-langsmith-service-key","langchain-langsmith-personal-access-token","hubspot-api-key",
 "clickup-personal-api-token","miro-access-token","slack-legacy-bot-token"}
NORULE = {"airtable-oauth-token","alibaba-sts-security-token","asana-client-secret","box-api-access-token","browserstack-access-key.1",
 "buildkite-service-token","buildkite-user-access-token","cloudinary-api-secret","coinbase-access-token","coveralls-personal-api-token",
 "gcp-gemini-api","linear-client-secret","miro-client-secret"}
def cause(rid, stage):
    r = re.sub(r"^(betterleaks|veles)\.", "", rid)
    if r in NARROW: return "regex narrower than the peers' format (alphabet, case, length)"
    if r in NORULE: return "no rule for the credential (provider only)"
    if IDENT.search(r): return "an identifier the peer reports (no secret alone)"
    if STRUCT.search(r): return "structure: the random draw is not a valid JWT, PEM, URL or connection string"
    if r in WIDE: return "peer regex wider than the documented format (random draw unlike a real key)"
    if stage == "none": return "context: provider name in the key without the word the rule wants, or no rule"
    return f"a jikimi filter drops it ({stage}: generic value or entropy under a provider name)"
for path in sys.argv[1:]:
    c = collections.Counter()
    for i, line in enumerate(open(path)):
        if i == 0: continue
        cat, rid, shape, n, why = line.rstrip("\n").split("\t")
        st = "none" if why.startswith("no jikimi") else why.split(";")[0].split(" ")[1].rstrip(":")
        c[(cat, cause(rid, st))] += int(n)
    print(path)
    for (cat, k), n in sorted(c.items()): print(f"  {cat:11} {n:5}  {k}")
