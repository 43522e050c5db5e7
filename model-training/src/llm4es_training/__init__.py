"""Fine-tuning and bundle export for llm4es (LLM user embeddings from event sequences)."""

__version__ = "0.1.0"
