"""An output folder that appears whole or not at all (as skycover's own, docs/reliability.md).

Everything an algorithm writes (the scenario TOML, the exported inputs, skycover's output folder,
the layers the plugin derives from it) goes into a hidden sibling `.NAME.partial-PID-N` that is
renamed onto the chosen folder when the run has succeeded, and deleted when it fails or is
cancelled. A folder that already holds an earlier run of this plugin (marked by `.skycover-qgis`)
is replaced; a folder holding anything else is refused, never emptied.
"""
import itertools
import os
import shutil

from qgis.core import QgsProcessingException

MARKER = ".skycover-qgis"
_counter = itertools.count()


class StagedFolder:
    def __init__(self, final, algorithm_id):
        if not final:
            raise QgsProcessingException("skycover: no output folder given")
        self.final = os.path.abspath(final)
        self.algorithm_id = algorithm_id
        if os.path.exists(self.final):
            if not os.path.isdir(self.final):
                raise QgsProcessingException(f"skycover: output folder '{self.final}' exists and is not a folder")
            entries = os.listdir(self.final)
            if entries and MARKER not in entries:
                raise QgsProcessingException(
                    f"skycover: output folder '{self.final}' holds files that are not an earlier skycover run; "
                    "choose an empty or new folder (nothing there is deleted)")
        parent = os.path.dirname(self.final)
        os.makedirs(parent, exist_ok=True)
        self.path = os.path.join(parent, f".{os.path.basename(self.final)}.partial-{os.getpid()}-{next(_counter)}")
        os.mkdir(self.path)
        self.committed = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None or not self.committed:
            self.abort()
        return False

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def final_join(self, *parts):
        return os.path.join(self.final, *parts)

    def commit(self):
        with open(self.join(MARKER), "w", encoding="utf-8") as f:
            f.write(f"written by the skycover QGIS plugin, algorithm {self.algorithm_id}\n")
        old = None
        if os.path.exists(self.final):
            old = f"{self.path}.old"
            os.rename(self.final, old)
        try:
            os.rename(self.path, self.final)
        except OSError:
            if old is not None:
                os.rename(old, self.final)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self.committed = True

    def abort(self):
        shutil.rmtree(self.path, ignore_errors=True)
