"""Generate a Whisper-architecture CTranslate2 model that says known words for known input.

No Whisper weights can be downloaded where the tests run, so this builds a model with the
real Whisper layout (vocabulary ids, special tokens, conv front end, encoder, decoder with
cross-attention, alignment heads) that faster-whisper loads like any converted checkpoint.

The encoder has small random weights, so it costs what a real encoder of the same size
costs. The audio changes nothing the model says: cross-attention and the feed-forward layers
write (almost) zeros. What it says depends on what it is asked. For every decoded window it
says :func:`phrase` ``(language, task, prompted, beam_size)``::

    [xx] Ask not what your country can [really] do for you[, Stackscribe][, translated].

- ``[xx]``, the language code in brackets, comes first for every language but English
  (`` [de] Ask not ...``), forced or detected;
- ``really`` only with greedy decoding (beam size 1): after "can" the model gives " really"
  more probability than " do", but " really" is followed by a spread of tokens, so beam
  search (beam size 2 or more) finds the likelier "can do";
- ``, Stackscribe`` when the word "Stackscribe" (:data:`PROMPT_WORD`, with or without a
  leading space) is anywhere in the prompt of that window: the initial prompt or hotwords,
  which faster-whisper also puts in the prompt (the model's own ", Stackscribe." is another
  token, so it does not carry itself on to the next window);
- ``, translated`` when the task is translate.

Language detection always finds English (``<|en|>``, probability about 1), whatever the
audio. Every window yields one segment: from ``<|0.00|>`` to the window's end (sequential
decoding) or the window's whole text (without timestamps); word times mean nothing (the
cross-attention writes nothing, but its attention, which word timing reads, is random);
there is no temperature fallback and no no-speech filtering.
Because the word times are arbitrary, faster-whisper's sequential decoding with word
timestamps may start its next window at a "last word end" inside a clip and say the phrase
there again (as it would after a real model's early end).

How: every decoder branch but the first self-attention writes ~0, so the decoder is a table
from the current token to the next (a bigram), plus three attention heads that look back
over the whole prompt: one copies the language token's code, one the task token's, one the
prompt word's (if any). The projection adds those codes to the bigram's logits where they
choose: after ``<|notimestamps|>``/``<|0.00|>`` the language picks the first token
(`` [de]`` or `` Ask``), after " for" the task and the prompt word pick the last one.

Run ``python -m harness.tiny_whisper OUT_DIR [--size tiny|micro]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PHRASE = " Ask not what your country can do for you."
PHRASE_WORDS = tuple(w for w in PHRASE.split(" ") if w)
#: A word of the prompt that the model repeats at the end of what it says.
PROMPT_WORD = "Stackscribe"
#: The word greedy decoding (beam size 1) adds after "can" (English, transcribe, no prompt word).
_GREEDY_WORD = "really"
#: The last token, by (task, prompt word present).
_ENDINGS = {
    ("transcribe", False): " you.",
    ("translate", False): " you, translated.",
    ("transcribe", True): f" you, {PROMPT_WORD}.",
    ("translate", True): f" you, {PROMPT_WORD}, translated.",
}


def phrase(
    language: str = "en", task: str = "transcribe", prompted: bool = False, beam_size: int = 5
) -> str:
    """Exactly what the model says for one window, with a leading space."""
    prefix = "" if language == "en" else f" [{language}]"
    middle = f" {_GREEDY_WORD}" if beam_size == 1 else ""
    return f"{prefix} Ask not what your country can{middle} do for{_ENDINGS[task, prompted]}"


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
    # Small enough that the test suite loads it in milliseconds; four heads, as three
    # attention heads of the decoder read the prompt.
    "micro": ModelSize(d_model=64, heads=4, encoder_layers=1, decoder_layers=1),
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


def _model_words() -> list[str]:
    """Words the tokenizer makes one token of (so a prompt holding them encodes as one)."""
    return [*PHRASE_WORDS, _GREEDY_WORD, PROMPT_WORD]


def _spoken_only() -> list[str]:
    """Tokens only the model writes (no merge makes them): language marks and endings."""
    marks = [f" [{code}]" for code in _LANGUAGES if code != "en"]
    return marks + [text for text in _ENDINGS.values() if text != " " + PHRASE_WORDS[-1]]


def build_vocabulary() -> tuple[list[str], list[tuple[str, str]]]:
    """Whisper's id layout: 256 byte tokens, the model's words, fillers, then specials."""
    table = _bytes_to_unicode()
    regular = list(table.values())
    merges: list[tuple[str, str]] = []
    for word in [*(" " + w for w in _model_words()), PROMPT_WORD]:
        pieces = list(_byte_level(word, table))
        while len(pieces) > 1:
            merges.append((pieces[0], pieces[1]))
            pieces = [pieces[0] + pieces[1], *pieces[2:]]
            if pieces[0] not in regular:
                regular.append(pieces[0])
    regular += [_byte_level(text, table) for text in _spoken_only()]
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


# Bigram sources that several tokens share: they lead to the same next token.
_LANGUAGE_MARK = "language mark"
_ENDING = "ending"
# The logit each feature read by the attention heads adds where it chooses (see _Table).
_LANGUAGE_LOGIT, _TASK_LOGIT, _PROMPT_LOGIT = 30.0, 20.0, 24.0
#: How much of each code an attention head writes into the residual stream.
_HEAD_GAIN = 0.5
# Greedy's trap: after "can", " really" leads " do" by this much (before LayerNorm's scale),
# and after " really" the next token is spread over " do" and this many fillers.
_TRAP_LEAD, _TRAP_SPREAD, _TRAP_GAP = 1.0, 12, 0.9


@dataclass
class _Table:
    """What the decoder computes, as a table the weights are then solved for.

    ``source_of`` maps a token to its bigram source (tokens that lead to the same next token
    share one); ``rows`` are (source, target, margin): the target's logit after that source,
    when every target scores -40 after every other source. ``features`` add (feature, logit)
    to a target where the attention heads have read that feature: ("language", code),
    ("task", name), "prompt" (the prompt word is in the prompt) and "always" (a constant).
    """

    source_of: dict[int, Hashable] = field(default_factory=dict)
    rows: list[tuple[Hashable, int, float]] = field(default_factory=list)
    features: dict[int, list[tuple[Hashable, float]]] = field(default_factory=dict)

    def sources(self) -> list[Hashable]:
        return list(dict.fromkeys([*self.source_of.values(), *(s for s, _, _ in self.rows)]))


def _table(ids: dict[str, int]) -> _Table:
    """The model's behaviour (see the module docstring), in the order decoding meets it.

    Margins grow along the phrase: a beam that strays early is cheaper than one that strays
    late, so the early strays stay in the beam, run down the junk chain and end a few steps
    after the phrase. Beam search then stops at once instead of running to max_length.
    """
    table = _bytes_to_unicode()

    def tok(text: str) -> int:
        return ids[_byte_level(text, table)]

    words = {w: tok(" " + w) for w in [*PHRASE_WORDS[:-1], _GREEDY_WORD]}
    sot, nots, t0 = ids["<|startoftranscript|>"], ids["<|notimestamps|>"], ids["<|0.00|>"]
    tasks = {t: ids[f"<|{t}|>"] for t in ("transcribe", "translate")}
    marks = {code: tok(f" [{code}]") for code in _LANGUAGES if code != "en"}
    endings = {key: tok(text) for key, text in _ENDINGS.items()}
    junk = [ids[f"<|filler{i}|>"] for i in range(_JUNK_CHAIN)] + [_EOT]
    t = _Table()
    for token in [sot, nots, t0, *tasks.values(), *words.values(), *junk[:-1]]:
        t.source_of[token] = token
    t.source_of.update({m: _LANGUAGE_MARK for m in marks.values()})
    t.source_of.update({e: _ENDING for e in endings.values()})

    t.rows += [(sot, ids["<|en|>"], 40.0)]
    t.rows += [(task, t0, 40.0) for task in tasks.values()]
    # The first token: the language's mark, or " Ask" for English.
    firsts = {"en": words["Ask"], **marks}
    for code, first in firsts.items():
        t.rows += [(nots, first, 16.0), (t0, first, 18.0)]
        t.features[first] = [(("language", code), _LANGUAGE_LOGIT)]
    # " Ask" also carries English's code, which may point away from the language's.
    t.rows += [(_LANGUAGE_MARK, words["Ask"], 20.0 + _LANGUAGE_LOGIT)]
    chain = [words[w] for w in PHRASE_WORDS[:-1]]
    margin = 20.0
    for a, b in itertools.pairwise(chain):
        margin += 2
        t.rows += [(a, b, margin)]
        if b == words["do"]:
            trap = words[_GREEDY_WORD]
            t.rows += [(a, trap, margin + _TRAP_LEAD), (trap, b, 36.0)]
            # Fillers that act as " do" does (" for" next): no path ends early or runs long.
            detours = [ids[f"<|filler{_JUNK_CHAIN + i}|>"] for i in range(_TRAP_SPREAD)]
            t.rows += [(trap, j, 36.0 - _TRAP_GAP) for j in detours]
            t.source_of.update({j: b for j in detours})
    # The last token: by task and by the prompt word.
    for (task_name, prompted), ending in endings.items():
        t.rows += [(chain[-1], ending, margin + 2)]
        t.features[ending] = [(("task", task_name), _TASK_LOGIT)]
        if prompted:
            t.features[ending] += [("prompt", _PROMPT_LOGIT), ("always", -_PROMPT_LOGIT / 2)]
    t.rows += [(_ENDING, _EOT, margin + 4)]
    t.rows += [(_ELSEWHERE, junk[0], 40.0)]
    t.rows += [(a, b, 40.0) for a, b in itertools.pairwise(junk)]
    return t


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

    ids = {tok: i for i, tok in enumerate(vocab)}
    _fill_decoder(spec.decoder, size, _table(ids), ids, rng)
    return spec


def _language_codes(rng: np.random.Generator, k: int) -> np.ndarray:
    """One unit vector per language in k dimensions, spread apart (max cosine ~0.25 at 16)."""
    codes = rng.standard_normal((len(_LANGUAGES), k))
    codes /= np.linalg.norm(codes, axis=1, keepdims=True)
    for _ in range(2000):
        gram = codes @ codes.T
        np.fill_diagonal(gram, -1)
        push = np.exp(20 * (gram - gram.max())) * (gram > 0)
        codes -= 0.05 * (push @ codes) / push.sum(axis=1, keepdims=True).clip(1e-9)
        codes /= np.linalg.norm(codes, axis=1, keepdims=True)
    return codes


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _fill_decoder(dec, size: ModelSize, table: _Table, ids: dict[str, int], rng) -> None:
    """Weights that compute ``table``.

    Every residual branch but the first self-attention writes ~0, so the last hidden state
    is LayerNorm of the token's embedding (a zero-mean unit direction per bigram source) plus
    what three heads of that attention copied from the prompt: the language token's code,
    the task token's, the prompt word's. A projection row of ``logit * direction`` (over
    sqrt(d)) gives that logit wherever the direction is.
    """
    d, heads = size.d_model, size.heads
    hd = d // heads
    sources = table.sources()
    names = [*sources, "m_language", "m_task", "m_prompt", "transcribe", "translate", "prompt"]
    basis = _orthonormal_zero_mean(rng, d, len(names) + hd)
    direction = dict(zip(names, basis, strict=False))
    language_basis = basis[len(names) :]  # hd directions: the language codes' space
    codes = dict(zip(_LANGUAGES, _language_codes(rng, hd) @ language_basis, strict=True))
    feature: dict[Hashable, np.ndarray] = {("language", c): v for c, v in codes.items()}
    feature.update({("task", t): direction[t] for t in ("transcribe", "translate")})
    feature["prompt"] = direction["prompt"]
    feature["always"] = sum(direction[src] for src in sources)

    embeddings = np.tile(direction[_ELSEWHERE], (_VOCAB_SIZE, 1))
    for token, src in table.source_of.items():
        embeddings[token] = direction[src]
    for code, vec in codes.items():
        marked = direction[_ELSEWHERE] + direction["m_language"] + vec
        embeddings[ids[f"<|{code}|>"]] = _unit(marked)
    for task in ("transcribe", "translate"):
        token = ids[f"<|{task}|>"]
        embeddings[token] = _unit(embeddings[token] + direction["m_task"] + direction[task])
    # faster-whisper's batched pipeline encodes the initial prompt without a leading space.
    for word in (" " + PROMPT_WORD, PROMPT_WORD):
        prompt_token = ids[_byte_level(word, _bytes_to_unicode())]
        embeddings[prompt_token] = _unit(direction[_ELSEWHERE] + direction["m_prompt"])

    # A token the table never names scores -40 everywhere: tens of thousands of them at 0
    # would take a visible share of the probability from the table's choices.
    projection = np.tile(-feature["always"] * 40.0 / np.sqrt(d), (_VOCAB_SIZE, 1))
    gain: dict[Hashable, float] = {"always": 1.0}
    for target in {dst for _, dst, _ in table.rows}:
        # Each target of the table scores -40 after every other source: no beam can skip
        # ahead along the phrase or end early.
        row = -feature["always"] * 40.0
        for src, dst, margin in table.rows:
            if dst == target:
                row = row + direction[src] * (40.0 + margin)
        for name, logit in table.features.get(target, []):
            row = row + feature[name] * logit / gain.get(name, _HEAD_GAIN)
        projection[target] = row / np.sqrt(d)
    dec.embeddings.weight = embeddings.astype(np.float32)
    dec.position_encodings.encodings = np.zeros((_N_TEXT_CTX, d), np.float32)
    _set_norm(dec.layer_norm, d)
    for layer in dec.layer:
        _fill_attention(layer.self_attention, rng, d, self_attention=True, silent=True)
        _fill_attention(layer.attention, rng, d, self_attention=False, silent=True)
        _fill_ffn(layer.ffn, rng, d, silent=True)
    heads_spec = dec.layer[0].self_attention
    _fill_prompt_heads(heads_spec, d, hd, direction, embeddings, ids, language_basis)
    dec.projection.weight = projection


def _fill_prompt_heads(attention, d, hd, direction, embeddings, ids, language_basis) -> None:
    """Heads 0-2 of the first self-attention: each attends to its marker tokens only (a
    constant query, keys on the marker direction) and copies their code into the stream."""
    qkv = attention.linear[0].weight
    qkv *= 1e-5  # (almost) nothing but what is set below
    bias = attention.linear[0].bias
    out = attention.linear[1].weight
    scale = np.sqrt(d)
    # The share of each marker's direction in its token's (unit) embedding.
    share = {
        "m_language": float(embeddings[ids["<|en|>"]] @ direction["m_language"]),
        "m_task": float(embeddings[ids["<|transcribe|>"]] @ direction["m_task"]),
        "m_prompt": 1 / np.sqrt(2),
    }
    for head, marker in enumerate(("m_language", "m_task", "m_prompt")):
        bias[head * hd] = 1.0  # the query
        # Scores are q.k / sqrt(hd): 30 on a marker token, 0 elsewhere.
        qkv[d + head * hd] = 30 * np.sqrt(hd) * direction[marker] / (scale * share[marker])
    value = 2 * d
    for i in range(hd):
        qkv[value + i] = language_basis[i] / (scale * share["m_language"])
        out[:, i] = _HEAD_GAIN * language_basis[i]
    for i, task in enumerate(("transcribe", "translate")):
        qkv[value + hd + i] = direction[task] / (scale * share["m_task"])
        out[:, hd + i] = _HEAD_GAIN * direction[task]
    qkv[value + 2 * hd] = direction["m_prompt"] / (scale * share["m_prompt"])
    out[:, 2 * hd] = _HEAD_GAIN * direction["prompt"]


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
