"""A new Llama-style model and a byte-level BPE tokenizer trained on the corpus."""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig

from .errors import TrainingError

PAD, BOS, EOS = "<pad>", "<s>", "</s>"
SPECIAL_TOKENS = [PAD, BOS, EOS]  # ids 0, 1, 2


@dataclass(frozen=True)
class ScratchShape:
    hidden_size: int
    layers: int
    heads: int
    vocab_size: int

    @property
    def intermediate_size(self) -> int:
        # Llama's 8/3 * hidden SwiGLU width, rounded up to a multiple of 8.
        return -(-8 * self.hidden_size // 3 // 8) * 8


SCRATCH_SIZES = {
    "tiny": ScratchShape(hidden_size=64, layers=2, heads=4, vocab_size=512),  # ~0.1M parameters
    "small": ScratchShape(hidden_size=256, layers=4, heads=8, vocab_size=1024),  # ~3.4M
    "medium": ScratchShape(hidden_size=512, layers=8, heads=8, vocab_size=4096),  # ~27M
}


def scratch_shape(
    size: str, hidden_size: int | None, layers: int | None, heads: int | None, vocab_size: int | None
) -> ScratchShape:
    """A preset, with any explicitly given dimension replacing the preset's."""
    overrides = {"hidden_size": hidden_size, "layers": layers, "heads": heads, "vocab_size": vocab_size}
    return replace(SCRATCH_SIZES[size], **{k: v for k, v in overrides.items() if v is not None})


def scratch_config(shape: ScratchShape, max_positions: int) -> LlamaConfig:
    return LlamaConfig(
        hidden_size=shape.hidden_size,
        intermediate_size=shape.intermediate_size,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.heads,
        vocab_size=shape.vocab_size,
        max_position_embeddings=max_positions,
        pad_token_id=SPECIAL_TOKENS.index(PAD),
        bos_token_id=SPECIAL_TOKENS.index(BOS),
        eos_token_id=SPECIAL_TOKENS.index(EOS),
        # Small models spend a large share of their parameters on embeddings; share them.
        tie_word_embeddings=True,
    )


def train_bpe_tokenizer(texts: Iterable[str], vocab_size: int) -> Tokenizer:
    """Byte-level BPE (any text is encodable, no unknown token); digits are split one per token so
    amounts and dates are read digit by digit rather than as arbitrary merged chunks."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ]
    )
    return train_byte_level(tokenizer, texts, vocab_size)


def train_byte_level(tokenizer: Tokenizer, texts: Iterable[str], vocab_size: int) -> Tokenizer:
    """Trains a byte-level BPE `tokenizer` (its pre-tokenizer set) with the scratch special tokens
    as ids 0, 1, 2 and every byte in its alphabet."""
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


def check_scratch_specials(tokenizer: Tokenizer, where: str) -> None:
    """A tokenizer for a new model must have `<pad>`, `<s>`, `</s>` at ids 0, 1, 2: the model's
    config and the bundle manifest's `tokens` are written with those ids."""
    for expected, token in enumerate(SPECIAL_TOKENS):
        if tokenizer.token_to_id(token) != expected:
            raise TrainingError(f"{where}: {token} must be token id {expected}, got {tokenizer.token_to_id(token)}")
