"""The desktop window: a face over the task service, like the HTTP server beside it.

``python -m app gui`` (see :mod:`app.gui_cmd`) builds the :class:`~app.settings.Settings`,
then opens :class:`gui.main_window.MainWindow`, which hosts the engine and both HTTP
listeners in the background through a *backend factory* handed in by ``app/`` (this
package never imports the server or FastAPI; tasks posted over HTTP show up here because
both faces subscribe to the same service). It imports only ``engine/`` and Qt, never
``app/``: the settings come in as a :class:`gui.settings.window.WindowSettings`.

The rooms, each importing only those before it: :mod:`gui.settings` (what the run was
given, what was saved, the dialog), :mod:`gui.tasks` (the task list), :mod:`gui.recording`
(the microphone, live) and :mod:`gui.transcript` (a task's transcript: view, edit, play,
export). The window's shell at the top of the package: the pieces the rooms use,
:mod:`gui.dialogs` (every modal question), :mod:`gui.media`, :mod:`gui.jobs`,
:mod:`gui.collector`, :mod:`gui.icons`, :mod:`gui.style`, :mod:`gui.status_bar` and
:mod:`gui.session`; and what stands on them, :mod:`gui.drop_zone`, :mod:`gui.folder_watch`,
:mod:`gui.task_actions` (what a task's buttons do, across the rooms) and
:mod:`gui.main_window`, which puts it all together. The engine is reached only through its
front door (``from engine import ...``).

How the pieces talk (every arrow is a Qt signal, delivered on the GUI thread):

- :class:`gui.session.Session` starts, restarts and closes the backend off the GUI thread
  and relays the service's events (``task_event``, ``queue_positions``) and the engine's
  status (``engine_changed``);
- :class:`gui.tasks.model.TaskModel` holds one row per task; :class:`gui.tasks.table.TaskTable`
  shows it with progress bars and per-row actions (cancel, retry, open, export, remove),
  which :class:`gui.task_actions.TaskActions` carries out;
- :class:`gui.drop_zone.DropZone` turns dropped files and folders into paths;
- :class:`gui.transcript.view.TranscriptView` shows segments live, searches, copies,
  exports and plays from a segment (:class:`gui.transcript.playback.Player`); its
  :class:`gui.transcript.segment_editing.SegmentEditor` edits a finished transcript, and
  :class:`gui.tasks.edits.TaskEdits` saves each edit with the task and undoes it;
- :class:`gui.folder_watch.FolderWatch` queues the new files of the watched folder;
- :class:`gui.recording.panel.RecordPanel` records the microphone with
  :class:`gui.recording.recorder.Recorder`, transcribing through a live stream as it captures;
- :class:`gui.settings.dialog.SettingsDialog` edits the settings kept by
  :class:`gui.settings.preferences.PreferenceStore` (an INI file in the data folder).

Long work (submitting, cancelling, exporting, downloading a model, stopping the engine,
opening audio devices) runs in :class:`gui.jobs.Jobs` threads; the GUI thread never waits.

``STACKSCRIBE_QUIT_AFTER=<seconds>``: once the engine is ready (or has failed to start),
the window waits that many seconds, then closes itself without asking, stopping the
server and the engine cleanly, and ``python -m app gui`` exits with status 0. The
packaging smoke test runs the bundled ``stackscribe gui`` offscreen this way.
"""
