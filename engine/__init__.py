"""The engine: tasks, the LIFO stack, audio decoding and chunking, the Whisper transcriber.

Nothing here knows about HTTP or Qt; the server and the GUI are two faces over
:class:`engine.service.TaskService`.
"""
