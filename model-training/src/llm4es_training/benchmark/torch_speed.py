"""`python -m llm4es_training.benchmark.torch_speed --model DIR --tokens FILE --threads N
--layers-from A --layers-to B`: the same model in PyTorch eager (transformers) on the token ids
the Java embedder used, with the bundle's pooling; prints timing and the forward FLOPs as JSON.
Its own process, so its peak memory is its own."""

from __future__ import annotations

import json
import time

from ..arguments import ArgumentParser

BATCH = 16


def forward_flops(config, lengths: list[int]) -> float:
    """Multiply-adds x 2 of the blocks: weights (2 x non-embedding parameters per token) plus the
    attention scores and their weighted sum (4 x L^2 x hidden per layer, full square as computed)."""
    hidden, layers = config.hidden_size, config.num_hidden_layers
    heads, kv_heads = config.num_attention_heads, getattr(config, "num_key_value_heads", config.num_attention_heads)
    ffn = config.intermediate_size
    per_layer = hidden * hidden * 2 + 2 * hidden * (hidden // heads) * kv_heads + 3 * hidden * ffn
    return float(sum(2 * layers * per_layer * n + 4 * layers * hidden * n * n for n in lengths))


def main(argv: list[str] | None = None) -> dict:
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--tokens", required=True, help="embed-texts output: one {token_ids} per line")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--layers-from", type=int, required=True)
    parser.add_argument("--layers-to", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(args.threads)
    with open(args.tokens, encoding="utf-8") as f:
        ids = [json.loads(line)["token_ids"] for line in f]
    model = AutoModelForCausalLM.from_pretrained(args.model).eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))

    def embed_all():
        for start in range(0, len(order), BATCH):
            batch = [ids[i] for i in order[start : start + BATCH]]
            width = max(len(b) for b in batch)
            input_ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros_like(input_ids)
            for row, b in enumerate(batch):
                input_ids[row, : len(b)], mask[row, : len(b)] = torch.tensor(b), 1
            hidden = model.model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True).hidden_states
            layers = torch.stack(hidden[args.layers_from : args.layers_to + 1]).mean(0)
            (layers * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)

    seconds = []
    with torch.inference_mode():
        embed_all()  # warm-up
        for _ in range(args.repeats):
            started = time.perf_counter()
            embed_all()
            seconds.append(time.perf_counter() - started)
    result = {
        "seconds": sorted(seconds)[len(seconds) // 2],
        "texts": len(ids),
        "tokens": sum(map(len, ids)),
        "flops": forward_flops(model.config, [len(i) for i in ids]),
        "torch_threads": torch.get_num_threads(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
