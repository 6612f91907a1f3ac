"""Measurement tools (they use Rasa; the answering core does not): NLU and answer
evaluation, pipeline comparison, benchmarks."""
