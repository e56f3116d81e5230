"""The frozen program's entry script: the same ``main()`` as ``python -m app``.

Spawned engine and download processes re-run this script; ``main()`` calls
``multiprocessing.freeze_support()`` first, which hands them to multiprocessing.
"""

from app.cli import main

if __name__ == "__main__":
    main()
