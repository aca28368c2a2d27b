# jikimi in a container: a static (musl) binary on an empty base, run as a
# non-root user, scanning the folder mounted at /src.
#
#   docker build -t jikimi .
#   docker run --rm -v "$PWD:/src" --user "$(id -u):$(id -g)" jikimi scan .
#
# `--user` makes the container's user own the mounted repository, as git
# (and libgit2) require before they read one. Built and published by
# .github/workflows/release.yml (ghcr.io/jikimi-dev/jikimi).

FROM rust:1-alpine AS build
# libgit2, zlib and libdeflate are compiled from source (cc): a C toolchain.
# The toolchain tracks the rust:1-alpine tag, so its packages are not pinned.
# hadolint ignore=DL3018
RUN apk add --no-cache build-base
WORKDIR /build
COPY . .
RUN cargo build --locked --profile dist \
 && cp target/dist/jikimi /jikimi \
 && /jikimi --version

FROM scratch
COPY --from=build /jikimi /usr/local/bin/jikimi
# A fixed non-root uid (no /etc/passwd in scratch).
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/jikimi"]
CMD ["scan", "."]
