"""``python -m verify.sweep``: the same group as ``bounds sweep`` (:mod:`verify.sweep.cli`), run on its own."""

from .cli import main

if __name__ == "__main__":  # not when a spawned worker re-imports this module as __mp_main__
    main()
