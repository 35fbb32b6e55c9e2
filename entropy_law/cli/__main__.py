"""``python -m entropy_law.cli``: the same command line as the ``entropy-law`` script."""

from entropy_law.cli import main

if __name__ == "__main__":
    main()
