"""Log set-up for consumers and commands: `text` lines or `json`, one object per line (NETRA_LOG_FORMAT).

Netra's own loggers log either a plain sentence or a JSON object (`log.info(json.dumps({...}))`,
as the consumer loop does); in json format such an object's fields become fields of the
line, so a log shipper sees `{"ts": ..., "level": ..., "logger": ..., "event": "batch", ...}`
and never JSON inside a string. Libraries that talk a lot at INFO (Great Expectations,
kafka-python, confluent-kafka) are held at WARNING, in commands, consumers and DAG tasks.
"""
from __future__ import annotations

import json
import logging
import sys
import time

#: Loggers kept at WARNING or above whatever NETRA_LOG_LEVEL says (DEBUG lets them through).
NOISY_LIBRARIES = ("great_expectations", "kafka", "confluent_kafka", "py.warnings", "urllib3", "asyncio",
                   "tzlocal", "numexpr")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, then the message's own fields (or `msg`)."""

    def format(self, record: logging.LogRecord) -> str:
        """Format a record as one JSON object line."""
        line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                + f".{int(record.msecs):03d}Z", "level": record.levelname, "logger": record.name}
        message = record.getMessage()
        fields = None
        if message.startswith("{"):
            try:
                fields = json.loads(message)
            except ValueError:
                fields = None
        if isinstance(fields, dict):
            line.update({k: v for k, v in fields.items() if k not in ("ts", "level", "logger")})
        else:
            line["msg"] = message
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


#: Warnings that say nothing an operator can act on: kafka-python's event-loop timing notes
#: ("Task ... ran for 0.118s") appear whenever a GX call holds the GIL for a moment.
ERROR_ONLY = ("kafka.net.selector",)


def quiet_libraries(level: str | int = "INFO") -> None:
    """Hold the chatty libraries at WARNING (unless `level` asks for DEBUG)."""
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    debug = isinstance(numeric, int) and numeric < logging.INFO
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(numeric if debug else logging.WARNING)
    for name in ERROR_ONLY:
        logging.getLogger(name).setLevel(numeric if debug else logging.ERROR)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (it may be replaced after set-up, e.g. by pytest)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(level: str = "INFO", fmt: str = "text", stream=None) -> None:
    """Root logging to stderr in the chosen format (replaces handlers set before, so it can be called again)."""
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet_libraries(level)
