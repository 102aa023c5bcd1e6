# Netra image: the `netra` command (init, validator, enricher, sink) and Airflow 3,
# used by every Netra service in docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NETRA_HOME=/var/lib/netra \
    AIRFLOW_HOME=/opt/airflow

WORKDIR /app

# Only what the package build and Airflow need, so a local .venv/, .netra/ state
# dir or .git/ never end up in the image. The packages are the top-level folders
# that [tool.setuptools.packages.find] in pyproject.toml includes.
COPY pyproject.toml README.md requirements.lock ./
COPY netra ./netra
COPY producers ./producers
COPY consumers ./consumers
COPY expectations ./expectations
COPY dags ./dags

# The locked environment first (the one `make test` ran), then Netra without resolving again.
RUN pip install --no-cache-dir --no-deps --require-hashes -r requirements.lock \
    && pip install --no-cache-dir --no-deps /app \
    && useradd --create-home --uid 10001 netra \
    && mkdir -p "$NETRA_HOME/data_docs" "$AIRFLOW_HOME" \
    && chown -R netra:netra "$NETRA_HOME" "$AIRFLOW_HOME"
# (data_docs exists in the image so the compose volume mounted there starts owned by netra)

USER netra

CMD ["netra", "--help"]
