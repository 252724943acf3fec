"""Sub-commands of the `vmbench` CLI; each module defines ``register(subparsers)``.

Modules are discovered automatically (see `vmbench.cli`), so adding a command never edits
another file. Heavy imports belong inside each command's ``func``, to keep ``--help`` fast.
"""
