"""The quality benchmark: task loaders for the offline datasets (TASKS.md), the ptls evaluation
protocol and the aggregate-feature baseline.

Loaders write raw events only; turning events into text is the Java serializer's job.
"""
