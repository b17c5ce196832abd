"""The guarantees service's repositories, one per aggregate, each with its tenant scoping built in
(``scoping.py``): a repository obtained for a caller (``Files.of(ctx)``) never returns another
organisation's or owner's rows; event handlers and sweepers ask for every row by name (``for_system``)."""
