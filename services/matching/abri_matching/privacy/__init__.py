"""Protection of households' personal data: envelope encryption, consent, access log."""
