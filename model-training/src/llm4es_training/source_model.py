"""Loading the Hugging Face causal LM (local directory or hub id) that a bundle is built from."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel
from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from .errors import ExportError


@dataclass
class SourceModel:
    name_or_path: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase

    @property
    def text_config(self):
        return self.model.config.get_text_config()

    @property
    def num_layers(self) -> int:
        return self.text_config.num_hidden_layers

    @property
    def hidden_size(self) -> int:
        return self.text_config.hidden_size

    @property
    def vocab_size(self) -> int:
        return self.text_config.vocab_size

    @property
    def max_position_embeddings(self) -> int | None:
        return getattr(self.text_config, "max_position_embeddings", None)

    @property
    def architecture(self) -> str:
        return type(self.model).__name__

    @property
    def model_type(self) -> str:
        return self.model.config.model_type

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def bos_id(self) -> int | None:
        return _first_id(self.text_config.bos_token_id, self.tokenizer.bos_token_id)

    @property
    def eos_id(self) -> int | None:
        return _first_id(self.text_config.eos_token_id, self.tokenizer.eos_token_id)

    @property
    def pad_id(self) -> int:
        pad = _first_id(self.tokenizer.pad_token_id, self.text_config.pad_token_id)
        if pad is not None:
            return pad
        # Pads are masked and sit right of every real token, so their id never changes a result.
        return self.eos_id if self.eos_id is not None else 0

    def save_tokenizer_json(self, destination: Path) -> None:
        local_file = Path(self.name_or_path) / "tokenizer.json"
        if local_file.is_file():
            shutil.copyfile(local_file, destination)
            return
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise ExportError(
                f"tokenizer of {self.name_or_path!r} ({type(self.tokenizer).__name__}) "
                "cannot be saved as a Hugging Face tokenizer.json"
            )
        backend.save(str(destination))


def _first_id(*candidates) -> int | None:
    """First non-null id; a list (several EOS ids, as in Llama 3) contributes its first entry."""
    for candidate in candidates:
        if isinstance(candidate, (list, tuple)):
            candidate = candidate[0] if candidate else None
        if candidate is not None:
            return int(candidate)
    return None


def looks_like_path(ref: str) -> bool:
    # Hub ids are "name" or "org/name"; anything else that does not exist is a missing path.
    return ref.startswith((".", "/", "~")) or ref.count("/") > 1 or "\\" in ref


def load_source_model(ref: str) -> SourceModel:
    if not Path(ref).exists() and looks_like_path(ref):
        raise ExportError(f"model path not found: {ref}")
    try:
        model = AutoModelForCausalLM.from_pretrained(ref, dtype=torch.float32)
    except (OSError, ValueError) as error:
        raise ExportError(f"cannot load causal LM {ref!r}: {one_line(error)}") from error
    try:
        tokenizer = AutoTokenizer.from_pretrained(ref)
    except (OSError, ValueError, TypeError) as error:
        raise ExportError(f"cannot load a tokenizer for {ref!r}: {one_line(error)}") from error
    model.eval()
    model.config.use_cache = False
    return SourceModel(name_or_path=ref, model=model, tokenizer=tokenizer)


def one_line(error: Exception) -> str:
    return " ".join(str(error).split())
