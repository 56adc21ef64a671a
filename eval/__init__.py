"""Evaluation harness: metrics, the llama-index reference, the run loop and the RESULTS.md report."""
