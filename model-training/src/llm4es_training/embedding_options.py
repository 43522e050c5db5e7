"""How a bundle pools, by name: which hidden states are averaged and how tokens become one vector.
Without torch, so that the command line can offer the names without loading it."""

import math


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
TOKEN_DESCRIPTIONS = {
    "mean": "masked mean over tokens",
    "last": "the last token's",
    "mean-max": "masked mean and max over tokens, concatenated",
}
