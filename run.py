"""Entry point: ``python run.py`` runs the default case; ``python run.py --help`` lists commands."""
import sys

from model.cli import main

if __name__ == "__main__":
    sys.exit(main())
