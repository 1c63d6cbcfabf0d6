"""Load a narrator model (bundled, preset, local folder or hub id) with clear, one-sentence failures.

The hub cannot be reached from many machines this game runs on, so every path that could touch the network
first checks the local cache and offline mode, and probes the hub with a short timeout instead of letting
huggingface_hub retry for half a minute.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pathlib
import socket
import threading
import urllib.parse
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch

from .presets import PRESETS, ModelPreset, bundled_model_dir, get_preset

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                 "pytorch_model.bin.index.json")
_PROBE_TIMEOUT_S = 3.0


class ModelLoadError(Exception):
    """A model could not be loaded; ``str(e)`` is one readable sentence naming the model and what to do."""


class ModelLoadWarning(UserWarning):
    """Something was adjusted while loading (e.g. float16 on a CPU); the CLI prints these as one line."""


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    name: str
    preset: ModelPreset | None
    n_ctx: int
    device: torch.device
    dtype: torch.dtype
    eos_token_ids: list[int]
    source: str = ""                       # folder or hub id actually loaded
    notes: list[str] = field(default_factory=list)  # the warnings raised while loading, for display
    # Known words for known-word decoding (a folder's lexicon.txt; None when the model ships none).
    lexicon: Any = None


@dataclass
class _Source:
    """Where a spec points: a local folder, or a hub repo (possibly cached)."""

    name: str
    preset: ModelPreset | None
    path: pathlib.Path | None = None       # local folder (bundled or user folder)
    repo_id: str | None = None
    revision: str | None = None

    @property
    def label(self) -> str:
        if self.repo_id:
            rev = f"@{self.revision}" if self.revision else ""
            return f"'{self.name}' ({self.repo_id}{rev})" if self.name != self.repo_id else f"'{self.repo_id}{rev}'"
        return f"'{self.name}'"


# ----------------------------------------------------------------------------------------------- resolution

def _looks_like_path(spec: str) -> bool:
    return (spec.startswith(("/", ".", "~")) or "\\" in spec or spec.count("/") > 1
            or (len(spec) > 1 and spec[1] == ":"))


def _resolve_source(spec: str, revision: str | None) -> _Source:
    spec = (spec or "bundled").strip()
    if spec.lower() == "bundled":
        folder = bundled_model_dir()
        if not (folder / "config.json").is_file():
            raise ModelLoadError(
                f"The bundled model is missing: {folder} holds no model files, so reinstall adventure "
                "or pass --model with a local model folder or a preset such as kogpt2."
            )
        return _Source(name="bundled", preset=PRESETS["bundled"], path=folder)
    path = pathlib.Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelLoadError(
                f"The folder {path} has no config.json, so it is not a model folder; point --model at the folder "
                "that holds config.json, the weights and the tokenizer files."
            )
        return _Source(name=str(path), preset=None, path=path.resolve())
    if path.exists():
        raise ModelLoadError(f"Model path {path} is a file; pass the folder that holds config.json instead.")
    if _looks_like_path(spec):
        raise ModelLoadError(f"Model folder {path} does not exist; check the path or use a preset such as kogpt2.")
    preset = get_preset(spec)
    if preset is not None and preset.repo_id is not None:
        return _Source(name=preset.name, preset=preset, repo_id=preset.repo_id,
                       revision=revision or preset.revision)
    return _Source(name=spec, preset=None, repo_id=spec, revision=revision)


def _offline_env() -> bool:
    """Offline mode as the environment says now (huggingface_hub reads it only once, at import)."""
    from huggingface_hub import constants

    now = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")
    if now is not None:
        return now.strip().upper() in {"1", "ON", "YES", "TRUE"}
    return bool(constants.HF_HUB_OFFLINE)


def _cached_file(repo_id: str, filename: str, revision: str | None) -> str | None:
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, filename, revision=revision)
    except Exception:  # malformed ids raise validation errors; treat as "not cached"
        return None
    return found if isinstance(found, str) else None


def _is_cached(repo_id: str, revision: str | None) -> bool:
    return _cached_file(repo_id, "config.json", revision) is not None and any(
        _cached_file(repo_id, name, revision) is not None for name in _WEIGHT_FILES)


def _hub_reachable(timeout: float = _PROBE_TIMEOUT_S) -> bool:
    """A TCP connect to the hub endpoint, bounded in time (DNS included) by running it in a daemon thread."""
    from huggingface_hub import constants

    if any(os.environ.get(k) for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True  # a proxy decides reachability; let huggingface_hub try through it
    url = urllib.parse.urlparse(constants.ENDPOINT)
    host = url.hostname or "huggingface.co"
    port = url.port or (443 if url.scheme == "https" else 80)
    result: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def _download_hint(src: _Source) -> str:
    rev = f" --revision {src.revision}" if src.revision else ""
    return (f"download it on a machine with internet using `huggingface-cli download {src.repo_id}{rev} "
            f"--local-dir <folder>` (or `hf download`), copy that folder here and pass it with --model <folder>")


# --------------------------------------------------------------------------------------------- device/dtype

def _resolve_device(device: str) -> torch.device:
    device = (device or "auto").strip().lower()
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ModelLoadError(f"Unknown device '{device}'; use auto, cpu or cuda.") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("CUDA was requested but PyTorch sees no CUDA GPU on this machine; "
                             "use --device cpu (or auto).")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ModelLoadError("MPS was requested but is not available here; use --device cpu (or auto).")
    return resolved


def _config_dtype(config) -> torch.dtype | None:
    value = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    if isinstance(value, str):
        value = _DTYPES.get(value)
    return value if isinstance(value, torch.dtype) else None


def _resolve_dtype(dtype: str, device: torch.device, preset: ModelPreset | None, config,
                   notes: list[str], label: str) -> torch.dtype:
    dtype = (dtype or "auto").strip().lower()
    if dtype not in _DTYPES and dtype != "auto":
        raise ModelLoadError(f"Unknown dtype '{dtype}' for {label}; use auto, float32, bfloat16 or float16.")
    large = preset is not None and preset.needs_gpu_gb is not None
    if dtype == "auto":
        if device.type == "cpu":
            # A 6B model in float32 needs ~24 GB of RAM; bfloat16 halves it and CPUs run it natively.
            return torch.bfloat16 if large else torch.float32
        if preset is not None and preset.default_dtype in _DTYPES and preset.default_dtype != "float32":
            return _DTYPES[preset.default_dtype]
        cfg = _config_dtype(config)
        return cfg if cfg in (torch.float16, torch.bfloat16) else torch.float32
    chosen = _DTYPES[dtype]
    if chosen is torch.float16 and device.type == "cpu":
        note = f"float16 is not supported well on the CPU, so {label} is loaded in float32 instead."
        notes.append(note)
        warnings.warn(note, ModelLoadWarning, stacklevel=3)
        return torch.float32
    if chosen is torch.bfloat16 and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ModelLoadError(f"This GPU does not support bfloat16, so {label} cannot load in it; "
                             "use --dtype float16 or float32.")
    return chosen


def _n_ctx(config, preset: ModelPreset | None, label: str) -> int:
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            if preset is not None and preset.n_ctx is not None and preset.n_ctx != value:
                return min(value, preset.n_ctx)  # never claim more context than both agree on
            return value
    if preset is not None and preset.n_ctx is not None:
        return preset.n_ctx
    raise ModelLoadError(f"The config of {label} names no context size (n_positions or max_position_embeddings), "
                         "so it cannot be used safely; add it to config.json.")


# ----------------------------------------------------------------------------------------------- tokenizer

def _matching_preset_tokens(tokenizer) -> dict[str, str]:
    """A folder without special tokens in its tokenizer config (e.g. a raw copy of KoGPT2) gets those of the
    preset whose special tokens are all in its vocabulary: matched against the checkpoint, not guessed."""
    vocab = tokenizer.get_vocab()
    for preset in PRESETS.values():
        tokens = preset.special_tokens
        if tokens and all(tok in vocab for tok in tokens.values()):
            return dict(tokens)
    return {}


def _load_tokenizer(location: str, src: _Source, local_only: bool):
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    kwargs = dict(src.preset.special_tokens) if src.preset is not None else {}
    has_json = ((src.path / "tokenizer.json").is_file() if src.path is not None
                else _cached_file(src.repo_id, "tokenizer.json", src.revision) is not None)
    # tokenizer.json is the exact serialized tokenizer; loading it as-is avoids transformers rebuilding
    # a Metaspace tokenizer (KoGPT2) as a byte-level GPT2Tokenizer.
    use_fast_json = has_json or (src.preset is not None and src.preset.tokenizer_class == "PreTrainedTokenizerFast")
    cls = PreTrainedTokenizerFast if use_fast_json else AutoTokenizer
    tokenizer = cls.from_pretrained(location, revision=src.revision, local_files_only=local_only, **kwargs)
    if tokenizer.eos_token is None and not kwargs:
        extra = _matching_preset_tokens(tokenizer)
        if extra:
            tokenizer.add_special_tokens({k: v for k, v in extra.items()})
    return tokenizer


def _eos_ids(tokenizer, model) -> list[int]:
    """EOS ids the tokenizer declares, plus config/generation-config ids that are special tokens there.

    A config id that is an ordinary token (GPT2Config's default 50256 inside KoGPT2's vocabulary) is ignored.
    """
    ids: list[int] = []
    if tokenizer.eos_token_id is not None:
        ids.append(int(tokenizer.eos_token_id))
    special = set(int(i) for i in tokenizer.all_special_ids)
    candidates: list[Any] = [getattr(model.config, "eos_token_id", None)]
    gen_cfg = getattr(model, "generation_config", None)
    if gen_cfg is not None:
        candidates.append(getattr(gen_cfg, "eos_token_id", None))
    for cand in candidates:
        for value in (cand if isinstance(cand, (list, tuple)) else [cand]):
            if isinstance(value, int) and value in special and value not in ids:
                ids.append(value)
    return ids


# ------------------------------------------------------------------------------------------------- loading

@contextlib.contextmanager
def _quiet_transformers(progress: bool):
    """No load reports in the game's terminal, and no progress bars unless a download may be shown."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    if not progress:
        hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if was_enabled and not progress:
            hf_logging.enable_progress_bar()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("…" if len(text) > 300 else "")


