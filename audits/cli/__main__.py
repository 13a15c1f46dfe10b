"""`python -m audits.cli`: the same command line as the `vaudit` script."""

from audits.cli import main

main()
