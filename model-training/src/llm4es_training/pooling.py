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


class LayerMeanPooling(nn.Module):
    """Mean of hidden_states[layers_from..layers_to] (inclusive), then masked mean over tokens."""

    def __init__(self, decoder: nn.Module, layers_from: int, layers_to: int):
        super().__init__()
        self.decoder = decoder
        self.layers_from = layers_from
        self.layers_to = layers_to

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
        hidden = torch.stack(selected).mean(dim=0)
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        # Clamp so an all-padding row yields zeros instead of NaN.
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
