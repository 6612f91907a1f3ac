"""Measurement tools (they use Rasa; the answering core does not): NLU and answer
evaluation, pipeline comparison, benchmarks, and the stores written as Rasa writes them
that the report's tests and benchmark read."""
