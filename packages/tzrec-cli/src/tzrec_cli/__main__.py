"""``python -m tzrec_cli`` runs the ``tzrec`` command line (also under torchrun)."""

from tzrec_cli.app import main

if __name__ == "__main__":
    main()
