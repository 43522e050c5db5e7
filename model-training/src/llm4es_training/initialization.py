"""The model a run starts from: a local Hugging Face directory, a GGUF file, a hub id, or a new
Llama-style model with a tokenizer trained on the corpus."""

from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerFast
from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from .errors import TrainingError
from .scratch import BOS, EOS, PAD, ScratchShape, check_scratch_specials, scratch_config, train_bpe_tokenizer
from .source_model import SourceModel, looks_like_path, one_line

SCRATCH = "scratch"
TOKENIZER_FILE = "tokenizer.json"


@dataclass
class InitialModel:
    reference: str  # what --init named; for a new model, its shape
    kind: str  # "huggingface", "gguf" or "scratch"
    model: PreTrainedModel
    hf_tokenizer: PreTrainedTokenizerBase
    # The exact tokenizer trained with; it becomes the bundle's tokenizer.json.
    tokenizer: Tokenizer
    bos_id: int | None
    pad_id: int

    @property
    def max_positions(self) -> int | None:
        return getattr(self.model.config.get_text_config(), "max_position_embeddings", None)

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def save(self, model: PreTrainedModel, directory: Path) -> None:
        """Saves `model` (trained from this one) with this tokenizer, as a Hugging Face directory."""
        model.save_pretrained(directory)
        self.hf_tokenizer.save_pretrained(directory)
        # save_pretrained may re-serialize tokenizer.json; the bundle must carry the one trained with.
        self.tokenizer.save(str(directory / TOKENIZER_FILE))


def check_init_reference(reference: str) -> None:
    """Fails fast (before any run directory exists) on a local path that is not there."""
    if (
        reference != SCRATCH
        and not Path(reference).exists()
        and (looks_like_path(reference) or reference.endswith(".gguf"))
    ):
        raise TrainingError(f"model path not found: {reference}")


def load_initial_model(reference: str) -> InitialModel:
    check_init_reference(reference)
    path = Path(reference)
    if path.is_file():
        if path.suffix != ".gguf":
            raise TrainingError(f"--init {reference}: a file must be a .gguf model; else give a directory")
        kind, options = "gguf", {"pretrained_model_name_or_path": str(path.parent), "gguf_file": path.name}
    else:
        kind, options = "huggingface", {"pretrained_model_name_or_path": reference}
    try:
        model = AutoModelForCausalLM.from_pretrained(**options, dtype=torch.float32)
        hf_tokenizer = AutoTokenizer.from_pretrained(**options)
    except (OSError, ValueError, TypeError) as error:
        raise TrainingError(f"cannot load causal LM {reference!r}: {one_line(error)}") from error
    if kind == "gguf":
        _forget_gguf_quantization(model)
    source = SourceModel(name_or_path=reference, model=model, tokenizer=hf_tokenizer)
    local_json = path / TOKENIZER_FILE
    if local_json.is_file():
        tokenizer = Tokenizer.from_file(str(local_json))
    elif getattr(hf_tokenizer, "backend_tokenizer", None) is not None:
        tokenizer = hf_tokenizer.backend_tokenizer
    else:
        raise TrainingError(f"tokenizer of {reference!r} cannot be saved as a Hugging Face tokenizer.json")
    return InitialModel(reference, kind, model, hf_tokenizer, tokenizer, source.bos_id, source.pad_id)


def new_scratch_model(
    shape: ScratchShape, max_positions: int, texts: list[str], saved_tokenizer: Path | None = None
) -> InitialModel:
    """A randomly initialized model (seed the torch RNG first); the tokenizer is trained on `texts`
    unless `saved_tokenizer` (from an earlier start of the same run, or a domain tokenizer) is given;
    the vocabulary size is the tokenizer's."""
    if saved_tokenizer:
        try:
            tokenizer = Tokenizer.from_file(str(saved_tokenizer))
        except Exception as error:  # the Rust library raises plain Exceptions for a bad file
            raise TrainingError(f"cannot read tokenizer {saved_tokenizer}: {one_line(error)}") from error
        check_scratch_specials(tokenizer, str(saved_tokenizer))
    else:
        tokenizer = train_bpe_tokenizer(texts, shape.vocab_size)
    # The trained vocabulary can be smaller than asked for (a small corpus has few merges).
    config = scratch_config(
        ScratchShape(shape.hidden_size, shape.layers, shape.heads, tokenizer.get_vocab_size()), max_positions
    )
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    hf_tokenizer = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token=BOS, eos_token=EOS, pad_token=PAD)
    description = (
        f"scratch ({config.architectures[0] if config.architectures else 'LlamaForCausalLM'}, "
        f"hidden {config.hidden_size}, {config.num_hidden_layers} layers, "
        f"{config.num_attention_heads} heads, vocab {config.vocab_size})"
    )
    return InitialModel(
        description, "scratch", model, hf_tokenizer, tokenizer, config.bos_token_id, config.pad_token_id
    )


def _forget_gguf_quantization(model: PreTrainedModel) -> None:
    """transformers de-quantizes GGUF weights to float32 on load but still marks the model as
    quantized, which makes save_pretrained refuse it; the weights are plain tensors, so drop the mark."""
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
