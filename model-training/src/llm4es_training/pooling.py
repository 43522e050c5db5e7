"""The embedding computation that is exported into model.onnx.

hidden_states[0] is the token-embedding output, hidden_states[i] the output of block i, and the
last entry is the final-norm output, exactly as transformers returns them.
"""

import torch
from torch import nn

from .embedding_options import TOKEN_POOLINGS


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
