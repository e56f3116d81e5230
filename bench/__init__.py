"""Benchmarks: Stackscribe measured side by side with raw faster-whisper in the same run."""
