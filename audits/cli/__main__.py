"""`python -m vaudit.audits.cli`: the same command line as the `vaudit` script."""

from vaudit.audits.cli import main

if __name__ == "__main__":  # importing this module (e.g. the layering test) must not run it
    main()
