"""Generate a Whisper-architecture CTranslate2 model that says a known phrase.

No Whisper weights can be downloaded where the tests run, so this builds a model with the
real Whisper layout (vocabulary ids, special tokens, conv front end, encoder, decoder with
cross-attention, alignment heads) that faster-whisper loads like any converted checkpoint.

The encoder has small random weights, so it costs what a real encoder of the same size
costs. Every residual branch of the decoder writes zeros, which turns the decoder into a
bigram table: the next token depends only on the current one. The table is
``SOT -> <|en|>``, ``<|notimestamps|> -> first word``, ``<|transcribe|> -> <|0.00|>``,
``<|0.00|> -> first word``, then each word to the next and the last word to
``<|endoftext|>``. Every 30-second window the model decodes therefore yields
:data:`PHRASE` exactly once, with probability close to 1, whatever the audio.

Run ``python -m tests.support.tiny_whisper OUT_DIR [--size tiny|micro]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PHRASE = " Ask not what your country can do for you."
PHRASE_WORDS = tuple(w for w in PHRASE.split(" ") if w)

_LANGUAGES = [
    "en",
    "zh",
    "de",
    "es",
    "ru",
    "ko",
    "fr",
    "ja",
    "pt",
    "tr",
    "pl",
    "ca",
    "nl",
    "ar",
    "sv",
    "it",
    "id",
    "hi",
    "fi",
    "vi",
    "he",
    "uk",
    "el",
    "ms",
    "cs",
    "ro",
    "da",
    "hu",
    "ta",
    "no",
    "th",
    "ur",
    "hr",
    "bg",
    "lt",
    "la",
    "mi",
    "ml",
    "cy",
    "sk",
    "te",
    "fa",
    "lv",
    "bn",
    "sr",
    "az",
    "sl",
    "kn",
    "et",
    "mk",
    "br",
    "eu",
    "is",
    "hy",
    "ne",
    "mn",
    "bs",
    "kk",
    "sq",
    "sw",
    "gl",
    "mr",
    "pa",
    "si",
    "km",
    "sn",
    "yo",
    "so",
    "af",
    "oc",
    "ka",
    "be",
    "tg",
    "sd",
    "gu",
    "am",
    "yi",
    "lo",
    "uz",
    "fo",
    "ht",
    "ps",
    "tk",
    "nn",
    "mt",
    "sa",
    "lb",
    "my",
    "bo",
    "tl",
    "mg",
    "as",
    "tt",
    "haw",
    "ln",
    "ha",
    "ba",
    "jw",
    "su",
]
_EOT = 50257
_VOCAB_SIZE = 51865
_N_TIMESTAMPS = 1501
_N_MELS = 80
_N_AUDIO_CTX = 1500
_N_TEXT_CTX = 448
# Tokens off the phrase share one embedding, "elsewhere"; from there a chain of this many
# filler tokens leads to end-of-text, longer than the phrase (see _bigram).
_JUNK_CHAIN = 14
_ELSEWHERE = -1


@dataclass(frozen=True)
class ModelSize:
    """Dimensions of a generated model."""

    d_model: int
    heads: int
    encoder_layers: int
    decoder_layers: int


SIZES = {
    # The size of openai/whisper-tiny: what the benchmarks use.
    "tiny": ModelSize(d_model=384, heads=6, encoder_layers=4, decoder_layers=4),
    # Small enough that the test suite loads it in milliseconds.
    "micro": ModelSize(d_model=64, heads=2, encoder_layers=1, decoder_layers=1),
}


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte-to-character table, in its id order."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in chars), strict=True))


def _special_tokens() -> list[str]:
    tokens = ["<|endoftext|>", "<|startoftranscript|>"]
    tokens += [f"<|{code}|>" for code in _LANGUAGES]
    tokens += [
        "<|translate|>",
        "<|transcribe|>",
        "<|startoflm|>",
        "<|startofprev|>",
        "<|nospeech|>",
        "<|notimestamps|>",
    ]
    tokens += ["<|%.2f|>" % (i * 0.02) for i in range(_N_TIMESTAMPS)]
    return tokens


def _byte_level(text: str, table: dict[int, str]) -> str:
    return "".join(table[b] for b in text.encode("utf-8"))


def build_vocabulary() -> tuple[list[str], list[tuple[str, str]]]:
    """Whisper's id layout: 256 byte tokens, the phrase's words, fillers, then specials."""
    table = _bytes_to_unicode()
    regular = list(table.values())
    merges: list[tuple[str, str]] = []
    for word in PHRASE_WORDS:
        pieces = list(_byte_level(" " + word, table))
        while len(pieces) > 1:
            merges.append((pieces[0], pieces[1]))
            pieces = [pieces[0] + pieces[1], *pieces[2:]]
            if pieces[0] not in regular:
                regular.append(pieces[0])
    regular += [f"<|filler{i}|>" for i in range(_EOT - len(regular) - 1)]
    # Whisper's multilingual vocabulary has an empty token at id 50256; CTranslate2
    # recognises a multilingual model by it.
    regular.append("")
    return regular + _special_tokens(), merges


def _tokenizer_json(vocab: list[str], merges: list[tuple[str, str]]) -> dict:
    specials = vocab[_EOT:]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": _EOT + i,
                "content": tok,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for i, tok in enumerate(specials)
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "vocab": {tok: i for i, tok in enumerate(vocab[:_EOT])},
            "merges": [list(m) for m in merges],
        },
    }


def _orthonormal_zero_mean(rng: np.random.Generator, d: int, k: int) -> np.ndarray:
    """k orthonormal directions with zero mean, so LayerNorm only rescales them."""
    m = rng.standard_normal((d, k))
    m -= m.mean(axis=0, keepdims=True)
    q, _ = np.linalg.qr(m)
    return q.T.astype(np.float32)


def _bigram(ids: dict[str, int]) -> list[tuple[int, int, float]]:
    """(source, target, margin) rows of the table, in the order decoding meets them.

    Margins grow along the phrase: a beam that strays early is cheaper than one that strays
    late, so the early strays stay in the beam, run down the junk chain and end a few steps
    after the phrase. Beam search then stops at once instead of running to max_length.
    """
    words = [ids["Ġ" + w] for w in PHRASE_WORDS]
    t0 = ids["<|0.00|>"]
    rows = [
        (ids["<|startoftranscript|>"], ids["<|en|>"], 40.0),
        (ids["<|transcribe|>"], t0, 16.0),
        (ids["<|translate|>"], t0, 16.0),
        (ids["<|notimestamps|>"], words[0], 16.0),
        (t0, words[0], 18.0),
    ]
    chain = [*words, _EOT]
    rows += [(a, b, 20.0 + 2 * i) for i, (a, b) in enumerate(itertools.pairwise(chain))]
    junk = [ids[f"<|filler{i}|>"] for i in range(_JUNK_CHAIN)] + [_EOT]
    rows += [(_ELSEWHERE, junk[0], 40.0)]
    rows += [(a, b, 40.0) for a, b in itertools.pairwise(junk)]
    return rows


def _linear(rng: np.random.Generator, out_dim: int, in_dim: int, zero: bool = False) -> dict:
    # A "silent" layer writes (almost) nothing. Not exact zeros: int8 quantization divides
    # by each row's largest magnitude.
    scale = 1e-5 if zero else 1.0 / np.sqrt(in_dim)
    return {
        "weight": (rng.standard_normal((out_dim, in_dim)) * scale).astype(np.float32),
        "bias": np.zeros(out_dim, np.float32),
    }


def _set_linear(spec, values: dict) -> None:
    spec.weight = values["weight"]
    spec.bias = values["bias"]


def _set_norm(spec, d: int) -> None:
    spec.gamma = np.ones(d, np.float32)
    spec.beta = np.zeros(d, np.float32)


def _fill_attention(spec, rng, d: int, self_attention: bool, silent: bool) -> None:
    _set_norm(spec.layer_norm, d)
    if self_attention:
        _set_linear(spec.linear[0], _linear(rng, 3 * d, d))
    else:
        _set_linear(spec.linear[0], _linear(rng, d, d))
        _set_linear(spec.linear[1], _linear(rng, 2 * d, d))
    _set_linear(spec.linear[-1], _linear(rng, d, d, zero=silent))


def _fill_ffn(spec, rng, d: int, silent: bool) -> None:
    _set_norm(spec.layer_norm, d)
    _set_linear(spec.linear_0, _linear(rng, 4 * d, d))
    _set_linear(spec.linear_1, _linear(rng, d, 4 * d, zero=silent))


def _sinusoids(length: int, channels: int) -> np.ndarray:
    increment = np.log(10000) / (channels // 2 - 1)
    inv = np.exp(-increment * np.arange(channels // 2))
    scaled = np.arange(length)[:, None] * inv[None, :]
    return np.concatenate([np.sin(scaled), np.cos(scaled)], axis=1).astype(np.float32)


def _build_spec(size: ModelSize, vocab: list[str], seed: int):
    from ctranslate2.specs import whisper_spec

    rng = np.random.default_rng(seed)
    d = size.d_model
    spec = whisper_spec.WhisperSpec(
        size.encoder_layers, size.heads, size.decoder_layers, size.heads
    )
    enc = spec.encoder
    enc.conv1.weight = (rng.standard_normal((d, _N_MELS, 3)) / np.sqrt(3 * _N_MELS)).astype(
        np.float32
    )
    enc.conv1.bias = np.zeros(d, np.float32)
    enc.conv2.weight = (rng.standard_normal((d, d, 3)) / np.sqrt(3 * d)).astype(np.float32)
    enc.conv2.bias = np.zeros(d, np.float32)
    enc.position_encodings.encodings = _sinusoids(_N_AUDIO_CTX, d)
    _set_norm(enc.layer_norm, d)
    for layer in enc.layer:
        _fill_attention(layer.self_attention, rng, d, self_attention=True, silent=False)
        _fill_ffn(layer.ffn, rng, d, silent=False)

    dec = spec.decoder
    ids = {tok: i for i, tok in enumerate(vocab)}
    rows = _bigram(ids)
    sources = list(dict.fromkeys(src for src, _, _ in rows))
    directions = dict(zip(sources, _orthonormal_zero_mean(rng, d, len(sources)), strict=True))
    # The decoder's residual branches write ~0, so the last hidden state is LayerNorm of the
    # token's embedding: sqrt(d) times a zero-mean unit direction. A projection row of
    # (margin / sqrt(d)) * direction gives that logit after that token.
    embeddings = np.tile(directions[_ELSEWHERE], (_VOCAB_SIZE, 1))
    for src in sources:
        if src != _ELSEWHERE:
            embeddings[src] = directions[src]
    projection = np.zeros((_VOCAB_SIZE, d), np.float32)
    for target in {dst for _, dst, _ in rows}:
        # Each target of the table scores -40 after every other source: no beam can skip
        # ahead along the phrase or end early.
        row = -sum(directions[src] for src in sources) * 40.0
        for src, dst, margin in rows:
            if dst == target:
                row += directions[src] * (40.0 + margin)
        projection[target] = row / np.sqrt(d)
    dec.embeddings.weight = embeddings
    dec.position_encodings.encodings = np.zeros((_N_TEXT_CTX, d), np.float32)
    _set_norm(dec.layer_norm, d)
    for layer in dec.layer:
        _fill_attention(layer.self_attention, rng, d, self_attention=True, silent=True)
        _fill_attention(layer.attention, rng, d, self_attention=False, silent=True)
        _fill_ffn(layer.ffn, rng, d, silent=True)
    dec.projection.weight = projection
    return spec


def generate(out_dir: str | Path, size: str = "micro", seed: int = 0) -> Path:
    """Write a loadable model directory and return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dims = SIZES[size]
    vocab, merges = build_vocabulary()
    spec = _build_spec(dims, vocab, seed)
    space_id = vocab.index("Ġ")
    spec.config.suppress_ids = [space_id]
    spec.config.suppress_ids_begin = [space_id, _EOT]
    spec.config.lang_ids = list(range(_EOT + 2, _EOT + 2 + len(_LANGUAGES)))
    spec.config.alignment_heads = [[dims.decoder_layers - 1, h] for h in range(dims.heads)]
    spec.register_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization="float16")
    spec.save(str(out))
    (out / "tokenizer.json").write_text(
        json.dumps(_tokenizer_json(vocab, merges)), encoding="utf-8"
    )
    (out / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "feature_size": _N_MELS,
                "sampling_rate": 16000,
                "hop_length": 160,
                "n_fft": 400,
                "chunk_length": 30,
            }
        ),
        encoding="utf-8",
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--size", choices=sorted(SIZES), default="micro")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    generate(args.out_dir, args.size, args.seed)


if __name__ == "__main__":
    main()
