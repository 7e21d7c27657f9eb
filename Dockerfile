# One image for every Passerelle service. Compose picks the service and the mode:
#   command: ["services.intake", "api"]      -> python -m services.intake api
#   command: ["services.notifications", "worker"]
# Modes: api | worker | all | migrate (every mode runs the service's migrations first).

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: resolve the locked dependencies into /app/.venv with uv ---------------------------
FROM ${PYTHON_IMAGE} AS build

ARG UV_VERSION=0.13.9
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install "uv==${UV_VERSION}"

WORKDIR /app
# Dependencies first: this layer is rebuilt only when pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.11

# --- runtime: the venv and the source, no uv, no build tools, not root ------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/app/.venv \
    PATH="/app/.venv/bin:${PATH}"

RUN groupadd --system --gid 10001 passerelle \
    && useradd --system --uid 10001 --gid passerelle --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin passerelle

WORKDIR /app
# Same path as in the build stage: the venv's scripts and its python link stay valid.
COPY --from=build /app/.venv /app/.venv
COPY pyproject.toml uv.lock ./
COPY shared ./shared
COPY services ./services
COPY deploy ./deploy

USER passerelle:passerelle

# No HEALTHCHECK here: the same image runs workers, which serve no HTTP. Compose checks
# /healthz on the api containers only.
ENTRYPOINT ["python", "-m"]
CMD ["services.intake", "all"]
