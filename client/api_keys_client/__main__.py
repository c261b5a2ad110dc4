"""`python -m api_keys_client`: the `api-keys` command line."""

from ._cli import main

raise SystemExit(main())
