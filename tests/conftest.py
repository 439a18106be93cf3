"""Shared fixtures: offline environment, the bundled corpus indexed once per session, free ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT, Settings
from app.testing import copy_index
from app.testing import free_port as _free_port

OUTPUT_DIR = PROJECT_ROOT / "test-output"


@pytest.fixture(autouse=True, scope="session")
def offline_env() -> Iterator[None]:
    """Nothing may reach the network: no model hub, no gradio or chroma telemetry.

    Session-scoped so it is in place before ``bundled_index`` builds the index.
    """
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                            "ANONYMIZED_TELEMETRY": "False"}.items():
            mp.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for an index of the bundled corpus (data/corpus), built once per session.

    Read-only for tests: a test that uploads or deletes takes ``writable_index`` instead.
    """
    from app.indexing import ingest_paths

    root = tmp_path_factory.mktemp("bundled")
    settings = Settings(index_dir=root / "index", data_dir=root / "data", corpus_dir=PROJECT_ROOT / "data" / "corpus",
                        chroma_url=None, api_key=None, auth=None)
    report = ingest_paths([settings.corpus_dir], settings)
    assert not report.failed, report.failed
    assert report.added, "the bundled corpus is empty"
    return settings


@pytest.fixture
def writable_index(bundled_index: Settings, tmp_path: Path) -> Settings:
    """A private copy of the bundled index (with its own data dir) that a test may change."""
    return copy_index(bundled_index, tmp_path / "copy")


@pytest.fixture
def free_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """test-output/: screenshots and other artefacts a person may want to look at."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR
