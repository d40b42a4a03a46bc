"""``python -m idp.cli``: the same commands as the ``idp`` console script."""

from . import main

main()
