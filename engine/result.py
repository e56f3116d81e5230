"""The one result model: a transcript with segments and words, in API.md's JSON shape."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def _t(value: float) -> float:
    return round(float(value), 3)


@dataclass
class Word:
    text: str
    start: float
    end: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": _t(self.start),
            "end": _t(self.end),
            "confidence": round(float(self.confidence), 4),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Word:
        return cls(data["text"], data["start"], data["end"], data.get("confidence", 1.0))


@dataclass
class Segment:
    id: int
    start: float
    end: float
    text: str
    seek: int = 0
    tokens: list[int] = field(default_factory=list)
    temperature: float = 0.0
    avg_logprob: float = 0.0
    compression_ratio: float = 0.0
    no_speech_prob: float = 0.0
    words: list[Word] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """exp(avg_logprob): the mean per-token probability, 0..1."""
        return min(1.0, math.exp(self.avg_logprob)) if self.avg_logprob > -50 else 0.0

    def shifted(self, offset: float, new_id: int) -> Segment:
        """The same segment with times moved by ``offset`` seconds (chunk to file time)."""
        return Segment(
            id=new_id,
            start=self.start + offset,
            end=self.end + offset,
            text=self.text,
            seek=self.seek,
            tokens=self.tokens,
            temperature=self.temperature,
            avg_logprob=self.avg_logprob,
            compression_ratio=self.compression_ratio,
            no_speech_prob=self.no_speech_prob,
            words=[
                Word(w.text, w.start + offset, w.end + offset, w.confidence) for w in self.words
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seek": self.seek,
            "start": _t(self.start),
            "end": _t(self.end),
            "text": self.text,
            "tokens": list(self.tokens),
            "temperature": float(self.temperature),
            "avg_logprob": round(float(self.avg_logprob), 4),
            "compression_ratio": round(float(self.compression_ratio), 4),
            "no_speech_prob": round(float(self.no_speech_prob), 4),
            "confidence": round(self.confidence, 4),
            "words": [w.to_dict() for w in self.words],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(
            id=data["id"],
            start=data["start"],
            end=data["end"],
            text=data["text"],
            seek=data.get("seek", 0),
            tokens=list(data.get("tokens", [])),
            temperature=data.get("temperature", 0.0),
            avg_logprob=data.get("avg_logprob", 0.0),
            compression_ratio=data.get("compression_ratio", 0.0),
            no_speech_prob=data.get("no_speech_prob", 0.0),
            words=[Word.from_dict(w) for w in data.get("words") or []],
        )


@dataclass
class Transcript:
    language: str
    language_probability: float
    duration: float
    segments: list[Segment] = field(default_factory=list)
    task: str = "transcribe"

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments).strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "language_probability": round(float(self.language_probability), 4),
            "duration": _t(self.duration),
            "task": self.task,
            "segments": [s.to_dict() for s in self.segments],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        return cls(
            language=data.get("language", ""),
            language_probability=data.get("language_probability", 0.0),
            duration=data.get("duration", 0.0),
            segments=[Segment.from_dict(s) for s in data.get("segments", [])],
            task=data.get("task", "transcribe"),
        )
