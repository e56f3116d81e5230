"""Names vulture cannot see used: frameworks call them by name. Read by vulture, never imported.

Each line names what uses it. Route handlers, exception handlers and pytest fixtures need no
line here: ``[tool.vulture] ignore_decorators`` in pyproject.toml skips them.
"""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# bench/__main__.py runs a benchmark by (module, function name) strings.
_.operations  # bench.cluster, "cluster.ops"
_.short_files  # bench.engine, "engine.short"

# PyAV's resampler reads the timestamp set on a frame (engine/live/pcm.py,
# engine/pipeline/audio.py).
_.pts

# The payload of the stack's queue event, also published by the Redis scripts; listeners
# currently take the event only as a signal to re-read the counts.
_.queue_size  # engine/stack/protocol.py QueueChanged

# engine/stack/redis.py registers each script by name: getattr(redis_scripts, name).
_.PUSH
_.CLAIM
_.REPORT
_.FINISH
_.REQUEUE
_.RELEASE
_.REAP
_.HEARTBEAT
_.COUNTS
_.CANCEL

# multiprocessing.managers.Server.serve_client loops until its stop_event is set.
_.stop_event  # engine/stack/sharing.py

# Qt calls these overrides of QWidget / QAbstractItemModel / QStyledItemDelegate by name.
_.closeEvent  # gui/main_window.py
_.columnCount  # gui/tasks/model.py, gui/transcript/view.py
_.headerData  # gui/tasks/model.py, gui/transcript/view.py
_.setData  # gui/transcript/view.py
_.editorEvent  # gui/tasks/table.py

# http.server / socketserver hooks and attributes (harness/hf_hub.py and the callback
# receiver in tests/server/test_callbacks.py).
_.daemon_threads
_.handle_error
_.client_address  # handle_error's signature, as socketserver calls it
_.protocol_version
_.log_message
_.do_HEAD
_.do_GET
_.do_POST
_.close_connection

# CTranslate2's Whisper model spec: the converter saves every attribute set on the spec.
_.gamma  # harness/tiny_whisper.py (layer norms)
_.encodings  # harness/tiny_whisper.py (position encodings)
_.suppress_ids
_.suppress_ids_begin
_.lang_ids
_.alignment_heads

# packaging/stackscribe.spec (PyInstaller, not a .py file) uses these from packaging/slim.py.
_.EXCLUDES
_.without_debug_info

# urllib.request.HTTPRedirectHandler hook (server/callbacks.py: callbacks never follow a 3xx).
_.redirect_request

# asyncio.Protocol hook (server/http_limits.py: limits on request heads).
_.data_received

# uvicorn.Server hook and flag (server/runner.py: the runner owns signals and stopping).
_.capture_signals
_.should_exit

# tests/gui/test_collector.py: the attribute that makes the object a reference cycle.
_.me
