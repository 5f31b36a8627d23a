"""IPython and Jupyter: ``%load_ext qmodes`` (:mod:`.extension`), the magics (:mod:`.magics`),
the cell runner (:mod:`.cell`), the lines printed after a cell (:mod:`.output`), the
``QModes`` settings (:mod:`.config`), the job-mode widget (:mod:`.job_widget`) and a testing
shell (:mod:`.testing_shell`).

The top layer: it may import every other qmodes package, and it is the only one that imports
IPython. Nothing in qmodes imports it except ``qmodes.load_ipython_extension``.
"""
