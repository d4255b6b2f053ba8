"""One logging set-up (core/log.py): the level from HIAP_LOG_LEVEL, one handler however often it is called, and
the connector's downloads and cache decisions in the log an IT officer reads."""

from __future__ import annotations

import logging

import pytest

from hiap_geo.core import log, settings
from hiap_geo.core.errors import SettingsError


@pytest.fixture(autouse=True)
def fresh_logger() -> None:
    logger = logging.getLogger("hiap_geo")
    saved = (logger.level, list(logger.handlers))
    yield
    logger.setLevel(saved[0])
    logger.handlers[:] = saved[1]


def test_configure_twice_adds_one_handler_at_the_level_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIAP_LOG_LEVEL", "debug")
    log.configure()
    logger = log.configure()
    assert logger.level == logging.DEBUG
    assert sum(h.get_name() == log.HANDLER_NAME for h in logger.handlers) == 1


def test_the_default_level_is_info_and_a_wrong_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIAP_LOG_LEVEL", raising=False)
    assert settings.log_level() == "INFO"
    monkeypatch.setenv("HIAP_LOG_LEVEL", "loud" * 100)
    with pytest.raises(SettingsError, match="HIAP_LOG_LEVEL is 'LOUDLOUDLOUDLOUDLOUD'; use one of DEBUG"):
        settings.log_level()


def test_messages_reach_stderr_with_their_module(capsys: pytest.CaptureFixture[str]) -> None:
    log.configure("INFO")
    logging.getLogger("hiap_geo.acquire.http").info("Fingertips download: %s", "http://127.0.0.1/x")
    logging.getLogger("hiap_geo.acquire.http").debug("not shown at INFO")
    err = capsys.readouterr().err
    assert "INFO hiap_geo.acquire.http: Fingertips download: http://127.0.0.1/x" in err
    assert "not shown" not in err
