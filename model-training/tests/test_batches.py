"""Forward passes of a training step: length-aware micro-batches compute less padding and leave the
step's gradient as it was."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM

from llm4es_training.batches import (
    IGNORE_INDEX,
    PASS_OVERHEAD_TOKENS,
    collate,
    micro_batches,
    padded_tokens,
    rank_share,
)


def lengths_to_sequences(lengths: list[int]) -> list[list[int]]:
    return [[3 + (i + j) % 40 for j in range(n)] for i, n in enumerate(lengths)]


def test_one_long_text_no_longer_pads_the_short_ones():
    sequences = lengths_to_sequences([1024, 600, 300, 270, 250, 40, 37, 35, 35, 34, 33, 33, 32, 31, 30, 30])
    order = rank_share(list(range(16)), sequences, 0, 1)
    passes = micro_batches(order, sequences, 8)
    fixed = [order[:8], order[8:]]
    assert [i for p in passes for i in p] == order  # every text once, in the dealt order
    assert passes[0] == [0]  # the longest text alone
    assert padded_tokens(passes, sequences) < padded_tokens(fixed, sequences) / 2
    assert all(len(p) * len(sequences[p[0]]) <= 8 * 1024 for p in passes)


@pytest.mark.parametrize("seed", range(20))
def test_passes_stay_within_the_memory_bound_and_never_cost_more(seed):
    rng = np.random.default_rng(seed)
    sequences = lengths_to_sequences(rng.integers(2, 300, size=int(rng.integers(1, 40))).tolist())
    size = int(rng.integers(1, 9))
    order = rank_share(list(range(len(sequences))), sequences, 0, 1)
    passes = micro_batches(order, sequences, size)
    longest = max(map(len, sequences))
    assert [i for p in passes for i in p] == order
    assert all(len(p) * len(sequences[p[0]]) <= size * longest for p in passes)
    fixed = [order[s : s + size] for s in range(0, len(order), size)]

    def cost(split: list[list[int]]) -> int:
        return padded_tokens(split, sequences) + PASS_OVERHEAD_TOKENS * len(split)

    assert cost(passes) <= cost(fixed)


def test_unsorted_indices_are_refused():
    sequences = lengths_to_sequences([5, 9])
    with pytest.raises(ValueError, match="longest first"):
        micro_batches([0, 1], sequences, 2)


def test_the_split_changes_no_gradient(tiny_model_dir):
    """Right padding is masked and never a target, so any split of a batch gives the same summed
    loss and gradient: the one-pass-per-text split against what micro_batches chooses."""
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir("llama"))
    rng = np.random.default_rng(1)
    sequences = [rng.integers(3, 200, size=n).tolist() for n in (61, 40, 9, 8, 7, 5, 4, 3)]
    order = rank_share(list(range(len(sequences))), sequences, 0, 1)

    def gradient(passes: list[list[int]]) -> tuple[float, torch.Tensor]:
        model.zero_grad()
        total = 0.0
        for p in passes:
            input_ids, mask, targets = collate([sequences[i] for i in p], pad_id=0)
            logits = model(input_ids=input_ids, attention_mask=mask).logits
            loss = F.cross_entropy(
                logits[:, :-1].reshape(-1, logits.shape[-1]),
                targets[:, 1:].reshape(-1),
                ignore_index=IGNORE_INDEX,
                reduction="sum",
            )
            loss.backward()
            total += loss.item()
        return total, torch.cat([q.grad.flatten() for q in model.parameters()])

    chosen = micro_batches(order, sequences, 4)
    assert 1 < len(chosen) < len(order)  # a real split: neither one pass nor one per text
    loss_alone, grad_alone = gradient([[i] for i in order])
    loss_chosen, grad_chosen = gradient(chosen)
    loss_fixed, grad_fixed = gradient([order[:4], order[4:]])  # the passes before micro_batches
    for loss, grad in ((loss_chosen, grad_chosen), (loss_fixed, grad_fixed)):
        assert loss == pytest.approx(loss_alone, rel=1e-5)
        assert ((grad - grad_alone).norm() / grad_alone.norm()).item() < 1e-5  # float summation order only
