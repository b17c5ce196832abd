"""The matching service's repositories, one per aggregate, each with its tenant scoping built in: a
repository obtained for a caller (``Households.of(ctx)``) never returns another association's,
owner's or household's rows (404, as if they did not exist); event handlers and sweepers ask for every
row by name (``for_system``)."""
