"""Abri listings service.

Units that private owners offer for solidarity rental: their facts, legal checks, publication and search.
"""
