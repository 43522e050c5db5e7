"""Token sequences and the order they are trained in.

The global batch of each step is a pure function of (seed, step), so a resumed run sees exactly
the batches an uninterrupted run would, and N processes see exactly what one process would: each
takes a share of the same global batch.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .context import FittedText, fit_to_context, header_line_count
from .corpus import UserText
from .errors import TrainingError

IGNORE_INDEX = -100  # cross_entropy's ignore_index: padding is never a target


@dataclass(frozen=True)
class EncodedCorpus:
    sequences: list[list[int]]
    events_dropped: int  # oldest event lines dropped to fit the context
    texts_truncated: int  # texts that lost at least one event line
    texts_skipped: int  # texts whose newest event alone exceeds the context, or structured texts too long

    @property
    def tokens(self) -> int:
        return sum(map(len, self.sequences))


def encode_corpus(
    records: list[UserText],
    encode: Callable[[str], list[int]],
    bos_id: int | None,
    context: int,
    header: bool,
    cut_lines: bool = True,
) -> EncodedCorpus:
    """Token ids as the runtime builds them: optional BOS, then the text fitted to the context.
    `cut_lines`: whether a `lines` text may lose its oldest lines here (see
    `context.lines_cut_like_java`)."""
    budget = context - (bos_id is not None)
    prefix = [] if bos_id is None else [bos_id]
    sequences, dropped, truncated, skipped = [], 0, 0, 0
    for record in records:
        if record.token_budget is not None and record.token_budget > budget:
            raise TrainingError(
                f"user {record.user_id}'s text was cut by export-text to {record.token_budget} tokens, more than "
                f"this context's {budget} (--context {context}): export again with --budget {budget}"
            )
        if record.token_budget is not None:
            # Java cut it to the budget as the runtime does: it fits as it is (with the same tokenizer).
            fitted = _whole(record.text, encode, budget)
            if fitted is not None:
                dropped += record.dropped_events
                truncated += record.dropped_events > 0
                sequences.append(prefix + fitted.ids)
            else:
                skipped += 1
            continue
        if record.rendering != "lines" or not cut_lines:
            # Only the plain line rendering can lose its oldest lines as Java does; cutting a JSON,
            # YAML or table rendering, a summary computed over all events, or a gap column would
            # train on text the runtime never produces, so such a text is kept whole or skipped,
            # and counted. Java cuts them: `export-text --tokenizer --budget`.
            fitted = _whole(record.text, encode, budget)
        else:
            fitted = fit_to_context(record.text, header_line_count(record.text, record.events, header), encode, budget)
        if fitted is None:
            skipped += 1
            continue
        sequences.append(prefix + fitted.ids)
        dropped += fitted.events_dropped
        truncated += fitted.events_dropped > 0
    return EncodedCorpus(sequences, dropped, truncated, skipped)


def _whole(text: str, encode: Callable[[str], list[int]], budget: int) -> FittedText | None:
    ids = encode(text)
    return FittedText(ids, 0, 0) if len(ids) <= budget else None


def steps_per_epoch(examples: int, batch_size: int) -> int:
    return examples // batch_size  # the last partial batch is dropped: every step has equal weight


def global_batch(examples: int, batch_size: int, seed: int, step: int) -> list[int]:
    """Example indices of one step's global batch (shuffled anew each epoch)."""
    per_epoch = steps_per_epoch(examples, batch_size)
    epoch, index = divmod(step, per_epoch)
    order = np.random.default_rng([seed, epoch]).permutation(examples)
    return order[index * batch_size : (index + 1) * batch_size].tolist()


def rank_share(indices: list[int], sequences: list[list[int]], rank: int, world_size: int) -> list[int]:
    """This process's share: longest first, dealt round-robin so shares are balanced in tokens."""
    by_length = sorted(indices, key=lambda i: (-len(sequences[i]), i))
    return by_length[rank::world_size]


def target_tokens(sequences: list[list[int]], indices: list[int]) -> int:
    """Predicted positions: every token after the first of each sequence."""
    return sum(len(sequences[i]) - 1 for i in indices)


# What one forward and backward pass costs beyond its tokens, in tokens' work (Python, kernel
# launches): it keeps a batch of short texts in one pass rather than one pass each.
PASS_OVERHEAD_TOKENS = 64


def micro_batches(indices: list[int], sequences: list[list[int]], size: int) -> list[list[int]]:
    """`indices` (longest first, as `rank_share` deals them) cut into forward passes: contiguous
    runs, each padded to its first text's length, that compute the fewest padded tokens (plus
    PASS_OVERHEAD_TOKENS a pass), none above `size` texts of the corpus's longest, the memory
    that `size` bounded when passes held `size` texts. The loss is a sum over predicted tokens
    divided by the batch's count, so the split changes no gradient, only the padding computed:
    one long text no longer pads seven short ones to its length."""
    lengths = [len(sequences[i]) for i in indices]
    if lengths != sorted(lengths, reverse=True):
        raise ValueError("micro_batches takes indices longest first")
    budget = size * max(map(len, sequences))
    # cost[j]: the cheapest split of the first j texts; cut[j]: where its last pass starts
    cost, cut = [0] + [float("inf")] * len(indices), [0] * (len(indices) + 1)
    for start in range(len(indices)):
        rows_allowed = budget // lengths[start]
        for end in range(start + 1, min(len(indices), start + rows_allowed) + 1):
            total = cost[start] + (end - start) * lengths[start] + PASS_OVERHEAD_TOKENS
            if total < cost[end]:
                cost[end], cut[end] = total, start
    passes, end = [], len(indices)
    while end:
        passes.append(indices[cut[end] : end])
        end = cut[end]
    return passes[::-1]


def padded_tokens(passes: list[list[int]], sequences: list[list[int]]) -> int:
    """Tokens the passes compute, padding included."""
    return sum(len(p) * max(len(sequences[i]) for i in p) for p in passes)


def collate(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded input_ids, attention_mask and targets (padding targets are ignored)."""
    width = max(map(len, sequences))
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        input_ids[row, : len(sequence)] = torch.tensor(sequence)
        attention_mask[row, : len(sequence)] = 1
    targets = input_ids.masked_fill(attention_mask == 0, IGNORE_INDEX)
    return input_ids, attention_mask, targets
