"""``python -m app``: parse the command line, then start the mode asked for.

Start-up order: parse arguments (nothing heavy is imported before this, so ``--help`` is
instant), build :class:`Settings` once, configure logging, then import and run the mode:

- ``gui``        the desktop window, hosting the server and the engine;
- ``serve``      the HTTP server (queue and direct listeners) and the engine, headless;
- ``transcribe`` files through the same engine and stack, with a progress bar per file;
- ``watch``      a folder: each new audio or video file in it is transcribed once;
- ``live``       the microphone transcribed in the terminal as you speak, saved with its text;
- ``worker``     an engine alone, taking work from a shared Redis stack;
- ``models``     list, download or remove Whisper models;
- ``config``     print the effective settings (``--markdown``: the README's table).

With no mode, ``gui`` runs when a display is available, ``serve`` otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app import settings as settings_mod
from engine.formats import FILE_FORMATS

MODES = ("gui", "serve", "transcribe", "watch", "live", "worker", "models", "config")


def _add_settings(
    parser: argparse.ArgumentParser, mode: str | None, skip: tuple[str, ...] = ()
) -> None:
    group = parser.add_argument_group("settings (flag, else environment variable, else default)")
    for f in settings_mod.fields():
        if (mode is not None and mode not in f.metadata["modes"]) or f.name in skip:
            continue
        kind = type(f.default)
        group.add_argument(
            settings_mod.flag(f),
            dest=f.name,
            type=kind if kind in (int, float) else str,
            default=None,
            choices=f.metadata["choices"],
            metavar=f.metadata["metavar"] or (None if f.metadata["choices"] else f.name.upper()),
            # argparse %-formats help strings: a literal % in a setting's help must be doubled
            help=f"{f.metadata['help']} [{f.metadata['env']}; default: "
            f"{'(hidden)' if f.metadata['secret'] else f.default!r}]".replace("%", "%%"),
        )


class _Version(argparse.Action):
    """``--version``: the package's metadata is read only when asked (it costs ~50 ms)."""

    def __init__(self, option_strings: Sequence[str], dest: str) -> None:
        super().__init__(
            option_strings, argparse.SUPPRESS, nargs=0, help="show the version and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from app.version import version

        print(f"stackscribe {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stackscribe",
        description="Stackscribe: local speech transcription with Whisper models. Modes: "
        + ", ".join(MODES)
        + ". With no mode, the GUI opens when a display is available, "
        "the headless server starts otherwise.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="mode", metavar="MODE")
    _add_settings(sub.add_parser("gui", help="open the desktop window"), "gui")
    _add_settings(sub.add_parser("serve", help="run the HTTP server headless"), "serve")
    _add_transcribe(sub)
    _add_watch(sub)
    _add_live(sub)
    _add_settings(
        sub.add_parser("worker", help="run an engine alone on a shared Redis stack"), "worker"
    )
    _add_models(sub)
    config = sub.add_parser("config", help="print the effective settings")
    config.add_argument("--markdown", action="store_true", help="print the README's table")
    _add_settings(config, None)
    _add_settings(parser, None)
    return parser


def _add_transcribe(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="transcribe files and write the results")
    p.add_argument("files", nargs="+", metavar="FILE", help="audio or video files")
    p.add_argument(
        "--output-dir",
        default=".",
        metavar="DIR",
        help="where results are written, as NAME.EXT; '-' prints them (default: .)",
    )
    _add_transcription_flags(p)
    _add_settings(p, "transcribe")


def _add_watch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="transcribe each new audio or video file put in a folder")
    p.add_argument("folder", metavar="DIR", help="the folder to watch (and the folders in it)")
    p.add_argument(
        "--output-dir",
        default=None,
        metavar="DIR",
        help="where transcripts are written, as NAME.EXT (default: next to each file)",
    )
    _add_transcription_flags(p)
    _add_settings(p, "watch")


def _add_transcription_flags(p: argparse.ArgumentParser) -> None:
    """What to decode and write, shared by ``transcribe`` and ``watch``."""
    p.add_argument("--language", default=None, help="ISO code such as en or th; default: detect")
    p.add_argument("--task", choices=("transcribe", "translate"), default="transcribe")
    p.add_argument(
        "--format",
        default="txt",
        help=f"one or more of {', '.join(FILE_FORMATS)}, comma-separated, or 'all' (default: txt)",
    )
    p.add_argument("--no-word-timestamps", action="store_true", help="skip word timings")
    p.add_argument("--no-vad", action="store_true", help="decode silence too")
    p.add_argument("--initial-prompt", default=None, help="vocabulary or context hint")
    p.add_argument(
        "--hotwords",
        default=None,
        metavar="WORDS",
        help="names and terms the decoder should expect, e.g. 'ComfyUI, Kubernetes'",
    )
    _add_subtitle_layout(p)


def _add_subtitle_layout(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("subtitle layout (srt and vtt, from word timings)")
    add = group.add_argument
    add("--max-line-width", type=int, metavar="CHARS", help="most characters on a line")
    add("--max-line-count", type=int, metavar="N", help="most lines in a cue")
    add("--max-words-per-line", type=int, metavar="N", help="most words on a line")


def _add_live(sub: argparse._SubParsersAction) -> None:
    from app.live_cmd import add_parser

    # There --device is the microphone; the model's device is WHISPER_DEVICE.
    _add_settings(add_parser(sub), "transcribe", skip=("device",))


def _add_models(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, download or remove Whisper models")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="models in the cache, with their sizes, and known names")
    download = actions.add_parser("download", help="download a model, with progress")
    download.add_argument("name")
    remove = actions.add_parser("remove", help="delete a cached model")
    remove.add_argument("name")
    for action in (p, *actions.choices.values()):
        action.add_argument(
            "--model-dir",
            dest="model_dir",
            default=None,
            metavar="DIR",
            help="model cache folder [MODEL_DIR]",
        )


def display_available() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )


def main(argv: Sequence[str] | None = None) -> None:
    import multiprocessing

    # A frozen (PyInstaller) build re-enters main() in every spawned child process.
    multiprocessing.freeze_support()
    args = build_parser().parse_args(argv)
    mode = args.mode or ("gui" if display_available() else "serve")
    try:
        settings = settings_mod.load(vars(args))
    except ValueError as exc:
        sys.exit(f"stackscribe: {exc}")
    from app import logs

    logs.configure(settings.log_level)
    sys.exit(_run(mode, args, settings))


def _run(mode: str, args: argparse.Namespace, settings: settings_mod.Settings) -> int:
    if mode in ("transcribe", "live", "watch"):
        import importlib

        command = importlib.import_module(f"app.{mode}_cmd")  # transcribe_cmd, live_cmd, ...
        return command.run(args, settings)
    if mode == "models":
        from app.models_cmd import run as run_models

        return run_models(args, settings)
    if mode == "config":
        return _print_config(args, settings)
    if mode == "serve":
        from app.serve_cmd import run as run_serve

        return run_serve(settings)
    if mode == "worker":
        from app.worker_cmd import run as run_worker

        return run_worker(settings)
    from app.gui_cmd import run as run_gui

    return run_gui(settings)


def _print_config(args: argparse.Namespace, settings: settings_mod.Settings) -> int:
    if args.markdown:
        print(settings_mod.markdown_table())
        return 0
    for name, value in settings.public().items():
        print(f"{name} = {value!r}")
    return 0
