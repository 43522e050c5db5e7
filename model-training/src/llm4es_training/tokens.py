"""Tokenization and padding exactly as the Java runtime does it, for verification and tests."""

import numpy as np
from tokenizers import Tokenizer


def encode_for_bundle(tokenizer: Tokenizer, text: str, tokens: dict) -> list[int]:
    """Token ids for one text: no tokenizer-side specials, then the manifest's BOS/EOS."""
    ids = tokenizer.encode(text, add_special_tokens=False).ids
    if tokens["add_bos"]:
        ids = [tokens["bos_id"]] + ids
    if tokens["add_eos"]:
        ids = ids + [tokens["eos_id"]]
    return ids


def right_pad(rows: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """int64 input_ids and attention_mask, padded on the right to the longest row."""
    width = max(len(row) for row in rows)
    input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    attention_mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = row
        attention_mask[i, : len(row)] = 1
    return input_ids, attention_mask
