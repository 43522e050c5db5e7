"""The embedding computation that is exported into model.onnx.

hidden_states[0] is the token-embedding output, hidden_states[i] the output of block i, and the
last entry is the final-norm output, exactly as transformers returns them.
"""

import math

import torch
from torch import nn


def default_layers_from(num_layers: int) -> int:
    # The paper averages layers 9..28 of 28: roughly the upper two thirds of the stack.
    return math.ceil(num_layers / 3)


# Which hidden states are averaged, by name (a recipe's `embedding.layers`): hidden_states[0] is
# the token-embedding output, [i] block i's, the last with the final norm. "upper" is the default.
LAYER_RANGES = {
    "upper": lambda n: (default_layers_from(n), n),
    "final": lambda n: (n, n),
    "all": lambda n: (0, n),
}


def layer_range(name: str, num_layers: int) -> tuple[int, int]:
    if name not in LAYER_RANGES:
        raise ValueError(f"embedding layers must be one of {', '.join(LAYER_RANGES)}, not {name!r}")
    return LAYER_RANGES[name](num_layers)


# How the averaged hidden states become one vector per text: the option's name (export-bundle
# --token-pooling) -> the manifest's pooling.token_reduce. mean-max concatenates the two, so its
# embedding is twice the hidden size.
TOKEN_POOLINGS = {"mean": "masked_mean", "last": "last_token", "mean-max": "masked_mean_max"}


def reduce_tokens(hidden: torch.Tensor, attention_mask: torch.Tensor, token_pooling: str = "mean") -> torch.Tensor:
    """[batch, tokens, width] -> [batch, width] (mean-max: 2 x width) over the unmasked tokens of
    right-padded rows. An all-padding row yields zeros, never NaN or -inf."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    count = mask.sum(dim=1)
    mean = (hidden * mask).sum(dim=1) / count.clamp(min=1.0)
    if token_pooling == "mean":
        return mean
    if token_pooling == "last":
        last = (attention_mask.sum(dim=1) - 1).clamp(min=0)
        return hidden[torch.arange(hidden.shape[0]), last] * (count > 0).to(hidden.dtype)
    if token_pooling == "mean-max":
        floor = torch.finfo(hidden.dtype).min
        top = hidden.masked_fill(mask == 0, floor).amax(dim=1) * (count > 0).to(hidden.dtype)
        return torch.cat([mean, top], dim=1)
    raise ValueError(f"token pooling must be one of {sorted(TOKEN_POOLINGS)}, not {token_pooling!r}")


class LayerMeanPooling(nn.Module):
    """Mean of hidden_states[layers_from..layers_to] (inclusive), then `reduce_tokens`."""

    def __init__(self, decoder: nn.Module, layers_from: int, layers_to: int, token_pooling: str = "mean"):
        super().__init__()
        if token_pooling not in TOKEN_POOLINGS:
            raise ValueError(f"token pooling must be one of {sorted(TOKEN_POOLINGS)}, not {token_pooling!r}")
        self.decoder = decoder
        self.layers_from = layers_from
        self.layers_to = layers_to
        self.token_pooling = token_pooling

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        outputs = self.decoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            output_hidden_states=True,
            use_cache=False,
        )
        if len(outputs.hidden_states) <= self.layers_to:
            raise ValueError(
                f"decoder returned {len(outputs.hidden_states)} hidden states; layer {self.layers_to} requested"
            )
        selected = outputs.hidden_states[self.layers_from : self.layers_to + 1]
        return reduce_tokens(torch.stack(selected).mean(dim=0), attention_mask, self.token_pooling)