def load_model(spec: str = "bundled", *, device: str = "auto", dtype: str = "auto", device_map: str | None = None,
               allow_large_on_cpu: bool = False, revision: str | None = None,
               local_files_only: bool | None = None) -> LoadedModel:
    """Load ``spec`` (``bundled``, a preset name, a local folder with config.json, or a hub id).

    ``local_files_only``: None = use the cache when it has the model, else try the hub if it answers quickly;
    True = cache/folder only; False = always ask the hub (still failing fast when it cannot be reached).
    """
    src = _resolve_source(spec, revision)
    notes: list[str] = []
    resolved_device = _resolve_device(device)
    if device_map is not None and importlib.util.find_spec("accelerate") is None:
        raise ModelLoadError(f"device_map='{device_map}' needs the accelerate package, which is not installed; "
                             "install it with pip install 'adventure[gpu]' or drop --device-map.")
    preset = src.preset
    if (preset is not None and preset.needs_gpu_gb and resolved_device.type == "cpu" and device_map is None
            and not allow_large_on_cpu):
        raise ModelLoadError(
            f"{preset.name} ({preset.repo_id}, {preset.params} parameters) needs a CUDA GPU with about "
            f"{preset.needs_gpu_gb:g} GB of memory and none is available here, so use a smaller model such as "
            "kogpt2 or the bundled one, or pass --allow-large-on-cpu to run it very slowly on the CPU."
        )
    if (preset is not None and preset.needs_gpu_gb and resolved_device.type == "cuda"):
        total_gb = torch.cuda.get_device_properties(resolved_device).total_memory / 2**30
        if total_gb < preset.needs_gpu_gb * 0.95:
            note = (f"{preset.name} needs about {preset.needs_gpu_gb:g} GB of GPU memory but this GPU has "
                    f"{total_gb:.1f} GB, so loading may fail.")
            notes.append(note)
            warnings.warn(note, ModelLoadWarning, stacklevel=2)

    # Decide where files come from before anything can touch the network.
    if src.path is not None:
        location, local_only = str(src.path), True
    else:
        location = src.repo_id
        offline = local_files_only is True or (local_files_only is None and _offline_env())
        cached = _is_cached(src.repo_id, src.revision)
        if offline and not cached:
            why = "offline mode is on (HF_HUB_OFFLINE)" if _offline_env() else "only local files were allowed"
            raise ModelLoadError(f"Model {src.label} is not downloaded and {why}; {_download_hint(src)}.")
        if offline or (cached and local_files_only is None):
            local_only = True  # a complete cached copy loads without asking the hub (no retries when offline)
        else:
            if not _hub_reachable():
                raise ModelLoadError(f"Model {src.label} is not downloaded and the Hugging Face hub cannot be "
                                     f"reached from this machine; {_download_hint(src)}.")
            local_only = False

    from transformers import AutoConfig, AutoModelForCausalLM

    label = src.label
    try:
        with _quiet_transformers(progress=not local_only):
            config = AutoConfig.from_pretrained(location, revision=src.revision, local_files_only=local_only)
            n_ctx = _n_ctx(config, preset, label)
            torch_dtype = _resolve_dtype(dtype, resolved_device, preset, config, notes, label)
            tokenizer = _load_tokenizer(location, src, local_only)
            load_kwargs: dict[str, Any] = {"revision": src.revision, "local_files_only": local_only,
                                           "dtype": torch_dtype}
            if device_map is not None:
                load_kwargs["device_map"] = device_map
            model = AutoModelForCausalLM.from_pretrained(location, **load_kwargs)
    except ModelLoadError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, ImportError, MemoryError) as exc:
        if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
            hint = "there is not enough memory for it, so try a smaller model or --dtype bfloat16"
        elif src.path is not None:
            hint = "check that the folder holds config.json, the weights and the tokenizer files"
        else:
            hint = _download_hint(src)
        raise ModelLoadError(f"Could not load model {label} ({_one_line(exc)}); {hint}.") from None

    if device_map is None:
        model.to(resolved_device)
        input_device = resolved_device
    else:
        input_device = model.get_input_embeddings().weight.device
    model.eval()
    model.requires_grad_(False)  # steering takes gradients w.r.t. activations, never the weights

    embed_rows = model.get_input_embeddings().weight.shape[0]
    if len(tokenizer) > embed_rows:
        raise ModelLoadError(f"The tokenizer of {label} has {len(tokenizer)} tokens but the model only "
                             f"{embed_rows} embeddings, so they do not belong together; check the folder.")
    eos = _eos_ids(tokenizer, model)
    if not eos:
        note = f"{label} declares no end-of-text token, so narration stops only on stop strings and length."
        notes.append(note)
        warnings.warn(note, ModelLoadWarning, stacklevel=2)
    lexicon = _load_lexicon(src, label, notes)
    return LoadedModel(model=model, tokenizer=tokenizer, name=src.name, preset=preset, n_ctx=n_ctx,
                       device=input_device, dtype=torch_dtype, eos_token_ids=eos, source=location, notes=notes,
                       lexicon=lexicon)


def _load_lexicon(src: _Source, label: str, notes: list[str]):
    """The folder's ``lexicon.txt`` as a Lexicon, or None; an unreadable one is a note, never a failure."""
    from ..generation.lexicon import LEXICON_FILE, Lexicon

    if src.path is None or not (src.path / LEXICON_FILE).is_file():
        return None
    try:
        return Lexicon.load(src.path / LEXICON_FILE)
    except (OSError, UnicodeDecodeError) as exc:
        note = f"The word list of {label} could not be read ({_one_line(exc)}), so known-word decoding is off."
        notes.append(note)
        warnings.warn(note, ModelLoadWarning, stacklevel=2)
        return None


def model_availability(spec: str) -> str:
    """Where a model would load from, without touching the network (for ``adventure models``)."""
    try:
        src = _resolve_source(spec, None)
    except ModelLoadError:
        if (spec or "").strip().lower() == "bundled":
            return "missing"
        return "not found"
    if src.path is not None:
        return "bundled" if src.name == "bundled" else "local folder"
    if _is_cached(src.repo_id, src.revision):
        return "cached"
    if _cached_file(src.repo_id, "config.json", src.revision) is not None:
        return "partly downloaded"
    return "not downloaded"
