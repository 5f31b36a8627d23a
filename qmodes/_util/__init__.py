"""Small helpers with no knowledge of quantum jobs: deferred interrupts (:mod:`.atomic`),
process-wide lazy singletons (:mod:`.lazy`) and the finder that keeps old module names
importable for one release (:mod:`.aliases`).

The bottom of the package: it imports only the standard library, and every layer may import it.
"""
