"""Protection of households' personal data: sealing, reading and erasing them (the envelope encryption
and the access log's hash chain are the kit's: :mod:`abri_kit.envelope`, :mod:`abri_kit.access_log`)."""
